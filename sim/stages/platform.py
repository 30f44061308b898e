"""Stage 8, platform work (C9): gig work that counts as employed, outside the safety net.

Platform (gig) work is an outside option open to every region: delivery, ride-hailing,
online piece work. It pays ``pay_ratio`` x the local mean wage of low-skill employees,
with no minimum wage and no benefits. An unemployed worker becomes eligible once the
benefit has run out or the job was lost to automation (001: "freelance and platform
work grows, outside the minimum wage and social security"); an eligible worker whose
benefit (if any is still paid) is below the gig income takes gig work with monthly
probability ``take_up`` (from the month after the job, or the last gig, ended): gigs fit
around job search, so the comparison is with the
benefit given up, not with the reservation wage for a wage job. Platform workers keep
searching for a wage job (matching stage), and gigs dry up at ``exit_rate`` a month,
back to unemployment. Platform work
then grows with displacement and with long unemployment; nothing in the rule says by
how much.
"""

from __future__ import annotations

import numpy as np

from ..population import Status
from ..randomness import Stream, uniform_for

__all__ = ["platform", "platform_income"]


def platform_income(model, region: np.ndarray) -> np.ndarray:
    """Monthly gig income, tenge, in ``region``: a share of the local low-skill wage."""
    pay_ratio = model.scenario_data.params["platform"]["pay_ratio"]
    return pay_ratio * model.market["mean_wage_rs"][region, 0]


def platform(model) -> None:
    """Exits from gig work, then take-up by eligible unemployed workers."""
    if not model.mechanisms["platform"]:
        return
    p = model.scenario_data.params["platform"]
    w = model.workers
    gig, gig_ids = model.rows_and_ids_with_status(Status.PLATFORM)
    if gig.size:
        leaving = gig[uniform_for(model.seed, model.month, Stream.PLATFORM_EXIT,
                                  gig_ids) < p["exit_rate"]]
        w.status[leaving] = Status.UNEMPLOYED
        w.wage[leaving] = 0.0
        w.unemployed_since[leaving] = model.month  # gig work was work: a new spell begins
        staying = gig[w.status[gig] == Status.PLATFORM]
        w.wage[staying] = platform_income(model, w.region[staying].astype(np.int64))
    rows, ids = model.rows_and_ids_with_status(Status.UNEMPLOYED)
    # Whose take-up draw comes up first (~take_up of them), then the rest of the tests:
    # all elementwise, so the order of the tests does not change who passes them all.
    rows = rows[np.flatnonzero(  # positions, then a take: faster than a boolean selection
        uniform_for(model.seed, model.month, Stream.PLATFORM_ENTRY, ids) < p["take_up"])]
    months = model.month - w.unemployed_since[rows].astype(np.int64)
    # Those whose gig just ended look again next month, not at once.
    eligible = (w.displaced[rows] | (months >= model.benefit_months)) & (months > 0)
    rows = rows[eligible]
    if rows.size == 0:
        return
    income = platform_income(model, w.region[rows].astype(np.int64))
    benefit = np.where(months[eligible] < model.benefit_months,
                       model.unemployment_benefit * w.last_wage[rows], 0.0)
    taking = benefit < income
    rows, income = rows[taking], income[taking]
    w.status[rows] = Status.PLATFORM
    w.wage[rows] = income
    model.platform_entries_total += rows.size
