"""Stage 6, wages: incumbents' pay moves with productivity and regional tightness.

The wage level of each region x skill cell follows a wage curve: its target is
``(u / u0) ** elasticity`` (about -0.1: Blanchflower and Oswald), where ``u`` is the
cell's unemployment rate and ``u0`` its month-0 rate, and the level closes
``wage_adjustment_speed`` of the gap each month. Incumbents' wages move with the level,
with trend productivity growth, and down with the national automation share through
weaker bargaining (C10). Employees are never paid below ``minimum_wage``. Rising
low-skill unemployment after displacement therefore lowers low-skill pay while scarce
skills gain: the skill premium emerges (C4, C5).
"""

from __future__ import annotations

import numpy as np

from ..population import Status

__all__ = ["wages", "wage_curve_target"]


def wage_curve_target(model) -> np.ndarray:
    """Target wage level by region x skill from the wage curve."""
    params = model.scenario_data.params["wages"]
    u = np.maximum(model.market["unemployment_rate_rs"], 1e-4)
    return (u / model.initial_unemployment_rs) ** params["wage_curve_elasticity"]


def wages(model) -> None:
    """Update the wage levels and incumbents' wages."""
    params = model.scenario_data.params["wages"]
    old_level = model.wage_level.copy()
    model.wage_level += params["wage_adjustment_speed"] * (wage_curve_target(model) - old_level)
    old_bargaining = model.bargaining_factor
    model.bargaining_factor = 1.0 - params["bargaining_decline"] * model.automation_share()
    growth = (1.0 + params["productivity_growth"]) ** (1.0 / 12.0)
    factor = (model.wage_level / old_level) * growth * (model.bargaining_factor / old_bargaining)
    w = model.workers
    rows = np.flatnonzero(w.status <= Status.SELF_EMPLOYED)
    cell = w.region[rows].astype(np.int64) * 3 + w.skill[rows]
    pay = w.wage[rows] * factor.ravel()[cell]
    employee = w.status[rows] == Status.EMPLOYED
    w.wage[rows] = np.where(employee, np.maximum(pay, model.minimum_wage), pay)
