"""The hot loops: Cython kernels, with a NumPy reference of identical behaviour.

``kernels.backend`` is the compiled module set, or ``kernels.reference`` when the
environment variable ``LABSIM_PURE_PYTHON=1`` asks for it on purpose. There is no silent
fallback: a missing extension raises an ImportError that says how to build it.
"""

from __future__ import annotations

import os

from . import reference

__all__ = ["backend", "reference", "pure_python", "load_backend"]


class _Backend:
    """Namespace holding one implementation of every kernel."""

    def __init__(self, name: str, **functions):
        self.name = name
        self.__dict__.update(functions)


def pure_python() -> bool:
    """True when ``LABSIM_PURE_PYTHON=1`` selects the NumPy reference."""
    return os.environ.get("LABSIM_PURE_PYTHON", "") == "1"


def load_backend(pure: bool | None = None) -> _Backend:
    """Return the kernels to use: compiled ones, or the reference when ``pure``."""
    if pure if pure is not None else pure_python():
        return _Backend("reference", match_job_seekers=reference.match_job_seekers,
                        retraining_choices=reference.retraining_choices,
                        retraining_progress=reference.retraining_progress,
                        worker_statistics=reference.worker_statistics,
                        update_incumbent_wages=reference.update_incumbent_wages,
                        job_seeker_rows=reference.job_seeker_rows,
                        rows_with_status=reference.rows_with_status,
                        retiring_rows=reference.retiring_rows,
                        separations_due=reference.separations_due,
                        automation_savings=reference.automation_savings,
                        exposed_in_adopting=reference.exposed_in_adopting,
                        employees_of=reference.employees_of)
    try:
        from . import _matching, _population, _retraining
    except ImportError as exc:
        raise ImportError(
            "labsim's Cython kernels are not built. Build them with "
            "`python -m pip install -e .` (or `python setup.py build_ext --inplace`), "
            "or set LABSIM_PURE_PYTHON=1 to run the slower NumPy reference on purpose."
        ) from exc
    return _Backend("cython", match_job_seekers=_matching.match_job_seekers,
                    retraining_choices=_retraining.retraining_choices,
                    retraining_progress=_retraining.retraining_progress,
                    worker_statistics=_population.worker_statistics,
                    update_incumbent_wages=_population.update_incumbent_wages,
                    job_seeker_rows=_population.job_seeker_rows,
                    rows_with_status=_population.rows_with_status,
                    retiring_rows=_population.retiring_rows,
                    separations_due=_population.separations_due,
                    automation_savings=_population.automation_savings,
                    exposed_in_adopting=_population.exposed_in_adopting,
                    employees_of=_population.employees_of)
