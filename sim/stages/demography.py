"""Stage 1, demography: retirement at the statutory ages, entry of young cohorts, and
firm exit (dormant firms) and entry (their net labour demand passes to a new firm)."""

from __future__ import annotations

import numpy as np

from ..population import Status
from ..randomness import Stream, draw_from_cdf_rows, individual_wage_factor_for, uniform_for

__all__ = ["demography", "retire", "enter", "renew_firms"]


def retire(model) -> None:
    """Remove workers who reach the statutory retirement age (counted)."""
    w = model.workers
    rows = np.empty(len(w), dtype=np.int64)
    count = model.kernels.retiring_rows(w.birth_month, w.gender, model.month,
                                        model.retirement_age_months.astype(np.float64), rows)
    rows = rows[:count]
    if rows.size == 0:
        return
    at_firm = rows[w.status[rows] == Status.EMPLOYED]
    model.firms.employees[:] -= np.bincount(w.firm[at_firm], minlength=len(model.firms)).astype(
        np.int32)
    model.retirees_total += rows.size
    w.remove(rows)


def enter(model) -> None:
    """Add this month's labour-market entrants as unemployed job seekers.

    The monthly flow is ``entry_rate`` x the initial labour force / 12 (fractions carry
    over). Region follows population; skill follows ``entrant_skill_shares`` shifted by
    ``education_upgrade`` toward high skill; the intended occupation follows the month-0
    employment of that skill.
    """
    pop = model.scenario_data.params["population"]
    model._entry_carry += pop["entry_rate"] * model.initial_labour_force_agents / 12.0
    count = int(np.floor(model._entry_carry))
    model._entry_carry -= count
    if count == 0:
        return
    ids = model.next_worker_id + np.arange(count, dtype=np.int64)
    model.next_worker_id += count
    draw = lambda k: uniform_for(model.seed, model.month, Stream.ENTRY, ids, k)  # noqa: E731
    region = np.searchsorted(model.population_cdf, draw(0), side="right")
    skill_cdf = np.cumsum(model.entrant_skill_shares())
    skill_cdf[-1] = 1.0
    skill = np.searchsorted(skill_cdf, draw(1), side="right")
    occupation = draw_from_cdf_rows(model.entrant_occupation_cdf, skill, draw(2))
    gender = (draw(3) < 0.5).astype(np.int8)
    age_months = pop["entry_age"] * 12 + np.floor(draw(4) * 36)
    model.workers.append(
        worker_id=ids, region=region, sector=model.economy.occupation_sector[occupation],
        occupation=occupation, skill=skill, status=np.full(count, Status.UNEMPLOYED),
        unemployed_since=np.full(count, model.month), birth_month=model.month - age_months,
        gender=gender, separation_month=np.full(count, 30_000),
    )
    model.entrants_total += count


def renew_firms(model) -> None:
    """Close firms empty for 12 months; a new firm takes over their net labour demand."""
    f = model.firms
    active = f.active
    empty = active & (f.employees == 0)
    f.empty_since[empty & (f.empty_since < 0)] = model.month
    f.empty_since[~empty] = -1
    closing = np.flatnonzero(empty & (model.month - f.empty_since.astype(np.int32) >= 12))
    if closing.size == 0:
        return
    net = model.net_labour_demand(closing)
    f.active[closing] = False
    reopen = closing[net >= 1.0]
    if reopen.size == 0:
        return
    new_ids = np.arange(len(f), len(f) + reopen.size)
    effect = individual_wage_factor_for(model.seed, model.month, Stream.FIRM_ENTRY, new_ids,
                                        model.scenario_data.params["wages"]["firm_dispersion"])
    base = f.wage_offer[reopen] / f.firm_effect[reopen]
    f.append(region=f.region[reopen], sector=f.sector[reopen], wage_offer=base * effect,
             firm_effect=effect, labour_demand=net[net >= 1.0] / model.demand_index(
                 f.sector[reopen]), productivity=np.ones(reopen.size),
             value_added_per_position=f.value_added_per_position[reopen] * effect
             / f.firm_effect[reopen])
    model.firms_entered_total += reopen.size
    # Per-firm model arrays grow with the firm rows (a new firm has never automated).
    model.ever_automated = np.concatenate([model.ever_automated, np.zeros(reopen.size, dtype=bool)])


def demography(model) -> None:
    """Retirement, entry, and firm renewal."""
    retire(model)
    enter(model)
    renew_firms(model)
