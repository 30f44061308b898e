"""Each monthly stage on its own: the economic property it is there to produce."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.invariants import check_invariants
from sim.model import LaborMarketModel
from sim.population import Status
from sim.stages.automation import automation, technology_cost
from sim.stages.demography import enter, retire
from sim.stages.matching import matching, reservation_wages
from sim.stages.migration import migration
from sim.stages.public_accounts import public_accounts
from sim.stages.retraining import retraining
from sim.stages.separations import separations
from sim.stages.vacancies import N_GROUPS, post_vacancies
from sim.stages.wages import wages


def _advance(model, months=1):
    model.month += months
    model.workers.labels["month"] = model.month


def test_retirement_removes_those_past_the_statutory_age(fresh_model):
    m = fresh_model
    _advance(m, 24)
    w = m.workers
    due = int(((m.month - w.birth_month.astype(int)) >= m.retirement_age_months[w.gender]).sum())
    before = len(w)
    retire(m)
    assert due > 0 and len(w) == before - due == m.initial_labour_force_agents - m.retirees_total
    assert ((m.month - w.birth_month.astype(int)) < m.retirement_age_months[w.gender]).all()
    check_invariants(m)


def test_entrants_are_young_unemployed_and_counted(fresh_model):
    m = fresh_model
    _advance(m, 12)
    before = len(m.workers)
    for _ in range(3):
        enter(m)
    new = m.workers.worker_id >= m.initial_labour_force_agents
    assert new.sum() == m.entrants_total == len(m.workers) - before > 0
    assert (m.workers.status[new] == Status.UNEMPLOYED).all()
    ages = (m.month - m.workers.birth_month[new].astype(int)) / 12
    assert ages.min() >= 20 and ages.max() < 24


def test_education_upgrade_raises_the_high_skill_share_of_entrants():
    low = LaborMarketModel(scale=0.001, rng=1).entrant_skill_shares()
    high = LaborMarketModel(scale=0.001, rng=1, education_upgrade=0.2).entrant_skill_shares()
    assert high[2] == pytest.approx(low[2] + 0.2) and high.sum() == pytest.approx(1.0)


def test_separations_end_jobs_that_are_due(fresh_model):
    m = fresh_model
    _advance(m)
    w = m.workers
    due = np.flatnonzero((w.separation_month <= m.month) & (w.status <= Status.SELF_EMPLOYED))
    separations(m)
    assert due.size > 0
    assert (w.status[due] == Status.UNEMPLOYED).all() and (w.firm[due] == -1).all()
    assert (w.last_wage[due] > 0).all()
    check_invariants(m)


def _automate(robot_tax=0.0, months=36, wage_scale=1.0):
    m = LaborMarketModel(scale=0.002, rng=8, robot_tax=robot_tax)
    m.workers.wage[:] *= wage_scale
    for _ in range(months):
        _advance(m)
        automation(m)
    return m


def test_automation_displaces_exposed_workers_and_opens_complementary_jobs():
    m = _automate()
    assert m.displaced_total > 0
    w = m.workers
    displaced = w.displaced
    assert m.economy.at_risk[w.occupation[displaced]].all()
    assert m.firms.complementary_jobs.sum() == pytest.approx(m.new_job_ratio * m.displaced_total)
    assert m.automation_share() > 0
    check_invariants(m)


def test_higher_robot_tax_delays_adoption():
    assert _automate(robot_tax=0.8).displaced_total < _automate().displaced_total


def test_low_wages_slow_automation():
    assert _automate(wage_scale=0.6).displaced_total < _automate().displaced_total


def test_cheaper_ai_over_time_lowers_its_cost(fresh_model):
    m = fresh_model
    first = technology_cost(m, "genai")
    _advance(m, 24)
    assert technology_cost(m, "genai") < first
    m.robot_tax = 0.5
    assert technology_cost(m, "genai") == pytest.approx(1.5 * technology_cost(m, "genai", taxed=False))


def test_vacancy_table_is_sorted_by_bucket_and_respects_minimum_wage(fresh_model):
    m = fresh_model
    _advance(m, 2)
    separations(m)
    post_vacancies(m)
    v = m.vacancy_table
    bucket = v["region"] * N_GROUPS + v["group"]
    assert (np.diff(bucket) >= 0).all()
    assert v["bucket_start"][-1] == len(bucket)
    at_firms = v["firm"] >= 0
    assert (v["wage"][at_firms] >= m.minimum_wage).all()
    assert np.array_equal(np.bincount(v["firm"][at_firms], minlength=len(m.firms)),
                          m.firms.vacancies.astype(np.int64))


def test_matching_hires_respect_reservation_wages_and_fill_vacancies(fresh_model):
    m = fresh_model
    _advance(m)
    separations(m)
    post_vacancies(m)
    w = m.workers
    unemployed_before = np.flatnonzero(w.status == Status.UNEMPLOYED)
    ids_before = w.worker_id[unemployed_before]
    reservation = dict(zip(ids_before, reservation_wages(m, unemployed_before)))
    vacancies_before = int(m.firms.vacancies.sum())
    matching(m)
    hired = np.flatnonzero(np.isin(w.worker_id, ids_before) & (w.status <= Status.SELF_EMPLOYED))
    assert hired.size > 0
    assert all(w.wage[r] >= reservation[w.worker_id[r]] for r in hired)
    assert m.firms.vacancies.sum() < vacancies_before
    check_invariants(m)


def test_benefits_raise_reservation_wages(fresh_model):
    m = fresh_model
    rows = np.flatnonzero((m.workers.status == Status.UNEMPLOYED) & (m.workers.last_wage > 0))
    low = reservation_wages(m, rows).copy()
    m.unemployment_benefit = 0.95
    assert (reservation_wages(m, rows) >= low).all() and (reservation_wages(m, rows) > low).any()


def test_minimum_wage_floors_incumbent_wages():
    m = LaborMarketModel(scale=0.001, rng=2, minimum_wage=200_000)
    _advance(m)
    wages(m)
    employees = m.workers.status == Status.EMPLOYED
    assert (m.workers.wage[employees] >= 200_000).all()


def test_retraining_fills_at_most_the_funded_seats():
    m = LaborMarketModel(scale=0.005, rng=2, retraining_capacity=2.0, retraining_subsidy=1.0)
    enrolled = []
    for _ in range(6):
        _advance(m)
        retraining(m)
        enrolled.append(m.enrolments_this_month)
    seats_per_month = 2.0 / 1000 * m.labour_force_agents() / 12
    assert sum(enrolled) <= 6 * seats_per_month + 1
    assert (m.workers.status == Status.RETRAINING).sum() > 0


def test_graduates_gain_skill_and_leave_exposed_occupations():
    m = LaborMarketModel(scale=0.005, rng=2, retraining_capacity=20.0, retraining_subsidy=1.0)
    start = {wid: s for wid, s in zip(m.workers.worker_id, m.workers.skill)}
    for _ in range(9):
        _advance(m)
        retraining(m)
    w = m.workers
    graduates = w.retraining_target >= 0
    assert graduates.sum() == m.retrained_total > 0
    assert not m.economy.at_risk[w.occupation[graduates]].any()
    before = np.array([start[i] for i in w.worker_id[graduates]])
    assert (w.skill[graduates] >= np.minimum(before + 1, 2)).all()


def test_migration_moves_unemployed_and_counts_them(fresh_model):
    m = fresh_model
    _advance(m)
    region_before = m.workers.region.copy()
    migration(m)
    moved = m.workers.region != region_before
    assert moved.sum() == m.migration_counts.sum() == m.migrants_total > 0
    assert (m.workers.status[moved] == Status.UNEMPLOYED).all()
    assert m.workers.migrant[moved].all()


def test_migration_subsidy_increases_moves_and_its_spending():
    def moves(subsidy):
        m = LaborMarketModel(scale=0.003, rng=4, migration_subsidy=subsidy)
        _advance(m)
        migration(m)
        return m.migrants_total, m.month_accounts["migration_subsidy"]

    (base, spend0), (more, spend1) = moves(0.0), moves(0.9)
    assert more > base and spend0 == 0 and spend1 > 0


def test_fiscal_cost_is_benefits_plus_training_plus_subsidies_less_robot_tax(run_model):
    a = run_model.accounts
    assert a["fiscal_cost"] == pytest.approx(a["spend_benefits"] + a["spend_training"]
                                             + a["spend_subsidies"] - a["revenue_robot_tax"])
    assert a["spend_benefits"] > 0


def test_robot_tax_raises_revenue_once_positions_are_automated():
    m = _automate(robot_tax=0.3, months=36)
    public_accounts(m)
    assert m.accounts["revenue_robot_tax"] > 0


@pytest.mark.parametrize("rate", [1.1754943508222875e-38, 5e-324])
def test_a_vanishing_on_the_job_search_rate_is_no_search_after_month_0(tmp_path, rate):
    """A rate so small that 1 / rate overflows an int64 (or is infinite) gets the longest
    period: from month 1 nobody searches on the job, the same run as a rate of 0 (found
    by the scenario fuzz test: the period once overflowed the kernel's int64)."""
    from scenario_files import baseline_scenario, copy_scenario

    runs = []
    for value in (rate, 0.0):
        document = baseline_scenario()
        document["matching"]["on_the_job_search_rate"] = value
        model = LaborMarketModel(copy_scenario(tmp_path, document, f"r{len(runs)}.toml"),
                                 scale=0.001, rng=4)
        model.run(3)
        runs.append(model.datacollector.get_model_vars_dataframe())
    pd.testing.assert_frame_equal(runs[0], runs[1])
