# Firm-level totals by region for the monthly region table: the hot loop.
#
# What lives where (scikit-learn layering, see kernels/reference.py):
#   kernels/_firms.pyx     (this file) firm_region_totals: one nogil pass over the firms;
#   kernels/reference.py   the NumPy reference (three np.bincount calls), which this file
#                          reproduces bit for bit: each region's sums run in firm order,
#                          as np.bincount's do;
#   sim/metrics.py         the caller (region_frame).
# At national scale (~376k firms) each of the reference's weighted bincounts took
# ~1.5-1.9 ms (a pass for the bounds, then one for the sums, plus the masks and
# temporaries); the three together, here, ~0.5 ms.
# Directives and reproducibility flags are set once in setup.py.

from libc.stdint cimport int8_t, int32_t, uint8_t


def firm_region_totals(const int8_t[::1] region, const uint8_t[::1] active,
                       const int32_t[::1] vacancies, const double[::1] automated_routine,
                       const double[::1] automated_genai, const double[::1] exposed_positions,
                       double[::1] open_vacancies, double[::1] automated, double[::1] exposed):
    """Per region: the open vacancies of active firms, and the positions automated
    (both channels) and exposed at month 0 of all firms.

    Args (F firms, R regions):
        region: int8 (F); active: uint8 (F) (bool viewed as bytes); vacancies: int32 (F);
            automated_routine, automated_genai, exposed_positions: float64 (F).
        open_vacancies, automated, exposed: OUT float64 (R), zeroed by the caller.

    Raises:
        ValueError: on inconsistent lengths, or a firm's region outside [0, R) (named;
            the outputs are then incomplete).
    """
    cdef Py_ssize_t i, n = region.shape[0], n_regions = open_vacancies.shape[0]
    for name, m in (("active", active.shape[0]), ("vacancies", vacancies.shape[0]),
                    ("automated_routine", automated_routine.shape[0]),
                    ("automated_genai", automated_genai.shape[0]),
                    ("exposed_positions", exposed_positions.shape[0])):
        if m != n:
            raise ValueError(f"{name} has length {m}, region has {n}")
    if automated.shape[0] != n_regions or exposed.shape[0] != n_regions:
        raise ValueError("open_vacancies, automated and exposed need one entry per region")
    cdef Py_ssize_t bad = -1
    cdef int8_t r
    with nogil:
        for i in range(n):
            r = region[i]
            if r < 0 or r >= n_regions:
                bad = i
                break
            if active[i]:
                open_vacancies[r] += <double>vacancies[i]
            automated[r] += automated_routine[i] + automated_genai[i]
            exposed[r] += exposed_positions[i]
    if bad >= 0:
        raise ValueError(f"firm {bad}: region {region[bad]} outside [0, {n_regions})")
