"""Numerical guards: NaN / inf anywhere in the state and wrapped counters are caught, and
extreme but valid policies run to the end without a crash or a NaN."""

from __future__ import annotations

import numpy as np
import pytest

from sim.invariants import EXACT_FLOAT_INT, MONTH_LIMIT, InvariantError, check_counters, check_invariants
from sim.model import LaborMarketModel
from sim.population import FIRM_COLUMNS, WORKER_COLUMNS
from sim.scenario import load_scenario


@pytest.fixture
def model():
    m = LaborMarketModel(scale=0.001, rng=8)
    m.run(1)
    return m


def _float_columns(schema):
    return [name for name, (dtype, _) in schema.items() if np.dtype(dtype).kind == "f"]


@pytest.mark.parametrize("column", _float_columns(WORKER_COLUMNS))
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_worker_column_is_caught(model, column, bad):
    getattr(model.workers, column)[-1] = bad
    with pytest.raises(InvariantError, match="NaN,? (or )?infinite"):
        check_invariants(model)


@pytest.mark.parametrize("column", _float_columns(FIRM_COLUMNS))
def test_non_finite_firm_column_is_caught(model, column):
    getattr(model.firms, column)[0] = np.nan
    with pytest.raises(InvariantError, match="NaN,? (or )?infinite"):
        check_invariants(model)


@pytest.mark.parametrize("mutate", [
    lambda m: m.wage_level.__setitem__((0, 1), np.nan),
    lambda m: setattr(m, "bargaining_factor", float("inf")),
    lambda m: setattr(m, "_seat_carry", float("nan")),
    lambda m: m.accounts.__setitem__("fiscal_cost", float("nan")),
    lambda m: m.market["mean_wage_rs"].__setitem__((2, 2), -np.inf),
    lambda m: m.vacancy_table["wage"].__setitem__(0, np.nan),
], ids=["wage_level", "bargaining_factor", "seat_carry", "accounts", "market", "vacancy_wage"])
def test_non_finite_model_state_is_caught(model, mutate):
    mutate(model)
    with pytest.raises(InvariantError, match="model\\.\\w+ holds NaN"):
        check_invariants(model)


@pytest.mark.parametrize("mutate, message", [
    (lambda m: setattr(m, "hires_total", -1), "hires_total"),
    (lambda m: setattr(m, "displaced_total", EXACT_FLOAT_INT), "displaced_total"),
    (lambda m: m.migration_counts.__setitem__((0, 1), -5), "migration count"),
    (lambda m: setattr(m, "month", MONTH_LIMIT), "int16"),
    (lambda m: setattr(m, "next_worker_id", int(m.workers.worker_id.max())), "next_worker_id"),
    (lambda m: m.firms.vacancies.__setitem__(0, np.iinfo(np.int32).max), "int32 limit"),
])
def test_wrapped_or_overflowing_counter_is_caught(model, mutate, message):
    mutate(model)
    with pytest.raises(InvariantError, match=message):
        check_counters(model)


def test_int32_head_count_that_wrapped_is_caught(model):
    """An int32 employee count pushed past its limit wraps negative: the checker sees it."""
    with np.errstate(over="ignore"):
        model.firms.employees[0] = np.int32(np.iinfo(np.int32).max) + np.int32(1)
    with pytest.raises(InvariantError):
        check_invariants(model)


def test_counts_at_scale_one_fit_their_dtypes_for_a_century():
    """At scale 1 (~9 million workers) a 100-year run cannot overflow a head-count column."""
    s = load_scenario("kazakhstan")
    pop = s.params["population"]
    labour_force = pop["employed"] / (1.0 - pop["unemployment_rate"])
    months = 1200
    entrants = pop["entry_rate"] * labour_force * months / 12.0
    most_workers = labour_force + entrants              # nobody retires: an upper bound
    firms = labour_force / s.sectors["mean_firm_size"].min() * 2   # every firm replaced once
    int32 = np.iinfo(np.int32).max
    assert most_workers < int32 / 10        # firm employee counts, worker firm rows
    assert firms < int32 / 10
    assert months < MONTH_LIMIT             # int16 month columns
    assert most_workers < EXACT_FLOAT_INT   # counters stay exact in float64 reporters
    assert np.dtype(WORKER_COLUMNS["worker_id"][0]) == np.int64


# -- extreme but valid policies --------------------------------------------------------------

EXTREMES = {
    "robot_tax_100pct": {"robot_tax": 1.0},
    "zero_benefits": {"unemployment_benefit": 0.0, "benefit_months": 0},
    "max_subsidies": {"retraining_subsidy": 1.0, "retraining_capacity": 100.0,
                      "retraining_stipend": 1_000_000.0, "migration_subsidy": 1.0,
                      "wage_subsidy_low_skill": 1.0},
    "minimum_wage_above_mean": {"minimum_wage": 500_000.0},
    "minimum_wage_at_bound": {"minimum_wage": 2_000_000.0},
    "all_at_once": {"robot_tax": 1.0, "unemployment_benefit": 0.0, "retraining_subsidy": 1.0,
                    "retraining_capacity": 100.0, "migration_subsidy": 1.0,
                    "wage_subsidy_low_skill": 1.0, "minimum_wage": 2_000_000.0,
                    "ai_cost_decline": 0.9, "automation_cost_decline": 0.9, "new_job_ratio": 5.0,
                    "demand_cycle_amplitude": 0.2, "education_upgrade": 0.5},
}
EXTREME_MONTHS = 24


@pytest.fixture(scope="module")
def baseline():
    m = LaborMarketModel(scale=0.001, rng=3, check_invariants=True)
    m.run(EXTREME_MONTHS)
    return m


def _extreme(name):
    m = LaborMarketModel(scale=0.001, rng=3, check_invariants=True, **EXTREMES[name])
    m.run(EXTREME_MONTHS)    # invariants (NaN, counters, consistency) checked every month
    frame = m.datacollector.get_model_vars_dataframe()
    assert len(frame) == EXTREME_MONTHS + 1
    assert np.isfinite(frame.to_numpy(dtype=float)).all()
    return m


def test_full_robot_tax_runs_and_slows_automation(baseline):
    m = _extreme("robot_tax_100pct")
    assert m.reporters["automation_share"] <= baseline.reporters["automation_share"]
    assert m.reporters["revenue_robot_tax"] >= 0


def test_zero_benefits_run_and_cost_nothing_in_benefits():
    m = _extreme("zero_benefits")
    assert m.reporters["spend_benefits"] == 0.0


def test_maximum_subsidies_run_and_cost_more(baseline):
    m = _extreme("max_subsidies")
    assert m.reporters["spend_training"] > baseline.reporters["spend_training"]


@pytest.mark.parametrize("name", ["minimum_wage_above_mean", "minimum_wage_at_bound"])
def test_minimum_wage_above_the_mean_wage_runs_and_binds(baseline, name):
    m = _extreme(name)
    floor = EXTREMES[name]["minimum_wage"]
    assert floor > baseline.reporters["mean_wage"]
    employees = m.workers.status == 0
    assert (m.workers.wage[employees] >= floor).all()


def test_all_extremes_at_once_run_to_the_end():
    m = _extreme("all_at_once")
    assert 0.0 <= m.reporters["unemployment_rate"] <= 1.0
