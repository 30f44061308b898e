"""Stage 10, public accounts: this month's spending and revenue, tenge (persons represented).

* benefits: ``unemployment_benefit`` x last wage, for the first ``benefit_months`` of
  unemployment, to those who had a job;
* training: stipends plus the state's share of course costs (``retraining_subsidy``);
* subsidies: hiring wage subsidies for low-skill long-term unemployed
  (``wage_subsidy_low_skill``) and the state's share of moving costs;
* robot-tax revenue: ``robot_tax`` x the running cost of all automated positions.

``fiscal_cost`` = benefits + training + subsidies - robot-tax revenue.
"""

from __future__ import annotations

import numpy as np

from ..population import Status
from .automation import CHANNELS, technology_cost

__all__ = ["public_accounts"]


def public_accounts(model) -> None:
    """Stage entry point: fills ``model.accounts`` for the month."""
    w, f = model.workers, model.firms
    persons = model.persons_per_agent
    unemployed = model.rows_with_status(Status.UNEMPLOYED)
    claims = np.empty(unemployed.size, dtype=np.float64)
    claims = claims[:model.kernels.benefit_claims(unemployed, w.unemployed_since, w.last_wage,
                                                  model.month, float(model.benefit_months),
                                                  claims)]
    benefits = model.unemployment_benefit * float(claims.sum())
    trainees = model.rows_with_status(Status.RETRAINING).size
    course = model.scenario_data.params["retraining"]["course_cost"]
    training = trainees * (model.retraining_stipend + model.retraining_subsidy * course)
    subsidised = np.empty(len(w), dtype=np.int64)
    subsidised = subsidised[:model.kernels.subsidised_rows(w.subsidy_until, w.status,
                                                           model.month, subsidised)]
    wage_subsidy = model.wage_subsidy_low_skill * float(w.wage[subsidised].sum())
    subsidies = wage_subsidy + model.month_accounts["migration_subsidy"]
    active = f.active  # robot tax is paid on machines in firms still operating
    automated = {"routine": float(f.automated_routine[active].sum()),
                 "genai": float(f.automated_genai[active].sum())}
    robot_tax = model.robot_tax * sum(
        technology_cost(model, c, taxed=False) * automated[c] for c in CHANNELS)
    model.accounts = {
        "spend_benefits": benefits * persons,
        "spend_training": training * persons,
        "spend_subsidies": subsidies * persons,
        "revenue_robot_tax": robot_tax * persons,
    }
    model.accounts["fiscal_cost"] = (model.accounts["spend_benefits"]
                                     + model.accounts["spend_training"]
                                     + model.accounts["spend_subsidies"]
                                     - model.accounts["revenue_robot_tax"])
