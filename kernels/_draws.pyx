# Inverse-CDF draws of a category, one cumulative row per kind of agent.
#
# What lives where (scikit-learn layering, see kernels/reference.py):
#   kernels/_draws.pyx    (this file) draw_from_cdf_rows: a search within each draw's
#                         own row, no temporaries as long as the draws;
#   kernels/reference.py  the NumPy reference (one searchsorted over the flattened rows),
#                         which this file reproduces bit for bit;
#   sim/randomness.py     the caller (draw_from_cdf_rows), which falls back to the
#                         reference when this kernel declines.
# Directives and reproducibility flags are set once in setup.py.

import numpy as np

from libc.stdint cimport int64_t

cdef enum:
    GUIDE = 256   # slices of [0, 1) in a row's guide table (a power of two)


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
    cdef Py_ssize_t r, c, i, lo, hi, k, d, n_dips = 0
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
    # Guide table: where each of GUIDE equal slices of a row's [0, 1) starts, so that a
    # draw searches the few entries of its slice instead of the whole row (~7 dependent
    # loads for 125 occupations, the cost of the draw). guide[r * (GUIDE + 1) + b] is
    # the first k in row r with flat[k] > fl(r + b / GUIDE).
    guide_arr = np.empty(R * (GUIDE + 1), dtype=np.int64)
    cdef int64_t[::1] guide = guide_arr
    cdef Py_ssize_t b, start, stop
    with nogil:
        for r in range(R):
            for b in range(GUIDE + 1):
                guide[r * (GUIDE + 1) + b] = _first_above(
                    flat, r * C, (r + 1) * C, <double>r + <double>b / GUIDE)
        for i in range(n):
            r = rows[i]
            x = <double>r + u[i]
            if 0 <= r < R and (r == 0 or flat[r * C - 1] <= x):
                lo, hi = r * C, (r + 1) * C
                # The slice of the draw: b / GUIDE <= u < (b + 1) / GUIDE exactly (GUIDE
                # is a power of two, so u * GUIDE is exact), hence, rounding being
                # monotone, fl(r + b / GUIDE) <= x <= fl(r + (b + 1) / GUIDE). The
                # answer then lies in [start, stop]; both ends are checked against x
                # (the predicate flat[k] <= x is true then false for a usable key), and
                # a check that fails leaves the whole row to search.
                if 0.0 <= u[i] < 1.0:
                    b = <Py_ssize_t>(u[i] * GUIDE)
                    start = guide[r * (GUIDE + 1) + b]
                    stop = guide[r * (GUIDE + 1) + b + 1]
                    if start > lo and flat[start - 1] <= x:
                        lo = start
                    if stop < hi and flat[stop] > x:
                        hi = stop + 1
            else:
                lo, hi = 0, total
            k = _first_above(flat, lo, hi, x)
            while k < total and flat[k] <= x:
                k += 1
            out[i] = k - r * C
    return True


cdef inline Py_ssize_t _first_above(const double[::1] flat, Py_ssize_t lo, Py_ssize_t hi,
                                    double x) noexcept nogil:
    """First k in [lo, hi) with flat[k] > x (hi if none), for a predicate flat[k] <= x
    true then false; branch-free steps, since the comparisons are coin flips to the
    branch predictor."""
    cdef Py_ssize_t length = hi - lo, half, below
    while length > 0:
        half = length >> 1
        below = flat[lo + half] <= x          # 0 or 1: arithmetic, not a branch
        lo += below * (half + 1)
        length = half + below * (length - 2 * half - 1)
    return lo
