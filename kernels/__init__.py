"""The hot loops: Cython kernels, with a NumPy reference of identical behaviour.

``kernels.backend`` is the compiled module set, or ``kernels.reference`` when the
environment variable ``LABSIM_PURE_PYTHON=1`` asks for it on purpose. There is no silent
fallback: a missing extension raises an ImportError that says how to build it. Some
compiled kernels have AVX-512 paths, chosen at run time where the CPU has them, with the
same results as their portable loops; ``LABSIM_PORTABLE_KERNELS=1`` turns them off.
"""

from __future__ import annotations

import os

from . import reference

__all__ = ["backend", "reference", "pure_python", "portable_loops", "wide_paths",
           "load_backend", "KERNELS"]


class _Backend:
    """Namespace holding one implementation of every kernel."""

    def __init__(self, name: str, **functions):
        self.name = name
        self.__dict__.update(functions)


def pure_python() -> bool:
    """True when ``LABSIM_PURE_PYTHON=1`` selects the NumPy reference."""
    return os.environ.get("LABSIM_PURE_PYTHON", "") == "1"


def portable_loops() -> bool:
    """True when ``LABSIM_PORTABLE_KERNELS=1`` turns off the kernels' AVX-512 paths (chosen
    at run time where the CPU has them): the loops every x86-64 CPU runs, the same
    results bit for bit, slower (for measuring what a CPU without AVX-512 gets)."""
    return os.environ.get("LABSIM_PORTABLE_KERNELS", "") == "1"


def wide_paths() -> dict[str, bool]:
    """Which AVX-512 paths the compiled kernels use in this process, set from the CPU and
    ``LABSIM_PORTABLE_KERNELS`` (for the benchmarks' records)."""
    from . import _matching, _population
    wanted = not portable_loops()
    return {"matching_draws": _matching._use_wide_draws(wanted),
            "job_seeker_scan": _matching._use_wide_scan(wanted),
            "population_passes": _population._use_wide_passes(wanted)}


#: Every kernel, by the compiled module that holds it; the reference has them all.
KERNELS = {
    "_matching": ("match_job_seekers", "gather_job_seekers", "seeker_table",
                  "reservation_wages", "apply_hires", "uniform_draws"),
    "_retraining": ("retraining_choices", "retraining_progress"),
    "_population": ("worker_statistics", "update_incumbent_wages", "job_seeker_rows",
                    "rows_with_status", "rows_with_status_from", "rows_with_status_among",
                    "retiring_rows", "separations_due",
                    "automation_savings", "exposed_in_adopting",
                    "employees_of",
                    "count_by_cell", "subsidised_rows", "separate_workers", "benefit_claims"),
    "_draws": ("draw_from_cdf_rows",),
    "_vacancies": ("vacancy_table",),
    "_firms": ("firm_region_totals",),
}


def load_backend(pure: bool | None = None) -> _Backend:
    """Return the kernels to use: compiled ones, or the reference when ``pure``."""
    names = [name for group in KERNELS.values() for name in group]
    if pure if pure is not None else pure_python():
        return _Backend("reference", **{name: getattr(reference, name) for name in names})
    try:
        from . import _draws, _firms, _matching, _population, _retraining, _vacancies
    except ImportError as exc:
        raise ImportError(
            "labsim's Cython kernels are not built. Build them with "
            "`python -m pip install -e .` (or `python setup.py build_ext --inplace`), "
            "or set LABSIM_PURE_PYTHON=1 to run the slower NumPy reference on purpose."
        ) from exc
    if portable_loops():
        _matching._use_wide_draws(False)
        _matching._use_wide_scan(False)
        _population._use_wide_passes(False)
    modules = {"_matching": _matching, "_retraining": _retraining, "_population": _population,
               "_draws": _draws, "_vacancies": _vacancies, "_firms": _firms}
    return _Backend("cython", **{name: getattr(modules[module], name)
                                 for module, group in KERNELS.items() for name in group})
