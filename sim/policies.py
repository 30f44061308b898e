"""The policy levers and scenario knobs: names, defaults, bounds, units, meaning.

These names are a public contract: they are keywords of ``LaborMarketModel``, keys of
a scenario's ``[policies]`` and ``[knobs]`` tables, ``labsim run --set NAME=VALUE``
options and the parameters a sweep varies.

Example:
    >>> PARAMETERS["robot_tax"].unit
    'fraction of the cost of automation'
    >>> validate_parameter("robot_tax", 0.25)
    0.25
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ScenarioError

__all__ = ["Parameter", "PARAMETERS", "POLICY_NAMES", "KNOB_NAMES", "validate_parameter"]


@dataclass(frozen=True)
class Parameter:
    """One sweepable parameter.

    Attributes:
        name: keyword name.
        kind: ``"policy"`` (a lever the state pulls) or ``"knob"`` (technology or behaviour).
        default: value used when neither the scenario nor the caller sets it.
        low, high: inclusive bounds.
        unit: unit of the value.
        meaning: one line for ``labsim policies`` and the viewer.
        integer: whether the value must be a whole number.
    """

    name: str
    kind: str
    default: float
    low: float
    high: float
    unit: str
    meaning: str
    integer: bool = False


_ALL = [
    Parameter("retraining_subsidy", "policy", 0.5, 0.0, 1.0, "fraction of private cost",
              "share of a course's private cost paid by the state"),
    Parameter("retraining_capacity", "policy", 5.0, 0.0, 100.0,
              "enrolments per year per 1,000 labour force",
              "funded retraining seats (a flow of enrolments)"),
    Parameter("retraining_stipend", "policy", 30_000.0, 0.0, 1_000_000.0, "tenge per month",
              "stipend paid to each trainee"),
    Parameter("unemployment_benefit", "policy", 0.45, 0.0, 1.0, "fraction of last wage",
              "benefit replacement rate"),
    Parameter("benefit_months", "policy", 6, 0, 60, "months",
              "months an unemployment benefit is paid", integer=True),
    Parameter("robot_tax", "policy", 0.0, 0.0, 1.0, "fraction of the cost of automation",
              "tax rate on the running cost of automated positions"),
    Parameter("migration_subsidy", "policy", 0.0, 0.0, 1.0, "fraction of the cost of a move",
              "share of a move's cost paid by the state"),
    Parameter("minimum_wage", "policy", 60_000.0, 0.0, 2_000_000.0, "tenge per month",
              "statutory minimum monthly wage (floors wage offers)"),
    Parameter("wage_subsidy_low_skill", "policy", 0.0, 0.0, 1.0, "fraction of the wage",
              "paid to employers for 12 months on hiring a low-skill worker unemployed >= 6 months"),
    Parameter("education_upgrade", "policy", 0.0, 0.0, 0.5, "fraction of entrants",
              "added share of labour-market entrants with high skill"),
    Parameter("ai_cost_decline", "knob", 0.20, 0.0, 0.9, "fraction per year",
              "annual rate at which the cost of generative AI falls"),
    Parameter("automation_cost_decline", "knob", 0.05, 0.0, 0.9, "fraction per year",
              "annual rate at which the cost of routine automation falls"),
    Parameter("new_job_ratio", "knob", 0.8, 0.0, 5.0, "jobs per displaced worker",
              "complementary jobs opened per position automated (assumed, not derived)"),
    Parameter("demand_cycle_amplitude", "knob", 0.01, 0.0, 0.2, "fraction of labour demand",
              "amplitude of the 4-year business cycle in labour demand"),
]

PARAMETERS: dict[str, Parameter] = {p.name: p for p in _ALL}
POLICY_NAMES = tuple(p.name for p in _ALL if p.kind == "policy")
KNOB_NAMES = tuple(p.name for p in _ALL if p.kind == "knob")


def validate_parameter(name: str, value: object, file: str = "<arguments>",
                       key: str | None = None) -> float | int:
    """Check one parameter's name, type and bounds; return the value as float or int.

    Raises:
        ScenarioError: unknown name (the message lists the valid ones), a value that is
            not a number, a non-integer for an integer parameter, or a value out of bounds.
    """
    key = key or name
    if name not in PARAMETERS:
        raise ScenarioError(file, key, name, "one of " + ", ".join(PARAMETERS))
    p = PARAMETERS[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(file, key, value, f"a number ({p.unit})")
    if value != value or not (p.low <= value <= p.high):  # NaN fails the first test
        raise ScenarioError(file, key, value, f"a number in [{p.low:g}, {p.high:g}] ({p.unit})")
    if p.integer:
        if float(value) != int(value):
            raise ScenarioError(file, key, value, f"a whole number of {p.unit}")
        return int(value)
    return float(value)
