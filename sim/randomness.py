"""Named random streams: every draw is a function of (seed, month, stream, agent id, draw).

Stages never use ``model.random`` (Mesa's generator): they draw with
``uniform_for(seed, month, Stream.X, ids, draw)`` (or pass ``model.stream_key(name)`` to a
kernel), which is :func:`kernels.reference.uniform` keyed by
``stream_key(seed, month, stream)``. The result does not depend on the order of the
agents, on row layout, or on the executor.

Example:
    >>> import numpy as np
    >>> a = uniform_for(7, 0, Stream.SEPARATION, np.array([5, 6]))
    >>> b = uniform_for(7, 0, Stream.SEPARATION, np.array([6, 5]))
    >>> bool(a[0] == b[1])
    True
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from scipy.special import ndtri

import kernels
from kernels import reference
from kernels.reference import stream_key, uniform

__all__ = ["Stream", "uniform_for", "normal_for", "geometric_months", "lognormal_factor",
           "individual_wage_factor_for", "draw_from_cdf_rows"]


class Stream(IntEnum):
    """One random stream per purpose; never reuse a number for a new purpose."""

    INIT_AGE = 1
    INIT_WAGE = 2
    INIT_FIRM_ORDER = 3
    INIT_FIRM_EFFECT = 4
    INIT_DURATION = 5
    INIT_SEPARATION = 6
    SEPARATION = 10
    AUTOMATION_ADOPTION = 11
    AUTOMATION_DISPLACEMENT = 12
    VACANCY_OCCUPATION = 13
    VACANCY_SKILL = 14
    LAYOFF = 15
    MATCHING = 16
    HIRE_WAGE = 17
    ON_THE_JOB_SEARCH = 18
    RETRAINING_CHOICE = 19
    RETRAINING_PROGRESS = 20
    MIGRATION_CONSIDER = 21
    MIGRATION_CHOICE = 22
    ENTRY = 23
    ENTRY_WAGE = 24
    FIRM_ENTRY = 25
    PLATFORM_EXIT = 26
    PLATFORM_ENTRY = 27


def uniform_for(seed: int, month: int, stream: Stream, ids, draw=0) -> np.ndarray:
    """Uniform [0, 1) draws, float64, one per id (broadcast with ``draw``).

    For one draw number over a flat array of ids the compiled ``uniform_draws`` kernel
    fills the result in one pass (the NumPy hash makes several temporaries as long as
    ``ids``: at national scale, hundreds of megabytes); the numbers are the same, bit for
    bit. ``LABSIM_PURE_PYTHON=1`` keeps the NumPy reference.
    """
    key = stream_key(seed, month, int(stream))
    if np.ndim(draw) == 0 and np.ndim(ids) == 1:
        backend = _backend()
        if backend.name == "cython":
            ids = np.ascontiguousarray(ids, dtype=np.int64)
            out = np.empty(ids.shape[0], dtype=np.float64)
            backend.uniform_draws(key, ids, int(draw), out)
            return out
    return uniform(key, ids, draw)


_BACKENDS: dict[bool, object] = {}


def _backend():
    """The kernels in use (cached per value of ``LABSIM_PURE_PYTHON``)."""
    pure = kernels.pure_python()
    if pure not in _BACKENDS:
        _BACKENDS[pure] = kernels.load_backend(pure)
    return _BACKENDS[pure]


def normal_for(seed: int, month: int, stream: Stream, ids, draw=0) -> np.ndarray:
    """Standard normal draws by the inverse CDF of :func:`uniform_for`."""
    u = uniform_for(seed, month, stream, ids, draw)
    return ndtri(np.clip(u, 1e-16, 1.0 - 1e-16))


def geometric_months(u: np.ndarray, monthly_rate) -> np.ndarray:
    """Months until an event with a constant monthly hazard (>= 1), from uniforms ``u``."""
    rate = np.clip(np.asarray(monthly_rate, dtype=np.float64), 1e-9, 1.0 - 1e-12)
    months = np.floor(np.log1p(-u) / np.log1p(-rate)) + 1.0
    return np.minimum(months, 30_000.0)


def lognormal_factor(sigma: float, z: np.ndarray) -> np.ndarray:
    """Mean-one lognormal factor exp(sigma z - sigma^2 / 2) from standard normals ``z``."""
    return np.exp(sigma * z - 0.5 * sigma * sigma)


def individual_wage_factor_for(seed: int, month: int, stream: Stream, ids, sigma: float,
                               draw=0) -> np.ndarray:
    """Mean-one lognormal wage factor per id (a firm effect or a match quality)."""
    return lognormal_factor(sigma, normal_for(seed, month, stream, ids, draw))


def draw_from_cdf_rows(cdf: np.ndarray, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draws: for each ``u[i]``, the first column ``j`` with
    ``u[i] < cdf[rows[i], j]``. Rows of ``cdf`` are cumulative, ending exactly at 1.

    The compiled kernel searches each draw's own row; it declines (and the reference
    runs) on inputs it cannot match bit for bit: unsorted rows, NaN draws."""
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    u = np.ascontiguousarray(u, dtype=np.float64)
    cdf = np.ascontiguousarray(cdf, dtype=np.float64)
    out = np.empty(np.broadcast(rows, u).shape, dtype=np.int64)
    backend = _backend()
    if backend.name == "cython" and rows.ndim == 1 and u.shape == rows.shape \
            and backend.draw_from_cdf_rows(cdf, rows, u, out):
        return out
    reference.draw_from_cdf_rows(cdf, rows, u, out)
    return out
