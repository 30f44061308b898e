"""One run of a sweep: build the model, run it, reduce its series to outcomes.

:func:`execute_run` is what executors ship to workers. It returns plain data (a dict of
float64 arrays and floats); it never writes files, because the client alone writes
results. A model that raises is a *failed run*: the exception's type and message are
returned with ``status = "failed"``, and the sweep goes on. Outcomes are computed here,
in the worker, by one function over float64 arrays, so they are bit-identical whichever
executor ran them.

Besides the model reporters, every run's series has two regional measures used by the
regional-convergence study (sigma convergence across regions):

- ``regional_unemployment_spread``: labour-force-weighted standard deviation of the
  regional unemployment rates (fraction);
- ``regional_wage_dispersion``: coefficient of variation of the regional mean wages
  (standard deviation / mean, unweighted across regions).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
import time
import traceback
from dataclasses import dataclass

import numpy as np

__all__ = ["DERIVED_SERIES", "RunTask", "execute_run", "outcome_values", "STATUS_OK", "STATUS_FAILED"]

DERIVED_SERIES = ("regional_unemployment_spread", "regional_wage_dispersion")
STATUS_OK = "ok"
STATUS_FAILED = "failed"


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs for one run; plain data, cheap to pickle.

    Attributes:
        run_id: the run's content hash (see :func:`sim.sweep.store.run_id`).
        scenario: scenario name or absolute TOML path (must exist on the worker).
        scenario_sha256: content hash of the scenario the client saw.
        version: ``sim.__version__`` on the client.
        scale: fraction of the labour force simulated.
        months: months to run.
        seed: the run's seed.
        parameters: every policy and knob, explicitly (name -> value).
        outcomes: (reporter, statistic, window) triples to reduce the series to.
    """

    run_id: str
    scenario: str
    scenario_sha256: str
    version: str
    scale: float
    months: int
    seed: int
    parameters: dict
    outcomes: tuple


_ALLOCATOR_TUNED = False


def _restore_allocator_thresholds() -> None:
    """Undo, in this process, what ``MALLOC_TRIM_THRESHOLD_`` does to glibc's allocator.

    Dask's nanny starts every worker with ``MALLOC_TRIM_THRESHOLD_=65536`` (to hand memory
    back to the OS). Setting it turns off glibc's dynamic mmap threshold, so every NumPy
    array over 128 KiB is mapped and page-faulted afresh at each allocation: a run took
    about 1.6 times as long on a Dask worker as in a plain process (measured, scale 0.01).
    Large fixed thresholds restore the plain-process behaviour. Numbers do not depend on
    the allocator, only the speed does.
    """
    global _ALLOCATOR_TUNED
    if _ALLOCATOR_TUNED or "MALLOC_TRIM_THRESHOLD_" not in os.environ or platform.libc_ver()[0] != "glibc":
        return
    _ALLOCATOR_TUNED = True
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    libc.mallopt(m_mmap_threshold, 64 * 2**20)
    libc.mallopt(m_trim_threshold, 256 * 2**20)


def outcome_values(series: dict[str, np.ndarray], outcomes) -> dict[str, float]:
    """Reduce a run's monthly series to outcome values (float64).

    Args:
        series: column name -> float64 array over months 0..T.
        outcomes: (reporter, statistic, window) triples; ``final`` is the last month,
            ``mean_last_K`` the mean of the last K months.
    """
    values = {}
    for reporter, statistic, window in outcomes:
        column = np.asarray(series[reporter], dtype=np.float64)
        value = column[-1] if statistic == "final" else np.mean(column[-window:])
        values[f"{reporter}_{statistic}"] = float(value)
    return values


def _regional_series(region_history) -> dict[str, np.ndarray]:
    spread, dispersion = [], []
    for frame in region_history:
        lf = frame["labour_force"].to_numpy(np.float64)
        rate = frame["unemployment_rate"].to_numpy(np.float64)
        wage = frame["mean_wage"].to_numpy(np.float64)
        mean_rate = float(np.sum(lf * rate) / np.sum(lf)) if lf.sum() > 0 else 0.0
        spread.append(float(np.sqrt(np.sum(lf * (rate - mean_rate) ** 2) / np.sum(lf))) if lf.sum() > 0 else 0.0)
        dispersion.append(float(np.std(wage) / np.mean(wage)) if np.mean(wage) > 0 else 0.0)
    return {"regional_unemployment_spread": np.array(spread, dtype=np.float64),
            "regional_wage_dispersion": np.array(dispersion, dtype=np.float64)}


def execute_run(task: RunTask) -> dict:
    """Run one model and return its record (never raises for a failing model).

    Returns:
        dict with ``run_id``, ``status`` (``"ok"`` or ``"failed"``), ``error`` (``""`` or
        the exception's type and message), ``traceback``, ``wall_seconds``, ``outcomes``
        (column -> float) and ``series`` (column -> float64 array, ``month`` included).
    """
    from .. import __version__
    from ..model import LaborMarketModel

    _restore_allocator_thresholds()
    start = time.perf_counter()
    record = {"run_id": task.run_id, "status": STATUS_OK, "error": "", "traceback": "",
              "outcomes": {}, "series": {}}
    try:
        if __version__ != task.version:
            raise RuntimeError(f"labsim {__version__} on this worker, {task.version} on the client")
        model = LaborMarketModel(scenario=task.scenario, scale=task.scale, rng=task.seed, **task.parameters)
        if model.scenario_data.sha256 != task.scenario_sha256:
            raise RuntimeError(f"scenario {task.scenario} on this worker has sha256 "
                               f"{model.scenario_data.sha256}, the client's {task.scenario_sha256}")
        model.run(task.months)
        frame = model.datacollector.get_model_vars_dataframe()
        series = {"month": np.arange(len(frame), dtype=np.int64)}
        series.update({name: frame[name].to_numpy(np.float64) for name in frame.columns})
        series.update(_regional_series(model.region_history))
        record["outcomes"] = outcome_values(series, task.outcomes)
        record["series"] = series
    except Exception as exc:  # a failing model is a recorded result, not a crash of the sweep
        record.update(status=STATUS_FAILED, error=f"{type(exc).__name__}: {exc}",
                      traceback=traceback.format_exc(), outcomes={}, series={})
    record["wall_seconds"] = time.perf_counter() - start
    return record
