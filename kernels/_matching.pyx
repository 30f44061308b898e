# Search and matching of job seekers to vacancies: the hot loop.
#
# What lives where (scikit-learn layering, see kernels/reference.py):
#   kernels/_rng.pxd       counter-based draws (mix64, hash_draw, uniform), inline C;
#   kernels/_matching.pyx  (this file) match_job_seekers: shape checks and scratch
#                          allocation at Python level, then the loops in one nogil block;
#                          plus two tiny def helpers exposing the C draws to the tests;
#   kernels/reference.py   the NumPy reference, which this file reproduces bit for bit.
# Compiler directives (boundscheck/wraparound off, cdivision on) and the reproducibility
# flags (-O2 -ffp-contract=off, no fast-math) are set once in setup.py, none here.
#
# Per round the loops do what the reference does with arrays:
#   1. every seeker not hired yet draws its applications (draw numbers
#      rnd*4*A + 4*a + {0 region, 1 group, 2 first pick, 3 second pick}) and, for each
#      valid one, competes for the vacancy's offer: the vacancy keeps its best applicant
#      by (fit desc, tiebreak hash desc, seeker id asc); exact ties keep the earlier
#      (seeker row, application) pair, as the reference's stable lexsort does;
#   2. each vacancy with an applicant sends its offer; each seeker keeps its best-paid
#      offer (ties: lower vacancy index);
#   3. seekers take their offer; those vacancies are filled (seen from the next round).
# The scratch arrays are reset incrementally (only touched entries), so a round costs
# O(S * A) plus the cdf rows, not O(V).

import numpy as np

from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t

from kernels._rng cimport agent_stream, hash_draw, mix64, uniform, uniform_in


cdef inline int64_t _count_at_most(const double* cdf_row, Py_ssize_t n,
                                   double u) noexcept nogil:
    """Number of entries of ``cdf_row[:n]`` that are <= u (the reference's sum of
    ``u >= cdf``): the first index d with u < cdf[d] when the row is non-decreasing."""
    cdef Py_ssize_t d
    cdef int64_t count = 0
    for d in range(n):
        if u >= cdf_row[d]:
            count += 1
    return count


cdef inline bint _better_applicant(int fit, uint64_t tb, int64_t sid, int best_fit,
                                   uint64_t best_tb, int64_t best_sid) noexcept nogil:
    """Strictly better by (fit desc, tiebreak desc, seeker id asc)."""
    if fit != best_fit:
        return fit > best_fit
    if tb != best_tb:
        return tb > best_tb
    return sid < best_sid


cdef inline bint _better_offer(double wage, int64_t v, double best_wage,
                               int64_t best_v) noexcept nogil:
    """Strictly better by (wage desc, vacancy index asc)."""
    if wage > best_wage:
        return True
    return wage == best_wage and v < best_v


def match_job_seekers(uint64_t key,
                      const int64_t[::1] seeker_id,
                      const int32_t[::1] seeker_region,
                      const int32_t[::1] seeker_group,
                      const int32_t[::1] seeker_occupation,
                      const int32_t[::1] seeker_skill,
                      const double[::1] seeker_reservation,
                      const double[:, ::1] region_cdf,
                      double switch_share,
                      int64_t n_groups,
                      const int64_t[::1] bucket_start,
                      const int64_t[::1] vacancy_id,
                      const int32_t[::1] vacancy_occupation,
                      const int32_t[::1] vacancy_group,
                      const int32_t[::1] vacancy_skill,
                      const double[::1] vacancy_wage,
                      int64_t n_applications,
                      int64_t n_rounds,
                      int64_t[::1] hired_vacancy):
    """Decentralised search and matching with a few applications per seeker.

    Same arguments, results and draws as ``kernels.reference.match_job_seekers``, bit for
    bit. Each round, every seeker not yet hired sends ``n_applications`` applications.
    For each one it picks a region (row ``seeker_region`` of ``region_cdf``: own region
    most likely), an occupation group (its own, or with probability ``switch_share`` any
    of ``n_groups``), draws two vacancies of that (region, group) bucket and applies to
    the better paid (ties: the lower index). It applies only where the bucket is not
    empty, it qualifies (required skill <= own skill), the wage is at least its
    reservation wage and the vacancy was not filled in an earlier round. Each vacancy
    offers the job to its best applicant (same occupation > same group > other; then a
    hash of (seeker id, vacancy id + round); then the lower seeker id), and each seeker
    takes its best-paid offer (ties: lower vacancy index).

    Args (S seekers, V vacancies sorted by bucket = region * n_groups + group):
        key: uint64 stream key of (seed, month, matching stage).
        seeker_id: int64 (S), persistent ids (draws depend on them, not on rows).
        seeker_region, seeker_group, seeker_occupation, seeker_skill: int32 (S).
        seeker_reservation: float64 (S), reservation wage (tenge/month).
        region_cdf: float64 (R, R), C-contiguous, cumulative; last column exactly 1.
        switch_share: probability that an application goes to a random group.
        n_groups: number of occupation groups.
        bucket_start: int64 (R * n_groups + 1), CSR offsets into the vacancy arrays.
        vacancy_id: int64 (V); vacancy_occupation, vacancy_group, vacancy_skill: int32
            (V); vacancy_wage: float64 (V).
        n_applications, n_rounds: applications per seeker per round; rounds.
        hired_vacancy: OUT int64 (S), allocated by the caller: index of the vacancy
            taken, or -1.

    Invariants: a vacancy is filled at most once; a seeker is hired at most once (and
    keeps that job in later rounds); nobody is hired below the reservation wage or into
    a vacancy requiring more skill than theirs; the result does not depend on the
    order of the seekers (given distinct ids).

    Raises:
        ValueError: on arrays of inconsistent lengths (checked once, before the loops,
            since the loops run without bounds checks).
    """
    cdef Py_ssize_t S = seeker_id.shape[0]
    cdef Py_ssize_t V = vacancy_id.shape[0]
    cdef Py_ssize_t R = region_cdf.shape[1]
    cdef Py_ssize_t n_regions = region_cdf.shape[0]

    for name, n in (("seeker_region", seeker_region.shape[0]),
                    ("seeker_group", seeker_group.shape[0]),
                    ("seeker_occupation", seeker_occupation.shape[0]),
                    ("seeker_skill", seeker_skill.shape[0]),
                    ("seeker_reservation", seeker_reservation.shape[0]),
                    ("hired_vacancy", hired_vacancy.shape[0])):
        if n != S:
            raise ValueError(f"{name} has length {n}, seeker_id has {S}")
    for name, n in (("vacancy_occupation", vacancy_occupation.shape[0]),
                    ("vacancy_group", vacancy_group.shape[0]),
                    ("vacancy_skill", vacancy_skill.shape[0]),
                    ("vacancy_wage", vacancy_wage.shape[0])):
        if n != V:
            raise ValueError(f"{name} has length {n}, vacancy_id has {V}")

    hired_vacancy[:] = -1
    if S == 0 or V == 0:
        return
    if R == 0 or n_regions == 0:
        raise ValueError("region_cdf is empty")
    if bucket_start.shape[0] < R * n_groups + 1:
        raise ValueError(f"bucket_start has length {bucket_start.shape[0]}, "
                         f"needs R * n_groups + 1 = {R * n_groups + 1}")

    # Scratch, internal to this call. best_seeker[v] < 0 and offer[s] < 0 mean "none";
    # both are restored to -1 at the end of every round.
    filled_arr = np.zeros(V, dtype=np.uint8)
    best_seeker_arr = np.full(V, -1, dtype=np.int64)
    best_fit_arr = np.zeros(V, dtype=np.int32)
    best_tb_arr = np.zeros(V, dtype=np.uint64)
    touched_arr = np.empty(V, dtype=np.int64)     # vacancies with an applicant
    offer_arr = np.full(S, -1, dtype=np.int64)
    offered_arr = np.empty(S, dtype=np.int64)     # seekers with an offer
    cdef uint8_t[::1] filled = filled_arr
    cdef int64_t[::1] best_seeker = best_seeker_arr
    cdef int32_t[::1] best_fit = best_fit_arr
    cdef uint64_t[::1] best_tb = best_tb_arr
    cdef int64_t[::1] touched = touched_arr
    cdef int64_t[::1] offer = offer_arr
    cdef int64_t[::1] offered = offered_arr

    cdef int64_t rnd, a, base, draw, region, group, bucket, start, size
    cdef int64_t v1, v2, v, b, s, cur
    cdef Py_ssize_t i, t, n_touched, n_offered
    cdef uint64_t sid, tb, stream
    cdef double ug, w1, w2
    cdef int fit
    cdef const double* cdf_row

    with nogil:
        for rnd in range(n_rounds):
            base = rnd * 4 * n_applications
            n_touched = 0
            # 1. Applications; each vacancy keeps its best applicant.
            for i in range(S):
                if hired_vacancy[i] >= 0:
                    continue
                sid = <uint64_t>seeker_id[i]
                stream = agent_stream(key, sid)   # shared by all this seeker's draws
                cdf_row = &region_cdf[seeker_region[i], 0]
                for a in range(n_applications):
                    draw = base + 4 * a
                    region = _count_at_most(cdf_row, R, uniform_in(stream, <uint64_t>draw))
                    ug = uniform_in(stream, <uint64_t>(draw + 1))
                    if ug < switch_share:     # never true unless switch_share > 0
                        group = <int64_t>((ug / switch_share) * <double>n_groups)
                        if group > n_groups - 1:
                            group = n_groups - 1
                    else:
                        group = seeker_group[i]
                    bucket = region * n_groups + group
                    start = bucket_start[bucket]
                    size = bucket_start[bucket + 1] - start
                    if size <= 0:
                        continue
                    v1 = start + <int64_t>(uniform_in(stream, <uint64_t>(draw + 2))
                                           * <double>size)
                    v2 = start + <int64_t>(uniform_in(stream, <uint64_t>(draw + 3))
                                           * <double>size)
                    w1 = vacancy_wage[v1]
                    w2 = vacancy_wage[v2]
                    if w1 > w2 or (w1 == w2 and v1 <= v2):
                        v = v1
                    else:
                        v = v2
                    # Written as negations of the reference's conditions (NaN-safe).
                    if not (vacancy_skill[v] <= seeker_skill[i]):
                        continue
                    if not (vacancy_wage[v] >= seeker_reservation[i]):
                        continue
                    if filled[v]:
                        continue
                    if vacancy_occupation[v] == seeker_occupation[i]:
                        fit = 2
                    elif vacancy_group[v] == seeker_group[i]:
                        fit = 1
                    else:
                        fit = 0
                    tb = mix64(stream ^ (<uint64_t>vacancy_id[v] + <uint64_t>rnd))
                    b = best_seeker[v]
                    if b < 0:
                        touched[n_touched] = v
                        n_touched += 1
                    elif not _better_applicant(fit, tb, seeker_id[i], best_fit[v],
                                               best_tb[v], seeker_id[b]):
                        continue
                    best_seeker[v] = i
                    best_fit[v] = fit
                    best_tb[v] = tb
            # 2. Offers; each seeker keeps its best-paid one.
            n_offered = 0
            for t in range(n_touched):
                v = touched[t]
                s = best_seeker[v]
                best_seeker[v] = -1
                cur = offer[s]
                if cur < 0:
                    offered[n_offered] = s
                    n_offered += 1
                    offer[s] = v
                elif _better_offer(vacancy_wage[v], v, vacancy_wage[cur], cur):
                    offer[s] = v
            # 3. Hires.
            for t in range(n_offered):
                s = offered[t]
                v = offer[s]
                offer[s] = -1
                hired_vacancy[s] = v
                filled[v] = 1


def uniform_draws(uint64_t key, const int64_t[::1] ids, int64_t draw, double[::1] out):
    """Fill ``out`` with the C draws ``uniform(key, ids, draw)`` (``sim.randomness.uniform_for``).

    Args:
        key: uint64 stream key; ids: int64 (N); draw: draw number (reinterpreted as
            uint64, as the reference does).
        out: OUT float64 (N), allocated by the caller.

    Invariant: ``out`` equals ``reference.uniform(key, ids, draw)`` bit for bit.
    """
    cdef Py_ssize_t i, n = ids.shape[0]
    if out.shape[0] != n:
        raise ValueError(f"out has length {out.shape[0]}, ids has {n}")
    with nogil:
        for i in range(n):
            out[i] = uniform(key, <uint64_t>ids[i], <uint64_t>draw)


def hash_draws(uint64_t key, const int64_t[::1] ids, int64_t draw, uint64_t[::1] out):
    """Fill ``out`` with the C hashes ``hash_draw(key, ids, draw)`` (test helper).

    Args:
        key: uint64 stream key; ids: int64 (N); draw: draw number (reinterpreted as
            uint64).
        out: OUT uint64 (N), allocated by the caller.

    Invariant: ``out`` equals ``reference.tiebreak(key, ids, draw)`` bit for bit.
    """
    cdef Py_ssize_t i, n = ids.shape[0]
    if out.shape[0] != n:
        raise ValueError(f"out has length {out.shape[0]}, ids has {n}")
    with nogil:
        for i in range(n):
            out[i] = hash_draw(key, <uint64_t>ids[i], <uint64_t>draw)
