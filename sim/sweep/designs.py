"""Experiment designs: the parameter points of a sweep.

``grid`` is the full factorial of the listed values; ``lhs`` a Latin hypercube
(``scipy.stats.qmc``); ``sobol`` Saltelli's sampling for Sobol indices and ``morris``
Morris trajectories (both SALib). Sampled designs are reproducible: they draw from
``[sweep].design_seed``. Integer parameters (``PARAMETERS[name].integer``) are rounded to
whole numbers after sampling.

Example:
    >>> from sim.sweep.spec import spec_from_dict
    >>> spec = spec_from_dict({"sweep": {"months": 3, "seeds": [1], "design": "grid"},
    ...                        "parameters": {"robot_tax": [0.0, 0.5], "benefit_months": [3, 6]},
    ...                        "outcomes": {"final": ["unemployment_rate"]}})
    >>> design_points(spec)
    [{'robot_tax': 0.0, 'benefit_months': 3}, {'robot_tax': 0.0, 'benefit_months': 6}, \
{'robot_tax': 0.5, 'benefit_months': 3}, {'robot_tax': 0.5, 'benefit_months': 6}]
"""

from __future__ import annotations

import inspect
import itertools

import numpy as np

from ..policies import PARAMETERS
from .spec import SweepSpec

__all__ = ["salib_problem", "design_matrix", "design_points"]


def salib_problem(spec: SweepSpec) -> dict:
    """The SALib problem dictionary of a sampled design (names and bounds)."""
    return {"num_vars": len(spec.parameters), "names": list(spec.parameters),
            "bounds": [list(bounds) for bounds in spec.parameters.values()]}


def design_matrix(spec: SweepSpec) -> np.ndarray:
    """The design as a float64 matrix: one row per point, one column per varied parameter.

    Integer parameters are rounded (half to even) after sampling. Rows keep the design's
    order, which Sobol and Morris analysis rely on; rows may repeat (Morris trajectories
    share grid levels, rounding can merge points).
    """
    names = list(spec.parameters)
    if spec.design == "grid":
        rows = list(itertools.product(*spec.parameters.values()))
        matrix = np.array(rows, dtype=np.float64).reshape(len(rows), len(names))
    elif spec.design == "lhs":
        from scipy.stats import qmc

        # scipy >= 1.15 names the seed ``rng``; older releases ``seed``.
        seed_keyword = "rng" if "rng" in inspect.signature(qmc.LatinHypercube).parameters else "seed"
        sampler = qmc.LatinHypercube(d=len(names), **{seed_keyword: np.random.default_rng(spec.design_seed)})
        unit = sampler.random(spec.samples)
        bounds = np.array(list(spec.parameters.values()), dtype=np.float64)
        matrix = qmc.scale(unit, bounds[:, 0], bounds[:, 1])
    elif spec.design == "sobol":
        from SALib.sample import sobol

        matrix = sobol.sample(salib_problem(spec), spec.samples, calc_second_order=spec.second_order,
                              seed=spec.design_seed)
    else:
        from SALib.sample import morris

        matrix = morris.sample(salib_problem(spec), spec.samples, num_levels=spec.morris_levels,
                               seed=spec.design_seed)
    matrix = np.array(matrix, dtype=np.float64)
    for j, name in enumerate(names):
        if PARAMETERS[name].integer:
            matrix[:, j] = np.round(matrix[:, j])
    return matrix


def design_points(spec: SweepSpec) -> list[dict[str, float | int]]:
    """The design's points as parameter dictionaries (ints for integer parameters)."""
    names = list(spec.parameters)
    points = []
    for row in design_matrix(spec):
        points.append({name: int(value) if PARAMETERS[name].integer else float(value)
                       for name, value in zip(names, row.tolist())})
    return points
