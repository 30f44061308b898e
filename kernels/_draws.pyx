# Inverse-CDF draws of a category, one cumulative row per kind of agent.
#
# What lives where (scikit-learn layering, see kernels/reference.py):
#   kernels/_draws.pyx    (this file) draw_from_cdf_rows: a binary search within each
#                         draw's own row, no temporaries;
#   kernels/reference.py  the NumPy reference (one searchsorted over the flattened rows),
#                         which this file reproduces bit for bit;
#   sim/randomness.py     the caller (draw_from_cdf_rows), which falls back to the
#                         reference when this kernel declines.
# Directives and reproducibility flags are set once in setup.py.

import numpy as np

from libc.stdint cimport int64_t


def draw_from_cdf_rows(const double[:, ::1] cdf, const int64_t[::1] rows,
                       const double[::1] u, int64_t[::1] out):
    """For each ``u[i]``, the category drawn from row ``rows[i]`` of ``cdf``: the result
    of ``reference.draw_from_cdf_rows``, i.e. ``searchsorted(flat, rows + u, "right") -
    rows * C`` with ``flat = (arange(R)[:, None] + cdf).ravel()``, bit for bit.

    The reference searches all R * C entries; here each draw searches its own row, then
    steps past any entries of the next row that are still <= rows + u. Both give the
    number of entries <= rows + u whenever ``flat[k] <= x`` is true then false along
    ``flat`` (then any binary search finds the same point). ``flat`` can dip where a row
    ends (a cumulative sum a rounding above 1, then the last column set to exactly 1):
    a draw whose key falls in such a dip is left to the reference, since NumPy's search
    then depends on the keys before it.

    Args (R rows, C categories, N draws):
        cdf: float64 (R, C), C-contiguous. rows: int64 (N). u: float64 (N).
        out: OUT int64 (N).

    Returns:
        True when ``out`` was filled; False (``out`` untouched) when a draw is NaN or its
        key falls in a dip of ``flat``, cases the caller leaves to the reference.
    """
    cdef Py_ssize_t R = cdf.shape[0], C = cdf.shape[1], n = rows.shape[0]
    if u.shape[0] != n or out.shape[0] != n:
        raise ValueError(f"u has length {u.shape[0]}, out {out.shape[0]}, rows {n}")
    cdef Py_ssize_t total = R * C
    if total == 0:
        return False
    flat_arr = np.empty(total, dtype=np.float64)
    cdef double[::1] flat = flat_arr
    dip_arr = np.empty(2 * total, dtype=np.float64)   # [low, high) of each dip
    cdef double[::1] dip = dip_arr
    cdef Py_ssize_t r, c, i, lo, hi, half, length, below, k, d, n_dips = 0
    cdef double x
    cdef bint usable = True
    with nogil:
        for r in range(R):
            for c in range(C):
                flat[r * C + c] = <double>r + cdf[r, c]
        for k in range(1, total):
            if flat[k] < flat[k - 1]:
                dip[2 * n_dips] = flat[k]
                dip[2 * n_dips + 1] = flat[k - 1]
                n_dips += 1
            elif not (flat[k] >= flat[k - 1]):   # NaN in the table
                usable = False
        for i in range(n):
            if not usable:
                break
            x = <double>rows[i] + u[i]
            if x != x:
                usable = False
            for d in range(n_dips):
                if dip[2 * d] <= x < dip[2 * d + 1]:
                    usable = False
    if not usable:
        return False
    with nogil:
        for i in range(n):
            r = rows[i]
            x = <double>r + u[i]
            if 0 <= r < R and (r == 0 or flat[r * C - 1] <= x):
                lo, hi = r * C, (r + 1) * C
            else:
                lo, hi = 0, total
            # First k in [lo, hi) with flat[k] > x (hi if none); branch-free steps, since
            # the comparisons are coin flips to the branch predictor.
            length = hi - lo
            while length > 0:
                half = length >> 1
                below = flat[lo + half] <= x          # 0 or 1: arithmetic, not a branch
                lo += below * (half + 1)
                length = half + below * (length - 2 * half - 1)
            k = lo
            while k < total and flat[k] <= x:
                k += 1
            out[i] = k - r * C
    return True
