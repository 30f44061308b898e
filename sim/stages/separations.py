"""Stage 2, separations: exogenous quits and layoffs at each sector's monthly rate.

Each employed or self-employed worker carries the month of their next exogenous
separation, drawn (geometric, at the sector's monthly rate) when the job starts. A
constant hazard makes this the same process as a monthly coin flip, but the monthly
check is one comparison per worker, with no random draw for the whole population.
Cyclical and automation layoffs happen in the vacancies and automation stages.
"""

from __future__ import annotations

import numpy as np

from ..randomness import Stream, geometric_months, uniform_for

__all__ = ["separations", "separate", "next_separation_month"]


def next_separation_month(model, ids: np.ndarray, sectors: np.ndarray) -> np.ndarray:
    """Month of the next exogenous separation for jobs starting now."""
    u = uniform_for(model.seed, model.month, Stream.SEPARATION, ids)
    months = geometric_months(u, model.economy.separation_rate[sectors])
    return np.minimum(model.month + months, 30_000).astype(np.int16)


def separate(model, rows: np.ndarray) -> None:
    """Move workers ``rows`` (distinct) from a job (or self-employment) into unemployment
    (the ``separate_workers`` kernel: the last wage kept, the position freed)."""
    w = model.workers
    model.kernels.separate_workers(
        np.ascontiguousarray(rows, dtype=np.int64), model.month, w.status, w.firm, w.wage,
        w.last_wage, w.unemployed_since, w.subsidy_until, w.separation_month,
        model.firms.employees)


def separations(model) -> None:
    """Exogenous separations due this month."""
    w = model.workers
    rows = np.empty(len(w), dtype=np.int64)
    rows = rows[:model.kernels.separations_due(w.separation_month, w.status, model.month, rows)]
    if rows.size:
        model.separations_total += rows.size
        separate(model, rows)
