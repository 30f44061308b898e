"""Policy experiments at scale: sweep specs, designs, executors, resumable results, analysis.

A sweep is a TOML spec (:mod:`sim.sweep.spec`) expanded into runs by a design
(:mod:`sim.sweep.designs`), executed on a local process pool or a Dask cluster
(:mod:`sim.sweep.executors`) by :func:`run_sweep`, with one result file per run
(:mod:`sim.sweep.store`) gathered into ``runs.parquet`` and ``series.parquet``;
:mod:`sim.sweep.analysis` turns a finished sweep into indices, effects and figures.
"""

from .driver import SweepSummary, run_sweep
from .spec import SweepSpec, load_spec

__all__ = ["SweepSpec", "SweepSummary", "load_spec", "run_sweep"]
