"""State invariants, checked every step when ``check_invariants=True`` and by the tests.

* each worker is in exactly one status (a valid code);
* an employee points to an active firm in its own region; any other status has firm -1;
* firm employee counts equal the number of workers pointing to them;
* no wage is NaN, infinite or negative, and the unemployed earn nothing;
* worker ids are unique;
* the population changes only through entry and retirement, and both are counted.
"""

from __future__ import annotations

import numpy as np

from .population import Status

__all__ = ["check_invariants", "InvariantError"]


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
    if np.unique(w.worker_id).size != len(w):
        raise InvariantError("worker ids are not unique")
    expected = model.initial_labour_force_agents + model.entrants_total - model.retirees_total
    if len(w) != expected:
        raise InvariantError(
            f"population {len(w)} != initial + entrants - retirees = {expected:.0f}")
