"""Sweep specifications: a TOML file naming the runs of a policy experiment.

A spec names the scenario, scale, months and seeds (replications), a design (``grid``,
``lhs``, ``sobol`` or ``morris``), the parameters to vary and the outcomes to keep.
Everything is checked here, before any run starts; a problem raises
:class:`~sim.errors.ScenarioError` naming the spec file and the key path.

Example spec::

    [sweep]
    name = "retraining-x-robot-tax"
    scenario = "kazakhstan"
    scale = 0.01
    months = 120
    seeds = [1, 2, 3]
    design = "grid"

    [parameters]
    retraining_subsidy = [0.0, 0.5, 1.0]
    robot_tax = [0.0, 0.25]

    [outcomes]
    final = ["unemployment_rate", "fiscal_cost"]
    mean_last_12 = ["unemployment_rate", "fiscal_cost"]

For ``lhs``, ``sobol`` and ``morris`` a parameter is ``{low = ..., high = ...}`` and
``samples`` sets the number of samples (Latin hypercube points, Sobol base samples N, or
Morris trajectories). ``[fixed]`` holds parameters at a value in every run; ``[baseline]``
sets the baseline policy that effects are measured against (default: the scenario's own
values). An outcome key is ``final`` or ``mean_last_K``; its columns are
``REPORTER_final`` and ``REPORTER_mean_last_K``.

Example:
    >>> spec = spec_from_dict({"sweep": {"months": 3, "seeds": [1], "design": "grid"},
    ...                        "parameters": {"robot_tax": [0.0, 0.5]},
    ...                        "outcomes": {"final": ["unemployment_rate"]}})
    >>> spec.outcome_columns
    ('unemployment_rate_final',)
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ScenarioError
from ..policies import PARAMETERS, validate_parameter

__all__ = ["DESIGNS", "SENSITIVITY_DESIGNS", "Outcome", "SweepSpec", "load_spec", "spec_from_dict"]

DESIGNS = ("grid", "lhs", "sobol", "morris")
# Designs that estimate sensitivity; the new-job ratio is an assumption, so each must vary it.
SENSITIVITY_DESIGNS = ("lhs", "sobol", "morris")
_WINDOW = re.compile(r"^mean_last_([1-9][0-9]*)$")
_SWEEP_KEYS = {"name", "scenario", "scale", "months", "seeds", "design", "samples", "design_seed",
               "second_order", "morris_levels"}
_TOP_KEYS = {"sweep", "parameters", "fixed", "baseline", "outcomes", "analysis"}


@dataclass(frozen=True)
class Outcome:
    """One outcome column: a reporter reduced over the months of a run.

    Attributes:
        reporter: a model reporter name (``sim.metrics.MODEL_REPORTERS``).
        statistic: ``"final"`` (the last month's value) or ``"mean_last_K"``.
        window: K months for a window mean, 1 for ``final``.
    """

    reporter: str
    statistic: str
    window: int

    @property
    def column(self) -> str:
        return f"{self.reporter}_{self.statistic}"


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep specification (see the module docstring for the TOML).

    Attributes:
        file: the spec file (``"<arguments>"`` when built from a dict).
        name: a label for the sweep.
        scenario: scenario name or absolute path of its TOML.
        scale: fraction of the labour force simulated.
        months: months per run.
        seeds: replication seeds; each design point runs once per seed.
        design: ``grid``, ``lhs``, ``sobol`` or ``morris``.
        samples: number of samples for lhs/sobol/morris (0 for grid).
        design_seed: seed of the sampling of lhs/sobol/morris designs.
        second_order: whether a Sobol design also estimates second-order indices.
        morris_levels: number of grid levels of a Morris design.
        parameters: varied parameter -> list of values (grid) or (low, high).
        fixed: parameter -> value held in every run.
        baseline: parameter -> value of the baseline policy (others: the scenario's).
        outcomes: the outcome columns to keep.
        analysis: the ``[analysis]`` table (frontier and heatmap choices), unchecked keys.
    """

    file: str
    name: str
    scenario: str
    scale: float
    months: int
    seeds: tuple[int, ...]
    design: str
    samples: int
    design_seed: int
    second_order: bool
    morris_levels: int
    parameters: dict[str, tuple]
    fixed: dict[str, float | int]
    baseline: dict[str, float | int]
    outcomes: tuple[Outcome, ...]
    analysis: dict = field(default_factory=dict)

    @property
    def varied(self) -> tuple[str, ...]:
        """Names of the varied parameters, in spec order."""
        return tuple(self.parameters)

    @property
    def outcome_columns(self) -> tuple[str, ...]:
        return tuple(o.column for o in self.outcomes)


def _expect(cond: bool, file: str, key: str, value, expected: str) -> None:
    if not cond:
        raise ScenarioError(file, key, value, expected)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _table(data: dict, name: str, file: str, required: bool = False) -> dict:
    value = data.get(name, None)
    if value is None:
        _expect(not required, file, f"[{name}]", None, "a table")
        return {}
    _expect(isinstance(value, dict), file, f"[{name}]", value, "a table")
    return value


def _resolve_scenario(value, file: str, base: Path | None) -> str:
    _expect(isinstance(value, str) and value != "", file, "[sweep].scenario", value,
            "a scenario name or a path to a .toml file")
    if value.endswith(".toml"):
        path = Path(value)
        if not path.is_absolute() and base is not None:
            path = base / path
        _expect(path.is_file(), file, "[sweep].scenario", value, "an existing .toml file")
        return str(path.resolve())
    return value


def _parameters(table: dict, design: str, file: str) -> dict[str, tuple]:
    _expect(len(table) > 0, file, "[parameters]", table, "at least one parameter to vary")
    out: dict[str, tuple] = {}
    for name, value in table.items():
        key = f"[parameters].{name}"
        _expect(name in PARAMETERS, file, key, name, "one of " + ", ".join(PARAMETERS))
        if design == "grid":
            _expect(isinstance(value, list) and len(value) > 0, file, key, value,
                    "a non-empty list of values (design = \"grid\")")
            values = tuple(validate_parameter(name, v, file, f"{key}[{i}]") for i, v in enumerate(value))
            _expect(len(set(values)) == len(values), file, key, value, "distinct values")
            out[name] = values
        else:
            _expect(isinstance(value, dict) and set(value) == {"low", "high"}, file, key, value,
                    f"a table {{low = ..., high = ...}} (design = \"{design}\")")
            low = validate_parameter(name, value["low"], file, f"{key}.low")
            high = validate_parameter(name, value["high"], file, f"{key}.high")
            _expect(low < high, file, f"{key}.high", high, f"a number above low = {low:g}")
            out[name] = (float(low), float(high))
    return out


def _values(table: dict, section: str, file: str) -> dict[str, float | int]:
    return {name: validate_parameter(name, value, file, f"[{section}].{name}")
            for name, value in table.items()}


def _outcomes(table: dict, months: int, file: str) -> tuple[Outcome, ...]:
    from ..metrics import MODEL_REPORTERS
    from .runner import DERIVED_SERIES

    # Read at run time: the reporters are a growing public contract.
    reporters = tuple(MODEL_REPORTERS) + tuple(DERIVED_SERIES)
    _expect(len(table) > 0, file, "[outcomes]", table, "at least one of final = [...], mean_last_K = [...]")
    out = []
    for statistic, names in table.items():
        key = f"[outcomes].{statistic}"
        match = _WINDOW.match(statistic)
        _expect(statistic == "final" or match is not None, file, key, statistic,
                "a key named final or mean_last_K (K a whole number of months)")
        window = int(match.group(1)) if match else 1
        _expect(window <= months + 1, file, key, statistic,
                f"a window of at most months + 1 = {months + 1} months")
        _expect(isinstance(names, list) and len(names) > 0, file, key, names, "a non-empty list of reporters")
        for i, name in enumerate(names):
            _expect(name in reporters, file, f"{key}[{i}]", name, "one of " + ", ".join(reporters))
            out.append(Outcome(name, statistic, window))
    columns = [o.column for o in out]
    _expect(len(set(columns)) == len(columns), file, "[outcomes]", columns, "no repeated outcome")
    return tuple(out)


def spec_from_dict(data: dict, file: str = "<arguments>", base: Path | None = None,
                   resolve_scenario: bool = True) -> SweepSpec:
    """Validate a parsed spec (the TOML's tables) and build a :class:`SweepSpec`.

    Args:
        data: the parsed TOML.
        file: the spec file, for error messages.
        base: folder that relative scenario paths are resolved against.
        resolve_scenario: check that a scenario path exists and make it absolute; analysis
            of a finished sweep (which needs no scenario) turns this off.

    Raises:
        ScenarioError: any invalid key or value, naming the file and the key path.
    """
    for key in data:
        _expect(key in _TOP_KEYS, file, f"[{key}]", key, "one of " + ", ".join(sorted(_TOP_KEYS)))
    sweep = _table(data, "sweep", file, required=True)
    for key in sweep:
        _expect(key in _SWEEP_KEYS, file, f"[sweep].{key}", key, "one of " + ", ".join(sorted(_SWEEP_KEYS)))
    design = sweep.get("design")
    _expect(design in DESIGNS, file, "[sweep].design", design, "one of " + ", ".join(DESIGNS))
    scale = sweep.get("scale", 0.01)
    _expect(isinstance(scale, (int, float)) and not isinstance(scale, bool) and 0.0 < scale <= 1.0,
            file, "[sweep].scale", scale, "a fraction in (0, 1]")
    months = sweep.get("months")
    _expect(_is_int(months) and months >= 1, file, "[sweep].months", months, "a whole number >= 1")
    seeds = sweep.get("seeds")
    _expect(isinstance(seeds, list) and len(seeds) > 0, file, "[sweep].seeds", seeds,
            "a non-empty list of whole numbers, e.g. seeds = [1, 2, 3]")
    for i, seed in enumerate(seeds):
        _expect(_is_int(seed) and 0 <= seed < 2**63, file, f"[sweep].seeds[{i}]", seed,
                "a whole number in [0, 2^63)")
    _expect(len(set(seeds)) == len(seeds), file, "[sweep].seeds", seeds, "distinct seeds")
    samples = sweep.get("samples", 0)
    if design == "grid":
        _expect("samples" not in sweep, file, "[sweep].samples", samples,
                "no samples for design = \"grid\" (the grid sets the points)")
    else:
        _expect(_is_int(samples) and samples >= 2, file, "[sweep].samples", samples, "a whole number >= 2")
    if design == "sobol":
        _expect(samples & (samples - 1) == 0, file, "[sweep].samples", samples,
                "a power of 2 (Sobol base samples N)")
    design_seed = sweep.get("design_seed", 0)
    _expect(_is_int(design_seed) and 0 <= design_seed < 2**32, file, "[sweep].design_seed", design_seed,
            "a whole number in [0, 2^32)")
    second_order = sweep.get("second_order", False)
    _expect(isinstance(second_order, bool), file, "[sweep].second_order", second_order, "true or false")
    levels = sweep.get("morris_levels", 4)
    _expect(_is_int(levels) and levels >= 2 and levels % 2 == 0, file, "[sweep].morris_levels", levels,
            "an even whole number >= 2")
    name = sweep.get("name", Path(file).stem)
    _expect(isinstance(name, str), file, "[sweep].name", name, "a string")
    scenario = sweep.get("scenario", "kazakhstan")
    if resolve_scenario:
        scenario = _resolve_scenario(scenario, file, base)

    parameters = _parameters(_table(data, "parameters", file, required=True), design, file)
    if design in SENSITIVITY_DESIGNS:
        _expect("new_job_ratio" in parameters, file, "[parameters].new_job_ratio", None,
                f"new_job_ratio among the varied parameters: it is an assumption, not an estimate, "
                f"so every sensitivity study (design = \"{design}\") varies it")
    if design in ("sobol", "morris"):
        _expect(len(parameters) >= 2, file, "[parameters]", list(parameters), "at least two parameters")
    fixed = _values(_table(data, "fixed", file), "fixed", file)
    for name in fixed:
        _expect(name not in parameters, file, f"[fixed].{name}", fixed[name],
                "a parameter that is not also varied in [parameters]")
    baseline = _values(_table(data, "baseline", file), "baseline", file)
    for name in baseline:
        _expect(name in parameters, file, f"[baseline].{name}", baseline[name],
                "one of the varied parameters: " + ", ".join(parameters))
    outcomes = _outcomes(_table(data, "outcomes", file, required=True), months, file)
    analysis = _table(data, "analysis", file)
    return SweepSpec(file=file, name=name, scenario=scenario, scale=float(scale), months=months,
                     seeds=tuple(seeds), design=design, samples=int(samples), design_seed=design_seed,
                     second_order=second_order, morris_levels=levels, parameters=parameters,
                     fixed=fixed, baseline=baseline, outcomes=outcomes, analysis=analysis)


def load_spec(path: str | Path, resolve_scenario: bool = True) -> SweepSpec:
    """Read and validate a sweep spec TOML file.

    Args:
        path: the spec file; a relative scenario path in it is relative to its folder.
        resolve_scenario: see :func:`spec_from_dict`.

    Raises:
        ScenarioError: a missing file, malformed TOML or any invalid value.
    """
    path = Path(path)
    file = str(path)
    _expect(path.is_file(), file, "<file>", file, "an existing sweep spec .toml file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(file, "<toml>", str(exc), "valid TOML") from None
    return spec_from_dict(data, file, base=path.parent, resolve_scenario=resolve_scenario)
