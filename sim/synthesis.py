"""The initial state (month 0): workers and firms drawn by quota.

Counts are allocated by quota: largest remainders over region x sector, then, nested
within each cell, occupation, employment type, skill, sex and age band by systematic
rounding (:func:`systematic_round`), so that even a small ``scale`` matches the
scenario's marginals: every cell is within one agent of its quota, and rare categories
are not rounded away in small cells. Continuous attributes
(age within a band, wages, durations) come from counter-based draws keyed by the
persistent ids. The region x sector matrix is a prior (the profile tilts) balanced by RAS
(iterative proportional fitting) to the regions' labour forces and the national sector
shares.

Example:
    >>> largest_remainder(np.array([5]), np.array([[0.5, 0.3, 0.2]]))
    array([[3, 1, 1]])
"""

from __future__ import annotations

import numpy as np

from .population import Firms, Status, Workers
from .randomness import Stream, geometric_months, lognormal_factor, normal_for, uniform_for

__all__ = ["largest_remainder", "systematic_round", "ras_balance", "region_sector_matrix", "regional_labour",
           "build_initial_state"]


def largest_remainder(totals: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Split each ``totals[p]`` over columns in proportion to ``shares[p]``, in integers.

    Each cell gets the floor of its quota; the units left go to the largest fractional
    parts (ties to the lower column). Rows of ``shares`` need not be normalised; an
    all-zero row puts everything in column 0... unless its total is 0.
    """
    totals = np.asarray(totals, dtype=np.int64)
    shares = np.asarray(shares, dtype=np.float64)
    norm = shares.sum(axis=1, keepdims=True)
    weights = np.divide(shares, norm, out=np.zeros_like(shares), where=norm > 0)
    weights[(norm[:, 0] == 0), 0] = 1.0
    quota = weights * totals[:, None]
    base = np.floor(quota).astype(np.int64)
    left = totals - base.sum(axis=1)
    remainder = quota - base
    order = np.argsort(-remainder, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(shares.shape[1])[None, :].repeat(len(totals), 0),
                      axis=1)
    return base + (rank < left[:, None])


_GOLDEN_FRACTION = 0.6180339887498949
# Open positions per filled one at t = 0 (synthetic, approx. the vacancy rates of
# middle-income economies' job portals).
INITIAL_VACANCY_RATE = 0.02


def systematic_round(totals: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Split each ``totals[p]`` over columns by systematic rounding with a phase per row.

    Within row ``p`` the cumulative quotas are shifted by a low-discrepancy phase
    ``frac((p + 1) * 0.618...)`` and floored, so each cell gets the floor or the ceiling
    of its quota and the row keeps its total exactly. Unlike largest remainders, a row
    of one agent does not always go to the largest share: across many small rows every
    column gets its share in aggregate (no bias toward the modal category).
    """
    totals = np.asarray(totals, dtype=np.int64)
    shares = np.asarray(shares, dtype=np.float64)
    norm = shares.sum(axis=1, keepdims=True)
    weights = np.divide(shares, norm, out=np.zeros_like(shares), where=norm > 0)
    weights[(norm[:, 0] == 0), 0] = 1.0
    cumulative = np.cumsum(weights * totals[:, None], axis=1)
    cumulative[:, -1] = totals  # exact, whatever the rounding of the sum
    phase = np.mod(np.arange(1, len(totals) + 1) * _GOLDEN_FRACTION, 1.0)[:, None]
    bounds = np.floor(cumulative + phase).astype(np.int64)
    bounds[:, -1] = totals
    return np.diff(bounds, axis=1, prepend=0)


def ras_balance(prior: np.ndarray, row_totals: np.ndarray, col_totals: np.ndarray,
                iterations: int = 500) -> np.ndarray:
    """Iterative proportional fitting of a positive matrix to row and column totals."""
    m = prior.astype(np.float64).copy()
    for _ in range(iterations):
        m *= (row_totals / m.sum(axis=1))[:, None]
        m *= (col_totals / m.sum(axis=0))[None, :]
        if np.allclose(m.sum(axis=1), row_totals, rtol=1e-12, atol=0):
            break
    return m


def regional_labour(scenario) -> tuple[np.ndarray, np.ndarray]:
    """Labour force by region (persons) and regional unemployment rates.

    The labour force is split by population; the regional rates keep their relative
    levels and are rescaled so that the national rate is the scenario's.
    """
    pop = scenario.params["population"]
    labour_force = pop["employed"] / (1.0 - pop["unemployment_rate"])
    population = scenario.regions["population_thousands_approx"].to_numpy(np.float64)
    lf = labour_force * population / population.sum()
    rates = scenario.regions["unemployment_rate_approx"].to_numpy(np.float64)
    rates = rates * pop["unemployment_rate"] * lf.sum() / (rates * lf).sum()
    return lf, rates


def region_sector_matrix(scenario, economy) -> np.ndarray:
    """Employed persons by region x sector (synthetic: tilted prior balanced by RAS)."""
    lf, rates = regional_labour(scenario)
    employed_by_region = lf * (1.0 - rates)
    employed_by_region *= scenario.params["population"]["employed"] / employed_by_region.sum()
    tilt = scenario.profile_sector_tilt.set_index("profile")[list(economy.sector_names)]
    prior = tilt.loc[scenario.regions["profile"]].to_numpy(np.float64) * economy.sector_share
    prior = np.maximum(prior, 1e-9)
    return ras_balance(prior, employed_by_region,
                       economy.sector_share * employed_by_region.sum())


class _Cells:
    """A table of cells (attribute columns plus a count) refined level by level."""

    def __init__(self, counts: np.ndarray, **attrs: np.ndarray):
        keep = counts > 0
        self.counts = counts[keep]
        self.attrs = {k: v[keep].astype(np.int16) for k, v in attrs.items()}

    def split(self, name: str, shares: np.ndarray) -> _Cells:
        """Refine every cell over ``shares.shape[1]`` values of attribute ``name``."""
        alloc = systematic_round(self.counts, shares)
        rows, values = np.nonzero(alloc)
        attrs = {k: v[rows] for k, v in self.attrs.items()}
        attrs[name] = values.astype(np.int16)  # compact: the expanded columns are 9M long
        return _Cells(alloc[rows, values], **attrs)

    def expand(self) -> dict[str, np.ndarray]:
        return {k: np.repeat(v, self.counts) for k, v in self.attrs.items()}


def _employment_cells(economy, scenario, counts_rs: np.ndarray, skill_weight=None) -> _Cells:
    pop = scenario.params["population"]
    n_r, n_s = counts_rs.shape
    r, s = np.divmod(np.arange(n_r * n_s), n_s)
    cells = _Cells(counts_rs.ravel(), region=r, sector=s)
    cells = cells.split("occupation", economy.sector_occupation_mix[cells.attrs["sector"]])
    occ = cells.attrs["occupation"]
    se = economy.self_employed_share[cells.attrs["sector"]]
    cells = cells.split("self_employed", np.stack([1.0 - se, se], axis=1))
    mix = economy.skill_mix[cells.attrs["occupation"]]
    if skill_weight is not None:
        mix = mix * skill_weight
    cells = cells.split("skill", mix)
    female = economy.female_share[cells.attrs["occupation"]]
    cells = cells.split("gender", np.stack([1.0 - female, female], axis=1))
    bands = np.asarray(pop["age_band_shares"])[None, :].repeat(len(cells.counts), 0)
    del occ
    return cells.split("age_band", bands)


def _ages_in_months(scenario, seed, ids, band, gender) -> np.ndarray:
    pop = scenario.params["population"]
    edges = np.asarray(pop["age_band_edges"], dtype=np.float64)
    retire = np.where(gender == 1, pop["retirement_age_female"], pop["retirement_age_male"])
    low = edges[band]
    high = np.minimum(edges[band + 1], retire - 1.0 / 12.0)
    high = np.maximum(high, low + 1.0 / 12.0)
    u = uniform_for(seed, 0, Stream.INIT_AGE, ids)
    return np.floor((low + u * (high - low)) * 12.0)


def build_initial_state(scenario, economy, scale: float, seed: int, minimum_wage: float):
    """Draw the month-0 workers and firms.

    Returns:
        (workers, firms, info): the agent sets and a dict with ``persons_per_agent``,
        ``self_employed_target`` (agents by region x sector) and the regional tables.
    """
    pop = scenario.params["population"]
    wages = scenario.params["wages"]
    lf, rates = regional_labour(scenario)
    n_agents = int(round(lf.sum() * scale))
    n_employed = int(round(pop["employed"] * scale))
    n_unemployed = n_agents - n_employed

    rs = region_sector_matrix(scenario, economy)
    employed_rs = largest_remainder(np.array([n_employed]), rs.reshape(1, -1)).reshape(rs.shape)
    employed = _employment_cells(economy, scenario, employed_rs).expand()
    unemployed_r = largest_remainder(np.array([n_unemployed]), (lf * rates)[None, :])[0]
    unemployed_rs = largest_remainder(unemployed_r, rs)
    skill_weight = np.asarray(pop["unemployment_skill_ratio"])[None, :]
    unemployed = _employment_cells(economy, scenario, unemployed_rs, skill_weight).expand()

    n_e = len(employed["region"])
    cols = {k: np.concatenate([employed.pop(k), unemployed.pop(k)]) for k in list(employed)}
    n = len(cols["region"])
    ids = np.arange(n, dtype=np.int64)
    status = np.full(n, Status.UNEMPLOYED, dtype=np.int8)
    status[:n_e] = np.where(cols["self_employed"][:n_e] == 1, Status.SELF_EMPLOYED,
                            Status.EMPLOYED)

    region_index = scenario.regions["wage_index_approx"].to_numpy(np.float64)
    skill_premium = np.asarray(wages["skill_premium"])

    # Firms: per region x sector cell with wage employees, sized by the sector's mean.
    is_employee = status == Status.EMPLOYED
    cell = cols["region"].astype(np.int64) * economy.n_sectors + cols["sector"]
    n_cells = len(region_index) * economy.n_sectors
    employees_in_cell = np.bincount(cell[is_employee], minlength=n_cells)
    firms_in_cell = np.where(
        employees_in_cell > 0,
        np.maximum(1, np.round(employees_in_cell
                               / economy.mean_firm_size[np.arange(n_cells) % economy.n_sectors])),
        0).astype(np.int64)
    n_firms = int(firms_in_cell.sum())
    firm_cell = np.repeat(np.arange(n_cells), firms_in_cell)
    firm_effect = lognormal_factor(
        wages["firm_dispersion"], normal_for(seed, 0, Stream.INIT_FIRM_EFFECT, np.arange(n_firms)))
    firm_region = (firm_cell // economy.n_sectors).astype(np.int8)
    firm_sector = (firm_cell % economy.n_sectors).astype(np.int8)
    wage_offer = wages["base"] * region_index[firm_region] * firm_effect

    # Assign employees to firms: a hash order within each cell, cut into blocks whose
    # sizes follow a Zipf-like weight (a few large firms, many small ones).
    firm = np.full(n, -1, dtype=np.int32)
    emp_rows = np.flatnonzero(is_employee)
    order = np.lexsort((uniform_for(seed, 0, Stream.INIT_FIRM_ORDER, ids[emp_rows]),
                        cell[emp_rows]))
    emp_sorted = emp_rows[order]
    first_firm = np.concatenate([[0], np.cumsum(firms_in_cell)])
    start = 0
    for c in np.flatnonzero(employees_in_cell):
        k, m = firms_in_cell[c], employees_in_cell[c]
        weights = 1.0 / np.arange(1, k + 1) ** 0.8
        sizes = 1 + largest_remainder(np.array([m - k]), weights[None, :])[0]
        firm[emp_sorted[start:start + m]] = first_firm[c] + np.repeat(np.arange(k), sizes)
        start += m

    # Wages: firm offer x occupation premium x skill premium x individual factor.
    # (computed in place: at scale 1 each float64 temporary is 72 MB)
    occ = cols["occupation"]
    wage = lognormal_factor(wages["individual_dispersion"],
                            normal_for(seed, 0, Stream.INIT_WAGE, ids))
    wage *= economy.wage_premium[occ]
    wage *= skill_premium[cols["skill"]]
    wage *= np.where(is_employee, wage_offer[np.maximum(firm, 0)],
                     wages["base"] * region_index[cols["region"]])
    self_employed = status == Status.SELF_EMPLOYED
    wage[self_employed] *= wages["self_employed_income_ratio"]
    np.maximum(wage, minimum_wage, out=wage, where=~self_employed)
    last_wage = np.maximum(wage, minimum_wage)
    wage[status == Status.UNEMPLOYED] = 0.0

    # Month-valued columns go to int16 at once: at scale 1 each float64 temporary is 72 MB,
    # and they would all be alive while the worker columns are allocated.
    is_se = status == Status.SELF_EMPLOYED
    se_target = np.bincount(cell[is_se], minlength=n_cells).reshape(
        len(region_index), economy.n_sectors).astype(np.float64)
    del cell, is_se
    birth = (-_ages_in_months(scenario, seed, ids, cols["age_band"], cols["gender"])).astype(np.int16)
    duration = (geometric_months(uniform_for(seed, 0, Stream.INIT_DURATION, ids),
                                 1.0 / max(pop["mean_unemployment_months"], 1.0)) - 1.0).astype(np.int16)
    separation = geometric_months(uniform_for(seed, 0, Stream.INIT_SEPARATION, ids),
                                  economy.separation_rate[cols["sector"]]).astype(np.int16)
    unemployed_since = np.where(status == Status.UNEMPLOYED, -duration, 0).astype(np.int16)
    del duration

    workers = Workers.empty(int(n * 1.1) + 16)
    workers.append(
        worker_id=ids, region=cols["region"], sector=cols["sector"], occupation=occ,
        skill=cols["skill"], status=status, firm=firm, wage=wage, last_wage=last_wage,
        unemployed_since=unemployed_since,
        birth_month=birth, gender=cols["gender"], separation_month=separation,
    )
    del birth, separation, unemployed_since

    firms = Firms.empty(int(n_firms * 1.2) + 16)
    employees = np.bincount(firm[is_employee], minlength=n_firms)
    exposed = np.bincount(firm[is_employee], weights=economy.at_risk[occ[is_employee]],
                          minlength=n_firms)
    # Value added per position: the firm's mean wage over the initial labour share, so
    # that the wage bill is ``initial_labour_share`` of value added at t = 0. Firms with
    # no employee yet use their offer, scaled by the national ratio of wages to offers.
    bill = np.bincount(firm[is_employee], weights=wage[is_employee], minlength=n_firms)
    offer_ratio = bill.sum() / max(float((wage_offer * employees).sum()), 1.0)
    mean_pay = np.where(employees > 0, bill / np.maximum(employees, 1), wage_offer * offer_ratio)
    value_added = mean_pay / wages["initial_labour_share"]
    firms.append(region=firm_region, sector=firm_sector, employees=employees,
                 wage_offer=wage_offer, firm_effect=firm_effect, labour_demand=employees * (1.0 + INITIAL_VACANCY_RATE),
                 exposed_positions=exposed, productivity=np.ones(n_firms),
                 value_added_per_position=value_added)

    info = {"persons_per_agent": 1.0 / scale, "self_employed_target": se_target,
            "labour_force_by_region": lf, "unemployment_rate_by_region": rates,
            "n_agents": n}
    return workers, firms, info
