"""The whole-population kernels (``kernels/_population.pyx``) reproduce
``kernels.reference`` bit for bit: the month's statistics, incumbents' wage update and
the job-seeker list, on random populations."""

from __future__ import annotations

import kernel_paths
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernels import _population, reference

SETTINGS = settings(max_examples=80, deadline=None, database=None)

#: Some passes run on whole AVX-512 vectors where the CPU has them, in portable loops
#: otherwise: the tests of those kernels run both, whatever the machine picks by default.
PASS_PATHS = pytest.mark.parametrize("wide", [True, False],
                                     ids=["avx512-passes", "portable-passes"])


def passes(wide):
    """Run the population kernels' AVX-512 passes, or their portable loops."""
    return kernel_paths.path(_population._use_wide_passes, wide, "F, BW, VL and DQ",
                             "the wide passes")


@st.composite
def populations(draw, max_workers=400):
    n = draw(st.integers(0, max_workers))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_regions = draw(st.integers(1, 6))
    return {
        "n_regions": n_regions,
        "region": rng.integers(0, n_regions, n).astype(np.int8),
        "skill": rng.integers(0, 3, n).astype(np.int8),
        "status": rng.integers(0, 5, n).astype(np.int8),
        "wage": np.where(rng.random(n) < 0.1, 0.0, rng.lognormal(12, 1, n)),
        "gender": rng.integers(0, 2, n).astype(np.int8),
        "birth_month": rng.integers(-64 * 12, -14 * 12, n).astype(np.int16),
        "migrant": rng.random(n) < 0.2,
        "displaced": rng.random(n) < 0.2,
        "unemployed_since": rng.integers(-40, 30, n).astype(np.int16),
        "worker_id": rng.permutation(n * 3)[:n].astype(np.int64),
        "occupation": rng.integers(0, 7, n).astype(np.int16),
        "occupation_at_risk": (rng.random(7) < 0.4).astype(np.uint8),
        "month": draw(st.integers(0, 40)),
    }


def _statistics(module, p):
    size = p["n_regions"] * 15
    out = [np.zeros(size), np.zeros(size), np.zeros(60), np.zeros(2, dtype=np.int64),
           np.zeros(p["n_regions"])]
    module.worker_statistics(p["region"], p["skill"], p["status"], p["wage"], p["gender"],
                             p["birth_month"], p["migrant"].view(np.uint8),
                             p["displaced"].view(np.uint8), p["unemployed_since"],
                             p["occupation"], p["occupation_at_risk"], p["month"],
                             25 * 12, 55 * 12, *out)
    return out


@SETTINGS
@given(p=populations())
def test_worker_statistics_cython_equals_reference(p):
    for c, r in zip(_statistics(_population, p), _statistics(reference, p)):
        assert np.array_equal(c, r)


@SETTINGS
@given(p=populations())
def test_worker_statistics_count_everyone_once(p):
    counts, _, groups, long_term, at_risk = _statistics(_population, p)
    n = len(p["region"])
    assert counts.sum() == groups.sum() == n
    assert long_term[1] <= long_term[0] <= np.count_nonzero(p["status"] == 3)
    assert at_risk.sum() == np.count_nonzero((p["status"] <= 2) & (p["occupation_at_risk"][p["occupation"]] != 0))


@SETTINGS
@given(p=populations(), minimum=st.floats(0, 3e5))
def test_incumbent_wage_update_cython_equals_reference(p, minimum):
    factor = np.random.default_rng(len(p["region"])).uniform(0.8, 1.2, p["n_regions"] * 3)
    wages = [p["wage"].copy(), p["wage"].copy()]
    for module, wage in zip((_population, reference), wages):
        module.update_incumbent_wages(p["status"], p["region"], p["skill"], wage, factor, minimum)
    assert np.array_equal(wages[0], wages[1])
    others = p["status"] > 1
    assert np.array_equal(wages[0][others], p["wage"][others])      # untouched
    assert (wages[0][p["status"] == 0] >= minimum).all()              # floor for employees


@SETTINGS
@given(p=populations(), period=st.integers(0, 12))
def test_job_seeker_rows_cython_equals_reference(p, period):
    n = len(p["status"])
    rows = [np.full(n, -7, dtype=np.int64), np.full(n, -7, dtype=np.int64)]
    counts = [module.job_seeker_rows(p["status"], p["worker_id"], p["month"], period, out)
              for module, out in zip((_population, reference), rows)]
    assert counts[0] == counts[1]
    assert np.array_equal(rows[0][:counts[0]], rows[1][:counts[1]])
    seekers = p["status"][rows[0][:counts[0]]]
    assert np.isin(seekers, [0, 2, 3]).all()
    assert counts[0] >= np.count_nonzero(np.isin(p["status"], [2, 3]))


def test_kernels_reject_arrays_of_different_lengths():
    status = np.zeros(3, dtype=np.int8)
    with pytest.raises(ValueError):
        _population.update_incumbent_wages(status, np.zeros(2, np.int8), np.zeros(3, np.int8),
                                           np.zeros(3), np.ones(3), 0.0)
    with pytest.raises(ValueError):
        _population.job_seeker_rows(status, np.zeros(2, np.int64), 0, 1, np.zeros(3, np.int64))


def _rows(module, name, *args, n):
    out = np.full(n, -7, dtype=np.int64)
    count = getattr(module, name)(*args, out)
    return out[:count]


def _rows_on_both_paths(wide, name, *args, n):
    """The row-listing kernel ``name`` on the portable loop and on path ``wide``: checks
    they give the same count, error and every byte of ``rows`` (-7 past what they write),
    and returns ``(count or None, error message or None, rows)``."""
    results = {}
    for path in (False, wide):
        rows = np.full(n, -7, np.int64)
        with passes(path):
            try:
                count, error = getattr(_population, name)(*args, rows), None
            except ValueError as e:
                count, error = None, str(e)
        results[path] = (count, error, rows.tobytes())
    assert results[wide] == results[False]
    count, error, raw = results[wide]
    return count, error, np.frombuffer(raw, np.int64)


@SETTINGS
@given(p=populations(), code=st.integers(0, 4))
def test_rows_with_status_cython_equals_reference(p, code):
    n = len(p["status"])
    rows = _rows(_population, "rows_with_status", p["status"], code, n=n)
    assert np.array_equal(rows, _rows(reference, "rows_with_status", p["status"], code, n=n))
    assert np.array_equal(rows, np.flatnonzero(p["status"] == code))


@SETTINGS
@given(p=populations(), lowest=st.integers(-3, 6))
def test_rows_with_status_from_cython_equals_reference(p, lowest):
    n = len(p["status"])
    rows = _rows(_population, "rows_with_status_from", p["status"], lowest, n=n)
    assert np.array_equal(rows, _rows(reference, "rows_with_status_from", p["status"], lowest, n=n))
    assert np.array_equal(rows, np.flatnonzero(p["status"] >= lowest))


@SETTINGS
@given(p=populations(), code=st.integers(-1, 5), seed=st.integers(0, 2**32 - 1))
def test_rows_with_status_among_cython_equals_reference(p, code, seed):
    n = len(p["status"])
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(n, size=rng.integers(0, n + 1), replace=False)).astype(np.int64)
    ids = p["worker_id"][rows]
    got = []
    for module in (_population, reference):
        out_rows, out_ids = np.full(rows.size, -7, np.int64), np.full(rows.size, -7, np.int64)
        count = module.rows_with_status_among(rows, ids, p["status"], code, out_rows, out_ids)
        got.append((out_rows[:count], out_ids[:count]))
    assert all(np.array_equal(a, b) for a, b in zip(*got))
    keep = p["status"][rows] == code
    assert np.array_equal(got[0][0], rows[keep]) and np.array_equal(got[0][1], ids[keep])


@pytest.mark.parametrize("module", [_population, reference], ids=["cython", "reference"])
def test_rows_with_status_among_rejects_a_row_out_of_range(module):
    status = np.zeros(4, dtype=np.int8)
    out = np.zeros(3, np.int64), np.zeros(3, np.int64)
    with pytest.raises(ValueError, match="row 1: 4 outside"):
        module.rows_with_status_among(np.array([0, 4, 1]), np.arange(3), status, 0, *out)
    with pytest.raises(ValueError, match="ids need the length of rows"):
        module.rows_with_status_among(np.array([0, 1, 2]), np.arange(2), status, 0, *out)


@SETTINGS
@given(p=populations(), benefit_months=st.sampled_from([0, 1, 6, 6.5, 1e9, float("inf")]),
       seed=st.integers(0, 2**32 - 1))
def test_benefit_claims_cython_equals_reference(p, benefit_months, seed):
    n = len(p["status"])
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(n, size=rng.integers(0, n + 1), replace=False)).astype(np.int64)
    last_wage = p["wage"].copy()
    special = rng.random(n) < 0.1   # zero, negative, NaN and infinite last wages too
    last_wage[special] = rng.choice([0.0, -0.0, -1.0, np.nan, np.inf], special.sum())
    got = []
    for module in (_population, reference):
        claims = np.full(rows.size, -7.0)
        count = module.benefit_claims(rows, p["unemployed_since"], last_wage, p["month"],
                                      benefit_months, claims)
        got.append(claims[:count])
    assert np.array_equal(got[0].view(np.uint64), got[1].view(np.uint64))
    months = p["month"] - p["unemployed_since"][rows].astype(np.int64)
    assert got[0].size == np.count_nonzero((months < benefit_months) & (last_wage[rows] > 0))


@pytest.mark.parametrize("module", [_population, reference], ids=["cython", "reference"])
def test_benefit_claims_rejects_a_row_out_of_range(module):
    since, last = np.zeros(4, dtype=np.int16), np.ones(4)
    with pytest.raises(ValueError, match="row 2: -1 outside"):
        module.benefit_claims(np.array([0, 1, -1]), since, last, 3, 6.0, np.zeros(3))


def test_status_selections_over_many_blocks_and_every_code():
    """Long runs and scattered rows across many 64-row blocks, codes out of range too."""
    rng = np.random.default_rng(5)
    status = np.repeat(rng.integers(0, 5, 300), rng.integers(1, 200, 300)).astype(np.int8)
    status[rng.random(status.size) < 0.01] = 4
    status[-3:] = [-128, 127, 2]
    n = status.size
    for code in (-128, -1, 0, 2, 4, 5, 127):
        assert np.array_equal(_rows(_population, "rows_with_status", status, code, n=n),
                              np.flatnonzero(status == code))
        assert np.array_equal(_rows(_population, "rows_with_status_from", status, code, n=n),
                              np.flatnonzero(status >= code))
    # Every int8 value, in full blocks: the per-block bit masks test bytes as unsigned
    # differences, which must agree with the integer test for negative statuses too.
    status = rng.integers(-128, 128, 64 * 40 + 5).astype(np.int8)
    n = status.size
    for code in (-128, -127, -1, 0, 3, 126, 127):
        assert np.array_equal(_rows(_population, "rows_with_status", status, code, n=n),
                              np.flatnonzero(status == code))
        assert np.array_equal(_rows(_population, "rows_with_status_from", status, code, n=n),
                              np.flatnonzero(status >= code))


@PASS_PATHS
@SETTINGS
@given(p=populations())
def test_retiring_and_separating_rows_cython_equal_reference(wide, p):
    n = len(p["status"])
    ages = np.array([63 * 12, 61 * 12], dtype=np.float64)
    month = p["month"] + 600   # old enough for some to retire
    args = (p["birth_month"], p["gender"], month, ages)
    retiring = _rows(_population, "retiring_rows", *args, n=n)
    assert np.array_equal(retiring, _rows(reference, "retiring_rows", *args, n=n))
    age = month - p["birth_month"].astype(np.int64)
    assert (age[retiring] >= ages[p["gender"][retiring]]).all()
    due = p["unemployed_since"]   # any int16 column serves as a separation month
    args = (due, p["status"], p["month"])
    with passes(wide):
        separating = _rows(_population, "separations_due", *args, n=n)
    assert np.array_equal(separating, _rows(reference, "separations_due", *args, n=n))
    assert (p["status"][separating] <= 1).all() and (due[separating] <= p["month"]).all()


def _savings(module, p, firm, channel, exposure, cost, n_firms):
    n = len(p["status"])
    bill, saving = np.zeros(2 * n_firms), np.zeros(2 * n_firms)
    candidate_row, candidate_key = np.full(n, -7, np.int64), np.full(n, -7, np.int64)
    count = module.automation_savings(p["status"], p["occupation"], firm, p["wage"], channel,
                                      exposure, cost, bill, saving, candidate_row,
                                      candidate_key)
    return bill, saving, candidate_row[:count], candidate_key[:count]


@PASS_PATHS
@SETTINGS
@given(p=populations(), n_firms=st.integers(1, 30))
def test_automation_savings_and_exposed_rows_cython_equal_reference(wide, p, n_firms):
    n = len(p["status"])
    rng = np.random.default_rng(n + n_firms)
    firm = rng.integers(0, n_firms, n).astype(np.int32)
    channel = rng.integers(-1, 2, 7).astype(np.int8)
    exposure = rng.uniform(0.3, 0.9, 7)
    cost = rng.uniform(1e5, 3e5, 2)
    with passes(wide):
        compiled = _savings(_population, p, firm, channel, exposure, cost, n_firms)
    for ours, theirs in zip(compiled, _savings(reference, p, firm, channel, exposure, cost,
                                               n_firms)):
        assert np.array_equal(ours, theirs)
    bill, saving, candidate_row, candidate_key = compiled
    assert (saving <= bill + 1e-9 * np.abs(bill)).all()
    adopting = (rng.random((2, n_firms)) < 0.5).astype(np.uint8)
    found = {}
    for module in (_population, reference):
        rows = np.full((2, candidate_row.size), -7, dtype=np.int64)
        counts = np.zeros(2, dtype=np.int64)
        module.exposed_in_adopting(candidate_row, candidate_key, adopting, rows, counts)
        found[module] = [rows[c, :counts[c]] for c in (0, 1)]
    # What the rows are, straight from their definition: employees of an occupation of
    # the channel, at a firm adopting it, paid more than its cost, in row order.
    of_channel = channel[p["occupation"]]
    for c in (0, 1):
        wanted = np.flatnonzero((p["status"] == 0) & (of_channel == c)
                                & (adopting[c, firm] == 1) & (p["wage"] > cost[c]))
        assert np.array_equal(found[_population][c], wanted)
        assert np.array_equal(found[reference][c], wanted)


def test_exposed_in_adopting_rejects_a_key_out_of_range():
    adopting = np.ones((2, 3), np.uint8)
    for module in (_population, reference):
        with pytest.raises(ValueError, match="out of range"):
            module.exposed_in_adopting(np.array([0, 1]), np.array([5, 6]), adopting,
                                       np.empty((2, 2), np.int64), np.zeros(2, np.int64))


@SETTINGS
@given(p=populations(), n_firms=st.integers(1, 30))
def test_employees_of_selected_firms_cython_equals_reference(p, n_firms):
    n = len(p["status"])
    rng = np.random.default_rng(n * 7 + n_firms)
    firm = rng.integers(0, n_firms, n).astype(np.int32)
    selected = (rng.random(n_firms) < 0.3).astype(np.uint8)
    args = (p["status"], firm, selected)
    rows = _rows(_population, "employees_of", *args, n=n)
    assert np.array_equal(rows, _rows(reference, "employees_of", *args, n=n))
    assert np.array_equal(rows, np.flatnonzero((p["status"] == 0) & (selected[firm] == 1)))


@PASS_PATHS
@SETTINGS
@given(p=populations(), code=st.integers(0, 4), n_sectors=st.integers(1, 5))
def test_count_by_cell_cython_equals_reference(wide, p, code, n_sectors):
    sector = (p["occupation"] % n_sectors).astype(np.int8)
    counts = [np.zeros(p["n_regions"] * n_sectors, dtype=np.int64) for _ in range(2)]
    for module, out in zip((_population, reference), counts):
        with passes(wide):
            module.count_by_cell(p["status"], p["region"], sector, code, n_sectors, out)
    assert np.array_equal(counts[0], counts[1])
    assert counts[0].sum() == np.count_nonzero(p["status"] == code)


def test_count_by_cell_rejects_a_sector_out_of_range():
    status = np.array([1, 1], dtype=np.int8)
    for module in (_population, reference):
        with pytest.raises(ValueError):
            module.count_by_cell(status, np.zeros(2, np.int8), np.array([0, 3], np.int8), 1, 3,
                                 np.zeros(3, dtype=np.int64))


@SETTINGS
@given(p=populations())
def test_subsidised_rows_cython_equals_reference(p):
    n = len(p["status"])
    until = p["unemployed_since"]   # any int16 column serves as a subsidy end month
    rows = _rows(_population, "subsidised_rows", until, p["status"], p["month"], n=n)
    assert np.array_equal(rows, _rows(reference, "subsidised_rows", until, p["status"],
                                      p["month"], n=n))
    assert np.array_equal(rows, np.flatnonzero((until >= p["month"]) & (p["status"] == 0)))

# The kernels test a whole block of rows at once and only then go row by row, use a
# multiply-and-rotate test for the job-search rotation and integer limits for the ages:
# the tests below cover what random populations rarely reach (ids and periods near the
# int64 limits, fractional or infinite ages, a bad row late in a long array).

_INT64 = st.integers(-2**63, 2**63 - 1)


@SETTINGS
@given(ids=st.lists(st.one_of(_INT64, st.integers(0, 10**7)), min_size=0, max_size=300),
       month=st.one_of(st.integers(-100, 1000), _INT64),
       period=st.one_of(st.integers(-2, 130), st.integers(1, 2**63 - 1),
                        st.integers(0, 62).map(lambda k: 2**k),
                        st.integers(0, 61).map(lambda k: 3 * 2**k)))
def test_job_search_rotation_equals_reference_for_any_ids_and_periods(ids, month, period):
    worker_id = np.array(ids, dtype=np.int64)
    status = np.zeros(worker_id.size, dtype=np.int8)   # employees take the rotation test
    status[::7] = 3
    n = status.size
    rows = [_rows(module, "job_seeker_rows", status, worker_id, month, period, n=n)
            for module in (_population, reference)]
    assert np.array_equal(rows[0], rows[1])


@SETTINGS
@given(p=populations(), month=st.one_of(st.integers(-100, 2000), _INT64),
       ages=st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                               st.floats(500, 900)), min_size=2, max_size=2))
def test_retiring_rows_equal_reference_for_any_ages(p, month, ages):
    n = len(p["status"])
    birth_month = np.random.default_rng(n).integers(-2**15, 2**15, n).astype(np.int16)
    args = (birth_month, p["gender"], month, np.array(ages, dtype=np.float64))
    assert np.array_equal(_rows(_population, "retiring_rows", *args, n=n),
                          _rows(reference, "retiring_rows", *args, n=n))


def _statistics_call(p, wage):
    n, n_regions = len(p["region"]), 4
    return lambda: _population.worker_statistics(
        p["region"], p["skill"], p["status"], wage, p["gender"], np.zeros(n, np.int16),
        np.zeros(n, np.uint8), np.zeros(n, np.uint8), np.zeros(n, np.int16), p["occupation"],
        np.zeros(7, np.uint8), 40, 300, 660, np.zeros(n_regions * 15),
        np.zeros(n_regions * 15), np.zeros(60), np.zeros(2, np.int64), np.zeros(n_regions))


def _wages_call(p, wage):
    return lambda: _population.update_incumbent_wages(p["status"], p["region"], p["skill"],
                                                      wage, np.ones(4 * 3), 0.0)


def _savings_call(p, wage):
    return lambda: _population.automation_savings(
        p["status"], p["occupation"], p["firm"], wage, np.zeros(7, np.int8), np.full(7, 0.5),
        np.array([1e5, 2e5]), np.zeros(2 * 50), np.zeros(2 * 50),
        np.empty(len(p["status"]), np.int64), np.empty(len(p["status"]), np.int64))


def _retiring_call(p, wage):
    n = len(p["gender"])
    return lambda: _population.retiring_rows(np.zeros(n, np.int16), p["gender"], 800,
                                             np.array([756.0, 732.0]), np.empty(n, np.int64))


_BAD_ROWS = [(_statistics_call, "region", -1), (_statistics_call, "region", 4),
             (_statistics_call, "skill", 3), (_statistics_call, "status", 5),
             (_statistics_call, "status", -1), (_statistics_call, "gender", 2),
             (_statistics_call, "occupation", 7), (_statistics_call, "occupation", -1),
             (_wages_call, "region", -1), (_wages_call, "region", 4), (_wages_call, "skill", 3),
             (_savings_call, "occupation", 7), (_savings_call, "firm", 50),
             (_retiring_call, "gender", 2), (_retiring_call, "gender", -1)]


@PASS_PATHS
@settings(max_examples=60, deadline=None, database=None)
@given(seed=st.integers(0, 2**32 - 1), case=st.sampled_from(_BAD_ROWS))
def test_the_first_row_out_of_range_is_the_one_reported(wide, seed, case):
    rng = np.random.default_rng(seed)
    n = 3000   # many blocks: the bad rows land anywhere, tail included
    p = {
        "region": rng.integers(0, 4, n).astype(np.int8),
        "skill": rng.integers(0, 3, n).astype(np.int8),
        "status": np.zeros(n, dtype=np.int8),   # employees: every check applies
        "gender": rng.integers(0, 2, n).astype(np.int8),
        "occupation": rng.integers(0, 7, n).astype(np.int16),
        "firm": rng.integers(0, 50, n).astype(np.int32),
    }
    kernel_call, column, bad_value = case
    wage = rng.lognormal(12, 1, n)
    before = wage.copy()
    at = np.sort(rng.choice(n, size=3, replace=False))
    p[column][at] = bad_value
    with passes(wide), pytest.raises(ValueError, match=f"^row {at[0]}:"):
        kernel_call(p, wage)()
    assert np.array_equal(wage, before)   # update_incumbent_wages changes nothing first


@SETTINGS
@given(p=populations(), n_firms=st.integers(1, 20), month=st.integers(0, 300))
def test_separate_workers_cython_equals_reference(p, n_firms, month):
    n = len(p["status"])
    rng = np.random.default_rng(n * 5 + n_firms)
    firm = np.where(p["status"] == 0, rng.integers(0, n_firms, n), -1).astype(np.int32)
    rows = rng.permutation(n)[:int(rng.integers(0, n + 1))].astype(np.int64)
    results = []
    for module in (_population, reference):
        cols = dict(status=p["status"].copy(), firm=firm.copy(), wage=p["wage"].copy(),
                    last_wage=np.zeros(n), unemployed_since=p["unemployed_since"].copy(),
                    subsidy_until=np.full(n, 7, dtype=np.int16),
                    separation_month=np.full(n, 99, dtype=np.int16))
        employees = np.bincount(firm[firm >= 0], minlength=n_firms).astype(np.int32)
        module.separate_workers(rows, month, cols["status"], cols["firm"], cols["wage"],
                                cols["last_wage"], cols["unemployed_since"],
                                cols["subsidy_until"], cols["separation_month"], employees)
        results.append((cols, employees))
    (c, e), (r, f) = results
    assert np.array_equal(e, f)
    for name in c:
        assert np.array_equal(c[name], r[name]), name
    assert (c["status"][rows] == 3).all() and (c["wage"][rows] == 0).all()
    assert np.array_equal(c["last_wage"][rows], p["wage"][rows])
    # Positions freed are exactly the employees separated.
    kept = c["status"] == 0
    assert np.array_equal(e, np.bincount(c["firm"][kept], minlength=n_firms))


def test_separate_workers_rejects_a_row_out_of_range_before_changing_anything():
    status = np.zeros(3, dtype=np.int8)
    for module in (_population, reference):
        cols = [status.copy(), np.zeros(3, np.int32), np.ones(3), np.zeros(3),
                np.zeros(3, np.int16), np.zeros(3, np.int16), np.zeros(3, np.int16)]
        employees = np.array([3], dtype=np.int32)
        with pytest.raises(ValueError):
            module.separate_workers(np.array([0, 5], dtype=np.int64), 4, *cols, employees)
        assert (cols[0] == 0).all() and employees[0] == 3


# The kernels switch paths by how rows are ordered: runs of one key (a young model,
# rows in built order) or rows out of order (after many hires and separations). Random
# populations are out of order; these are sorted by region, skill and status, with a
# share of the rows moved, so that full blocks of both kinds (and the switch between
# them) occur.

@st.composite
def ordered_populations(draw):
    p = draw(populations(max_workers=3000))
    n = len(p["region"])
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    order = np.lexsort((p["status"], p["skill"], p["region"]))
    moved = rng.random(n) < draw(st.sampled_from([0.0, 0.02, 0.2, 1.0]))
    order[moved] = rng.permutation(order[moved])
    return {key: (value[order] if isinstance(value, np.ndarray) and value.shape == (n,)
                  else value) for key, value in p.items()}


@SETTINGS
@given(p=ordered_populations(), minimum=st.floats(0, 3e5), period=st.integers(0, 120))
def test_kernels_equal_reference_on_rows_in_runs_and_out_of_order(p, minimum, period):
    for c, r in zip(_statistics(_population, p), _statistics(reference, p)):
        assert c.tobytes() == r.tobytes()
    factor = np.random.default_rng(len(p["region"])).uniform(0.8, 1.2, p["n_regions"] * 3)
    wages = [p["wage"].copy(), p["wage"].copy()]
    for module, wage in zip((_population, reference), wages):
        module.update_incumbent_wages(p["status"], p["region"], p["skill"], wage, factor, minimum)
    assert wages[0].tobytes() == wages[1].tobytes()
    n = len(p["status"])
    assert np.array_equal(
        _rows(_population, "job_seeker_rows", p["status"], p["worker_id"], p["month"], period, n=n),
        _rows(reference, "job_seeker_rows", p["status"], p["worker_id"], p["month"], period, n=n))


def test_worker_statistics_adds_its_local_counts_into_the_outputs_mid_pass():
    # Out-of-order blocks count in local copies, added to the outputs every 2**16 such
    # blocks (4,194,304 rows): a population past that adds them mid-pass.
    rng = np.random.default_rng(5)
    n = (1 << 22) + 1000
    p = {"n_regions": 3, "region": rng.integers(0, 3, n).astype(np.int8),
         "skill": rng.integers(0, 3, n).astype(np.int8),
         "status": rng.integers(0, 5, n).astype(np.int8), "wage": rng.lognormal(12, 1, n),
         "gender": rng.integers(0, 2, n).astype(np.int8),
         "birth_month": rng.integers(-64 * 12, -14 * 12, n).astype(np.int16),
         "migrant": rng.random(n) < 0.2, "displaced": rng.random(n) < 0.2,
         "unemployed_since": rng.integers(-40, 30, n).astype(np.int16),
         "occupation": rng.integers(0, 7, n).astype(np.int16),
         "occupation_at_risk": np.array([1, 0, 2, 0, 1, 1, 0], dtype=np.uint8), "month": 20}
    for c, r in zip(_statistics(_population, p), _statistics(reference, p)):
        assert c.tobytes() == r.tobytes()


@SETTINGS
@given(base=st.one_of(st.integers(0, 2**32), st.integers(2**32 - 200, 2**32 + 200),
                      st.integers(2**63 - 300, 2**63 - 1)),
       month=st.integers(-300, 300),
       period=st.one_of(st.integers(1, 130), st.integers(2**31, 2**32 + 5),
                        st.integers(0, 40).map(lambda k: 2**k),
                        st.integers(0, 31).map(lambda k: 3 * 2**k)))
def test_job_search_rotation_in_32_and_64_bits_equals_reference(base, month, period):
    # Blocks of 64 ids from ``base``: ids + month in 32 bits (the 32-bit test), past them
    # or wrapping (the 64-bit test), or both within one array.
    worker_id = (np.arange(300, dtype=np.uint64) * np.uint64(97) + np.uint64(base)).view(np.int64)
    worker_id[worker_id < 0] = base % 1000   # ids are non-negative
    status = np.zeros(worker_id.size, dtype=np.int8)
    status[::11] = 3
    status[5::13] = 2
    n = status.size
    assert np.array_equal(
        _rows(_population, "job_seeker_rows", status, worker_id, month, period, n=n),
        _rows(reference, "job_seeker_rows", status, worker_id, month, period, n=n))


@pytest.mark.parametrize("period", [1, 2, 3, 7, 100, 2**31 - 1, 2**31, 3 * 2**30, 2**32 - 1])
def test_job_search_rotation_at_the_edges_of_32_bits(period):
    # The largest multiples of the period below 2**32 and their neighbours, in one block
    # of ids below 2**32 (the 32-bit test), and once more in a block that also holds an
    # id past 2**32 (the 64-bit test).
    top = (2**32 - 1) // period * period
    edges = [0, 1, period - 1, period, period + 1, top - 1, top, top + 1, 2**32 - 1]
    block = np.array([x for x in edges if 0 <= x < 2**32] * 8, dtype=np.int64)[:64]
    worker_id = np.concatenate([block, block, [2**32 + 5], block[:63]])
    for month in (0, 3):
        status = np.zeros(worker_id.size, dtype=np.int8)
        n = status.size
        assert np.array_equal(
            _rows(_population, "job_seeker_rows", status, worker_id - month, month, period, n=n),
            _rows(reference, "job_seeker_rows", status, worker_id - month, month, period, n=n))


@pytest.mark.parametrize("minimum_wage", [0.0, -0.0, 1e5])
def test_incumbent_wages_take_numpys_maximum_on_signed_zeros_and_infinities(minimum_wage):
    """A -0.0 pay against a 0.0 minimum wage gives NumPy's answer (the minimum, +0.0),
    bit for bit, in the vector blocks and in the tail."""
    rng = np.random.default_rng(1)
    n = 200   # three blocks of 64 and a tail
    status = rng.integers(0, 5, n).astype(np.int8)
    region = rng.integers(0, 4, n).astype(np.int8)
    skill = rng.integers(0, 3, n).astype(np.int8)
    wage = rng.choice([-0.0, 0.0, 1e5, np.inf, -np.inf], n)
    factor = rng.choice([1.0, 0.5, 2.0], 12)
    ours, theirs = wage.copy(), wage.copy()
    _population.update_incumbent_wages(status, region, skill, ours, factor, minimum_wage)
    reference.update_incumbent_wages(status, region, skill, theirs, factor, minimum_wage)
    assert ours.tobytes() == theirs.tobytes()


# -----------------------------------------------------------------------------------------
# The AVX-512 passes against the reference and the portable loops, on their edge cases.


@st.composite
def exposed_staff(draw):
    """Employees and others over many 64-row blocks (tails of any length), channels of
    any code the kernel accepts (-1 and below: none), up to 600 occupations (above 512
    the portable loop runs), wages at and around the costs, zero, negative, NaN."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.sampled_from([0, 1, 63, 64, 65, 127, 128, 129, 1000, 4099]))
    n_occupations = draw(st.sampled_from([1, 7, 125, 511, 512, 513, 600]))
    n_firms = draw(st.sampled_from([1, 3, 500]))
    special = np.array([0.0, -0.0, -5.0, np.nan, np.inf, 1e5, 2e5, np.nextafter(1e5, 0),
                        np.nextafter(2e5, np.inf)])
    wage = np.where(rng.random(n) < 0.2, special[rng.integers(0, special.size, n)],
                    rng.uniform(0, 4e5, n))
    return {
        "status": np.where(rng.random(n) < draw(st.sampled_from([0.1, 0.7, 1.0])), 0,
                           rng.integers(1, 5, n)).astype(np.int8),
        "occupation": rng.integers(0, n_occupations, n).astype(np.int16),
        "firm": rng.integers(0, n_firms, n).astype(np.int32),
        "wage": wage,
        "channel": rng.choice(np.array([-3, -1, -1, 0, 1], np.int8), n_occupations),
        "exposure": rng.uniform(0.0, 1.0, n_occupations),
        "cost": np.array([1e5, 2e5]),
        "n_firms": n_firms,
    }


def _savings_of(module, s):
    n = len(s["status"])
    bill, saving = np.zeros(2 * s["n_firms"]), np.zeros(2 * s["n_firms"])
    row, key = np.full(n, -7, np.int64), np.full(n, -7, np.int64)
    count = module.automation_savings(s["status"], s["occupation"], s["firm"], s["wage"],
                                      s["channel"], s["exposure"], s["cost"], bill, saving,
                                      row, key)
    return [bill.tobytes(), saving.tobytes(), row[:count].tobytes(), key[:count].tobytes()]


@PASS_PATHS
@SETTINGS
@given(s=exposed_staff())
def test_automation_savings_equals_reference_on_edge_cases(wide, s):
    with passes(wide):
        assert _savings_of(_population, s) == _savings_of(reference, s)


@PASS_PATHS
@SETTINGS
@given(s=exposed_staff(), column=st.sampled_from(["occupation", "firm", "channel"]),
       where=st.floats(0, 1, exclude_max=True))
def test_automation_savings_reports_the_same_bad_row_on_both_paths(wide, s, column, where):
    """A row out of range (occupation, firm, or a channel above 1): the first such
    employee is reported, and the sums are the portable loop's, which adds the rows of
    the blocks of 64 before that row's."""
    n = len(s["status"])
    if n == 0:
        return
    at = int(where * n)
    s["status"][at] = 0
    if column == "channel":
        s["channel"][s["occupation"][at]] = 2
    elif where < 0.5:
        s[column][at] = -1
    else:
        s[column][at] = s["n_firms"] if column == "firm" else len(s["channel"])
    outputs = {}
    for path in (False, wide):
        with passes(path):
            bill, saving = np.zeros(2 * s["n_firms"]), np.zeros(2 * s["n_firms"])
            with pytest.raises(ValueError, match="out of range") as error:
                _population.automation_savings(
                    s["status"], s["occupation"], s["firm"], s["wage"], s["channel"],
                    s["exposure"], s["cost"], bill, saving, np.empty(n, np.int64),
                    np.empty(n, np.int64))
            outputs[path] = (str(error.value), bill.tobytes(), saving.tobytes())
    assert outputs[wide] == outputs[False]
    employee = s["status"] == 0
    in_range = ((s["occupation"] >= 0) & (s["occupation"] < len(s["channel"]))
                & (s["firm"] >= 0) & (s["firm"] < s["n_firms"]))
    channel = s["channel"][np.where(in_range, s["occupation"], 0)]
    first = np.flatnonzero(employee & (~in_range | (channel > 1)))[0]
    assert outputs[wide][0].startswith(f"row {first}:")


@PASS_PATHS
@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.sampled_from([0, 1, 63, 64, 65, 129, 1000, 4099]),
       code=st.integers(-1, 5), n_sectors=st.sampled_from([1, 3, 15, 127, 128, 129, 300]),
       extra_cells=st.sampled_from([-1, 0, 5]), bad=st.sampled_from([0.0, 0.001, 0.05]))
def test_count_by_cell_both_paths_equal_reference(wide, seed, n, code, n_sectors,
                                                  extra_cells, bad):
    """Any status code, regions and sectors in and out of range (negative included),
    ``counts`` shorter or longer than regions x sectors: the same counts and the same
    first bad row as the portable loop, which counts the rows before it."""
    rng = np.random.default_rng(seed)
    n_regions = 4
    status = rng.integers(-1, 6, n).astype(np.int8)
    region = rng.integers(0, n_regions, n).astype(np.int8)
    sector = rng.integers(0, min(n_sectors, 128), n).astype(np.int8)
    for column, edges in ((region, [-128, -1, n_regions - 1, n_regions, 127]),
                          (sector, [-128, -1, min(n_sectors, 128) - 1, min(n_sectors, 127),
                                    127])):
        odd = rng.random(n) < bad
        column[odd] = np.where(rng.random(odd.sum()) < 0.5,
                               rng.choice(np.array(edges, np.int8), odd.sum()),
                               rng.integers(-128, 128, odd.sum()))
    size = max(n_regions * n_sectors + extra_cells, 1)
    results = []
    for module, path in ((reference, False), (_population, False), (_population, wide)):
        counts = np.zeros(size, np.int64)
        with passes(path):
            try:
                module.count_by_cell(status, region, sector, code, n_sectors, counts)
                error = None
            except ValueError as e:
                error = str(e)
        results.append((error, counts))
    (ref_error, ref_counts), (port_error, port_counts), (our_error, our_counts) = results
    assert our_error == port_error and np.array_equal(our_counts, port_counts)
    assert (our_error is None) == (ref_error is None)
    if our_error is None:
        assert np.array_equal(our_counts, ref_counts)
    else:
        chosen = np.flatnonzero(status == code)
        key = region[chosen].astype(np.int64) * n_sectors + sector[chosen]
        wrong = (sector[chosen] < 0) | (sector[chosen] >= n_sectors) | (key < 0) | (key >= size)
        assert our_error.startswith(f"row {chosen[wrong][0]}:")


@PASS_PATHS
@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.sampled_from([0, 1, 63, 64, 65, 129, 1000, 4099]),
       month=st.sampled_from([-2**40, -32769, -32768, -32767, -1, 0, 7, 32766, 32767, 32768,
                              2**40]))
def test_separations_due_both_paths_equal_reference_at_the_edges(wide, seed, n, month):
    """Months at and past the int16 range, separation months at its ends, statuses in
    and out of range (negative ones count as working, as in the reference): the same
    rows in order, and nothing written past them."""
    rng = np.random.default_rng(seed)
    ends = np.array([-32768, -32767, -1, 0, 7, 8, 32766, 32767], np.int16)
    due = np.where(rng.random(n) < 0.5, ends[rng.integers(0, ends.size, n)],
                   rng.integers(-32768, 32768, n)).astype(np.int16)
    status = rng.integers(-2, 6, n).astype(np.int8)
    rows = {}
    for module, path in ((reference, False), (_population, wide)):
        out = np.full(n, -7, np.int64)
        with passes(path):
            count = module.separations_due(due, status, month, out)
        rows[module] = (count, out)
    count, out = rows[_population]
    assert count == rows[reference][0]
    assert np.array_equal(out[:count], rows[reference][1][:count])
    assert (out[count:] == -7).all()


@st.composite
def statistics_inputs(draw):
    """Rows in runs of one key or out of order over many 64-row blocks (tails of any
    length), wages of every kind (NaN, infinities, signed zeros, subnormals), up to 600
    occupations (above 512 the portable loop runs), and months and age limits that put
    birth months on either side of the bands' edges."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.sampled_from([0, 1, 63, 64, 65, 127, 128, 129, 1000, 4099]))
    n_regions = draw(st.sampled_from([1, 4, 20]))
    n_occupations = draw(st.sampled_from([1, 7, 125, 512, 513, 600]))
    special = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 5e-324, -1.0, 1e308])
    wage = np.where(rng.random(n) < 0.2, special[rng.integers(0, special.size, n)],
                    rng.lognormal(12, 1, n))
    p = {
        "n_regions": n_regions,
        "region": rng.integers(0, n_regions, n).astype(np.int8),
        "skill": rng.integers(0, 3, n).astype(np.int8),
        "status": rng.integers(0, 5, n).astype(np.int8),
        "wage": wage,
        "gender": rng.integers(0, 2, n).astype(np.int8),
        "birth_month": rng.integers(-800, 40, n).astype(np.int16),
        "migrant": rng.random(n) < 0.2,
        "displaced": rng.random(n) < 0.3,
        "unemployed_since": rng.integers(-40, 40, n).astype(np.int16),
        "occupation": rng.integers(0, n_occupations, n).astype(np.int16),
        "occupation_at_risk": (rng.random(n_occupations) < 0.4).astype(np.uint8),
        "month": draw(st.sampled_from([0, 12, 40, 300])),
        # Age limits in months; the older one below the youth one too (band 1 then
        # holds those past the older limit only).
        "ages": draw(st.sampled_from([(25 * 12, 55 * 12), (300, 300), (660, 300), (0, 900)])),
    }
    if draw(st.booleans()):   # runs of one key, a share of the rows moved
        order = np.lexsort((p["status"], p["skill"], p["region"]))
        moved = rng.random(n) < draw(st.sampled_from([0.0, 0.05, 0.5]))
        order[moved] = rng.permutation(order[moved])
        p = {k: (v[order] if isinstance(v, np.ndarray) and v.shape == (n,) else v)
             for k, v in p.items()}
    return p


def _statistics_from(module, p, start=0.0):
    """worker_statistics' outputs, added to outputs that hold ``start`` (0.0: zeroed)."""
    size = p["n_regions"] * 15
    out = [np.full(size, start), np.full(size, start), np.zeros(60),
           np.zeros(2, dtype=np.int64), np.zeros(p["n_regions"])]
    module.worker_statistics(p["region"], p["skill"], p["status"], p["wage"], p["gender"],
                             p["birth_month"], p["migrant"].view(np.uint8),
                             p["displaced"].view(np.uint8), p["unemployed_since"],
                             p["occupation"], p["occupation_at_risk"], p["month"],
                             *p["ages"], *out)
    return [a.tobytes() for a in out]


@PASS_PATHS
@SETTINGS
@given(p=statistics_inputs())
def test_worker_statistics_both_paths_equal_reference_at_the_edges(wide, p):
    with passes(wide):
        ours = _statistics_from(_population, p)
    assert ours == _statistics_from(reference, p)


@PASS_PATHS
@SETTINGS
@given(p=statistics_inputs(), start=st.sampled_from([-0.0, 1.5, np.nan]),
       zeros=st.booleans())
def test_worker_statistics_adds_to_its_outputs_in_row_order_on_both_paths(wide, p, start,
                                                                        zeros):
    """Outputs that already hold a value: each wage sum adds its rows to it in row order
    on both paths (the reference starts its sums from zero, so it is not the yardstick
    here). Wages all -0.0 from -0.0: every sum stays -0.0, which an add of +0.0 for a
    row of another key would turn to +0.0."""
    if zeros:
        p["wage"] = np.full(len(p["wage"]), -0.0)
    with passes(False):
        portable = _statistics_from(_population, p, start)
    with passes(wide):
        assert _statistics_from(_population, p, start) == portable


_STATISTICS_COLUMNS = {"region": [-1, 20, 127, -128], "skill": [3, -1], "status": [5, -1],
                       "gender": [2, -1], "occupation": [-1, 600, 32767]}


@PASS_PATHS
@SETTINGS
@given(p=statistics_inputs(), column=st.sampled_from(sorted(_STATISTICS_COLUMNS)),
       where=st.floats(0, 1, exclude_max=True), pick=st.integers(0, 3))
def test_worker_statistics_reports_the_same_bad_row_on_both_paths(wide, p, column, where, pick):
    """A row out of range anywhere (a full block or the tail): the same error, and the
    same partial outputs as the portable loop's (every row before the bad one added)."""
    n = len(p["region"])
    if n == 0:
        return
    at = int(where * n)
    values = _STATISTICS_COLUMNS[column]
    p[column][at] = values[pick % len(values)]
    if column == "occupation" and p[column][at] == 600:
        p[column][at] = len(p["occupation_at_risk"])
    outputs = {}
    for path in (False, wide):
        with passes(path):
            with pytest.raises(ValueError, match="out of range") as error:
                out = [np.zeros(p["n_regions"] * 15), np.zeros(p["n_regions"] * 15),
                       np.zeros(60), np.zeros(2, np.int64), np.zeros(p["n_regions"])]
                try:
                    _population.worker_statistics(
                        p["region"], p["skill"], p["status"], p["wage"], p["gender"],
                        p["birth_month"], p["migrant"].view(np.uint8),
                        p["displaced"].view(np.uint8), p["unemployed_since"], p["occupation"],
                        p["occupation_at_risk"], p["month"], 25 * 12, 55 * 12, *out)
                finally:
                    outputs[path] = [a.tobytes() for a in out]
            outputs[path].append(str(error.value))
    assert outputs[wide] == outputs[False]
    assert outputs[wide][-1].startswith(f"row {at}:")
    # The partial outputs are the reference's over the rows before the bad one.
    before = {k: (v[:at] if isinstance(v, np.ndarray) and v.shape == (n,) else v)
              for k, v in p.items()}
    assert [a.tobytes() for a in _statistics(reference, before)] == outputs[wide][:-1]


@PASS_PATHS
@SETTINGS
@given(p=statistics_inputs(), minimum=st.sampled_from([0.0, -0.0, 1e5, np.inf, np.nan]),
       cells=st.sampled_from([0, 1, 2]))
def test_incumbent_wages_both_paths_equal_reference_at_the_edges(wide, p, minimum, cells):
    """Wages of every kind against any minimum (NumPy's maximum: NaN kept, the second of
    two equal zeros), statuses out of range (a negative one is paid, as in the
    reference), factors of every kind; and a row out of range raising before any wage
    is changed, on both paths."""
    n = len(p["status"])
    rng = np.random.default_rng(n)
    status = p["status"].copy()
    status[rng.random(n) < 0.05] = -3
    factor = np.where(rng.random(p["n_regions"] * 3) < 0.2, np.array([0.0, -0.0, np.nan, np.inf])[
        rng.integers(0, 4, p["n_regions"] * 3)], rng.uniform(0.5, 1.5, p["n_regions"] * 3))
    if cells == 1 and n:   # a row whose cell is past the factors
        p["region"][rng.integers(0, n)] = p["n_regions"]
    if cells == 2 and n:
        p["skill"][rng.integers(0, n)] = -1
    results = []
    for module, path in ((reference, False), (_population, False), (_population, wide)):
        wage = p["wage"].copy()
        with passes(path), np.errstate(invalid="ignore"):   # 0 * inf in the reference
            try:
                module.update_incumbent_wages(status, p["region"], p["skill"], wage, factor,
                                              minimum)
                error = None
            except (ValueError, IndexError) as e:
                error = str(e) if module is _population else "error"
        results.append((error, wage.tobytes()))
    (ref_error, ref_wage), portable, ours = results
    assert ours == portable
    if ours[0] is None:
        assert ref_error is None and ours[1] == ref_wage
    else:
        bad = ((p["region"] < 0) | (p["skill"] < 0) | (p["skill"] > 2)
               | (p["region"].astype(np.int64) * 3 + p["skill"] >= factor.size))
        assert ours[0].startswith(f"row {np.flatnonzero(bad)[0]}:")
        assert ours[1] == p["wage"].tobytes()   # nothing changed


@PASS_PATHS
@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.sampled_from([0, 1, 63, 64, 65, 129, 1000, 4099]),
       n_firms=st.sampled_from([1, 5, 63, 64, 65, 511, 512, 513, 33000, 400000]),
       selection=st.sampled_from(["none", "one", "few", "some", "all"]),
       employees=st.sampled_from([0.0, 0.7, 1.0]), bad=st.sampled_from([0.0, 0.001, 0.05]))
def test_employees_of_both_paths_equal_reference_at_the_edges(wide, seed, n, n_firms,
                                                              selection, employees, bad):
    """Any number of firms (the wide path's coarse table covers 512 firms a bit or
    fewer), none to all of them selected (flags any non-zero byte), statuses out of
    range, non-employees with any firm; an employee's firm out of range (negative, at or
    past the firms, the int32 ends) raising on the first such row with the rows before
    it written, as the portable loop leaves them, and nothing past them."""
    rng = np.random.default_rng(seed)
    status = np.where(rng.random(n) < employees, 0, rng.integers(-1, 6, n)).astype(np.int8)
    firm = rng.integers(0, n_firms, n).astype(np.int32)
    firm[(status != 0) & (rng.random(n) < 0.5)] = -1
    odd = (status == 0) & (rng.random(n) < bad)
    firm[odd] = rng.choice(np.array([-1, n_firms, -2**31, 2**31 - 1], np.int32), odd.sum())
    flags = rng.integers(1, 256, n_firms).astype(np.uint8)
    chosen = {"none": 0.0, "one": 1.0 / n_firms, "few": min(1.0, 5.0 / n_firms),
              "some": 0.3, "all": 1.0}[selection]
    selected = np.where(rng.random(n_firms) < chosen, flags, 0).astype(np.uint8)
    if selection == "one":
        selected[:] = 0
        selected[rng.integers(0, n_firms)] = flags[0]
    count, error, rows = _rows_on_both_paths(wide, "employees_of", status, firm, selected, n=n)
    in_range = (firm >= 0) & (firm < n_firms)
    wanted = np.flatnonzero((status == 0) & in_range & (selected[np.where(in_range, firm, 0)] != 0))
    if error is None:
        assert np.array_equal(rows[:count], _rows(reference, "employees_of", status, firm,
                                                  selected, n=n))
        assert np.array_equal(rows[:count], wanted) and (rows[count:] == -7).all()
    else:
        first = np.flatnonzero((status == 0) & ~in_range)[0]
        assert error.startswith(f"row {first}:")
        before = wanted[wanted < first]
        assert np.array_equal(rows[:before.size], before) and (rows[before.size:] == -7).all()


@PASS_PATHS
@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.sampled_from([0, 1, 63, 64, 65, 129, 1000, 4099]),
       month=st.sampled_from([-2**40, -40000, -1, 0, 106, 800, 33000, 70000, 2**40]),
       ages=st.lists(st.sampled_from([0.0, -3.0, 731.5, 732.0, 756.0, 1e4, 1e6]),
                     min_size=2, max_size=2),
       bad=st.sampled_from([0.0, 0.001, 0.05]))
def test_retiring_rows_both_paths_equal_reference_at_the_edges(wide, seed, n, month, ages,
                                                               bad):
    """Birth months at the int16 ends, months and ages that put either gender's limit
    anywhere (nobody, everyone, in between, fractional ages); a gender other than 0 or 1
    (negative, 2, the int8 ends) raising on the first such row with the same rows
    written on both paths: those of the blocks of 64 before its block, and perhaps
    some of its block's."""
    rng = np.random.default_rng(seed)
    ends = np.array([-32768, -32767, -1, 0, 32766, 32767], np.int16)
    birth_month = np.where(rng.random(n) < 0.3, ends[rng.integers(0, ends.size, n)],
                           rng.integers(-32768, 32768, n)).astype(np.int16)
    gender = rng.integers(0, 2, n).astype(np.int8)
    odd = rng.random(n) < bad
    gender[odd] = rng.choice(np.array([-128, -1, 2, 127], np.int8), odd.sum())
    ages = np.array(ages, np.float64)
    count, error, rows = _rows_on_both_paths(wide, "retiring_rows", birth_month, gender, month,
                                             ages, n=n)
    if error is None:
        assert np.array_equal(rows[:count], _rows(reference, "retiring_rows", birth_month,
                                                  gender, month, ages, n=n))
        assert (rows[count:] == -7).all()
    else:
        first = np.flatnonzero(odd)[0]
        assert error.startswith(f"row {first}:")
        block = first - first % 64
        age = month - birth_month[:block].astype(np.int64)
        wanted = np.flatnonzero(age >= ages[gender[:block]])
        assert np.array_equal(rows[:wanted.size], wanted)


@PASS_PATHS
@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.sampled_from([0, 1, 63, 64, 65, 129, 1000, 4099]),
       month=st.sampled_from([-2**40, -32769, -32768, -32767, -1, 0, 7, 32766, 32767, 32768,
                              2**40]),
       share=st.sampled_from([0.0, 0.01, 0.5, 1.0]))
def test_subsidised_rows_both_paths_equal_reference_at_the_edges(wide, seed, n, month, share):
    """Months at and past the int16 range, subsidy ends at its ends, none to all of the
    rows with a subsidy running, statuses out of range: the same rows in order, and
    nothing written past them."""
    rng = np.random.default_rng(seed)
    ends = np.array([-32768, -32767, -1, 0, 7, 8, 32766, 32767], np.int16)
    until = np.where(rng.random(n) < 0.5, ends[rng.integers(0, ends.size, n)],
                     rng.integers(-32768, 32768, n)).astype(np.int16)
    until[rng.random(n) >= share] = -32768
    status = rng.integers(-2, 6, n).astype(np.int8)
    status[rng.random(n) < 0.5] = 0
    rows = {}
    for module, path in ((reference, False), (_population, False), (_population, wide)):
        out = np.full(n, -7, np.int64)
        with passes(path):
            count = module.subsidised_rows(until, status, month, out)
        rows[path if module is _population else "reference"] = (count, out.tobytes())
    assert rows[wide] == rows[False] == rows["reference"]
    count, out = rows[wide][0], np.frombuffer(rows[wide][1], np.int64)
    assert np.array_equal(out[:count], np.flatnonzero((until >= month) & (status == 0)))
