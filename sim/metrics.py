"""Reporters: one fused statistics pass per month, model reporters, the region table.

:func:`market_statistics` makes one grouped count over region x skill x status (and
sums of wages), from which every reporter and every stage that reads market conditions
(wages, retraining, migration) takes its figures. Counts that leave the model are in
persons represented (agents / scale); money in tenge per month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .population import N_STATUSES, Status

__all__ = ["market_statistics", "MODEL_REPORTERS", "model_reporters", "region_frame",
           "migration_frame", "GROUP_REPORTERS", "YOUTH_MAX_AGE", "OLDER_MIN_AGE"]

#: Unemployment rates of the groups named in C7 (women, youth, older workers, migrants).
GROUP_REPORTERS = ("unemployment_female", "unemployment_male", "unemployment_youth",
                   "unemployment_older", "unemployment_migrant")

MODEL_REPORTERS = (
    "unemployment_rate", "unemployment_low", "unemployment_mid", "unemployment_high",
    "employed", "unemployed", "retraining", "vacancies", "long_term_unemployed",
    "mean_wage", "wage_low", "wage_mid", "wage_high", "skill_premium", "automation_share",
    "displaced_total", "new_jobs_total", "retrained_total", "migrants_total",
    "fiscal_cost", "spend_benefits", "spend_training", "spend_subsidies", "revenue_robot_tax",
    "platform_workers", "labour_share", *GROUP_REPORTERS, "displaced_long_term_unemployed",
    "employed_low", "employed_mid", "employed_high",
)

YOUTH_MAX_AGE = 25   # youth: ages 15-24 (ILO)
OLDER_MIN_AGE = 55   # older workers: ages 55+
_WORKING = (Status.EMPLOYED, Status.SELF_EMPLOYED, Status.PLATFORM)


def market_statistics(model) -> dict[str, np.ndarray]:
    """Counts (agents) and wage sums by region x skill x status, and by sex x age band x
    migrant x status, in one pass over the workers (the ``worker_statistics`` kernel)."""
    w = model.workers
    n_r = model.n_regions
    n_s = N_STATUSES
    size = n_r * 3 * n_s
    counts, wage_sum = np.zeros(size), np.zeros(size)
    groups, long_term_counts = np.zeros(12 * n_s), np.zeros(2, dtype=np.int64)
    at_risk_working = np.zeros(n_r)
    model.kernels.worker_statistics(
        w.region, w.skill, w.status, w.wage, w.gender, w.birth_month, w.migrant.view(np.uint8),
        w.displaced.view(np.uint8), w.unemployed_since, w.occupation,
        model.economy.at_risk.astype(np.uint8), model.month, YOUTH_MAX_AGE * 12,
        OLDER_MIN_AGE * 12, counts, wage_sum, groups, long_term_counts, at_risk_working)
    counts = counts.reshape(n_r, 3, n_s)
    wage_sum = wage_sum.reshape(n_r, 3, n_s)
    groups = groups.reshape(2, 3, 2, n_s)
    long_term, displaced_long_term = (int(x) for x in long_term_counts)
    employees = counts[:, :, Status.EMPLOYED]
    employed = counts[:, :, list(_WORKING)].sum(axis=2)
    unemployed = counts[:, :, Status.UNEMPLOYED]
    labour_force = employed + unemployed
    national_mean = wage_sum[:, :, Status.EMPLOYED].sum(axis=0) / np.maximum(employees.sum(0), 1)
    mean_rs = np.divide(wage_sum[:, :, Status.EMPLOYED], employees,
                        out=np.zeros((n_r, 3)), where=employees > 0)
    # Cells without employees borrow the national mean for the skill, scaled by region.
    fallback = national_mean[None, :] * model.region_wage_index[:, None]
    mean_rs = np.where(employees > 0, mean_rs, fallback)
    return {
        "counts": counts,
        "wage_sum_employees_rs": wage_sum[:, :, Status.EMPLOYED],
        "employees_rs": employees,
        "employed_rs": employed,
        "unemployed_rs": unemployed,
        "labour_force_r": labour_force.sum(axis=1),
        "unemployment_rate_rs": np.divide(unemployed, labour_force,
                                          out=np.zeros((n_r, 3)), where=labour_force > 0),
        "mean_wage_rs": mean_rs,
        "long_term_unemployed": long_term,
        "displaced_long_term_unemployed": displaced_long_term,
        "groups": groups,
        "at_risk_working_r": at_risk_working,
    }


def _unemployment_rate(counts: np.ndarray) -> float:
    """Unemployment rate of a block of counts whose last axis is the status."""
    by_status = counts.reshape(-1, N_STATUSES).sum(axis=0)
    unemployed = by_status[Status.UNEMPLOYED]
    labour_force = by_status[list(_WORKING)].sum() + unemployed
    return float(unemployed / labour_force) if labour_force else 0.0


def labour_share(model) -> float:
    """Wage bill of employees over firms' value added (active firms), this month.

    A firm's value added is ``value_added_per_position x trend growth x productivity x
    (employees + automated positions)``: automated positions keep producing, without a
    wage. At month 0 the share equals the scenario's ``initial_labour_share``.
    """
    f = model.firms
    positions = f.employees + f.automated_routine + f.automated_genai
    # Elementwise over all firms, then the active ones: the same values summed as when
    # every column is masked first, with one mask instead of five.
    per_firm = f.value_added_per_position * f.productivity * positions
    value_added = float(per_firm[f.active].sum()) * model.wage_growth_index()
    bill = float(model.market["wage_sum_employees_rs"].sum())
    return bill / value_added if value_added > 0 else 0.0


def model_reporters(model) -> dict[str, float]:
    """The reporters of DESIGN.md for the current month (persons, tenge, fractions)."""
    s, persons = model.market, model.persons_per_agent
    employed = s["employed_rs"].sum(axis=0)
    unemployed = s["unemployed_rs"].sum(axis=0)
    lf = employed + unemployed
    employees = s["employees_rs"].sum(axis=0)
    wage_by_skill = np.divide(s["wage_sum_employees_rs"].sum(axis=0), employees,
                              out=np.zeros(3), where=employees > 0)
    total_lf = lf.sum()
    out = {
        "unemployment_rate": float(unemployed.sum() / total_lf) if total_lf else 0.0,
        "unemployment_low": float(unemployed[0] / lf[0]) if lf[0] else 0.0,
        "unemployment_mid": float(unemployed[1] / lf[1]) if lf[1] else 0.0,
        "unemployment_high": float(unemployed[2] / lf[2]) if lf[2] else 0.0,
        "employed": float(employed.sum() * persons),
        "unemployed": float(unemployed.sum() * persons),
        "retraining": float(s["counts"][:, :, Status.RETRAINING].sum() * persons),
        "vacancies": float(model.firms.vacancies[model.firms.active].sum() * persons),
        "long_term_unemployed": float(s["long_term_unemployed"] * persons),
        "mean_wage": float(s["wage_sum_employees_rs"].sum() / max(employees.sum(), 1.0)),
        "wage_low": float(wage_by_skill[0]),
        "wage_mid": float(wage_by_skill[1]),
        "wage_high": float(wage_by_skill[2]),
        "skill_premium": float(wage_by_skill[2] / wage_by_skill[0]) if wage_by_skill[0] else 0.0,
        "automation_share": float(model.automation_share()),
        "displaced_total": float(model.displaced_total * persons),
        "new_jobs_total": float(model.new_jobs_total * persons),
        "retrained_total": float(model.retrained_total * persons),
        "migrants_total": float(model.migrants_total * persons),
        "platform_workers": float(s["counts"][:, :, Status.PLATFORM].sum() * persons),
        "labour_share": labour_share(model),
        "displaced_long_term_unemployed": float(s["displaced_long_term_unemployed"] * persons),
        "employed_low": float(employed[0] * persons),
        "employed_mid": float(employed[1] * persons),
        "employed_high": float(employed[2] * persons),
    }
    g = s["groups"]  # sex x age band (youth, prime, older) x migrant x status
    out.update({
        "unemployment_female": _unemployment_rate(g[1]),
        "unemployment_male": _unemployment_rate(g[0]),
        "unemployment_youth": _unemployment_rate(g[:, 0]),
        "unemployment_older": _unemployment_rate(g[:, 2]),
        "unemployment_migrant": _unemployment_rate(g[:, :, 1]),
    })
    out.update({k: float(v) for k, v in model.accounts.items()})
    return out


def region_frame(model) -> pd.DataFrame:
    """One row per region: labour force, employment, unemployment, wages, automation."""
    s, persons = model.market, model.persons_per_agent
    f = model.firms
    n_r = model.n_regions
    employed = s["employed_rs"].sum(axis=1)
    lf = s["labour_force_r"]
    employees = s["employees_rs"].sum(axis=1)
    vacancies, automated, exposed = np.zeros(n_r), np.zeros(n_r), np.zeros(n_r)
    model.kernels.firm_region_totals(f.region, f.active.view(np.uint8), f.vacancies,
                                     f.automated_routine, f.automated_genai,
                                     f.exposed_positions, vacancies, automated, exposed)
    risky = s["at_risk_working_r"]
    return pd.DataFrame({
        "region": list(model.region_names),
        "labour_force": lf * persons,
        "employed": employed * persons,
        "unemployment_rate": np.divide(lf - employed, lf, out=np.zeros(n_r), where=lf > 0),
        "mean_wage": np.divide(s["wage_sum_employees_rs"].sum(axis=1), employees,
                               out=np.zeros(n_r), where=employees > 0),
        "vacancies": vacancies * persons,
        "automation_share": np.divide(automated, exposed, out=np.zeros(n_r), where=exposed > 0),
        "at_risk_share": np.divide(risky, employed, out=np.zeros(n_r), where=employed > 0),
    })


def migration_frame(model) -> pd.DataFrame:
    """Cumulative moves between regions, long form: origin, destination, persons."""
    o, d = np.nonzero(model.migration_counts)
    names = np.asarray(model.region_names, dtype=object)
    return pd.DataFrame({"origin": names[o], "destination": names[d],
                         "persons": model.migration_counts[o, d] * model.persons_per_agent})
