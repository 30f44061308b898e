# Retraining decisions and course progress: the hot loops.
#
# What lives where (scikit-learn layering, see kernels/reference.py):
#   kernels/_rng.pxd         counter-based draws (uniform), inline C;
#   kernels/_retraining.pyx  (this file) retraining_choices and retraining_progress:
#                            shape checks at Python level, then one nogil loop each;
#                            outputs are allocated by the caller, nothing is allocated;
#   kernels/reference.py     the NumPy reference, which this file reproduces bit for bit.
# Compiler directives (boundscheck/wraparound off, cdivision on) and the reproducibility
# flags (-O2 -ffp-contract=off, no fast-math) are set once in setup.py, none here.
#
# Draw numbers: 0 for the choice (retraining_choices) or the dropout (retraining_progress),
# 1 for a graduate's new occupation.

from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t, uint64_t

from kernels._rng cimport uniform


cdef inline int32_t _count_at_most(const double* cdf_row, Py_ssize_t n,
                                   double u) noexcept nogil:
    """Number of entries of ``cdf_row[:n]`` that are <= u (the reference's sum of
    ``u >= cdf``)."""
    cdef Py_ssize_t d
    cdef int32_t count = 0
    for d in range(n):
        if u >= cdf_row[d]:
            count += 1
    return count


def retraining_choices(uint64_t key,
                       const int64_t[::1] candidate_id,
                       const double[::1] expected_gain,
                       const double[::1] private_cost,
                       double take_up,
                       uint8_t[::1] wants):
    """Who, among unemployed candidates, wants to enrol this month.

    Same arguments, results and draws as ``kernels.reference.retraining_choices``, bit
    for bit. A candidate wants to enrol when the expected gain (tenge, discounted)
    exceeds the private cost, and then with probability ``take_up`` this month
    (inertia): draw 0 of the candidate's stream, ``u < take_up``.

    Args:
        key: uint64 stream key of (seed, month, retraining-choice stage).
        candidate_id: int64 (C); expected_gain, private_cost: float64 (C), tenge.
        take_up: monthly probability of acting on a paying course.
        wants: OUT uint8 (C), allocated by the caller: 1 if the candidate applies for a
            seat, else 0.

    Invariant: ``wants[i] == 1`` only if ``expected_gain[i] > private_cost[i]``; the
    result of a candidate depends on its id, not on its row.
    """
    cdef Py_ssize_t i, C = candidate_id.shape[0]
    for name, n in (("expected_gain", expected_gain.shape[0]),
                    ("private_cost", private_cost.shape[0]),
                    ("wants", wants.shape[0])):
        if n != C:
            raise ValueError(f"{name} has length {n}, candidate_id has {C}")
    with nogil:
        for i in range(C):
            if (expected_gain[i] > private_cost[i]
                    and uniform(key, <uint64_t>candidate_id[i], 0) < take_up):
                wants[i] = 1
            else:
                wants[i] = 0


def retraining_progress(uint64_t key,
                        const int64_t[::1] trainee_id,
                        const int32_t[::1] months_left,
                        double dropout_rate,
                        const double[:, ::1] target_cdf,
                        const int32_t[::1] new_skill,
                        int8_t[::1] outcome,
                        int32_t[::1] target_occupation):
    """Advance trainees by one month.

    Same arguments, results and draws as ``kernels.reference.retraining_progress``, bit
    for bit. Each trainee drops out with probability ``dropout_rate`` (draw 0);
    otherwise one month of the course is done, and a trainee with no months left
    (``months_left <= 1`` before this month) completes. A graduate's new occupation is
    drawn (draw 1) from row ``new_skill`` of ``target_cdf``: the number of cdf entries
    <= u, clamped to O - 1.

    Args:
        key: uint64 stream key of (seed, month, retraining-progress stage).
        trainee_id: int64 (T); months_left: int32 (T), before this month.
        dropout_rate: monthly probability.
        target_cdf: float64 (3, O), C-contiguous, cumulative over occupations, last
            column exactly 1.
        new_skill: int32 (T), the skill a graduate will have (a row of target_cdf).
        outcome: OUT int8 (T): 0 continues, 1 completes, 2 drops out.
        target_occupation: OUT int32 (T): occupation of graduates, -1 otherwise.

    Invariant: ``target_occupation[i] >= 0`` exactly when ``outcome[i] == 1`` (for
    O >= 1), and then it is < O; results depend on ids, not rows.
    """
    cdef Py_ssize_t i, T = trainee_id.shape[0]
    cdef Py_ssize_t O = target_cdf.shape[1]
    cdef uint64_t tid
    cdef int32_t occ
    for name, n in (("months_left", months_left.shape[0]),
                    ("new_skill", new_skill.shape[0]),
                    ("outcome", outcome.shape[0]),
                    ("target_occupation", target_occupation.shape[0])):
        if n != T:
            raise ValueError(f"{name} has length {n}, trainee_id has {T}")
    with nogil:
        for i in range(T):
            tid = <uint64_t>trainee_id[i]
            if uniform(key, tid, 0) < dropout_rate:
                outcome[i] = 2
                target_occupation[i] = -1
            elif months_left[i] <= 1:
                outcome[i] = 1
                if O > 0:
                    occ = _count_at_most(&target_cdf[new_skill[i], 0], O,
                                         uniform(key, tid, 1))
                    if occ > O - 1:
                        occ = <int32_t>(O - 1)
                else:
                    occ = -1    # the reference's min(0, O - 1) with no columns
                target_occupation[i] = occ
            else:
                outcome[i] = 0
                target_occupation[i] = -1
