"""Invariants hold through a run, and the checker catches broken states."""

from __future__ import annotations

import numpy as np
import pytest

from sim.invariants import InvariantError, check_invariants
from sim.model import LaborMarketModel
from sim.population import Status


def test_invariants_hold_over_two_years(run_model):
    check_invariants(run_model)  # the fixture checked every month already
    assert run_model.entrants_total > 0 and run_model.retirees_total > 0
    assert len(run_model.workers) == (run_model.initial_labour_force_agents
                                      + run_model.entrants_total - run_model.retirees_total)


@pytest.mark.parametrize("seed", [1, 2])
def test_invariants_hold_under_extreme_policies(seed):
    model = LaborMarketModel(scale=0.001, rng=seed, robot_tax=1.0, unemployment_benefit=0.0,
                             retraining_subsidy=1.0, retraining_capacity=100.0,
                             migration_subsidy=1.0, minimum_wage=400_000.0,
                             wage_subsidy_low_skill=1.0, ai_cost_decline=0.9,
                             check_invariants=True)
    model.run(12)
    assert np.isfinite(list(model.reporters.values())).all()


def _broken(mutate):
    model = LaborMarketModel(scale=0.001, rng=1)
    mutate(model)
    with pytest.raises(InvariantError):
        check_invariants(model)


def test_detects_employee_without_firm():
    def mutate(m):
        row = np.flatnonzero(m.workers.status == Status.EMPLOYED)[0]
        m.workers.firm[row] = -1
    _broken(mutate)


def test_detects_wrong_employee_count():
    _broken(lambda m: m.firms.employees.__setitem__(0, m.firms.employees[0] + 1))


def test_detects_nan_wage():
    _broken(lambda m: m.workers.wage.__setitem__(0, np.nan))


def test_detects_firm_in_another_region():
    def mutate(m):
        row = np.flatnonzero(m.workers.status == Status.EMPLOYED)[0]
        m.workers.region[row] = (m.workers.region[row] + 1) % m.n_regions
    _broken(mutate)


def test_detects_a_productivity_out_of_step_with_automation():
    """The automation stage updates productivity only for firms that automated this
    month; a firm whose level changed without it must fail the check."""
    def automate_without_productivity(m):
        m.firms.exposed_positions[0] = 10.0
        m.firms.automated_routine[0] += 5.0

    _broken(automate_without_productivity)


def test_detects_uncounted_population_change():
    _broken(lambda m: m.workers.remove(np.array([0])))


def _with_a_stage_after_matching(monkeypatch, name, stage):
    """A small model, checking its invariants, whose month runs ``stage`` right after
    the stage after which the rows not working settle (NOT_WORKING_SETTLED_AFTER)."""
    import sim.model

    stages = list(sim.model.STAGES)
    at = [n for n, _ in stages].index(sim.model.NOT_WORKING_SETTLED_AFTER) + 1
    stages.insert(at, (name, stage))
    monkeypatch.setattr(sim.model, "STAGES", tuple(stages))
    model = LaborMarketModel(scale=0.001, rng=1, check_invariants=True)
    model.stage_seconds[name] = 0.0
    return model


def test_detects_a_late_stage_that_moves_a_worker_from_work_into_unemployment(monkeypatch):
    """Stages after matching may look up not-working statuses among the rows not working
    after matching (sim.model.NOT_WORKING_SETTLED_AFTER): a later stage breaking that
    promise must fail the invariant check, not silently miss the worker."""
    from sim.stages.separations import separate

    def lay_off_one(model):
        separate(model, np.flatnonzero(model.workers.status == Status.EMPLOYED)[:1])

    model = _with_a_stage_after_matching(monkeypatch, "late_layoff", lay_off_one)
    with pytest.raises(InvariantError, match="from work into not working"):
        model.step()


def test_detects_a_late_stage_that_changes_a_worker_id(monkeypatch):
    """The ids of the rows not working are gathered once after matching; a later stage
    that changed one (moving rows, say) would make draws use stale ids."""

    def swap_two_not_working_ids(model):
        rows = model.rows_with_status(Status.UNEMPLOYED)[:2]
        model.workers.worker_id[rows] = model.workers.worker_id[rows[::-1]]

    model = _with_a_stage_after_matching(monkeypatch, "late_swap", swap_two_not_working_ids)
    with pytest.raises(InvariantError, match="worker id changed"):
        model.step()


def test_late_stages_see_the_same_rows_as_a_full_scan():
    """The filtered lookup after matching returns exactly the rows a full scan would."""
    import sim.model

    model = LaborMarketModel(scale=0.001, rng=2)
    model.run(2)
    seen = {}
    original = sim.model.STAGES

    def probe(m):
        for code in (Status.PLATFORM, Status.UNEMPLOYED, Status.RETRAINING):
            rows, ids = m.rows_and_ids_with_status(code)
            scanned = np.flatnonzero(m.workers.status == code)
            assert np.array_equal(ids, m.workers.worker_id[scanned]), code
            seen[code] = (rows, scanned)

    stages = tuple(original) + (("probe", probe),)
    sim.model.STAGES = stages
    try:
        model.stage_seconds["probe"] = 0.0
        model.step()
    finally:
        sim.model.STAGES = original
    assert model._not_working_rows is None          # cleared when the month ends
    for code, (filtered, scanned) in seen.items():
        assert np.array_equal(filtered, scanned), code
    assert sum(s.size for s, _ in seen.values()) > 0
