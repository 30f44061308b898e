# NumPy's elementwise float rules, as inline C, for kernels that stand for a NumPy
# expression and must give its bits (cimported by _matching, _population, _vacancies;
# no .pyx of its own).


cdef inline double numpy_maximum(double a, double b) noexcept nogil:
    """``np.maximum(a, b)``: NaN propagated from either, and the second of two equal
    values (so -0.0 against 0.0 gives 0.0, and 0.0 against -0.0 gives -0.0). Written
    with ``|``, not ``or``: no branch, so loops that use it still vectorise."""
    return a if (a > b) | (a != a) else b
