"""The Cython kernels reproduce ``kernels.reference`` bit for bit, and keep its invariants.

The compiled modules are imported directly: if they are not built, this file fails to
import (it does not skip). Build them with ``python3 setup.py build_ext --inplace``.
"""

from __future__ import annotations

import kernel_paths
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import kernels
from kernels import _matching, _retraining, reference

# No example database: nothing is written into the working tree.
FAST = settings(max_examples=60, deadline=None, database=None)
THOROUGH = settings(max_examples=300, deadline=None, database=None)

UINT64 = st.integers(0, 2**64 - 1)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


# -----------------------------------------------------------------------------------------
# Valid inputs


def _cdf(rng, rows, cols):
    """Cumulative rows of random weights (some zero), last column exactly 1."""
    if cols == 0:
        return np.empty((rows, 0), dtype=np.float64)
    w = rng.random((rows, cols))
    w[rng.random((rows, cols)) < 0.25] = 0.0          # flat steps: never-drawn columns
    w[np.arange(rows), rng.integers(0, cols, rows)] += 0.5   # no all-zero row
    cdf = np.cumsum(w, axis=1) / w.sum(axis=1, keepdims=True)
    cdf[:, -1] = 1.0
    return np.ascontiguousarray(cdf)


def _distinct_ids(rng, n, wide):
    """n distinct int64 ids: small non-negative ones, or anywhere in int64 (negatives
    and the extremes exercise the reinterpretation as uint64 and its wrap-around)."""
    if not wide:
        return rng.permutation(3 * n + 1)[:n].astype(np.int64)
    ids = rng.integers(INT64_MIN, INT64_MAX, size=n, dtype=np.int64, endpoint=True)
    extremes = np.array([-1, INT64_MAX, INT64_MIN, 0], dtype=np.int64)
    k = min(n, int(rng.integers(0, 5)))
    ids[:k] = extremes[:k]
    return ids


@st.composite
def markets(draw, max_seekers=40, max_vacancies=40, switch_share=None, n_rounds=None):
    """Keyword arguments of match_job_seekers (all but hired_vacancy), valid."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_regions = draw(st.integers(1, 5))
    n_groups = draw(st.integers(1, 4))
    S = draw(st.integers(0, max_seekers))
    V = draw(st.integers(0, max_vacancies))
    wide_ids = draw(st.booleans())
    tied = draw(st.booleans())                 # few distinct wages: ties everywhere
    if switch_share is None:
        switch_share = draw(st.sampled_from([0.0, 1.0, 0.3])
                            | st.floats(0.0, 1.0, allow_nan=False))
    if n_rounds is None:
        n_rounds = draw(st.integers(1, 3))
    n_applications = draw(st.integers(1, 4))
    n_occupations = draw(st.integers(1, 2 * n_groups + 1))
    # Vacancies crowd into a few regions, so that many buckets are empty.
    vac_regions = rng.permutation(n_regions)[: int(rng.integers(1, n_regions + 1))]

    seeker_id = _distinct_ids(rng, S, wide_ids)
    assume(np.unique(seeker_id).size == S)
    vacancy_id = _distinct_ids(rng, V, wide_ids)
    assume(np.unique(vacancy_id).size == V)

    wage_levels = np.array([100.0, 200.0, 300.0]) if tied else None

    def wages(n, low, high):
        if tied:
            return rng.choice(wage_levels, n)
        return np.round(rng.uniform(low, high, n), 2)

    region = rng.choice(vac_regions, V).astype(np.int32)
    group = rng.integers(0, n_groups, V).astype(np.int32)
    bucket = region.astype(np.int64) * n_groups + group
    order = np.argsort(bucket, kind="stable")
    counts = np.bincount(bucket, minlength=n_regions * n_groups)
    bucket_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return dict(
        key=draw(UINT64),
        seeker_id=seeker_id,
        seeker_region=rng.integers(0, n_regions, S).astype(np.int32),
        seeker_group=rng.integers(0, n_groups, S).astype(np.int32),
        seeker_occupation=rng.integers(0, n_occupations, S).astype(np.int32),
        seeker_skill=rng.integers(0, 3, S).astype(np.int32),
        seeker_reservation=wages(S, 0.0, 300.0) - (100.0 if tied else 0.0),
        region_cdf=_cdf(rng, n_regions, n_regions),
        switch_share=switch_share,
        n_groups=n_groups,
        bucket_start=bucket_start,
        vacancy_id=vacancy_id[order],
        vacancy_occupation=rng.integers(0, n_occupations, V).astype(np.int32)[order],
        vacancy_group=group[order],
        vacancy_skill=rng.integers(0, 3, V).astype(np.int32)[order],
        vacancy_wage=wages(V, 80.0, 400.0)[order],
        n_applications=n_applications,
        n_rounds=n_rounds,
    )


def match(module, market, **changes):
    """Run ``module.match_job_seekers`` positionally; return hired_vacancy."""
    m = {**market, **changes}
    hired = np.full(len(m["seeker_id"]), 12345, dtype=np.int64)   # must be overwritten
    module.match_job_seekers(
        m["key"], m["seeker_id"], m["seeker_region"], m["seeker_group"],
        m["seeker_occupation"], m["seeker_skill"], m["seeker_reservation"],
        m["region_cdf"], m["switch_share"], m["n_groups"], m["bucket_start"],
        m["vacancy_id"], m["vacancy_occupation"], m["vacancy_group"], m["vacancy_skill"],
        m["vacancy_wage"], m["n_applications"], m["n_rounds"], hired)
    return hired


# -----------------------------------------------------------------------------------------
# Random numbers

#: The draws run 8 lanes at a time where the CPU has AVX-512, in portable loops otherwise:
#: the tests that make draws run both, whatever the machine picks by default.
DRAW_PATHS = pytest.mark.parametrize("wide", [True, False], ids=["avx512-draws", "portable-draws"])


def draws(wide):
    """Make the matching module's draws with the 8-lane path or the portable loops."""
    return kernel_paths.path(_matching._use_wide_draws, wide, "F and DQ", "the 8-lane draws")


@DRAW_PATHS
@THOROUGH
@given(key=UINT64, ids=st.lists(st.integers(INT64_MIN, INT64_MAX), max_size=50),
       draw_number=st.integers(INT64_MIN, INT64_MAX) | st.integers(0, 20))
def test_uniform_draws_from_c_equal_numpy(wide, key, ids, draw_number):
    ids = np.array(ids, dtype=np.int64)
    out = np.full(ids.size, np.nan)
    with draws(wide):
        _matching.uniform_draws(key, ids, draw_number, out)
    expected = reference.uniform(key, ids, np.int64(draw_number))
    assert out.tobytes() == expected.astype(np.float64).tobytes()
    assert ((out >= 0.0) & (out < 1.0)).all()


@THOROUGH
@given(key=UINT64, ids=st.lists(st.integers(INT64_MIN, INT64_MAX), max_size=50),
       draw_number=st.integers(INT64_MIN, INT64_MAX) | st.integers(0, 20))
def test_tiebreak_hashes_from_c_equal_numpy(key, ids, draw_number):
    ids = np.array(ids, dtype=np.int64)
    out = np.zeros(ids.size, dtype=np.uint64)
    _matching.hash_draws(key, ids, draw_number, out)
    assert np.array_equal(out, reference.tiebreak(key, ids, np.int64(draw_number)))


@DRAW_PATHS
def test_uniform_draws_of_a_stream_key_equal_numpy(wide):
    key = reference.stream_key(seed=7, month=3, stage=1)
    ids = np.arange(-1000, 1003, dtype=np.int64)   # not a multiple of 8 lanes
    out = np.empty(ids.size)
    for draw_number in range(8):
        with draws(wide):
            _matching.uniform_draws(key, ids, draw_number, out)
        assert np.array_equal(out, reference.uniform(key, ids, draw_number))


# -----------------------------------------------------------------------------------------
# Matching: Cython == reference


@DRAW_PATHS
@THOROUGH
@given(market=markets())
def test_matching_cython_equals_reference(wide, market):
    with draws(wide):
        assert np.array_equal(match(_matching, market), match(reference, market))


@DRAW_PATHS
@FAST
@given(market=markets(max_seekers=300, max_vacancies=200))
def test_matching_cython_equals_reference_on_crowded_markets(wide, market):
    with draws(wide):
        assert np.array_equal(match(_matching, market), match(reference, market))


@FAST
@given(market=markets(max_seekers=300, max_vacancies=200), data=st.data())
def test_matching_equals_reference_when_region_rows_are_not_cumulative(market, data):
    """The kernel skips the scan of a seeker's region row when the draw falls in the own
    region's interval, which is exact only for non-decreasing rows of a square matrix:
    on shuffled rows, or with more columns than rows, it must scan like the reference."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    cdf = market["region_cdf"]
    shuffled = np.ascontiguousarray(rng.permuted(cdf, axis=1))
    assert np.array_equal(match(_matching, market, region_cdf=shuffled),
                          match(reference, market, region_cdf=shuffled))
    n = cdf.shape[0]
    if n > 1:  # drop the last region's row: R - 1 rows, R columns
        wide = np.ascontiguousarray(cdf[:-1])
        regions = np.minimum(market["seeker_region"], n - 2).astype(np.int32)
        assert np.array_equal(match(_matching, market, region_cdf=wide, seeker_region=regions),
                              match(reference, market, region_cdf=wide, seeker_region=regions))


@FAST
@given(market=markets(max_seekers=300, max_vacancies=200),
       field=st.sampled_from(["vacancy_occupation", "vacancy_group", "vacancy_skill"]),
       shift=st.sampled_from([-1, 1]))
def test_matching_equals_reference_when_vacancy_fields_do_not_fit_compact_records(
        market, field, shift):
    """The kernel keeps a vacancy's occupation in an int16 and its group and skill in an
    int8, and falls back to full-width records when one does not fit. Shifted by a
    multiple of 2**16 (occupation) or 2**8 (group, skill), a truncated copy would equal
    the seekers' values, or qualify them, where the reference finds no match."""
    width = 2**16 if field == "vacancy_occupation" else 2**8
    shifted = (market[field].astype(np.int64) + shift * width).astype(np.int32)
    assert np.array_equal(match(_matching, market, **{field: shifted}),
                          match(reference, market, **{field: shifted}))


@FAST
@given(market=markets(max_seekers=0))
def test_matching_with_no_seekers_returns_empty(market):
    assert match(_matching, market).shape == (0,)
    assert match(reference, market).shape == (0,)


@FAST
@given(market=markets(max_vacancies=0))
def test_matching_with_no_vacancies_hires_nobody(market):
    hired = match(_matching, market)
    assert (hired == -1).all()
    assert np.array_equal(hired, match(reference, market))


def test_matching_cython_equals_reference_on_a_large_tied_market():
    """Thousands of applications on few wage levels: many ties at every step."""
    rng = np.random.default_rng(2024)
    R, G, S, V = 4, 3, 3000, 1500
    region = rng.integers(0, R, V).astype(np.int32)
    group = rng.integers(0, G, V).astype(np.int32)
    bucket = region.astype(np.int64) * G + group
    order = np.argsort(bucket, kind="stable")
    bucket_start = np.concatenate(
        [[0], np.cumsum(np.bincount(bucket, minlength=R * G))]).astype(np.int64)
    market = dict(
        key=reference.stream_key(seed=1, month=2, stage=3),
        seeker_id=rng.permutation(10 * S)[:S].astype(np.int64),
        seeker_region=rng.integers(0, R, S).astype(np.int32),
        seeker_group=rng.integers(0, G, S).astype(np.int32),
        seeker_occupation=rng.integers(0, 5, S).astype(np.int32),
        seeker_skill=rng.integers(0, 3, S).astype(np.int32),
        seeker_reservation=rng.choice([0.0, 100.0, 200.0], S),
        region_cdf=_cdf(rng, R, R),
        switch_share=0.2,
        n_groups=G,
        bucket_start=bucket_start,
        vacancy_id=rng.permutation(10 * V)[:V].astype(np.int64)[order],
        vacancy_occupation=rng.integers(0, 5, V).astype(np.int32)[order],
        vacancy_group=group[order],
        vacancy_skill=rng.integers(0, 3, V).astype(np.int32)[order],
        vacancy_wage=rng.choice([100.0, 200.0, 300.0], V)[order],
        n_applications=3,
        n_rounds=3,
    )
    hired = match(_matching, market)
    assert np.array_equal(hired, match(reference, market))
    assert (hired >= 0).sum() > S // 10          # the test is not vacuous


# -----------------------------------------------------------------------------------------
# Matching: invariants (of the Cython kernel)


@THOROUGH
@given(market=markets())
def test_a_vacancy_is_filled_at_most_once(market):
    hired = match(_matching, market)
    V = len(market["vacancy_id"])
    taken = hired[hired >= 0]
    assert ((hired == -1) | ((hired >= 0) & (hired < V))).all()
    assert np.unique(taken).size == taken.size


@FAST
@given(market=markets(n_rounds=3))
def test_a_seeker_is_hired_at_most_once_and_keeps_the_job(market):
    """Hires after r rounds are all still there, unchanged, after r + 1 rounds."""
    previous = match(_matching, market, n_rounds=0)
    assert (previous == -1).all()
    for rounds in (1, 2, 3):
        hired = match(_matching, market, n_rounds=rounds)
        was_hired = previous >= 0
        assert np.array_equal(hired[was_hired], previous[was_hired])
        previous = hired


@THOROUGH
@given(market=markets())
def test_nobody_is_hired_below_reservation_wage_or_above_skill(market):
    hired = match(_matching, market)
    who = np.flatnonzero(hired >= 0)
    v = hired[who]
    assert (market["vacancy_wage"][v] >= market["seeker_reservation"][who]).all()
    assert (market["vacancy_skill"][v] <= market["seeker_skill"][who]).all()


@FAST
@given(market=markets(switch_share=0.0))
def test_without_switching_hires_stay_in_the_own_group(market):
    hired = match(_matching, market)
    who = np.flatnonzero(hired >= 0)
    assert np.array_equal(market["vacancy_group"][hired[who]], market["seeker_group"][who])


@pytest.mark.parametrize("module", [_matching, reference], ids=["cython", "reference"])
@THOROUGH
@given(market=markets(), data=st.data())
def test_matching_does_not_depend_on_the_order_of_seekers(module, market, data):
    S = len(market["seeker_id"])
    perm = np.array(data.draw(st.permutations(range(S))), dtype=np.int64)
    permuted = dict(market)
    for name in ("seeker_id", "seeker_region", "seeker_group", "seeker_occupation",
                 "seeker_skill", "seeker_reservation"):
        permuted[name] = np.ascontiguousarray(market[name][perm])
    hired = match(module, market)
    hired_permuted = match(module, permuted)
    by_id = dict(zip(market["seeker_id"].tolist(), hired.tolist(), strict=True))
    by_id_permuted = dict(zip(permuted["seeker_id"].tolist(), hired_permuted.tolist(),
                              strict=True))
    assert by_id == by_id_permuted


# -----------------------------------------------------------------------------------------
# Retraining: Cython == reference


@st.composite
def candidates(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    C = draw(st.integers(0, 60))
    tied = draw(st.booleans())              # gain == cost happens: must not enrol
    if tied:
        gain = rng.choice([0.0, 1000.0, 2000.0], C)
        cost = rng.choice([0.0, 1000.0, 2000.0], C)
    else:
        gain = rng.normal(1000.0, 800.0, C)
        cost = rng.uniform(0.0, 2000.0, C)
    take_up = draw(st.sampled_from([0.0, 1.0, 0.25]) | st.floats(0.0, 1.0))
    ids = rng.integers(INT64_MIN, INT64_MAX, C, dtype=np.int64, endpoint=True)
    return draw(UINT64), ids, gain, cost, take_up


@THOROUGH
@given(args=candidates())
def test_retraining_choices_cython_equals_reference(args):
    key, ids, gain, cost, take_up = args
    got = np.full(ids.size, 7, dtype=np.uint8)
    expected = np.full(ids.size, 7, dtype=np.uint8)
    _retraining.retraining_choices(key, ids, gain, cost, take_up, got)
    reference.retraining_choices(key, ids, gain, cost, take_up, expected)
    assert np.array_equal(got, expected)
    assert not got[gain <= cost].any()


@st.composite
def trainees(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    T = draw(st.integers(0, 60))
    n_occupations = draw(st.integers(0, 8))
    ids = rng.integers(INT64_MIN, INT64_MAX, T, dtype=np.int64, endpoint=True)
    if draw(st.booleans()):
        ids = rng.integers(0, 1000, T).astype(np.int64)
    months_left = rng.integers(-1, 5, T).astype(np.int32)
    dropout = draw(st.sampled_from([0.0, 1.0, 0.1]) | st.floats(0.0, 1.0))
    return (draw(UINT64), ids, months_left, dropout, _cdf(rng, 3, n_occupations),
            rng.integers(0, 3, T).astype(np.int32))


@THOROUGH
@given(args=trainees())
def test_retraining_progress_cython_equals_reference(args):
    key, ids, months_left, dropout, target_cdf, new_skill = args
    T = ids.size
    got_outcome, got_target = np.full(T, 9, np.int8), np.full(T, 99, np.int32)
    exp_outcome, exp_target = np.full(T, 9, np.int8), np.full(T, 99, np.int32)
    _retraining.retraining_progress(key, ids, months_left, dropout, target_cdf, new_skill,
                                    got_outcome, got_target)
    reference.retraining_progress(key, ids, months_left, dropout, target_cdf, new_skill,
                                  exp_outcome, exp_target)
    assert np.array_equal(got_outcome, exp_outcome)
    assert np.array_equal(got_target, exp_target)
    n_occupations = target_cdf.shape[1]
    if n_occupations > 0:
        assert np.array_equal(got_target >= 0, got_outcome == 1)
        assert (got_target < n_occupations).all()


# -----------------------------------------------------------------------------------------
# Backend selection and signatures


def test_pure_backend_is_the_reference():
    backend = kernels.load_backend(pure=True)
    assert backend.name == "reference"
    assert backend.match_job_seekers is reference.match_job_seekers


def test_compiled_backend_is_cython():
    backend = kernels.load_backend(pure=False)
    assert backend.name == "cython"
    assert backend.match_job_seekers is _matching.match_job_seekers
    assert backend.retraining_choices is _retraining.retraining_choices
    assert backend.retraining_progress is _retraining.retraining_progress


def test_portable_kernels_on_request(monkeypatch):
    """LABSIM_PORTABLE_KERNELS=1 turns every AVX-512 path off when the backend loads (the
    digest test shows the results are the same); without it, wide_paths() follows the CPU."""
    monkeypatch.setenv("LABSIM_PORTABLE_KERNELS", "1")
    kernels.load_backend(pure=False)
    try:
        assert not any(kernels.wide_paths().values())
    finally:
        monkeypatch.delenv("LABSIM_PORTABLE_KERNELS")
        used = kernels.wide_paths()
    cpu = {"matching_draws": _matching._use_wide_draws(True),
           "job_seeker_scan": _matching._use_wide_scan(True)}
    assert {k: used[k] for k in cpu} == cpu


def test_matching_rejects_arrays_of_inconsistent_lengths():
    rng = np.random.default_rng(0)
    S, V = 3, 2
    args = dict(
        key=1, seeker_id=np.arange(S, dtype=np.int64),
        seeker_region=np.zeros(S, np.int32), seeker_group=np.zeros(S, np.int32),
        seeker_occupation=np.zeros(S, np.int32), seeker_skill=np.zeros(S, np.int32),
        seeker_reservation=np.zeros(S), region_cdf=_cdf(rng, 1, 1), switch_share=0.0,
        n_groups=1, bucket_start=np.array([0, V], np.int64),
        vacancy_id=np.arange(V, dtype=np.int64), vacancy_occupation=np.zeros(V, np.int32),
        vacancy_group=np.zeros(V, np.int32), vacancy_skill=np.zeros(V, np.int32),
        vacancy_wage=np.ones(V), n_applications=2, n_rounds=1,
    )
    assert (match(_matching, args) >= -1).all()
    with pytest.raises(ValueError):
        match(_matching, args, seeker_skill=np.zeros(S - 1, np.int32))
    with pytest.raises(ValueError):
        match(_matching, args, bucket_start=np.array([0], np.int64))


# -----------------------------------------------------------------------------------------
# The job seekers, gathered then tabled by bucket: Cython == reference


_GATHERED = (np.int64, np.int64, np.int16, np.int16, np.int8, np.int8, np.int16)
_SEEKER_OUT = (np.int64, np.int64, np.int32, np.int32, np.int32, np.int32, np.float64)
_RESERVATION = (0.9, 0.45, 6.0, 1.10)   # ratio, benefit rate, benefit months, move premium


#: gather_job_seekers scans 64 rows at a time where the CPU has AVX-512, with the portable
#: loop otherwise (and for the tail): its tests run both.
SCAN_PATHS = pytest.mark.parametrize("wide", [True, False], ids=["avx512-scan", "portable-scan"])


def scan(wide):
    """Run gather_job_seekers' AVX-512 scan, or its portable loop."""
    return kernel_paths.path(_matching._use_wide_scan, wide, "F, BW, VL and DQ", "the wide scan")


def _population_of(rng, n, n_regions, n_groups, n_occ, wide_ids=False):
    ids = rng.permutation(3 * n + 1)[:n].astype(np.int64)
    if wide_ids:     # id + month beyond 32 bits (and wrapping past int64) in some blocks
        ids[rng.random(n) < 0.05] = rng.choice([2**32 - 3, 2**40 + 7, 2**63 - 2], 1)[0]
    return dict(
        worker_id=ids, region=rng.integers(0, n_regions, n).astype(np.int8),
        occupation=rng.integers(0, n_occ, n).astype(np.int16),
        skill=rng.integers(0, 3, n).astype(np.int8),
        status=rng.integers(0, 5, n).astype(np.int8),
        wage=rng.lognormal(12, 1, n), last_wage=rng.lognormal(12, 1, n),
        unemployed_since=rng.integers(-40, 30, n).astype(np.int16),
        group_of_occupation=rng.integers(0, n_groups, n_occ).astype(np.int32),
        n_regions=n_regions, n_groups=n_groups)


def _gather(module, p, month, period):
    n = p["status"].size
    out = [np.full(n, 99, dtype=dt) for dt in _GATHERED]
    count = module.gather_job_seekers(
        p["status"], p["worker_id"], month, period, p["region"], p["occupation"], p["skill"],
        p["unemployed_since"], p["group_of_occupation"], p["n_regions"], p["n_groups"], *out)
    return [column[:count] for column in out]


def _seeker_table(module, p, gathered, month, powers):
    out = [np.full(gathered[0].size, 99, dtype=dt) for dt in _SEEKER_OUT]
    module.seeker_table(*gathered, p["wage"], p["last_wage"], p["n_regions"], p["n_groups"],
                        month, powers, *_RESERVATION, *out)
    return out


@SCAN_PATHS
@FAST
@given(data=st.data())
def test_gather_job_seekers_and_seeker_table_cython_equal_reference(wide, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    n = data.draw(st.integers(0, 300))
    n_regions, n_groups, n_occ = (data.draw(st.integers(1, 5)) for _ in range(3))
    p = _population_of(rng, n, n_regions, n_groups, n_occ, data.draw(st.booleans()))
    month, period = data.draw(st.integers(0, 40)), data.draw(st.integers(0, 12))
    with scan(wide):
        gathered = _gather(_matching, p, month, period)
    for c, r in zip(gathered, _gather(reference, p, month, period)):
        assert c.dtype == r.dtype and np.array_equal(c, r)
    rows = np.empty(n, dtype=np.int64)
    rows = rows[:reference.job_seeker_rows(p["status"], p["worker_id"], month, period, rows)]
    assert np.array_equal(gathered[0], rows)                   # job_seeker_rows' seekers
    assert np.array_equal(gathered[1], p["worker_id"][rows])
    assert np.array_equal(gathered[2], p["region"][rows].astype(np.int64) * n_groups
                          + p["group_of_occupation"][p["occupation"][rows]])
    most = max(month - int(gathered[6].min(initial=month)), 0)
    powers = np.power(0.97, np.arange(most + 1))
    got = _seeker_table(_matching, p, gathered, month, powers)
    for c, r in zip(got, _seeker_table(reference, p, gathered, month, powers)):
        assert c.dtype == r.dtype and c.tobytes() == r.tobytes()
    row, bucket = got[0], got[2].astype(np.int64) * n_groups + got[3]
    assert np.array_equal(np.sort(row), rows)                  # every seeker, once
    assert (np.diff(bucket) >= 0).all()                        # grouped by bucket
    same = np.diff(bucket) == 0
    assert (np.diff(row)[same] > 0).all()                      # row order within a bucket
    assert np.array_equal(got[1], p["worker_id"][row])
    want = np.empty(row.size)
    reference.reservation_wages(p["status"][row], p["wage"][row], p["last_wage"][row],
                                p["unemployed_since"][row], month, powers, *_RESERVATION, want)
    assert got[6].tobytes() == want.tobytes()                  # the reservation wages


@SCAN_PATHS
@THOROUGH
@given(data=st.data())
def test_gather_job_seekers_equals_reference_at_the_edges(wide, data):
    """Lengths across the 64-row blocks and 128-row batches of the wide scan, periods of
    0, 1, powers of two and beyond 32 bits, months of either sign, and ids whose sum
    with the month leaves 32 bits, is negative or wraps past int64 (the portable loop's
    fallback to %)."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    n = data.draw(st.sampled_from([0, 1, 63, 64, 65, 127, 128, 129, 191, 256, 257, 700]))
    n_regions, n_groups, n_occ = (data.draw(st.integers(1, 4)) for _ in range(3))
    p = _population_of(rng, n, n_regions, n_groups, n_occ)
    p["status"] = rng.choice(np.array([0, 0, 0, 0, 1, 2, 3, 4, -1], np.int8), n)
    period = data.draw(st.sampled_from([0, 1, 2, 3, 7, 12, 64, 100, 2**31 - 1, 2**32 - 1,
                                        2**32, 2**32 + 1, 3 * 2**40, 2**62, 2**63 - 1]))
    month = data.draw(st.sampled_from([0, 5, 105, -7, 2**31, -(2**40), INT64_MAX]))
    near = np.array([x % 2**64 for x in (
        2**31 - 1, 2**32 - 1, 2**32, 2**32 + 99, 2**62, INT64_MAX, INT64_MAX - 4, INT64_MIN,
        INT64_MIN + 3, -1, -100, -(2**32), period, 2 * period, period * (2**20 + 1),
        -period)], np.uint64).view(np.int64)
    # Ids near the limits in some blocks (whole blocks, so the portable loop's narrow test
    # and its fallback both run), and multiples of the period less the month.
    ids = p["worker_id"]
    for block in range(0, n, 64):
        if rng.random() < 0.5:
            k = slice(block, block + 64)
            ids[k] = np.where(rng.random(ids[k].size) < 0.5, rng.choice(near, ids[k].size),
                              ids[k])
            if period:
                turn = rng.random(ids[k].size) < 0.3
                ids[k][turn] = (rng.integers(-(2**20), 2**20, turn.sum()).astype(np.uint64)
                                * np.uint64(period % 2**64) - np.uint64(month % 2**64)
                                ).view(np.int64)
    with scan(wide):
        got = _gather(_matching, p, month, period)
    for c, r in zip(got, _gather(reference, p, month, period)):
        assert c.dtype == r.dtype and c.tobytes() == r.tobytes()


@SCAN_PATHS
def test_gather_job_seekers_rejects_an_occupation_or_group_out_of_range(wide):
    p = _population_of(np.random.default_rng(1), 70, 1, 1, 2)
    p["status"][:] = 3
    with scan(wide):
        for module in (_matching, reference):
            bad = dict(p, occupation=p["occupation"].copy())
            bad["occupation"][66] = 2
            with pytest.raises(ValueError, match="out of range"):
                _gather(module, bad, 5, 0)
            bad = dict(p, group_of_occupation=np.array([0, 1], np.int32))
            with pytest.raises(ValueError, match="out of range"):
                _gather(module, bad, 5, 0)
        with pytest.raises(ValueError, match="^row 66:"):
            _gather(_matching, dict(p, region=np.where(np.arange(70) == 66, 1, 0).astype(np.int8)),
                    5, 0)


def _gather_partly(p, month, period):
    """gather_job_seekers' outputs (all of them, written or not) and its error."""
    n = p["status"].size
    out = [np.full(n, 99, dtype=dt) for dt in _GATHERED]
    with pytest.raises(ValueError) as error:
        _matching.gather_job_seekers(
            p["status"], p["worker_id"], month, period, p["region"], p["occupation"],
            p["skill"], p["unemployed_since"], p["group_of_occupation"], p["n_regions"],
            p["n_groups"], *out)
    return str(error.value), [column.tobytes() for column in out]


@FAST
@given(data=st.data())
def test_gather_job_seekers_wide_scan_fails_as_the_portable_loop(data):
    """A seeker's region, occupation or group out of range, anywhere (in a whole block of
    the wide scan, in the tail, first in its block or not): both paths name the same row
    and leave the same partial outputs."""
    if not _matching._use_wide_scan(True):
        pytest.skip("this CPU has no AVX-512 (F, BW, VL and DQ): no wide scan to compare with "
                    "the portable loop, whose errors the reference tests cover")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    n = data.draw(st.integers(1, 600))
    p = _population_of(rng, n, 3, 2, 4)
    p["group_of_occupation"] = np.array([0, 1, 1, 5], np.int32)     # occupation 3: bad group
    p["occupation"] %= 3
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, n - 1))
        p["status"][at] = data.draw(st.sampled_from([0, 2, 3]))
        column, value = data.draw(st.sampled_from([("region", 3), ("region", -1),
                                                   ("occupation", 4), ("occupation", -2),
                                                   ("occupation", 3)]))
        p[column][at] = value
    month, period = data.draw(st.integers(0, 40)), data.draw(st.sampled_from([0, 1, 3]))
    try:
        wide = _gather_partly(p, month, period)
        _matching._use_wide_scan(False)
        portable = _gather_partly(p, month, period)
    except pytest.fail.Exception:
        assume(False)                        # no seeker out of range after all
    finally:
        _matching._use_wide_scan(True)
    assert wide == portable


def test_seeker_table_rejects_a_row_or_bucket_out_of_range_or_too_few_powers():
    p = _population_of(np.random.default_rng(2), 4, 1, 2, 2)
    p["status"][:] = 3
    gathered = _gather(reference, p, 5, 0)
    for module in (_matching, reference):
        for column, value in ((0, 4), (2, 2)):                 # row >= N, bucket >= 2
            bad = [c.copy() for c in gathered]
            bad[column][1] = value
            with pytest.raises(ValueError, match="out of range"):
                _seeker_table(module, p, bad, 5, np.ones(100))
        with pytest.raises(ValueError, match="beyond decay_powers"):
            _seeker_table(module, p, gathered, 5, np.ones(1))


# -----------------------------------------------------------------------------------------
# Applying the hires: Cython == reference


def _hire_world(rng, n, n_firms, n_vacancies, n_regions, n_occupations):
    status = rng.integers(0, 5, n).astype(np.int8)
    firm = np.where(status == 0, rng.integers(0, n_firms, n), -1).astype(np.int32)
    workers = dict(
        status=status, firm=firm, region=rng.integers(0, n_regions, n).astype(np.int8),
        occupation=rng.integers(0, n_occupations, n).astype(np.int16),
        sector=rng.integers(0, 3, n).astype(np.int8), wage=rng.lognormal(12, 1, n),
        unemployed_since=rng.integers(-20, 10, n).astype(np.int16),
        skill=rng.integers(0, 3, n).astype(np.int8), migrant=rng.random(n) < 0.2,
        subsidy_until=rng.integers(-1, 12, n).astype(np.int16))
    vac = dict(firm=rng.integers(-1, n_firms, n_vacancies).astype(np.int64),
               region=rng.integers(0, n_regions, n_vacancies).astype(np.int64),
               occupation=rng.integers(0, n_occupations, n_vacancies).astype(np.int32),
               wage=rng.lognormal(12, 1, n_vacancies))
    firms = dict(employees=rng.integers(0, 50, n_firms).astype(np.int32),
                 vacancies=rng.integers(0, 50, n_firms).astype(np.int32),
                 migration_counts=np.zeros(n_regions * n_regions, dtype=np.int64))
    return workers, vac, firms


def _apply(module, seekers, hired, world, sector_of, month, subsidy):
    workers, vac, firms = ({k: v.copy() for k, v in part.items()} for part in world)
    out = np.full(seekers.size, -9, dtype=np.int64)
    ids, sectors = np.full(seekers.size, -9, dtype=np.int64), np.full(seekers.size, -9, np.int8)
    counts = module.apply_hires(
        seekers, 1000 + 7 * seekers, hired, vac["firm"], vac["region"], vac["occupation"], vac["wage"], sector_of,
        month, subsidy, workers["status"], workers["firm"], workers["region"],
        workers["occupation"], workers["sector"], workers["wage"], workers["unemployed_since"],
        workers["skill"], workers["migrant"].view(np.uint8), workers["subsidy_until"],
        firms["employees"], firms["vacancies"], firms["migration_counts"], out, ids, sectors)
    assert np.array_equal(ids[:counts[0]], 1000 + 7 * out[:counts[0]])  # the seekers' ids
    assert np.array_equal(sectors[:counts[0]], workers["sector"][out[:counts[0]]])
    return counts, out[:counts[0]], workers, firms


@FAST
@given(data=st.data(), subsidy=st.booleans())
def test_apply_hires_cython_equals_reference(data, subsidy):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    n, n_firms, n_vac = (data.draw(st.integers(1, 80)) for _ in range(3))
    n_regions, n_occ = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 6))
    world = _hire_world(rng, n, n_firms, n_vac, n_regions, n_occ)
    seekers = rng.permutation(n)[:int(rng.integers(0, n + 1))].astype(np.int64)
    # Each vacancy goes to one seeker at most, as the matching kernel guarantees.
    hired = np.full(seekers.size, -1, dtype=np.int64)
    taking = rng.random(seekers.size) < 0.6
    k = min(int(taking.sum()), n_vac)
    hired[np.flatnonzero(taking)[:k]] = rng.permutation(n_vac)[:k]
    sector_of = rng.integers(0, 3, n_occ).astype(np.int8)
    month = int(rng.integers(0, 30))
    got = _apply(_matching, seekers, hired, world, sector_of, month, subsidy)
    want = _apply(reference, seekers, hired, world, sector_of, month, subsidy)
    assert got[0] == want[0] and np.array_equal(got[1], want[1])
    for part in (2, 3):
        for name in got[part]:
            assert np.array_equal(got[part][name], want[part][name]), name
    rows = got[1]
    assert got[0][0] == int((hired >= 0).sum())
    assert (got[2]["status"][rows] <= 1).all()
    # Positions are conserved: hires at firms add what on-the-job movers free.
    assert got[3]["employees"].sum() - world[2]["employees"].sum() == \
        int((world[1]["firm"][hired[hired >= 0]] >= 0).sum()) \
        - int((world[0]["status"][rows] == 0).sum())


def test_apply_hires_rejects_a_vacancy_out_of_range_before_changing_anything():
    rng = np.random.default_rng(3)
    world = _hire_world(rng, 5, 2, 3, 2, 2)
    seekers = np.arange(5, dtype=np.int64)
    hired = np.array([0, -1, 7, -1, -1], dtype=np.int64)
    for module in (_matching, reference):
        workers, vac, firms = ({k: v.copy() for k, v in part.items()} for part in world)
        with pytest.raises(ValueError, match="out of range"):
            module.apply_hires(seekers, seekers, hired, vac["firm"], vac["region"],
                               vac["occupation"], vac["wage"], np.zeros(2, np.int8), 3, True, workers["status"],
                               workers["firm"], workers["region"], workers["occupation"],
                               workers["sector"], workers["wage"], workers["unemployed_since"],
                               workers["skill"], workers["migrant"].view(np.uint8),
                               workers["subsidy_until"], firms["employees"],
                               firms["vacancies"], firms["migration_counts"],
                               np.empty(5, np.int64), np.empty(5, np.int64),
                               np.empty(5, np.int8))
        assert np.array_equal(workers["status"], world[0]["status"])


# -----------------------------------------------------------------------------------------
# Inverse-CDF draws: Cython == reference (or the Cython kernel declines)


def _draws(module, cdf, rows, u):
    out = np.full(rows.size, -99, dtype=np.int64)
    return module.draw_from_cdf_rows(cdf, rows, u, out), out


@FAST
@given(data=st.data())
def test_draw_from_cdf_rows_cython_equals_reference(data):
    from kernels import _draws as compiled
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    # Up to 300 columns: more entries than the kernel's 256 guide slices per row.
    n_rows = data.draw(st.integers(1, 40))
    n_cols = data.draw(st.one_of(st.integers(1, 12), st.integers(100, 300)))
    cdf = _cdf(rng, n_rows, n_cols)
    n = data.draw(st.integers(0, 200))
    rows = rng.integers(0, n_rows, n).astype(np.int64)
    # Slice edges of the guide (multiples of 1/256) and their neighbours, the ends of
    # [0, 1), and, rarely, draws outside it.
    edges = np.array([0.0, 1.0 - 2.0**-53, 0.5, 1.0 - 2.0**-40, 3 / 256, 3 / 256 - 2.0**-60,
                      255 / 256, 1.0, 1.5, -0.25])
    u = np.where(rng.random(n) < 0.3, rng.choice(edges, n), rng.random(n))
    if data.draw(st.booleans()):   # draws that land exactly on cdf entries
        pick = rng.integers(0, n_cols, n)
        u = np.where(rng.random(n) < 0.5, cdf[rows, pick] % 1.0, u)
    if data.draw(st.booleans()):   # a row that is not cumulative, and rows out of range
        shuffled = rng.integers(0, n_rows)
        cdf[shuffled] = cdf[shuffled, rng.permutation(n_cols)]
        rows = np.where(rng.random(n) < 0.1, rng.choice([-1, n_rows], n), rows)
        # Few draws, so that often none falls in a dip and the kernel answers them all.
        rows, u = rows[:3], u[:3]
    done, got = _draws(compiled, cdf, rows, u)
    flat = (np.arange(n_rows)[:, None] + cdf).ravel()
    dips = np.flatnonzero(np.diff(flat) < 0)
    key = rows + u
    in_dip = ((flat[dips + 1][None, :] <= key[:, None]) & (key[:, None] < flat[dips][None, :])).any(axis=1)
    assert done == (not in_dip.any())          # it declines only where it must
    if done:
        assert np.array_equal(got, _draws(reference, cdf, rows, u)[1])


def test_draw_from_cdf_rows_declines_draws_in_a_dip_and_nan_draws():
    from kernels import _draws as compiled
    from sim.randomness import draw_from_cdf_rows
    rows = np.array([0, 1], dtype=np.int64)
    unsorted = np.array([[0.6, 0.3, 1.0], [0.2, 0.9, 1.0]])
    assert not _draws(compiled, unsorted, rows, np.array([0.4, 0.5]))[0]   # 0.4 in the dip
    assert _draws(compiled, unsorted, rows, np.array([0.7, 0.5]))[0]       # none in it
    sorted_cdf = np.array([[0.3, 0.6, 1.0], [0.2, 0.9, 1.0]])
    assert not _draws(compiled, sorted_cdf, rows, np.array([np.nan, 0.5]))[0]
    for cdf, u in ((unsorted, np.array([0.4, 0.5])), (sorted_cdf, np.array([np.nan, 0.5]))):
        assert np.array_equal(draw_from_cdf_rows(cdf, rows, u), _draws(reference, cdf, rows, u)[1])


# -----------------------------------------------------------------------------------------
# The vacancy table: Cython == reference


def _vacancy_inputs(rng, n, n_regions, n_occupations, n_groups, ids_in_order):
    """Openings as post_vacancies builds them, with the awkward values mixed in: NaN and
    above-one automation levels, offers below the minimum wage, self-employment rows."""
    ids = np.sort(rng.choice(10**9, size=n, replace=False)).astype(np.int64)
    if not ids_in_order:
        ids = rng.permutation(ids)
        ids[rng.random(n) < 0.1] = ids[0] if n else 0   # repeated ids too
    level = rng.choice([0.0, 0.3, 1.0, 1.7, np.nan], size=n)
    firm = np.where(rng.random(n) < 0.2, -1, rng.integers(0, 50, n)).astype(np.int64)
    return dict(
        ids=ids, occupation=rng.integers(0, n_occupations, n).astype(np.int64),
        region=rng.integers(0, n_regions, n).astype(np.int64), firm=firm,
        firm_factor=rng.choice([0.0, -0.0, 1e3, 2e5, np.nan], size=n) * rng.random(n),
        automation_level=level, quality=rng.lognormal(0.0, 0.3, n),
        skill_cdf=_cdf(rng, n_occupations, 3),
        skill_bias=float(rng.choice([0.0, 0.5, 1.0])),
        wage_level=rng.uniform(0.5, 2.0, (n_regions, 3)), growth=1.03, bargaining=0.97,
        wage_premium=rng.uniform(0.5, 2.0, n_occupations),
        skill_premium=np.array([1.0, 1.3, 1.9]),
        minimum_wage=float(rng.choice([0.0, -0.0, 8e4])),
        isco_group=rng.integers(0, n_groups, n_occupations).astype(np.int64),
        n_groups=n_groups)


def _vacancy_table(module, key, inputs, n_regions):
    n = inputs["ids"].size
    out = [np.full(n, -9, np.int64) for _ in range(3)] \
        + [np.full(n, -9, np.int32) for _ in range(3)] + [np.full(n, -9.0)] \
        + [np.full(n_regions * inputs["n_groups"] + 1, -9, np.int64)]
    module.vacancy_table(key, *inputs.values(), *out)
    return out


@FAST
@given(seed=st.integers(0, 2**32 - 1), key=UINT64, n=st.integers(0, 300),
       n_regions=st.integers(1, 5), n_groups=st.integers(1, 4), ids_in_order=st.booleans())
def test_vacancy_table_cython_equals_reference(seed, key, n, n_regions, n_groups,
                                               ids_in_order):
    from kernels import _vacancies
    rng = np.random.default_rng(seed)
    inputs = _vacancy_inputs(rng, n, n_regions, 7, n_groups, ids_in_order)
    ours = _vacancy_table(_vacancies, key, inputs, n_regions)
    theirs = _vacancy_table(reference, key, inputs, n_regions)
    for a, b in zip(ours, theirs):
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    vacancy_id, firm, region, occupation, group, skill, wage, bucket_start = ours
    bucket = region * n_groups + group
    assert (np.diff(bucket) >= 0).all() and bucket_start[-1] == n
    assert np.array_equal(np.searchsorted(bucket, np.arange(bucket_start.size)), bucket_start)
    assert ((skill >= 0) & (skill <= 2)).all() and (skill[firm < 0] == 0).all()
    paid = (firm >= 0) & ~np.isnan(wage)
    assert (wage[paid] >= inputs["minimum_wage"]).all()


def test_vacancy_table_names_the_first_opening_out_of_range():
    from kernels import _vacancies
    rng = np.random.default_rng(1)
    inputs = _vacancy_inputs(rng, 20, 2, 7, 3, True)
    inputs["region"][[4, 9]] = 2
    for module in (_vacancies, reference):
        with pytest.raises(ValueError, match="out of range"):
            _vacancy_table(module, 5, inputs, 2)
    with pytest.raises(ValueError, match="^opening 4:"):
        _vacancy_table(_vacancies, 5, inputs, 2)


# -----------------------------------------------------------------------------------------
# Reservation wages: Cython == reference


@FAST
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 200), month=st.integers(0, 400),
       benefit_months=st.sampled_from([0.0, 6.0, 12.0]))
def test_reservation_wages_cython_equal_reference(seed, n, month, benefit_months):
    rng = np.random.default_rng(seed)
    status = rng.integers(0, 5, n).astype(np.int8)
    wage = rng.choice([0.0, 9e4, 2.5e5, np.nan, -0.0], n) * rng.uniform(0.5, 2.0, n)
    last_wage = rng.choice([0.0, 1e5, 3e5, np.nan], n) * rng.uniform(0.5, 2.0, n)
    unemployed_since = rng.integers(-1, month + 5, n).astype(np.int16)   # some in the future
    most = max(month - int(unemployed_since.min(initial=month)), 0)
    powers = np.power(0.97, np.arange(most + 1))
    args = (status, wage, last_wage, unemployed_since, month, powers, 0.9, 0.45, benefit_months,
            1.10)
    ours, theirs = np.full(n, -1.0), np.full(n, -2.0)
    _matching.reservation_wages(*args, ours)
    reference.reservation_wages(*args, theirs)
    assert ours.tobytes() == theirs.tobytes()
    employed = status <= 1
    assert np.array_equal(ours[employed], wage[employed] * 1.10, equal_nan=True)


def test_reservation_wages_need_a_power_for_every_month():
    status = np.array([3, 3], np.int8)
    args = (status, np.zeros(2), np.ones(2), np.array([0, -5], np.int16), 10, np.ones(11),
            0.9, 0.45, 6.0, 1.10, np.empty(2))
    for module in (_matching, reference):
        with pytest.raises(ValueError, match="beyond decay_powers"):
            module.reservation_wages(*args)


@DRAW_PATHS
@FAST
@given(market=markets(max_seekers=60, max_vacancies=20), data=st.data())
def test_matching_equals_reference_when_seeker_ids_repeat(wide, market, data):
    """Exact ties (same fit, hash and id) keep the earlier applicant, as the reference's
    stable sort does; only repeated ids make them, which the model never has."""
    n = len(market["seeker_id"])
    assume(n >= 2)
    ids = market["seeker_id"].copy()
    ids[data.draw(st.integers(1, n - 1)):] = ids[0]
    with draws(wide):
        assert np.array_equal(match(_matching, market, seeker_id=ids),
                              match(reference, market, seeker_id=ids))


def test_vacancy_table_orders_ids_at_the_ends_of_int64():
    """The sortedness test must not overflow: INT64_MAX before INT64_MIN is out of order."""
    from kernels import _vacancies
    inputs = _vacancy_inputs(np.random.default_rng(3), 4, 1, 7, 1, True)
    inputs["ids"] = np.array([INT64_MAX, INT64_MIN, 0, INT64_MAX - 1], dtype=np.int64)
    ours = _vacancy_table(_vacancies, 9, inputs, 1)
    theirs = _vacancy_table(reference, 9, inputs, 1)
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(ours, theirs))
    assert list(ours[0]) == sorted(inputs["ids"])
