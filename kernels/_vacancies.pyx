# The month's vacancy table: required skills, wage offers and the bucket order.
#
# What lives where (scikit-learn layering, see kernels/reference.py):
#   kernels/_rng.pxd         counter-based draws (uniform), inline C;
#   kernels/_vacancies.pyx   (this file) vacancy_table: the openings' skills and offers,
#                            written straight into bucket order (a counting sort), in
#                            two passes over the openings instead of ~25 NumPy passes
#                            and a gather per column;
#   kernels/reference.py     the NumPy reference, which this file reproduces bit for bit;
#   sim/stages/vacancies.py  the caller (occupations, firm factors and match quality are
#                            drawn there: NumPy's ndtri and exp are not in C here).
# Directives and reproducibility flags (-O2 -ffp-contract=off, no fast-math) are set once
# in setup.py. Every product below is written in the reference's order (NumPy evaluates
# a * b * c as (a * b) * c), so the roundings are the same.

import numpy as np

from libc.stdint cimport int32_t, int64_t

from kernels._floats cimport numpy_maximum
from kernels._rng cimport uniform


def vacancy_table(unsigned long long skill_key, const int64_t[::1] ids,
                  const int64_t[::1] occupation, const int64_t[::1] region,
                  const int64_t[::1] firm, const double[::1] firm_factor,
                  const double[::1] automation_level, const double[::1] quality,
                  const double[:, ::1] skill_cdf, double skill_bias,
                  const double[:, ::1] wage_level, double growth, double bargaining,
                  const double[::1] wage_premium, const double[::1] skill_premium,
                  double minimum_wage, const int64_t[::1] isco_group, int64_t n_groups,
                  int64_t[::1] out_id, int64_t[::1] out_firm, int64_t[::1] out_region,
                  int32_t[::1] out_occupation, int32_t[::1] out_group, int32_t[::1] out_skill,
                  double[::1] out_wage, int64_t[::1] bucket_start):
    """The vacancy table the matching kernel reads, sorted by (bucket, id) with bucket =
    region * n_groups + ISCO group. Same results as ``kernels.reference.vacancy_table``.

    Per opening (firm -1: a self-employment opening):
      * required skill: the number of entries of ``skill_cdf[occupation]`` at most
        u0 = uniform(skill_key, id, 0); then one level more where u1 = uniform(skill_key,
        id, 1) < skill_bias * min(automation_level, 1), at most 2; 0 for self-employment;
      * offer: firm_factor * wage_premium[occupation] * skill_premium[skill] * level *
        quality, with level = wage_level[region, skill] * growth * bargaining (growth
        for self-employment); a firm's offer is at least ``minimum_wage``.

    Args (V openings, R regions, O occupations):
        skill_key: uint64 stream key of the skill draws.
        ids: int64 (V), the openings' ids; occupation, region, firm: int64 (V);
            firm_factor, automation_level, quality: float64 (V).
        skill_cdf: float64 (O, 3), cumulative skill mix per occupation.
        skill_bias: the automation skill bias.
        wage_level: float64 (R, 3); growth, bargaining: scalars.
        wage_premium: float64 (O); skill_premium: float64 (3); minimum_wage: scalar.
        isco_group: int64 (O), group 0 .. n_groups - 1.
        out_*: OUT (V), allocated by the caller; bucket_start: OUT int64 (R * n_groups
            + 1), the offsets of each bucket.

    Raises:
        ValueError: on inconsistent lengths, or an occupation, region or group out of
            range (the first bad opening is named; ``bucket_start`` is then partly
            written).
    """
    cdef Py_ssize_t V = ids.shape[0], n_occupations = wage_premium.shape[0]
    cdef Py_ssize_t n_regions = wage_level.shape[0]
    cdef int64_t n_buckets = n_regions * n_groups
    for name, n in (("occupation", occupation.shape[0]), ("region", region.shape[0]),
                    ("firm", firm.shape[0]), ("firm_factor", firm_factor.shape[0]),
                    ("automation_level", automation_level.shape[0]),
                    ("quality", quality.shape[0]), ("out_id", out_id.shape[0]),
                    ("out_firm", out_firm.shape[0]), ("out_region", out_region.shape[0]),
                    ("out_occupation", out_occupation.shape[0]),
                    ("out_group", out_group.shape[0]), ("out_skill", out_skill.shape[0]),
                    ("out_wage", out_wage.shape[0])):
        if n != V:
            raise ValueError(f"{name} has length {n}, ids has {V}")
    if skill_cdf.shape[0] != n_occupations or skill_cdf.shape[1] != 3 \
            or isco_group.shape[0] != n_occupations:
        raise ValueError("skill_cdf needs (occupations, 3), isco_group one per occupation")
    if wage_level.shape[1] != 3 or skill_premium.shape[0] != 3 or n_groups < 1:
        raise ValueError("wage_level needs (regions, 3), skill_premium 3, n_groups >= 1")
    if bucket_start.shape[0] != n_buckets + 1:
        raise ValueError(f"bucket_start has length {bucket_start.shape[0]}, "
                         f"needs regions * n_groups + 1 = {n_buckets + 1}")
    # The reference sorts by (bucket, id): a stable counting sort by bucket visits the
    # openings in id order. The caller builds the ids ascending; any other order is
    # visited through a stable argsort.
    ids_arr = np.asarray(ids)
    visit_arr = None if V < 2 or (ids_arr[1:] >= ids_arr[:V - 1]).all() \
        else np.argsort(ids_arr, kind="stable")
    cdef const int64_t[::1] visit = visit_arr if visit_arr is not None else ids[:0]
    cdef bint in_id_order = visit_arr is None
    bucket_arr = np.empty(V, dtype=np.int64)
    cdef int64_t[::1] bucket = bucket_arr
    cdef Py_ssize_t t, i, at, bad = -1
    cdef int64_t o, r, g, b, skill
    cdef double u, level, capped, offer
    bucket_start[:] = 0
    with nogil:
        # Pass 1: each opening's bucket, counted.
        for i in range(V):
            o, r = occupation[i], region[i]
            if not (0 <= o < n_occupations and 0 <= r < n_regions):
                bad = i
                break
            g = isco_group[o]
            if not 0 <= g < n_groups:
                bad = i
                break
            b = r * n_groups + g
            bucket[i] = b
            bucket_start[b + 1] += 1
    if bad >= 0:
        raise ValueError(f"opening {bad}: occupation, region or group out of range")
    with nogil:
        for b in range(n_buckets):
            bucket_start[b + 1] += bucket_start[b]
        # Pass 2, in id order: the draws, skill and offer, written at the next place of
        # the opening's bucket (bucket_start is advanced, then restored below).
        for t in range(V):
            i = t if in_id_order else visit[t]
            o = occupation[i]
            u = uniform(skill_key, <unsigned long long>ids[i], 0)
            skill = (u >= skill_cdf[o, 0]) + (u >= skill_cdf[o, 1]) + (u >= skill_cdf[o, 2])
            # min(level, 1) as NumPy's minimum: a NaN level stays NaN.
            capped = 1.0 if automation_level[i] > 1.0 else automation_level[i]
            u = uniform(skill_key, <unsigned long long>ids[i], 1)
            skill += u < skill_bias * capped
            if skill > 2:
                skill = 2
            if firm[i] < 0:
                skill = 0
                level = growth
            else:
                level = wage_level[region[i], skill] * growth * bargaining
            offer = firm_factor[i] * wage_premium[o] * skill_premium[skill] * level * quality[i]
            if firm[i] >= 0:
                offer = numpy_maximum(offer, minimum_wage)
            at = bucket_start[bucket[i]]
            bucket_start[bucket[i]] = at + 1
            out_id[at] = ids[i]
            out_firm[at] = firm[i]
            out_region[at] = region[i]
            out_occupation[at] = <int32_t>o
            out_group[at] = <int32_t>isco_group[o]
            out_skill[at] = <int32_t>skill
            out_wage[at] = offer
        # Each bucket's start was advanced to the next one's: shift back.
        for b in range(n_buckets, 0, -1):
            bucket_start[b] = bucket_start[b - 1]
        bucket_start[0] = 0
