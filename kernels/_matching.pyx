# Search and matching of job seekers to vacancies: the hot loop.
#
# What lives where (scikit-learn layering, see kernels/reference.py):
#   kernels/_rng.pxd       counter-based draws (mix64, hash_draw, uniform), inline C;
#   kernels/_matching.pyx  (this file) match_job_seekers: shape checks and the choice of
#                          vacancy record layout, then _match_rounds: scratch allocation
#                          at Python level, the loops in one nogil block;
#                          gather_job_seekers, the seekers found in one pass;
#                          seeker_table, their attributes grouped by bucket, with
#                          their reservation wages;
#                          reservation_wages, what each seeker asks;
#                          apply_hires, the hires written back to workers and firms;
#                          plus def helpers for the tests: two exposing the C draws,
#                          one choosing the 8-lane or the portable draws;
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
#
# Why the loop has this shape (measured at national scale, ~600k seekers, ~210k
# vacancies, ~3 million applications a month):
#   * a vacancy's fields and its competition state live in one 32-byte record, so an
#     application touches one cache line of the vacancy instead of nine arrays; the
#     table is 32-byte aligned, so no record straddles two lines (40-byte records, the
#     fallback layout when a field does not fit, straddle 40 % of the time: the compact
#     ones took ~3 ms off early in the run, ~12 ms late, with 3x as many vacancies).
#     "Filled" is a best_seeker value, not a separate array read per application; only
#     the best applicant's fit, read when two eligible applicants compete, is a byte
#     array of its own;
#   * applications are drawn for a block of seekers at a time (stage A): first all their
#     random draws, then the two vacancies of every application, whose cache lines are
#     prefetched together, then the better paid of each pair; only then are they screened
#     and ranked (stage B). The vacancies' lines arrive in parallel instead of one stall
#     per application (at national scale this alone took the kernel from ~150 to ~105 ms);
#   * the data-dependent choices that are close to coin flips are selects, not branches:
#     the better paid of the two vacancies, and whether an application is eligible (one
#     in four or five is; the eligible ones are packed, branch-free, and only they reach
#     stage B). Together ~25 ms of ~110 (branch mispredictions, not the memory waits
#     they had been taken for). The switch to another group (one in four) stays a
#     branch: computing the group's division for every application cost as much;
#   * a block's draws are made 8 at a time where the CPU has AVX-512 (the same numbers:
#     see the wide-draws block below), ~16 ms of ~78 at national scale early in a run,
#     ~15 of ~86 late; scalar draws were at their limit, ~5 cycles each;
#   * 95 % of applications stay in the seeker's own region: when the row is
#     non-decreasing (checked once), a draw inside the own region's interval of the cdf
#     gives that region without scanning the row (the same count, see _count_at_most);
#   * the caller passes seekers grouped by (region, group) bucket (the result does not
#     depend on their order), so a bucket's vacancies stay in cache while its seekers
#     apply.

import numpy as np

from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint32_t, uint64_t

from libc.math cimport sqrt

cdef enum:
    FILLED_SEEKER = -2  # vacancy best_seeker: filled in an earlier round
    EMPLOYED = 0        # worker status codes (sim/population.py Status)
    SELF_EMPLOYED = 1
    PLATFORM = 2
    UNEMPLOYED = 3

from kernels._floats cimport numpy_maximum
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


cdef inline bint _better_offer(double wage, int64_t v, double best_wage,
                               int64_t best_v) noexcept nogil:
    """Strictly better by (wage desc, vacancy index asc)."""
    if wage > best_wage:
        return True
    return wage == best_wage and v < best_v


DEF SEEKERS = 16   # seekers per block of stage A: their scratch stays in L1

cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define labsim_prefetch(p) __builtin_prefetch((const void*)(p))
    #else
    #define labsim_prefetch(p) ((void)0)
    #endif
    """
    void _prefetch "labsim_prefetch" (const void* p) noexcept nogil

# Eight draws at once, where the CPU has AVX-512 (F and DQ: 64-bit lane multiplies): the
# same SplitMix64 arithmetic as kernels/_rng.pxd, lane by lane, so the same numbers bit
# for bit (integer operations, and a conversion of a value below 2**53, exact either
# way). The draws are a third of the matching kernel's time, and a scalar draw is at
# its limit (~5 cycles); this path is chosen at run time, only where the CPU reports
# AVX-512, and otherwise, or where the compiler is not GCC/Clang on x86-64, the
# portable loops run. Both paths are tested against the reference
# (_use_wide_draws switches between them).
cdef extern from *:
    """
    #if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
    #include <immintrin.h>
    #define LABSIM_WIDE __attribute__((target("avx512f,avx512dq")))
    LABSIM_WIDE static inline __m512i labsim_mix64_x8(__m512i x) {
        x = _mm512_add_epi64(x, _mm512_set1_epi64((long long)0x9E3779B97F4A7C15ULL));
        x = _mm512_mullo_epi64(_mm512_xor_si512(x, _mm512_srli_epi64(x, 30)),
                               _mm512_set1_epi64((long long)0xBF58476D1CE4E5B9ULL));
        x = _mm512_mullo_epi64(_mm512_xor_si512(x, _mm512_srli_epi64(x, 27)),
                               _mm512_set1_epi64((long long)0x94D049BB133111EBULL));
        return _mm512_xor_si512(x, _mm512_srli_epi64(x, 31));
    }
    LABSIM_WIDE static inline __m512d labsim_unit_x8(__m512i x) {
        return _mm512_mul_pd(_mm512_cvtepi64_pd(_mm512_srli_epi64(x, 11)),
                             _mm512_set1_pd(1.0 / 9007199254740992.0));
    }
    static inline __mmask8 labsim_lanes(Py_ssize_t left) {
        return left >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << left) - 1u);
    }
    /* out[d * stride + j] = uniform_in(stream[j], first_draw + d), j < n, d < n_draws */
    LABSIM_WIDE static void labsim_block_uniforms_x8(
            const uint64_t* stream, Py_ssize_t n, uint64_t first_draw, Py_ssize_t n_draws,
            Py_ssize_t stride, double* out) {
        for (Py_ssize_t j = 0; j < n; j += 8) {
            __mmask8 lanes = labsim_lanes(n - j);
            __m512i s = _mm512_maskz_loadu_epi64(lanes, stream + j);
            for (Py_ssize_t d = 0; d < n_draws; d++) {
                __m512i x = _mm512_xor_si512(s, _mm512_set1_epi64((long long)(first_draw + d)));
                _mm512_mask_storeu_pd(out + d * stride + j, lanes,
                                      labsim_unit_x8(labsim_mix64_x8(x)));
            }
        }
    }
    /* out[i] = uniform(key, ids[i], draw), i < n */
    LABSIM_WIDE static void labsim_uniforms_x8(uint64_t key, const int64_t* ids, Py_ssize_t n,
                                               uint64_t draw, double* out) {
        __m512i k = _mm512_set1_epi64((long long)key), d = _mm512_set1_epi64((long long)draw);
        for (Py_ssize_t i = 0; i < n; i += 8) {
            __mmask8 lanes = labsim_lanes(n - i);
            __m512i x = _mm512_maskz_loadu_epi64(lanes, ids + i);
            x = labsim_mix64_x8(_mm512_xor_si512(labsim_mix64_x8(_mm512_xor_si512(k, x)), d));
            _mm512_mask_storeu_pd(out + i, lanes, labsim_unit_x8(x));
        }
    }
    static int labsim_cpu_has_wide_draws(void) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
    }
    #else
    /* Never called: labsim_cpu_has_wide_draws() is 0 here. Each wide
       function is a macro for one that aborts (its arguments evaluated, so none is left
       unused), not a copy of its signature. */
    #include <stdlib.h>
    #ifndef LABSIM_WIDE_UNAVAILABLE
    #define LABSIM_WIDE_UNAVAILABLE
    static Py_ssize_t labsim_wide_unavailable(int none, ...) { (void)none; abort(); }
    #endif
    #define labsim_block_uniforms_x8(...) labsim_wide_unavailable(0, __VA_ARGS__)
    #define labsim_uniforms_x8(...) labsim_wide_unavailable(0, __VA_ARGS__)
    static int labsim_cpu_has_wide_draws(void) { return 0; }
    #endif
    """
    void _block_uniforms_x8 "labsim_block_uniforms_x8" (
        const uint64_t* stream, Py_ssize_t n, uint64_t first_draw, Py_ssize_t n_draws,
        Py_ssize_t stride, double* out) noexcept nogil
    void _uniforms_x8 "labsim_uniforms_x8" (uint64_t key, const int64_t* ids, Py_ssize_t n,
                                            uint64_t draw, double* out) noexcept nogil
    int _cpu_has_wide_draws "labsim_cpu_has_wide_draws" () noexcept nogil

cdef bint _wide_draws = _cpu_has_wide_draws()


def _use_wide_draws(bint wanted):
    """Use the AVX-512 draws when ``wanted`` and the CPU has them (the default), else the
    portable loops; returns whether they are now used. For the tests, which run both."""
    global _wide_draws
    _wide_draws = wanted and _cpu_has_wide_draws()
    return bool(_wide_draws)

cdef struct Vacancy:
    # 32 bytes, aligned to 32 in the table: a cache line holds two whole records.
    double wage
    uint64_t vacancy_id
    uint64_t best_tiebreak     # of the best applicant this round
    int32_t best_seeker        # -1: no applicant yet this round; FILLED_SEEKER: filled
    int16_t occupation
    int8_t group
    int8_t skill

cdef struct WideVacancy:
    # 40 bytes: the same fields at full width, for inputs whose occupation, group or
    # skill does not fit the compact record (never at national scale).
    double wage
    uint64_t vacancy_id
    uint64_t best_tiebreak
    int32_t best_seeker
    int32_t occupation
    int32_t group
    int32_t skill

ctypedef fused AnyVacancy:
    Vacancy
    WideVacancy


cdef inline bint _rows_non_decreasing(const double[:, ::1] cdf) noexcept nogil:
    cdef Py_ssize_t r, d
    for r in range(cdf.shape[0]):
        for d in range(1, cdf.shape[1]):
            if not (cdf[r, d] >= cdf[r, d - 1]):
                return False
    return True


cdef bint _fits_compact_record(const int32_t[::1] vacancy_occupation,
                               const int32_t[::1] vacancy_group,
                               const int32_t[::1] vacancy_skill) noexcept nogil:
    """Whether every occupation fits an int16 and every group and skill an int8."""
    cdef Py_ssize_t v
    for v in range(vacancy_occupation.shape[0]):
        if (vacancy_occupation[v] != <int16_t>vacancy_occupation[v]
                or vacancy_group[v] != <int8_t>vacancy_group[v]
                or vacancy_skill[v] != <int8_t>vacancy_skill[v]):
            return False
    return True


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
    order of the seekers (given distinct ids). For speed, pass seekers grouped by
    bucket (``region * n_groups + group``).

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
    if S > 2147483647:
        raise ValueError(f"{S} seekers: at most 2**31 - 1 per call")

    # The vacancy table: compact records when every field fits, else wide ones.
    # Over-allocated by one record, so that it can start at a multiple of the record size.
    cdef bint compact = _fits_compact_record(vacancy_occupation, vacancy_group, vacancy_skill)
    cdef size_t record_size = sizeof(Vacancy) if compact else sizeof(WideVacancy)
    vacancy_bytes = np.empty((V + 1) * record_size, dtype=np.uint8)
    cdef uint8_t[::1] vacancy_buffer = vacancy_bytes
    cdef size_t table = (<size_t>&vacancy_buffer[0] + record_size - 1) // record_size * record_size
    # The own region is a column only when the matrix is square (regions x regions).
    cdef bint own_region_shortcut = n_regions == R and _rows_non_decreasing(region_cdf)
    if compact:
        _match_rounds(<Vacancy*>table, key, seeker_id, seeker_region, seeker_group,
                      seeker_occupation, seeker_skill, seeker_reservation, region_cdf,
                      own_region_shortcut, switch_share, n_groups, bucket_start,
                      vacancy_id, vacancy_occupation, vacancy_group, vacancy_skill,
                      vacancy_wage, n_applications, n_rounds, hired_vacancy)
    else:
        _match_rounds(<WideVacancy*>table, key, seeker_id, seeker_region, seeker_group,
                      seeker_occupation, seeker_skill, seeker_reservation, region_cdf,
                      own_region_shortcut, switch_share, n_groups, bucket_start,
                      vacancy_id, vacancy_occupation, vacancy_group, vacancy_skill,
                      vacancy_wage, n_applications, n_rounds, hired_vacancy)


cdef void _match_rounds(AnyVacancy* vacancy, uint64_t key,
                        const int64_t[::1] seeker_id,
                        const int32_t[::1] seeker_region,
                        const int32_t[::1] seeker_group,
                        const int32_t[::1] seeker_occupation,
                        const int32_t[::1] seeker_skill,
                        const double[::1] seeker_reservation,
                        const double[:, ::1] region_cdf, bint own_region_shortcut,
                        double switch_share, int64_t n_groups,
                        const int64_t[::1] bucket_start,
                        const int64_t[::1] vacancy_id,
                        const int32_t[::1] vacancy_occupation,
                        const int32_t[::1] vacancy_group,
                        const int32_t[::1] vacancy_skill,
                        const double[::1] vacancy_wage,
                        int64_t n_applications, int64_t n_rounds,
                        int64_t[::1] hired_vacancy):
    """The loops of match_job_seekers (checked arguments), on a table of V uninitialised
    records of either layout."""
    cdef Py_ssize_t S = seeker_id.shape[0]
    cdef Py_ssize_t V = vacancy_id.shape[0]
    cdef Py_ssize_t R = region_cdf.shape[1]

    # Scratch, internal to this call. vacancy[v].best_seeker == -1 and offer[s] < 0 mean
    # "none"; both are restored at the end of every round.
    best_fit_arr = np.empty(V, dtype=np.uint8)    # of the vacancy's best applicant (0-2)
    touched_arr = np.empty(V, dtype=np.int64)     # vacancies with an applicant
    offer_arr = np.full(S, -1, dtype=np.int64)
    offered_arr = np.empty(S, dtype=np.int64)     # seekers with an offer
    cdef uint8_t[::1] best_fit = best_fit_arr
    cdef int64_t[::1] touched = touched_arr
    cdef int64_t[::1] offer = offer_arr
    cdef int64_t[::1] offered = offered_arr

    # Stage A's block of up to SEEKERS seekers: their rows and streams, their draws
    # (draw d of seeker j at uniforms[d * SEEKERS + j]), and per application the two
    # vacancies drawn (first = -1: empty bucket); then, packed, the eligible applications:
    # the vacancy applied to (in second) and the applicant (in applicant).
    cdef Py_ssize_t n_draws = 4 * n_applications
    uniforms_arr = np.empty(n_draws * SEEKERS, dtype=np.float64)
    first_arr = np.empty(n_applications * SEEKERS, dtype=np.int64)
    second_arr = np.empty(n_applications * SEEKERS, dtype=np.int64)
    applicant_arr = np.empty(n_applications * SEEKERS, dtype=np.int64)
    cdef double[::1] uniforms = uniforms_arr
    cdef int64_t[::1] first = first_arr
    cdef int64_t[::1] second = second_arr
    cdef int64_t[::1] applicant = applicant_arr
    cdef int64_t block_row[SEEKERS]
    cdef uint64_t block_stream[SEEKERS]
    cdef Py_ssize_t n_seekers, n_block, n_eligible, j, k, d

    cdef int64_t rnd, a, base, region, group, bucket, start, size
    cdef int64_t v1, v2, v, b, s, cur, own, take_first
    cdef Py_ssize_t i, t, n_touched, n_offered
    cdef uint64_t tb
    cdef double u, ug, w1, w2, own_low, own_high
    cdef int fit
    cdef bint eligible
    cdef const double* cdf_row
    cdef AnyVacancy* pv

    with nogil:
        for v in range(V):
            vacancy[v].wage = vacancy_wage[v]
            vacancy[v].vacancy_id = <uint64_t>vacancy_id[v]
            vacancy[v].best_tiebreak = 0
            vacancy[v].best_seeker = -1
            vacancy[v].occupation = vacancy_occupation[v]
            vacancy[v].group = vacancy_group[v]
            vacancy[v].skill = vacancy_skill[v]
        for rnd in range(n_rounds):
            base = rnd * 4 * n_applications
            n_touched = 0
            i = 0
            while i < S:
                # Stage A1: the next SEEKERS seekers not hired yet, and all their draws.
                n_seekers = 0
                while i < S and n_seekers < SEEKERS:
                    if hired_vacancy[i] < 0:
                        block_row[n_seekers] = i
                        block_stream[n_seekers] = agent_stream(key, <uint64_t>seeker_id[i])
                        n_seekers += 1
                    i += 1
                if _wide_draws:
                    _block_uniforms_x8(block_stream, n_seekers, <uint64_t>base, n_draws,
                                       SEEKERS, &uniforms[0])
                else:
                    for d in range(n_draws):
                        for j in range(n_seekers):
                            uniforms[d * SEEKERS + j] = uniform_in(block_stream[j],
                                                                   <uint64_t>(base + d))
                # Stage A2: region, group and the two vacancies of each application; their
                # cache lines are fetched now, all at once, not one stall at a time.
                n_block = 0
                for j in range(n_seekers):
                    s = block_row[j]
                    own = seeker_region[s]
                    cdf_row = &region_cdf[own, 0]
                    own_high = cdf_row[own]
                    own_low = cdf_row[own - 1] if own > 0 else -1.0
                    for a in range(n_applications):
                        u = uniforms[(4 * a) * SEEKERS + j]
                        if own_region_shortcut and u < own_high and u >= own_low:
                            region = own
                        else:
                            region = _count_at_most(cdf_row, R, u)
                        ug = uniforms[(4 * a + 1) * SEEKERS + j]
                        if ug < switch_share:     # never true unless switch_share > 0
                            group = <int64_t>((ug / switch_share) * <double>n_groups)
                            if group > n_groups - 1:
                                group = n_groups - 1
                        else:
                            group = seeker_group[s]
                        bucket = region * n_groups + group
                        start = bucket_start[bucket]
                        size = bucket_start[bucket + 1] - start
                        applicant[n_block] = j
                        if size <= 0:
                            first[n_block] = -1
                        else:
                            v1 = start + <int64_t>(uniforms[(4 * a + 2) * SEEKERS + j]
                                                   * <double>size)
                            v2 = start + <int64_t>(uniforms[(4 * a + 3) * SEEKERS + j]
                                                   * <double>size)
                            _prefetch(&vacancy[v1])
                            _prefetch(&vacancy[v2])
                            first[n_block] = v1
                            second[n_block] = v2
                        n_block += 1
                # Stage A3: each application goes to the better paid of its two vacancies
                # (a select: which one is a coin flip, a branch would mispredict half the
                # time); the eligible ones are packed at the front of second and applicant,
                # again without a branch (three in four applications are not eligible).
                n_eligible = 0
                for k in range(n_block):
                    v1 = first[k]
                    if v1 < 0:
                        continue
                    v2 = second[k]
                    w1 = vacancy[v1].wage
                    w2 = vacancy[v2].wage
                    take_first = (w1 > w2) | ((w1 == w2) & (v1 <= v2))
                    v = v2 ^ ((v1 ^ v2) & -take_first)
                    j = applicant[k]
                    s = block_row[j]
                    pv = &vacancy[v]
                    # Written as negations of the reference's conditions (NaN-safe).
                    eligible = ((pv.skill <= seeker_skill[s])
                                & (pv.wage >= seeker_reservation[s])
                                & (pv.best_seeker != FILLED_SEEKER))
                    second[n_eligible] = v
                    applicant[n_eligible] = j
                    n_eligible += eligible
                # Stage B: each vacancy keeps its best eligible applicant.
                for k in range(n_eligible):
                    v = second[k]
                    j = applicant[k]
                    s = block_row[j]
                    pv = &vacancy[v]
                    if pv.occupation == seeker_occupation[s]:
                        fit = 2
                    else:
                        fit = pv.group == seeker_group[s]
                    tb = mix64(block_stream[j] ^ (pv.vacancy_id + <uint64_t>rnd))
                    b = pv.best_seeker
                    # Skip unless better by (fit desc, tiebreak desc, seeker id asc); the
                    # ids are read only on an exact tie.
                    if b < 0:
                        touched[n_touched] = v
                        n_touched += 1
                    elif fit != best_fit[v]:
                        if fit < best_fit[v]:
                            continue
                    elif tb != pv.best_tiebreak:
                        if tb < pv.best_tiebreak:
                            continue
                    elif seeker_id[s] >= seeker_id[b]:   # equal: keep the earlier
                        continue
                    pv.best_seeker = <int32_t>s
                    pv.best_tiebreak = tb
                    best_fit[v] = <uint8_t>fit
            # 2. Offers; each seeker keeps its best-paid one.
            n_offered = 0
            for t in range(n_touched):
                v = touched[t]
                s = vacancy[v].best_seeker
                vacancy[v].best_seeker = -1
                cur = offer[s]
                if cur < 0:
                    offered[n_offered] = s
                    n_offered += 1
                    offer[s] = v
                elif _better_offer(vacancy[v].wage, v, vacancy[cur].wage, cur):
                    offer[s] = v
            # 3. Hires.
            for t in range(n_offered):
                s = offered[t]
                v = offer[s]
                offer[s] = -1
                hired_vacancy[s] = v
                vacancy[v].best_seeker = FILLED_SEEKER



# The job seekers are found, with their ids and narrow attributes, in one pass over the
# population (gather_job_seekers), in row order; seeker_table then puts them in bucket
# order with their reservation wages. Measured at national scale (9.07M rows, ~600k
# seekers; month 4 / month 106, in the stage, fresh arrays included): the former
# job_seeker_rows, a gather-and-scatter of ten columns and reservation_wages took
# ~10 + ~19 + ~3 ms (~10 + ~23 + ~3 late); these two take ~13 + ~16 ms (~14 + ~19),
# of which ~1.5 and ~8 ms are the first touch of their fresh output arrays. The scan
# costs ~3.5 ms more than job_seeker_rows (it writes seven columns, not one); the table
# saves more: five columns scattered instead of ten, no separate reservation pass, and
# the sparse wage loads prefetched.

cdef extern from *:
    """
    #include <string.h>
    /* Bit j of the result: whether b[j] (0 or 1) is set, j < 8. */
    static inline unsigned labsim_bits8(const unsigned char* b) {
        unsigned long long w;
        memcpy(&w, b, 8);
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        w = __builtin_bswap64(w);
    #endif
        return (unsigned)((w * 0x0102040810204080ULL) >> 56);
    }
    /* The index of the lowest set bit of x != 0. */
    #if defined(__GNUC__) || defined(__clang__)
    #define labsim_lowest_bit(x) __builtin_ctzll(x)
    #else
    static inline int labsim_lowest_bit(unsigned long long x) {
        int n = 0;
        while (!(x & 1)) { x >>= 1; n++; }
        return n;
    }
    #endif
    """
    unsigned _bits8 "labsim_bits8" (const uint8_t* b) noexcept nogil
    int _lowest_bit "labsim_lowest_bit" (uint64_t x) noexcept nogil

# gather_job_seekers' scan, where the CPU has AVX-512 (F, BW, VL, DQ): the rows of a
# block of 64 are tested at once, and the seekers' rows (about one in twenty) kept by a
# compress into a short list; every 128 rows the listed seekers' columns are read and
# written one seeker at a time, while those rows' lines are still near. At national
# scale (outputs already touched) this took the pass from ~8.4 to ~6.3 ms at month 4 and
# from ~8.4 to ~5.4 ms at month 105. It is bound by memory (the ids and narrow columns
# are ~135 MB; reading them alone takes ~4.6 ms): the shorter compute pays only as far
# as it keeps the loads going. Lists of 512 and 1024 rows let the lines go (~8 and
# ~9-10 ms, slower than the portable loop), and prefetching the narrow columns did not
# bring them back; a compress per column, 16 rows at a time, saved less (~7.7 and
# ~8.3 ms).
# The rotation test is exact on 64-bit lanes, with no narrow case: (id + month) % period
# == 0 on the wrapped int64 sum holds exactly when the period divides the sum's
# magnitude, which a multiplication by the inverse of the period's odd part modulo 2**64
# tests (Hacker's Delight 10-16, as the portable loop does on 32 bits); the magnitude of
# -2**63 is 2**63 as an unsigned lane.
# Same outputs: the wide pass goes through whole blocks from row 0 and stops at the
# block of the first seeker out of range, or at the tail; the portable loop carries on
# from there, so it reports the same row and leaves the outputs as before (that block's
# seekers before the bad one are written again, the same values). Both paths are tested
# against the reference (_use_wide_scan switches between them).
cdef extern from *:
    """
    #if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
    #include <immintrin.h>
    #define LABSIM_WIDE_SCAN __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))
    #define LABSIM_SCAN_BATCH 128   /* rows scanned before their seekers' columns are read */
    /* gather_job_seekers over whole blocks of 64 rows from row 0 (``divisor`` 0: no
       on-the-job search; ``n_occupations`` clamped to 2**31 - 1); returns the count of
       seekers written, *stop the row where it stopped. */
    LABSIM_WIDE_SCAN static Py_ssize_t labsim_seekers_x16(
            const int8_t* status, const int64_t* worker_id, int64_t month, uint64_t divisor,
            const int8_t* region, const int16_t* occupation, const int8_t* skill,
            const int16_t* unemployed_since, const int32_t* group_of_occupation,
            int32_t n_occupations, int32_t n_regions, int32_t n_groups, Py_ssize_t n,
            int64_t* out_row, int64_t* out_id, int16_t* out_bucket, int16_t* out_occupation,
            int8_t* out_skill, int8_t* out_status, int16_t* out_unemployed_since,
            Py_ssize_t* stop) {
        int shift = divisor ? __builtin_ctzll(divisor) : 0;
        uint64_t odd = divisor ? divisor >> shift : 1, inverse = odd;
        for (int k = 0; k < 5; k++)       /* correct low bits: 3, 6, 12, 24, 48, 96 */
            inverse *= 2 - odd * inverse;
        const __m512i sum_add = _mm512_set1_epi64((long long)month);
        const __m512i inv = _mm512_set1_epi64((long long)inverse);
        const __m512i rot = _mm512_set1_epi64(shift);
        const __m512i limit = _mm512_set1_epi64((long long)((~0ULL >> shift) / odd));
        const __m512i unemployed = _mm512_set1_epi8(3), platform = _mm512_set1_epi8(2);
        const __m512i zero = _mm512_setzero_si512(), sixteen = _mm512_set1_epi32(16);
        const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
                                               14, 15);
        int32_t found[LABSIM_SCAN_BATCH];   /* the batch's seekers, rows from its first */
        Py_ssize_t i = 0, count = 0;
        while (i + 64 <= n) {
            Py_ssize_t end = n - i >= LABSIM_SCAN_BATCH ? i + LABSIM_SCAN_BATCH : n - n % 64;
            __m512i offset = iota;
            int k = 0;
            for (Py_ssize_t at = i; at < end; at += 64) {
                __m512i st = _mm512_loadu_si512((const void*)(status + at));
                __mmask64 seek = _mm512_cmpeq_epi8_mask(st, unemployed)
                                 | _mm512_cmpeq_epi8_mask(st, platform);
                __mmask64 employed = divisor ? _mm512_cmpeq_epi8_mask(st, zero) : 0;
                if (employed) {
                    __mmask64 turn = 0;
                    for (int g = 0; g < 64; g += 8) {
                        __m512i sum = _mm512_add_epi64(
                            _mm512_loadu_si512((const void*)(worker_id + at + g)), sum_add);
                        __m512i p = _mm512_mullo_epi64(_mm512_abs_epi64(sum), inv);
                        turn |= (__mmask64)_mm512_cmple_epu64_mask(_mm512_rorv_epi64(p, rot),
                                                                   limit) << g;
                    }
                    seek |= employed & turn;
                }
                for (int q = 0; q < 64; q += 16) {
                    __mmask16 m = (__mmask16)(seek >> q);
                    int taken = __builtin_popcount(m);
                    _mm512_mask_storeu_epi32(found + k, (__mmask16)((1u << taken) - 1u),
                                             _mm512_maskz_compress_epi32(m, offset));
                    k += taken;
                    offset = _mm512_add_epi32(offset, sixteen);
                }
            }
            for (int t = 0; t < k; t++) {
                Py_ssize_t r = i + found[t];
                int32_t reg = region[r], o = occupation[r], g;
                /* As unsigned: a negative region, occupation or group is above its bound. */
                if ((uint32_t)reg >= (uint32_t)n_regions || (uint32_t)o >= (uint32_t)n_occupations
                        || (uint32_t)(g = group_of_occupation[o]) >= (uint32_t)n_groups) {
                    /* The portable loop carries on from this row's block: its seekers
                       before this one are written again, the same values. */
                    Py_ssize_t block = r - r % 64;
                    while (t > 0 && i + found[t - 1] >= block) {
                        t--;
                        count--;
                    }
                    *stop = block;
                    return count;
                }
                out_row[count] = r;
                out_id[count] = worker_id[r];
                out_bucket[count] = (int16_t)(reg * n_groups + g);
                out_occupation[count] = (int16_t)o;
                out_skill[count] = skill[r];
                out_status[count] = status[r];
                out_unemployed_since[count] = unemployed_since[r];
                count++;
            }
            i = end;
        }
        *stop = i;
        return count;
    }
    static int labsim_cpu_has_wide_scan(void) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
               && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
    }
    #else
    /* Never called: labsim_cpu_has_wide_scan() is 0 here. Each wide
       function is a macro for one that aborts (its arguments evaluated, so none is left
       unused), not a copy of its signature. */
    #include <stdlib.h>
    #ifndef LABSIM_WIDE_UNAVAILABLE
    #define LABSIM_WIDE_UNAVAILABLE
    static Py_ssize_t labsim_wide_unavailable(int none, ...) { (void)none; abort(); }
    #endif
    #define labsim_seekers_x16(...) labsim_wide_unavailable(0, __VA_ARGS__)
    static int labsim_cpu_has_wide_scan(void) { return 0; }
    #endif
    """
    Py_ssize_t _seekers_x16 "labsim_seekers_x16" (
        const int8_t* status, const int64_t* worker_id, int64_t month, uint64_t divisor,
        const int8_t* region, const int16_t* occupation, const int8_t* skill,
        const int16_t* unemployed_since, const int32_t* group_of_occupation,
        int32_t n_occupations, int32_t n_regions, int32_t n_groups, Py_ssize_t n,
        int64_t* out_row, int64_t* out_id, int16_t* out_bucket, int16_t* out_occupation,
        int8_t* out_skill, int8_t* out_status, int16_t* out_unemployed_since,
        Py_ssize_t* stop) noexcept nogil
    int _cpu_has_wide_scan "labsim_cpu_has_wide_scan" () noexcept nogil


cdef bint _wide_scan = _cpu_has_wide_scan()


def _use_wide_scan(bint wanted):
    """Use gather_job_seekers' AVX-512 scan when ``wanted`` and the CPU has it (the
    default), else the portable loop; returns whether it is now used. For the tests,
    which run both."""
    global _wide_scan
    _wide_scan = wanted and _cpu_has_wide_scan()
    return bool(_wide_scan)

DEF SCAN = 64   # gather_job_seekers: rows per block, one bit each in a 64-bit mask
DEF AHEAD = 32  # seeker_table: seekers between the prefetch of a row's wage and its load


cdef inline uint32_t _odd_inverse32(uint32_t odd) noexcept nogil:
    """The inverse of an odd number modulo 2**32: Newton's iteration doubles the correct
    low bits, from 3 (odd * odd == 1 modulo 8) to 6, 12, 24, 48 >= 32."""
    cdef uint32_t x = odd
    cdef int _
    for _ in range(4):
        x *= 2 - odd * x
    return x


cdef inline bint _is_seeker(int8_t s, bint turn) noexcept nogil:
    """The unemployed, gig workers, and employees whose turn it is (job_seeker_rows)."""
    return (s == UNEMPLOYED) | (s == PLATFORM) | ((s == EMPLOYED) & turn)


def gather_job_seekers(const int8_t[::1] status, const int64_t[::1] worker_id,
                       int64_t month, int64_t period, const int8_t[::1] region,
                       const int16_t[::1] occupation, const int8_t[::1] skill,
                       const int16_t[::1] unemployed_since,
                       const int32_t[::1] group_of_occupation, int64_t n_regions,
                       int64_t n_groups, int64_t[::1] out_row, int64_t[::1] out_id,
                       int16_t[::1] out_bucket, int16_t[::1] out_occupation,
                       int8_t[::1] out_skill, int8_t[::1] out_status,
                       int16_t[::1] out_unemployed_since):
    """This month's job seekers, their ids and narrow attributes, in row order, in one
    pass over the population. Same results as ``kernels.reference.gather_job_seekers``.

    The seekers are those of ``job_seeker_rows``: the unemployed, gig workers, and the
    employees whose turn it is in the on-the-job search rotation
    (``(id + month) % period == 0``; ``period`` 0: nobody searches on the job). Each
    gets its bucket ``region * n_groups + group_of_occupation[occupation]``.

    Only the ids (read by the scan) and the narrow columns are gathered here: about every
    cache line of those is read anyway, in step with the scan. The wages, of which a
    seeker is one line in eight to fifteen, seeker_table gathers with prefetches.

    Args (N workers):
        status: int8 (N); worker_id: int64 (N); region: int8 (N); occupation: int16 (N);
            skill: int8 (N); unemployed_since: int16 (N).
        group_of_occupation: int32 (O), occupation group (0 .. n_groups - 1).
        n_regions, n_groups: the bucket grid (at most 32767 buckets).
        out_*: OUT (at least N each; the first ``count`` entries are written): row, id,
            bucket, occupation, skill, status, unemployed_since.

    Returns:
        count, the number of seekers.

    Raises:
        ValueError: on inconsistent lengths, or a seeker whose region, occupation or group
            is out of range (the first such row is named).
    """
    cdef Py_ssize_t N = status.shape[0], n_occupations = group_of_occupation.shape[0]
    for name, n in (("worker_id", worker_id.shape[0]), ("region", region.shape[0]),
                    ("occupation", occupation.shape[0]), ("skill", skill.shape[0]),
                    ("unemployed_since", unemployed_since.shape[0])):
        if n != N:
            raise ValueError(f"{name} has length {n}, status has {N}")
    for name, n in (("out_row", out_row.shape[0]), ("out_id", out_id.shape[0]),
                    ("out_bucket", out_bucket.shape[0]),
                    ("out_occupation", out_occupation.shape[0]),
                    ("out_skill", out_skill.shape[0]), ("out_status", out_status.shape[0]),
                    ("out_unemployed_since", out_unemployed_since.shape[0])):
        if n < N:
            raise ValueError(f"{name} has length {n}, status has {N}")
    if n_regions < 1 or n_groups < 1 or n_regions * n_groups > 0x7FFF:
        raise ValueError("n_regions and n_groups must be positive, with at most 32767 buckets")
    # The rotation test (id + month) % period == 0 as a multiplication on 32-bit words
    # (Hacker's Delight 10-16, as _population.pyx's _divisor32 explains), which the C
    # compiler vectorises, for each block whose id + month all fit in 32 bits (all of
    # them at national scale); otherwise the block takes C's % on the 64-bit sum.
    cdef bint on_the_job = period > 0
    cdef uint64_t divisor = <uint64_t>period if on_the_job else 1
    cdef bint narrow = divisor <= 0xFFFFFFFF
    cdef int shift = 0
    while narrow and (divisor >> shift) & 1 == 0:
        shift += 1
    cdef uint32_t odd = <uint32_t>(divisor >> shift) if narrow else 1
    cdef uint32_t inverse = _odd_inverse32(odd), limit = (0xFFFFFFFFU >> shift) // odd
    cdef uint32_t product
    cdef uint64_t high, sum_bits
    cdef uint8_t seeking[SCAN]
    cdef uint64_t mask
    cdef Py_ssize_t i, j, b, r, count = 0, bad = -1
    cdef int64_t reg, o, g
    cdef Py_ssize_t start = 0
    with nogil:
        if _wide_scan and N >= SCAN and n_occupations > 0:
            count = _seekers_x16(&status[0], &worker_id[0], month, divisor if on_the_job else 0,
                                 &region[0], &occupation[0], &skill[0], &unemployed_since[0],
                                 &group_of_occupation[0], <int32_t>min(n_occupations, 0x7FFFFFFF),
                                 <int32_t>n_regions, <int32_t>n_groups, N, &out_row[0],
                                 &out_id[0], &out_bucket[0], &out_occupation[0], &out_skill[0],
                                 &out_status[0], &out_unemployed_since[0], &start)
        for b in range(start // SCAN, (N + SCAN - 1) // SCAN):
            i = b * SCAN
            if i + SCAN <= N:
                high = 0
                for j in range(SCAN):
                    # Unsigned: the same bits as the signed sum, without its overflow.
                    sum_bits = <uint64_t>worker_id[i + j] + <uint64_t>month
                    high |= sum_bits
                    product = <uint32_t>sum_bits * inverse
                    seeking[j] = _is_seeker(status[i + j], on_the_job & (
                        ((product >> shift) | (product << ((32 - shift) & 31))) <= limit))
                if not narrow or high >> 32 != 0:
                    for j in range(SCAN):
                        seeking[j] = _is_seeker(status[i + j], on_the_job & (
                            <int64_t>(<uint64_t>worker_id[i + j] + <uint64_t>month)
                            % <int64_t>divisor == 0))
            else:
                for j in range(SCAN):
                    seeking[j] = i + j < N and _is_seeker(status[i + j], on_the_job & (
                        <int64_t>(<uint64_t>worker_id[i + j] + <uint64_t>month)
                        % <int64_t>divisor == 0))
            mask = 0
            for j in range(SCAN // 8):
                mask |= <uint64_t>_bits8(&seeking[8 * j]) << (8 * j)
            # One step per seeker (about one row in fifteen), not per row.
            while mask != 0:
                r = i + _lowest_bit(mask)
                mask &= mask - 1
                reg, o = region[r], occupation[r]
                if reg < 0 or reg >= n_regions or o < 0 or o >= n_occupations:
                    bad = r
                    break
                g = group_of_occupation[o]
                if g < 0 or g >= n_groups:
                    bad = r
                    break
                out_row[count] = r
                out_id[count] = worker_id[r]
                out_bucket[count] = <int16_t>(reg * n_groups + g)
                out_occupation[count] = <int16_t>o
                out_skill[count] = skill[r]
                out_status[count] = status[r]
                out_unemployed_since[count] = unemployed_since[r]
                count += 1
            if bad >= 0:
                break
    if bad >= 0:
        raise ValueError(f"row {bad}: region, occupation or group out of range")
    return count


cdef inline double _reservation(int8_t status, double wage, double last_wage,
                                int64_t months, const double* decay_powers, double ratio,
                                double benefit_rate, double benefit_months,
                                double move_premium) noexcept nogil:
    """The reservation wage of one seeker (see reservation_wages); ``months`` of
    unemployment, at least 0, below the number of decay_powers."""
    if status <= SELF_EMPLOYED:
        return wage * move_premium
    cdef double decayed = ratio * last_wage * decay_powers[months], floor
    if status == PLATFORM:
        floor = wage
    elif status == UNEMPLOYED and <double>months < benefit_months:
        floor = benefit_rate * last_wage
    else:
        floor = 0.0
    return numpy_maximum(decayed, floor)


cdef inline const double* _wage_read(int8_t status, const double* wage,
                                     const double* last_wage) noexcept nogil:
    """The column to read a seeker's wage from: ``wage`` where _reservation uses it
    (status up to PLATFORM), else ``last_wage``, the line read anyway."""
    return wage if status <= PLATFORM else last_wage


cdef inline const double* _last_wage_read(int8_t status, const double* wage,
                                          const double* last_wage) noexcept nogil:
    """The column to read a seeker's last wage from: ``last_wage`` where _reservation
    uses it (status PLATFORM and above), else ``wage``, the line read anyway."""
    return last_wage if status >= PLATFORM else wage


def seeker_table(const int64_t[::1] row, const int64_t[::1] worker_id,
                 const int16_t[::1] bucket, const int16_t[::1] occupation,
                 const int8_t[::1] skill, const int8_t[::1] status,
                 const int16_t[::1] unemployed_since, const double[::1] wage,
                 const double[::1] last_wage, int64_t n_regions, int64_t n_groups,
                 int64_t month, const double[::1] decay_powers, double ratio,
                 double benefit_rate, double benefit_months, double move_premium,
                 int64_t[::1] out_row, int64_t[::1] out_id, int32_t[::1] out_region,
                 int32_t[::1] out_group, int32_t[::1] out_occupation, int32_t[::1] out_skill,
                 double[::1] out_reservation):
    """The job seekers (gather_job_seekers' columns) grouped by bucket, the matching
    kernel's layout: their given order within a bucket (a stable counting sort), with
    their reservation wages (``reservation_wages``, same arguments). Same results as
    ``kernels.reference.seeker_table``.

    Only five columns are scattered: the reservation wage is computed on the way, and
    region and group are the same within a bucket, so they are written bucket by bucket.
    The wages are gathered from the population's columns, prefetched AHEAD seekers ahead:
    the rows ascend, but too sparsely for the hardware's prefetcher (without it the wage
    loads were two thirds of the time). A seeker's reservation needs only its wage
    (employees, the self-employed) or only its last wage (the unemployed), gig workers
    both; reading just those (the address chosen without a branch) reads ~30 % fewer
    lines.

    Args (S seekers, N workers):
        row: int64 (S), each in [0, N); worker_id: int64 (S); bucket: int16 (S),
            region * n_groups + group; occupation: int16 (S); skill, status: int8 (S);
            unemployed_since: int16 (S).
        wage, last_wage: float64 (N), the population's columns.
        n_regions, n_groups: the bucket grid.
        month, decay_powers, ratio, benefit_rate, benefit_months, move_premium: as for
            reservation_wages.
        out_*: OUT (S each): row, id, region, group, occupation, skill, reservation wage.

    Raises:
        ValueError: on inconsistent lengths, a row or bucket out of range or a seeker's
            months beyond decay_powers (the first bad seeker is named; nothing is written).
    """
    cdef Py_ssize_t S = row.shape[0], N = wage.shape[0], n_powers = decay_powers.shape[0]
    for name, n in (("worker_id", worker_id.shape[0]), ("bucket", bucket.shape[0]), ("occupation", occupation.shape[0]),
                    ("skill", skill.shape[0]), ("status", status.shape[0]),
                    ("unemployed_since", unemployed_since.shape[0]),
                    ("out_row", out_row.shape[0]), ("out_id", out_id.shape[0]),
                    ("out_region", out_region.shape[0]), ("out_group", out_group.shape[0]),
                    ("out_occupation", out_occupation.shape[0]),
                    ("out_skill", out_skill.shape[0]),
                    ("out_reservation", out_reservation.shape[0])):
        if n != S:
            raise ValueError(f"{name} has length {n}, row has {S}")
    if last_wage.shape[0] != N:
        raise ValueError(f"last_wage has length {last_wage.shape[0]}, wage has {N}")
    if n_regions < 1 or n_groups < 1:
        raise ValueError("n_regions and n_groups must be positive")
    cdef int64_t n_buckets = n_regions * n_groups
    start_arr = np.zeros(n_buckets + 1, dtype=np.int64)
    cdef int64_t[::1] start = start_arr
    cdef Py_ssize_t j, bad = -1
    cdef int64_t b, r, at, months
    cdef const double* pay
    cdef const double* last_pay
    cdef const double* powers = &decay_powers[0] if n_powers > 0 else NULL
    with nogil:
        # Pass 1: validate and count by bucket.
        for j in range(S):
            b, r = bucket[j], row[j]
            months = month - unemployed_since[j]
            if months < 0:
                months = 0
            if (b < 0 or b >= n_buckets or r < 0 or r >= N
                    or (status[j] > SELF_EMPLOYED and months >= n_powers)):
                bad = j
                break
            start[b + 1] += 1
    if bad >= 0:
        raise ValueError(f"seeker {bad}: row or bucket out of range, or months beyond "
                         "decay_powers")
    with nogil:
        for b in range(n_buckets):
            start[b + 1] += start[b]
            for at in range(start[b], start[b + 1]):
                out_region[at] = <int32_t>(b // n_groups)
                out_group[at] = <int32_t>(b % n_groups)
        # Pass 2: gather the wide columns and scatter into bucket order.
        for j in range(S):
            if j + AHEAD < S:
                r = row[j + AHEAD]
                _prefetch(_wage_read(status[j + AHEAD], &wage[0], &last_wage[0]) + r)
                _prefetch(_last_wage_read(status[j + AHEAD], &wage[0], &last_wage[0]) + r)
            r = row[j]
            pay = _wage_read(status[j], &wage[0], &last_wage[0])
            last_pay = _last_wage_read(status[j], &wage[0], &last_wage[0])
            b = bucket[j]
            at = start[b]
            start[b] = at + 1
            months = month - unemployed_since[j]
            if months < 0:
                months = 0
            out_row[at] = r
            out_id[at] = worker_id[j]
            out_occupation[at] = occupation[j]
            out_skill[at] = skill[j]
            out_reservation[at] = _reservation(status[j], pay[r], last_pay[r], months, powers,
                                               ratio, benefit_rate, benefit_months,
                                               move_premium)


def reservation_wages(const int8_t[::1] status, const double[::1] wage,
                      const double[::1] last_wage, const int16_t[::1] unemployed_since,
                      int64_t month, const double[::1] decay_powers, double ratio,
                      double benefit_rate, double benefit_months, double move_premium,
                      double[::1] out):
    """Reservation wages (tenge/month) of job seekers, from their status, wage, last wage
    and start of unemployment; same results as ``kernels.reference.reservation_wages``
    (sim.stages.matching.reservation_wages_of gives the economics).

    Employees and the self-employed need ``move_premium x wage``. Others ask
    ``ratio x last_wage x decay_powers[months]`` (months of unemployment, at least 0),
    and never less than their floor: the gig income of a platform worker, the benefit
    ``benefit_rate x last_wage`` of an unemployed worker still entitled (months below
    ``benefit_months``), 0 otherwise.

    Args (S seekers):
        status: int8 (S); wage, last_wage: float64 (S); unemployed_since: int16 (S).
        decay_powers: float64, decay ** k for k = 0 .. the most months of any seeker.
        out: OUT float64 (S).

    Raises:
        ValueError: on inconsistent lengths, or a seeker's months beyond decay_powers
            (``out`` is then partly written).
    """
    cdef Py_ssize_t i, n = status.shape[0], n_powers = decay_powers.shape[0], bad = -1
    for name, size in (("wage", wage.shape[0]), ("last_wage", last_wage.shape[0]),
                       ("unemployed_since", unemployed_since.shape[0]), ("out", out.shape[0])):
        if size != n:
            raise ValueError(f"{name} has length {size}, status has {n}")
    cdef int64_t months
    cdef const double* powers = &decay_powers[0] if n_powers > 0 else NULL
    with nogil:
        for i in range(n):
            months = month - unemployed_since[i]
            if months < 0:
                months = 0
            if status[i] > SELF_EMPLOYED and months >= n_powers:
                bad = i
                break
            out[i] = _reservation(status[i], wage[i], last_wage[i], months, powers, ratio,
                                  benefit_rate, benefit_months, move_premium)
    if bad >= 0:
        raise ValueError(f"seeker {bad}: months of unemployment beyond decay_powers")


def apply_hires(const int64_t[::1] seeker_row, const int64_t[::1] seeker_id,
                const int64_t[::1] hired_vacancy,
                const int64_t[::1] vacancy_firm, const int64_t[::1] vacancy_region,
                const int32_t[::1] vacancy_occupation, const double[::1] vacancy_wage,
                const int8_t[::1] occupation_sector, int64_t month, bint wage_subsidy,
                int8_t[::1] status, int32_t[::1] firm, int8_t[::1] region,
                int16_t[::1] occupation, int8_t[::1] sector, double[::1] wage,
                const int16_t[::1] unemployed_since, const int8_t[::1] skill,
                uint8_t[::1] migrant, int16_t[::1] subsidy_until,
                int32_t[::1] employees, int32_t[::1] vacancies,
                int64_t[::1] migration_counts, int64_t[::1] hired_rows,
                int64_t[::1] hired_ids, int8_t[::1] hired_sectors):
    """Apply the matching kernel's hires to the workers and firms, in one pass over the
    hires. Same results as ``kernels.reference.apply_hires`` (every change is to the
    hired worker's own row or an integer count, so the order of the hires is free).

    A hired worker takes the vacancy's region, occupation (and its sector), firm and
    wage; the status becomes employed (self-employed for a self-employment opening,
    firm -1). An on-the-job mover frees the old position; a move between regions is
    counted as a job-led migration and marks the worker a migrant. With ``wage_subsidy``,
    a low-skill hire at a firm after 6+ months of unemployment carries a hiring subsidy
    through month ``month + 11``; every other hire's subsidy is cleared.

    The hires' ids and new sectors are written out for their separation months: read
    from the seekers' table and the vacancy here, they are not gathered again from the
    population's columns (at national scale, ~150k hires scattered over 9M rows, that
    gather took ~3 ms a month).

    Args (S seekers, V vacancies, N workers, F firms, R regions):
        seeker_row, seeker_id: int64 (S) the seekers' rows and ids; hired_vacancy: int64
            (S), the vacancy taken or -1 (the matching kernel's output).
        vacancy_firm, vacancy_region: int64 (V); vacancy_occupation: int32 (V);
            vacancy_wage: float64 (V). occupation_sector: int8 (O).
        status, firm, region, occupation, sector, wage, migrant, subsidy_until: IN/OUT
            worker columns (N); unemployed_since, skill: worker columns (N).
        employees, vacancies: IN/OUT int32 (F). migration_counts: IN/OUT int64 (R * R),
            origin-major. hired_rows, hired_ids: OUT int64 (>= S), hired_sectors: OUT
            int8 (>= S): the hired workers' rows, ids and new sectors, in seeker order.

    Returns:
        (hires, job-led moves).

    Raises:
        ValueError: on inconsistent lengths or an index out of range (checked for all
            hires before anything is changed).
    """
    cdef Py_ssize_t S = seeker_row.shape[0], V = vacancy_firm.shape[0]
    cdef Py_ssize_t N = status.shape[0], F = employees.shape[0]
    cdef Py_ssize_t n_occupations = occupation_sector.shape[0]
    cdef Py_ssize_t n_regions_sq = migration_counts.shape[0]
    cdef Py_ssize_t n_regions = <Py_ssize_t>(sqrt(<double>n_regions_sq) + 0.5)
    if (hired_vacancy.shape[0] != S or seeker_id.shape[0] != S or hired_rows.shape[0] < S
            or hired_ids.shape[0] < S or hired_sectors.shape[0] < S):
        raise ValueError("seeker_id and hired_vacancy need the length of seeker_row, "
                         "hired_rows, hired_ids and hired_sectors at least")
    for name, n in (("vacancy_region", vacancy_region.shape[0]),
                    ("vacancy_occupation", vacancy_occupation.shape[0]),
                    ("vacancy_wage", vacancy_wage.shape[0])):
        if n != V:
            raise ValueError(f"{name} has length {n}, vacancy_firm has {V}")
    for name, n in (("firm", firm.shape[0]), ("region", region.shape[0]),
                    ("occupation", occupation.shape[0]), ("sector", sector.shape[0]),
                    ("wage", wage.shape[0]), ("unemployed_since", unemployed_since.shape[0]),
                    ("skill", skill.shape[0]), ("migrant", migrant.shape[0]),
                    ("subsidy_until", subsidy_until.shape[0])):
        if n != N:
            raise ValueError(f"{name} has length {n}, status has {N}")
    if vacancies.shape[0] != F or n_regions * n_regions != n_regions_sq:
        raise ValueError("vacancies needs the length of employees; migration_counts R * R")
    cdef Py_ssize_t j, k, n_hires = 0, bad = -1
    cdef int64_t r, v, f, o, nr
    with nogil:
        # The hires, listed (in hired_rows, overwritten by the rows as they are applied)
        # without a branch: one seeker in four is hired, at random, and a branch per
        # seeker in both passes mispredicted (~1 ms of ~13 at national scale, month 4;
        # ~1.5 of ~20 at month 106). Prefetching the hires' rows a few hires ahead did
        # not pay (no gain within the noise).
        for j in range(S):
            hired_rows[n_hires] = j
            n_hires += hired_vacancy[j] >= 0
        for k in range(n_hires):
            j = hired_rows[k]
            v = hired_vacancy[j]
            r = seeker_row[j]
            if v >= V or r < 0 or r >= N:
                bad = j
                break
            f, o, nr = vacancy_firm[v], vacancy_occupation[v], vacancy_region[v]
            if (f >= F or o < 0 or o >= n_occupations or nr < 0 or nr >= n_regions
                    or region[r] < 0 or region[r] >= n_regions
                    or (status[r] == EMPLOYED and (firm[r] < 0 or firm[r] >= F))):
                bad = j
                break
    if bad >= 0:
        raise ValueError(f"hire {bad}: a vacancy, row, firm, occupation or region out of range")
    cdef int64_t moves = 0
    cdef bint was_unemployed
    with nogil:
        for k in range(n_hires):
            j = hired_rows[k]
            v = hired_vacancy[j]
            r = seeker_row[j]
            f, nr = vacancy_firm[v], vacancy_region[v]
            if status[r] == EMPLOYED:           # an on-the-job mover frees the old job
                employees[firm[r]] -= 1
            if nr != region[r]:
                migration_counts[region[r] * n_regions + nr] += 1
                migrant[r] = 1
                moves += 1
            was_unemployed = status[r] == UNEMPLOYED
            if (wage_subsidy and f >= 0 and was_unemployed and skill[r] == 0
                    and month - unemployed_since[r] >= 6):
                subsidy_until[r] = <int16_t>(month + 11)
            else:
                subsidy_until[r] = -1
            region[r] = <int8_t>nr
            occupation[r] = <int16_t>vacancy_occupation[v]
            sector[r] = occupation_sector[vacancy_occupation[v]]
            wage[r] = vacancy_wage[v]
            if f >= 0:
                status[r] = EMPLOYED
                firm[r] = <int32_t>f
                employees[f] += 1
                vacancies[f] -= 1
            else:
                status[r] = SELF_EMPLOYED
                firm[r] = -1
            hired_rows[k] = r        # the list's entry k is not read again
            hired_ids[k] = seeker_id[j]
            hired_sectors[k] = sector[r]
    return n_hires, moves


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
    if n == 0:
        return
    with nogil:
        if _wide_draws:
            _uniforms_x8(key, &ids[0], n, <uint64_t>draw, &out[0])
        else:
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
