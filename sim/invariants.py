"""State invariants, checked every step when ``check_invariants=True`` and by the tests.

* each worker is in exactly one status (a valid code);
* an employee points to an active firm in its own region; any other status has firm -1;
* firm employee counts equal the number of workers pointing to them;
* a firm's productivity is that of its automation level (updated only where it changes);
* no wage is NaN, infinite or negative, and the unemployed earn nothing;
* worker ids are unique;
* the population changes only through entry and retirement, and both are counted;
* no float anywhere in the state is NaN or infinite: every float column of workers and
  firms, and every float array, number or dict of them among the model's attributes;
* counters cannot have wrapped: integer columns stay inside their dtype (months in int16
  columns, head counts in int32 ones), integer counters are non-negative and small enough
  (< 2**53) to be exact once reporters turn them into persons as float64.
"""

from __future__ import annotations

import numpy as np

from .population import Status
from .stages.automation import productivity_of

__all__ = ["check_invariants", "InvariantError", "check_finite", "check_counters"]

#: Largest integer a float64 holds exactly: reporters multiply counters by persons per agent.
EXACT_FLOAT_INT = 2**53
#: Month columns are int16; the month itself and any month stored there must fit.
MONTH_LIMIT = int(np.iinfo(np.int16).max)


class InvariantError(AssertionError):
    """The model's state broke an invariant: a bug, never bad input."""


def check_invariants(model) -> None:
    """Raise :class:`InvariantError` naming the first broken invariant."""
    w, f = model.workers, model.firms
    status = w.status
    if not np.isin(status, [s.value for s in Status]).all():
        raise InvariantError("a worker has an unknown status code")
    employee = status == Status.EMPLOYED
    firm = w.firm
    if (firm[~employee] != -1).any():
        raise InvariantError("a worker who is not an employee points to a firm")
    if employee.any():
        ef = firm[employee]
        if (ef < 0).any() or (ef >= len(f)).any():
            raise InvariantError("an employee points to no firm")
        if not f.active[ef].all():
            raise InvariantError("an employee points to a closed firm")
        if (f.region[ef] != w.region[employee]).any():
            raise InvariantError("an employee's firm is in another region")
    counts = np.bincount(firm[employee], minlength=len(f))
    if not np.array_equal(counts, f.employees.astype(np.int64)):
        raise InvariantError("firm employee counts differ from the workers pointing to them")
    for name in ("wage", "last_wage"):
        values = getattr(w, name)
        if not np.isfinite(values).all() or (values < 0).any():
            raise InvariantError(f"a worker's {name} is NaN, infinite or negative")
    if (w.wage[status >= Status.UNEMPLOYED] != 0).any():
        raise InvariantError("a worker without work has a wage")
    for name in ("wage_offer", "productivity", "labour_demand", "automated_routine",
                 "automated_genai", "complementary_jobs"):
        if not np.isfinite(getattr(f, name)).all():
            raise InvariantError(f"a firm's {name} is NaN or infinite")
    if (f.vacancies < 0).any() or (f.employees < 0).any():
        raise InvariantError("a firm has negative employees or vacancies")
    if not np.array_equal(f.productivity, productivity_of(model, slice(None))):
        raise InvariantError("a firm's productivity is not that of its automation level")
    if model.ever_automated.shape != (len(f),):
        raise InvariantError("ever_automated does not have one entry per firm row")
    if np.unique(w.worker_id).size != len(w):
        raise InvariantError("worker ids are not unique")
    expected = model.initial_labour_force_agents + model.entrants_total - model.retirees_total
    if len(w) != expected:
        raise InvariantError(
            f"population {len(w)} != initial + entrants - retirees = {expected:.0f}")
    check_finite(model)
    check_counters(model)


def _non_finite(value) -> bool:
    """Whether a float array or number (or a dict / list of them) holds NaN or inf."""
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "fc" and value.size > 0 and not np.isfinite(value).all()
    if isinstance(value, (float, np.floating)):
        return not np.isfinite(value)
    if isinstance(value, dict):
        return any(_non_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_non_finite(v) for v in value if isinstance(v, (np.ndarray, float, np.floating)))
    return False


def check_finite(model) -> None:
    """Raise :class:`InvariantError` if any float in the state is NaN or infinite."""
    for label, agents in (("worker", model.workers), ("firm", model.firms)):
        for name, column in agents.column_arrays().items():
            if _non_finite(column):
                raise InvariantError(f"a {label}'s {name} is NaN or infinite")
    for name, value in vars(model).items():
        if _non_finite(value):
            raise InvariantError(f"model.{name} holds NaN or infinite values")


def check_counters(model) -> None:
    """Raise :class:`InvariantError` if a counter has wrapped or left its exact range."""
    if not 0 <= model.month < MONTH_LIMIT:
        raise InvariantError(f"month {model.month} does not fit the int16 month columns")
    for name, value in vars(model).items():
        if isinstance(value, (bool, np.bool_)):
            continue
        if isinstance(value, (int, np.integer)) and name.endswith("_total") \
                and not 0 <= value < EXACT_FLOAT_INT:
            raise InvariantError(f"counter {name} = {value} is negative or beyond 2**53")
    if (model.migration_counts < 0).any():
        raise InvariantError("a migration count is negative (wrapped)")
    if not 0 <= model.next_worker_id < EXACT_FLOAT_INT or (
            len(model.workers) and model.workers.worker_id.max() >= model.next_worker_id):
        raise InvariantError("worker ids have reached next_worker_id or left the exact range")
    f = model.firms
    for name in ("employees", "vacancies"):
        if (getattr(f, name) == np.iinfo(np.int32).max).any():
            raise InvariantError(f"a firm's {name} reached the int32 limit")
    if len(f) > np.iinfo(np.int32).max:
        raise InvariantError("firm rows no longer fit the workers' int32 firm column")
