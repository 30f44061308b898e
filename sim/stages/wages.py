"""Stage 6, wages: incumbents' pay moves with productivity and regional tightness.

The wage level of each region x skill cell follows a wage curve: its target is
``(u / u0) ** elasticity`` (about -0.1: Blanchflower and Oswald), where ``u`` is the
cell's unemployment rate and ``u0`` its month-0 rate, and the level closes
``wage_adjustment_speed`` of the gap each month. Incumbents' wages move with the level,
with trend productivity growth, and with workers' bargaining power (C10).

Bargaining power: wages are a Nash bargain in which the worker's share of the match
surplus falls as automation spreads, because a firm that can automate a job has a
better threat point (001: trade unions' bargaining power declines). In reduced form
every wage is scaled by ``1 - bargaining_decline x automation share`` (national share of
the month-0 exposed positions now automated). With the ``bargaining`` mechanism off the
factor stays 1. Its consequence, not its input, is what the tests check: the labour
share of value added falls as automation spreads.

Employees are never paid below ``minimum_wage``. Rising low-skill unemployment after
displacement lowers low-skill pay while scarce skills gain: the skill premium emerges
(C4, C5).
"""

from __future__ import annotations

import numpy as np

__all__ = ["wages", "wage_curve_target", "bargaining_factor", "MIN_BARGAINING_FACTOR"]

MIN_BARGAINING_FACTOR = 0.1


def wage_curve_target(model) -> np.ndarray:
    """Target wage level by region x skill from the wage curve."""
    params = model.scenario_data.params["wages"]
    u = np.maximum(model.market["unemployment_rate_rs"], 1e-4)
    return (u / model.initial_unemployment_rs) ** params["wage_curve_elasticity"]


def bargaining_factor(model) -> float:
    """Scale of all wages from workers' bargaining power, 1 at month 0."""
    if not model.mechanisms["bargaining"]:
        return 1.0
    # The automation share can pass 1 (firms founded later automate too); the floor keeps
    # wages positive whatever ``bargaining_decline``.
    decline = model.scenario_data.params["wages"]["bargaining_decline"] * model.automation_share()
    return max(1.0 - decline, MIN_BARGAINING_FACTOR)


def wages(model) -> None:
    """Update the wage levels and incumbents' wages."""
    params = model.scenario_data.params["wages"]
    old_level = model.wage_level.copy()
    model.wage_level += params["wage_adjustment_speed"] * (wage_curve_target(model) - old_level)
    old_bargaining = model.bargaining_factor
    model.bargaining_factor = bargaining_factor(model)
    growth = (1.0 + params["productivity_growth"]) ** (1.0 / 12.0)
    factor = (model.wage_level / old_level) * growth * (model.bargaining_factor / old_bargaining)
    w = model.workers
    # One in-place pass over the population (kernel update_incumbent_wages).
    model.kernels.update_incumbent_wages(w.status, w.region, w.skill, w.wage,
                                         np.ascontiguousarray(factor.ravel()),
                                         float(model.minimum_wage))
