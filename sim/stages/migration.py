"""Stage 9, migration: unemployed workers move where expected real income is higher.

Each month ``consider_rate`` of the unemployed weigh every region ``d`` (Harris-Todaro):
expected income = the mean wage for their skill in ``d`` x the probability of
employment there (1 - the unemployment rate for their skill), divided by ``d``'s cost
of living; plus ``size_weight`` x ln(labour force), the job-availability term that makes
big labour markets attract more than their wage suggests. Against this they weigh the
cost of the move (``fixed_cost`` + ``cost_per_km`` x shortest-path km, less
``migration_subsidy``) spread over ``horizon_months`` of income. The choice, staying
included, is a logit with scale ``logit_scale``. Nominal wages alone would send migrants
to the oil regions; the cost-of-living and size terms are what reproduce target B7.
Employed workers move through job-led migration in the matching stage.
"""

from __future__ import annotations

import numpy as np

from ..population import Status
from ..randomness import Stream, uniform_for

__all__ = ["migration", "destination_utilities"]


def destination_utilities(model, origin: np.ndarray, skill: np.ndarray):
    """Utility of each destination (rows: movers, columns: regions) and the move cost."""
    m = model.scenario_data.params["migration"]
    income = model.market["mean_wage_rs"] * (1.0 - model.market["unemployment_rate_rs"])
    real = np.maximum(income / model.cost_of_living[:, None], 1.0)     # (R, 3)
    lf = np.maximum(model.market["labour_force_r"], 1.0)
    size = m["size_weight"] * np.log(lf / lf.mean())
    value = np.log(real[:, skill].T) + size[None, :]                     # (M, R)
    cost = m["fixed_cost"] + m["cost_per_km"] * model.distance_km[origin]  # (M, R)
    cost[np.arange(origin.size), origin] = 0.0
    private = cost * (1.0 - model.migration_subsidy)
    burden = private / (m["horizon_months"] * real[origin, skill])[:, None]
    return value - burden, cost


def migration(model) -> None:
    """Stage entry point."""
    if not model.mechanisms["migration"]:
        return
    w, m = model.workers, model.scenario_data.params["migration"]
    rows, ids = model.rows_and_ids_with_status(Status.UNEMPLOYED)
    # Positions, then takes: faster than boolean selections of a few per cent of them.
    consider = np.flatnonzero(
        uniform_for(model.seed, model.month, Stream.MIGRATION_CONSIDER, ids) < m["consider_rate"])
    rows, ids = rows[consider], ids[consider]
    if rows.size == 0:
        return
    origin = w.region[rows].astype(np.int64)
    utility, cost = destination_utilities(model, origin, w.skill[rows].astype(np.int64))
    z = utility / m["logit_scale"]
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    cdf = np.cumsum(p, axis=1) / p.sum(axis=1, keepdims=True)
    cdf[:, -1] = 1.0
    u = uniform_for(model.seed, model.month, Stream.MIGRATION_CHOICE, ids)
    dest = (u[:, None] >= cdf).sum(axis=1)
    moving = dest != origin
    if not moving.any():
        return
    movers, o, d = rows[moving], origin[moving], dest[moving]
    np.add.at(model.migration_counts, (o, d), 1)
    w.region[movers] = d
    w.migrant[movers] = True
    model.migrants_total += movers.size
    model.month_accounts["migration_subsidy"] += float(
        (cost[moving, d] * model.migration_subsidy).sum())
