"""The whole-population kernels (``kernels/_population.pyx``) reproduce
``kernels.reference`` bit for bit: the month's statistics, incumbents' wage update and
the job-seeker list, on random populations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernels import _population, reference

SETTINGS = settings(max_examples=80, deadline=None, database=None)


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


@SETTINGS
@given(p=populations(), code=st.integers(0, 4))
def test_rows_with_status_cython_equals_reference(p, code):
    n = len(p["status"])
    rows = _rows(_population, "rows_with_status", p["status"], code, n=n)
    assert np.array_equal(rows, _rows(reference, "rows_with_status", p["status"], code, n=n))
    assert np.array_equal(rows, np.flatnonzero(p["status"] == code))


@SETTINGS
@given(p=populations())
def test_retiring_and_separating_rows_cython_equal_reference(p):
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
    separating = _rows(_population, "separations_due", *args, n=n)
    assert np.array_equal(separating, _rows(reference, "separations_due", *args, n=n))
    assert (p["status"][separating] <= 1).all() and (due[separating] <= p["month"]).all()


@SETTINGS
@given(p=populations(), n_firms=st.integers(1, 30))
def test_automation_savings_and_exposed_rows_cython_equal_reference(p, n_firms):
    n = len(p["status"])
    rng = np.random.default_rng(n + n_firms)
    firm = rng.integers(0, n_firms, n).astype(np.int32)
    channel = rng.integers(-1, 2, 7).astype(np.int8)
    exposure = rng.uniform(0.3, 0.9, 7)
    cost = np.array([150_000.0, 250_000.0])
    out = {m: (np.zeros(2 * n_firms), np.zeros(2 * n_firms)) for m in ("c", "r")}
    for key, module in (("c", _population), ("r", reference)):
        module.automation_savings(p["status"], p["occupation"], firm, p["wage"], channel,
                                  exposure, cost, *out[key])
    assert np.array_equal(out["c"][0], out["r"][0]) and np.array_equal(out["c"][1], out["r"][1])
    assert (out["c"][1] <= out["c"][0] + 1e-9 * np.abs(out["c"][0])).all()  # saving <= bill
    adopting = (rng.random(n_firms) < 0.5).astype(np.uint8)
    for c in (0, 1):
        args = (p["status"], p["occupation"], firm, p["wage"], channel, c, cost[c], adopting)
        rows = _rows(_population, "exposed_in_adopting", *args, n=n)
        assert np.array_equal(rows, _rows(reference, "exposed_in_adopting", *args, n=n))
        assert (p["status"][rows] == 0).all() and (adopting[firm[rows]] == 1).all()
        assert (p["wage"][rows] > cost[c]).all()


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


@SETTINGS
@given(p=populations(), code=st.integers(0, 4), n_sectors=st.integers(1, 5))
def test_count_by_cell_cython_equals_reference(p, code, n_sectors):
    sector = (p["occupation"] % n_sectors).astype(np.int8)
    counts = [np.zeros(p["n_regions"] * n_sectors, dtype=np.int64) for _ in range(2)]
    for module, out in zip((_population, reference), counts):
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
