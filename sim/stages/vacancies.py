"""Stage 4, vacancies and wage offers.

A firm's labour demand (workers) is its month-0 demand x its sector's demand index
(trend and business cycle) - positions automated + complementary jobs opened. Firms
above ``(1 + layoff_buffer)`` x demand lay workers off; firms below it post the gap as
vacancies. Each vacancy has an occupation (the sector's mix; complementary occupations
for the jobs opened by automation; an exposed occupation in an automating firm is
redirected to a complementary one with probability equal to its automation level), a
required skill (the occupation's skill mix, raised one level with probability
``automation_skill_bias`` x the firm's automation level: automation raises the skills
the remaining jobs need), and a wage offer::

    offer = wage_offer_f * growth(t) * productivity_f ** 0.5 * occupation premium
            * skill premium * wage_level[region, skill] * bargaining * match quality

floored at ``minimum_wage``. ``wage_level`` follows the regional wage curve by skill
(elasticity about -0.1, see the wages stage). Self-employment openings (region x sector
cells below their demand-indexed month-0 level) join the list with firm -1.

The vacancy table is sorted by bucket = region x occupation group, the layout the
matching kernel reads.
"""

from __future__ import annotations

import numpy as np

from ..population import Status
from ..randomness import Stream, draw_from_cdf_rows, individual_wage_factor_for, uniform_for
from .separations import separate

__all__ = ["vacancies", "post_vacancies", "lay_off", "N_GROUPS", "SELF_EMPLOYMENT_ID_BASE"]

N_GROUPS = 10  # ISCO major groups 1-9, and 0 for the new occupations
SELF_EMPLOYMENT_ID_BASE = 1 << 62
_PER_FIRM = 1 << 21


def lay_off(model, target: np.ndarray) -> None:
    """Lay off workers above ``(1 + layoff_buffer) x target`` (a hash picks who)."""
    f, w = model.firms, model.workers
    buffer = model.scenario_data.params["matching"]["layoff_buffer"]
    excess = f.employees - np.ceil(target * (1.0 + buffer))
    over = excess > 0
    if not over.any():
        return
    rows = np.empty(len(w), dtype=np.int64)
    rows = rows[:model.kernels.employees_of(w.status, w.firm, over.view(np.uint8), rows)]
    u = uniform_for(model.seed, model.month, Stream.LAYOFF, w.worker_id[rows])
    firm = w.firm[rows]
    order = np.lexsort((w.worker_id[rows], u, firm))
    rows, firm = rows[order], firm[order]
    start = np.searchsorted(firm, firm, side="left")
    rank = np.arange(rows.size) - start
    cut = np.ceil(target * (1.0 + buffer))
    chosen = rows[rank < (f.employees[firm] - cut[firm])]
    model.layoffs_total += chosen.size
    separate(model, chosen)


def post_vacancies(model) -> None:
    """Compute labour demand, lay off any excess, and build the vacancy table."""
    f, eco = model.firms, model.economy
    active = f.active
    target = np.where(active, model.net_labour_demand(), 0.0)
    target = np.maximum(target, 0.0)
    lay_off(model, target)
    open_positions = np.where(active, np.maximum(np.floor(target + 0.5) - f.employees, 0), 0)
    f.vacancies[:] = open_positions.astype(np.int32)

    firms = np.flatnonzero(f.vacancies > 0)
    count = f.vacancies[firms].astype(np.int64)
    firm = np.repeat(firms, count)
    k = np.arange(firm.size) - np.repeat(np.cumsum(count) - count, count)
    ids = (firm.astype(np.int64) + 1) * _PER_FIRM + k
    seed, month = model.seed, model.month
    u = [uniform_for(seed, month, Stream.VACANCY_OCCUPATION, ids, d) for d in range(3)]
    sector = f.sector[firm].astype(np.int64)
    comp_share = np.divide(f.complementary_jobs[firm], np.maximum(target[firm], 1.0))
    complementary = u[0] < comp_share
    occ = draw_from_cdf_rows(model.sector_occupation_cdf, sector, u[1])
    level = np.divide(f.automated_routine[firm] + f.automated_genai[firm],
                      np.maximum(f.exposed_positions[firm], 1.0))
    redirect = eco.at_risk[occ] & (u[2] < level)
    complementary |= redirect
    # Drawn only where used (each draw is elementwise: the same values as drawing all).
    at = np.flatnonzero(complementary)   # positions: faster than three boolean selections
    occ[at] = draw_from_cdf_rows(model.complementary_cdf, sector[at], u[1][at])
    firm_factor = f.wage_offer[firm] * np.sqrt(f.productivity[firm])
    region = f.region[firm].astype(np.int64)

    # Self-employment openings, by region x sector cell.
    w = model.workers
    n_s = eco.n_sectors
    se_now = np.zeros(model.n_regions * n_s, dtype=np.int64)
    model.kernels.count_by_cell(w.status, w.region, w.sector, int(Status.SELF_EMPLOYED), n_s,
                                se_now)
    se_want = (model.self_employed_target * model.demand_index(np.arange(n_s))[None, :]).ravel()
    se_open = np.maximum(np.floor(se_want + 0.5) - se_now, 0).astype(np.int64)
    cells = np.flatnonzero(se_open)
    se_cell = np.repeat(cells, se_open[cells])
    se_k = np.arange(se_cell.size) - np.repeat(np.cumsum(se_open[cells]) - se_open[cells],
                                               se_open[cells])
    se_ids = SELF_EMPLOYMENT_ID_BASE + se_cell.astype(np.int64) * _PER_FIRM + se_k
    se_u = uniform_for(seed, month, Stream.VACANCY_OCCUPATION, se_ids, 1)
    se_sector = se_cell % n_s
    se_occ = draw_from_cdf_rows(model.sector_occupation_cdf, se_sector, se_u)
    se_region = se_cell // n_s

    ids = np.concatenate([ids, se_ids])
    occ = np.concatenate([occ, se_occ])
    region = np.concatenate([region, se_region])
    firm = np.concatenate([firm, np.full(se_ids.size, -1)])
    wages = model.scenario_data.params["wages"]
    reference = wages["base"] * model.region_wage_index[se_region] \
        * wages["self_employed_income_ratio"]
    firm_factor = np.concatenate([firm_factor, reference])

    quality = individual_wage_factor_for(seed, month, Stream.HIRE_WAGE, ids,
                                         wages["individual_dispersion"])
    # Required skills and offers, written in bucket order (the vacancy_table kernel).
    # Automation raises the skills the remaining jobs need (Autor, Levy and Murnane 2003):
    # in a firm that has automated a share ``level`` of its exposed positions, a vacancy
    # asks for one skill level more with probability ``automation_skill_bias x level``.
    skill_cdf = np.cumsum(eco.skill_mix, axis=1)
    skill_cdf[:, -1] = 1.0
    n = ids.size
    table = {"vacancy_id": np.empty(n, np.int64), "firm": np.empty(n, np.int64),
             "region": np.empty(n, np.int64), "occupation": np.empty(n, np.int32),
             "group": np.empty(n, np.int32), "skill": np.empty(n, np.int32),
             "wage": np.empty(n, np.float64),
             "bucket_start": np.empty(model.n_regions * N_GROUPS + 1, np.int64)}
    model.kernels.vacancy_table(
        model.stream_key("VACANCY_SKILL"), ids, occ.astype(np.int64, copy=False), region,
        firm.astype(np.int64, copy=False), firm_factor,
        np.concatenate([level, np.zeros(se_ids.size)]), quality, np.ascontiguousarray(skill_cdf),
        float(model.scenario_data.params["automation"]["automation_skill_bias"]),
        np.ascontiguousarray(model.wage_level, dtype=np.float64), model.wage_growth_index(),
        float(model.bargaining_factor), eco.wage_premium.astype(np.float64, copy=False),
        np.asarray(model.skill_premium, dtype=np.float64), float(model.minimum_wage),
        eco.isco_group.astype(np.int64), N_GROUPS, *table.values())
    model.vacancy_table = table


def vacancies(model) -> None:
    """Stage entry point."""
    post_vacancies(model)
