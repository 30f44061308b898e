"""Stylised facts (section C of calibration-targets.md, and textbook regularities).

Each test compares runs that differ in one thing, with the same seeds (common random
numbers), and checks an outcome that emerges from the rules, never a restated input.
Several also show that the fact disappears when its mechanism is switched off.
Scale 0.005 (about 45,000 workers) keeps each run well under a second.
"""

from __future__ import annotations

import copy
from functools import cache

import numpy as np

from sim.model import LaborMarketModel
from sim.population import Status
from sim.scenario import load_scenario

SCALE = 0.005
SEEDS = (1, 2)


@cache
def _scenario(mechanisms_off: tuple = (), params: tuple = ()):
    scenario = copy.deepcopy(load_scenario("kazakhstan"))
    for name in mechanisms_off:
        scenario.mechanisms[name] = False
    for section, key, value in params:
        scenario.params[section][key] = value
    return scenario


@cache
def run(months: int, seed: int, mechanisms_off: tuple = (), params: tuple = (), **policies):
    """A finished run (cached: tests must not change it)."""
    model = LaborMarketModel(_scenario(mechanisms_off, params), scale=SCALE, rng=seed, **policies)
    model.run(months)
    return model


def series(model, name: str) -> np.ndarray:
    return model.datacollector.get_model_vars_dataframe()[name].to_numpy()


def mean_over_seeds(value, months, **kwargs) -> float:
    return float(np.mean([value(run(months, s, **kwargs)) for s in SEEDS]))


# -- C1, C2: automation comes where it pays ------------------------------------------------

def test_robot_tax_delays_adoption():
    share = lambda m: m.reporters["automation_share"]  # noqa: E731
    assert mean_over_seeds(share, 24, robot_tax=0.6) < 0.8 * mean_over_seeds(share, 24)


def test_lower_wages_delay_adoption():
    # The same economy with every wage 30 % lower: technology costs are unchanged.
    share = lambda m: m.reporters["automation_share"]  # noqa: E731
    low_wages = (("wages", "base", 0.7 * load_scenario("kazakhstan").params["wages"]["base"]),)
    assert mean_over_seeds(share, 24, params=low_wages) < 0.8 * mean_over_seeds(share, 24)


def test_high_wage_regions_and_big_cities_automate_first():
    shares, wage_index = [], None
    for s in SEEDS:
        frame = run(24, s).region_frame().set_index("region")
        shares.append(frame["automation_share"])
        wage_index = run(24, s).region_wage_index
    share = np.mean(shares, axis=0)
    assert np.corrcoef(wage_index, share)[0, 1] > 0.3
    names = list(run(24, SEEDS[0]).region_names)
    cities = [names.index(c) for c in ("Almaty", "Astana")]
    others = [i for i in range(len(names)) if i not in cities]
    assert share[cities].mean() > share[others].mean()


# -- C3: new jobs and new occupations appear while exposed ones shrink ---------------------

def _employment_in(model, occupations: np.ndarray) -> int:
    w = model.workers
    return int(np.count_nonzero((w.status <= Status.PLATFORM) & occupations[w.occupation]))


def test_new_occupations_appear_and_exposed_ones_shrink():
    eco = run(36, SEEDS[0]).economy
    assert _employment_in(LaborMarketModel(_scenario(), scale=SCALE, rng=1), eco.is_new) == 0
    new_on = mean_over_seeds(lambda m: _employment_in(m, eco.is_new), 36)
    exposed_on = mean_over_seeds(lambda m: _employment_in(m, eco.at_risk), 36)
    off = ("automation", "genai")
    new_off = mean_over_seeds(lambda m: _employment_in(m, eco.is_new), 36, mechanisms_off=off)
    exposed_off = mean_over_seeds(lambda m: _employment_in(m, eco.at_risk), 36, mechanisms_off=off)
    assert new_on > 0 and exposed_on < exposed_off
    # Mechanism off: no occupation that did not exist at t = 0 grows beyond entrants' drift.
    assert new_off < 0.5 * new_on


# -- C4, C5: automation raises the skill premium -------------------------------------------

def test_automation_raises_the_skill_premium_and_concentrates_unemployment_on_the_unskilled():
    # In the calibrated baseline automation is net job-creating (new_job_ratio > 1), so
    # every unemployment rate may fall; C5 is about where unemployment concentrates: the
    # unskilled's rate relative to the skilled's rises (a larger change in logs).
    off = ("automation", "genai")
    premium = lambda m: m.reporters["wage_high"] / m.reporters["wage_low"]  # noqa: E731
    assert mean_over_seeds(premium, 36) > mean_over_seeds(premium, 36, mechanisms_off=off)
    ratio = lambda m: m.reporters["unemployment_low"] / m.reporters["unemployment_high"]  # noqa: E731
    assert mean_over_seeds(ratio, 36) > mean_over_seeds(ratio, 36, mechanisms_off=off)


def test_the_skill_bias_of_automation_strengthens_the_concentration_on_the_unskilled():
    # Mechanism off: without automation's upgrade of skill requirements, automation
    # concentrates unemployment on the unskilled less (the channel that remains is which
    # jobs are exposed).
    off = ("automation", "genai")
    no_bias = (("automation", "automation_skill_bias", 0.0),)
    ratio = lambda m: m.reporters["unemployment_low"] / m.reporters["unemployment_high"]  # noqa: E731
    with_bias = mean_over_seeds(ratio, 36) - mean_over_seeds(ratio, 36, mechanisms_off=off)
    without = mean_over_seeds(ratio, 36, params=no_bias) \
        - mean_over_seeds(ratio, 36, params=no_bias, mechanisms_off=off)
    assert with_bias > without


# -- C6: retraining subsidies raise enrolment and cut long-term unemployment, slowly --------

def test_retraining_subsidy_raises_enrolment_and_cuts_displaced_long_term_unemployment():
    generous = {"retraining_subsidy": 1.0, "retraining_stipend": 60_000.0, "retraining_capacity": 30.0}
    mean = lambda name, months, **kw: mean_over_seeds(lambda m: m.reporters[name] if name in m.reporters  # noqa: E731
                                                      else getattr(m, name), months, **kw)
    # Enrolment responds at once (within the first course length)...
    assert mean("enrolments_total", 6, **generous) > 1.5 * mean("enrolments_total", 6, retraining_subsidy=0.0)

    def cut(months):
        return mean("displaced_long_term_unemployed", months, retraining_subsidy=0.0) \
            - mean("displaced_long_term_unemployed", months, **generous)

    # ...long-term unemployment among the displaced falls only later, and the cut grows.
    assert cut(36) > 0 and cut(36) > cut(24)


def test_retraining_subsidy_does_nothing_when_retraining_is_switched_off():
    off = ("retraining",)
    a, b = run(36, 1, mechanisms_off=off, retraining_subsidy=1.0), run(36, 1, mechanisms_off=off,
                                                                        retraining_subsidy=0.0)
    assert a.enrolments_total == b.enrolments_total == 0
    assert a.reporters["displaced_long_term_unemployed"] == b.reporters["displaced_long_term_unemployed"]


# -- C7, C8: who bears the cost ------------------------------------------------------------

def _displaced_rate(model, mask_of) -> float:
    w = model.workers
    group = mask_of(model)
    return float(w.displaced[group].mean())


def test_displacement_falls_more_on_women():
    female = lambda m: m.workers.gender == 1  # noqa: E731
    male = lambda m: m.workers.gender == 0  # noqa: E731
    assert mean_over_seeds(lambda m: _displaced_rate(m, female), 36) > \
        mean_over_seeds(lambda m: _displaced_rate(m, male), 36)


def _long_term_share(model, mask_of) -> float:
    """Share of a group's unemployed who have been unemployed 12 months or more."""
    w = model.workers
    unemployed = (w.status == Status.UNEMPLOYED) & mask_of(model)
    long_term = unemployed & (model.month - w.unemployed_since.astype(np.int64) >= 12)
    return float(long_term.sum() / max(unemployed.sum(), 1))


def test_long_term_unemployment_falls_more_on_older_workers_and_migrants():
    # Outcomes, not inputs: nobody is assigned a longer spell by age or origin. Older
    # workers stop retraining near retirement; migrants moved while unemployed.
    age = lambda m: m.month - m.workers.birth_month.astype(np.int64)  # noqa: E731
    everyone = mean_over_seeds(lambda m: _long_term_share(m, lambda m: np.ones(len(m.workers), bool)), 36)
    older = mean_over_seeds(lambda m: _long_term_share(m, lambda m: age(m) >= 55 * 12), 36)
    migrants = mean_over_seeds(lambda m: _long_term_share(m, lambda m: m.workers.migrant), 36)
    assert older > everyone and migrants > everyone


# -- Beveridge curve -----------------------------------------------------------------------

def test_beveridge_curve_under_a_demand_cycle():
    u, v = [], []
    for s in SEEDS:
        m = run(96, s, demand_cycle_amplitude=0.05)
        u.append(series(m, "unemployment_rate")[12:])
        v.append(series(m, "vacancies")[12:])
    corr = np.corrcoef(np.mean(u, axis=0), np.mean(v, axis=0))[0, 1]
    assert corr < -0.3


# -- Migration: expected income, B7, Harris-Todaro -----------------------------------------

def _expected_real_income(model) -> np.ndarray:
    s = model.market
    employed = s["employed_rs"].sum(axis=1)
    lf = np.maximum(s["labour_force_r"], 1)
    wage = s["wage_sum_employees_rs"].sum(axis=1) / np.maximum(s["employees_rs"].sum(axis=1), 1)
    return wage * employed / lf / model.cost_of_living


def test_migrants_move_toward_higher_expected_income_and_the_big_cities_gain_most():
    for s in SEEDS:
        m = run(36, s)
        counts = m.migration_counts
        net = counts.sum(axis=0) - counts.sum(axis=1)
        start = LaborMarketModel(_scenario(), scale=SCALE, rng=s)
        assert np.corrcoef(_expected_real_income(start) * np.log(start.market["labour_force_r"]),
                           net)[0, 1] > 0.3
        top2 = {m.region_names[i] for i in np.argsort(-net)[:2]}
        assert top2 == {"Almaty", "Astana"}


def test_free_moves_narrow_regional_income_gaps_harris_todaro():
    def gap(model):
        income = np.log(_expected_real_income(model))
        lf = model.market["labour_force_r"]
        return float(np.sqrt(np.average((income - np.average(income, weights=lf)) ** 2, weights=lf)))

    free = mean_over_seeds(gap, 60, migration_subsidy=1.0)
    costly = mean_over_seeds(gap, 60, migration_subsidy=0.0)
    no_migration = mean_over_seeds(gap, 60, mechanisms_off=("migration",), migration_subsidy=1.0)
    assert free < costly
    # Mechanism off: the subsidy cannot narrow anything.
    assert no_migration > free


# -- Unemployment benefits -----------------------------------------------------------------

def test_higher_benefits_raise_reservation_wages_and_lengthen_spells():
    from sim.stages.matching import reservation_wages

    def mean_reservation(model):
        rows = np.flatnonzero(model.workers.status == Status.UNEMPLOYED)
        return float(reservation_wages(model, rows).mean())

    def mean_spell(model):
        w = model.workers
        rows = w.status == Status.UNEMPLOYED
        return float((model.month - w.unemployed_since[rows].astype(np.int64)).mean())

    high = {"unemployment_benefit": 0.9, "benefit_months": 12}
    low = {"unemployment_benefit": 0.1, "benefit_months": 12}
    assert mean_over_seeds(mean_reservation, 24, **high) > mean_over_seeds(mean_reservation, 24, **low)
    assert mean_over_seeds(mean_spell, 24, **high) > mean_over_seeds(mean_spell, 24, **low)
    assert mean_over_seeds(lambda m: m.reporters["unemployment_rate"], 24, **high) > \
        mean_over_seeds(lambda m: m.reporters["unemployment_rate"], 24, **low)


# -- C9, C10: platform work and bargaining power -------------------------------------------

def test_displacement_feeds_platform_work():
    # Automation without compensating job creation (new_job_ratio = 0): the displaced
    # who find no wage job turn to gigs.
    off = ("automation", "genai")
    gigs = lambda m: m.reporters["platform_workers"]  # noqa: E731
    on = mean_over_seeds(gigs, 36, new_job_ratio=0.0)
    assert on > 1.1 * mean_over_seeds(gigs, 36, new_job_ratio=0.0, mechanisms_off=off)


def test_gig_workers_draw_no_benefit_and_have_no_minimum_wage():
    from sim.stages.public_accounts import public_accounts

    m = run(36, 1)
    w = m.workers
    gig = np.flatnonzero((w.status == Status.PLATFORM) & (w.last_wage > 0))
    assert gig.size
    saved_since, saved_status = w.unemployed_since[gig].copy(), w.status[gig].copy()
    try:
        w.unemployed_since[gig] = m.month           # as if their job ended this month
        public_accounts(m)
        as_gig_workers = m.accounts["spend_benefits"]
        w.status[gig] = Status.UNEMPLOYED           # the same people, unemployed instead
        public_accounts(m)
        assert m.accounts["spend_benefits"] > as_gig_workers
    finally:
        w.unemployed_since[gig], w.status[gig] = saved_since, saved_status
        public_accounts(m)
    # No minimum wage: some gigs pay below it, which no wage job does.
    assert (w.wage[w.status == Status.PLATFORM] < m.minimum_wage).any()
    assert not (w.wage[w.status == Status.EMPLOYED] < m.minimum_wage).any()


def test_labour_share_falls_with_automation():
    # Automated positions keep producing without a wage, and adopters' productivity rises:
    # the wage bill falls behind value added (bargaining adds to it, C10).
    share = lambda m: m.reporters["labour_share"]  # noqa: E731
    assert mean_over_seeds(share, 36) < mean_over_seeds(share, 36, mechanisms_off=("automation", "genai"))
