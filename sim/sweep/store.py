"""Run ids, the plan of a sweep, atomic per-run result files, resume and gathering.

A run's id is a hash of everything that determines its numbers: the complete set of
policy and knob values, the seed, scale, months, the scenario's content hash and the
package version. A changed scenario or a new release never reuses an old result; the
same run asked for twice (say a grid point equal to the baseline) is run once.

Layout of a sweep folder::

    DIR/spec.toml         the spec, copied byte for byte
    DIR/design.parquet    one row per (design point or baseline, seed) with its run_id
    DIR/runs/ID.parquet   one finished run: its monthly series, and its record (status,
                          error, outcomes, wall time, parameters) in the file's metadata
    DIR/runs.parquet      one row per run, gathered at the end
    DIR/series.parquet    run_id, month and the reporters, one row per run and month

Only the client writes, and each run file is written to a temporary name and then
renamed, so a killed sweep leaves finished runs whole and nothing half-written under a
final name. A run counts as finished when its file exists.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..policies import validate_parameter
from .designs import design_points
from .runner import STATUS_FAILED, RunTask
from .spec import SweepSpec

__all__ = ["PlannedRun", "run_id", "plan_runs", "RunStore", "gather", "design_frame"]

_META_KEY = b"labsim.run"


@dataclass(frozen=True)
class PlannedRun:
    """One row of the plan: a design point (or the baseline) at one seed.

    Attributes:
        point: index of the design row, or -1 for the baseline.
        varied: the varied parameters' values at this point.
        task: the run to execute (shared by rows with the same run id).
    """

    point: int
    varied: dict
    task: RunTask

    @property
    def is_baseline(self) -> bool:
        return self.point < 0


def run_id(parameters: dict, seed: int, scale: float, months: int, scenario_sha256: str, version: str) -> str:
    """The content hash of a run (32 hex digits).

    JSON with sorted keys and Python's shortest round-trip float repr makes the text, and
    so the hash, a function of the values alone.

    Example:
        >>> run_id({"robot_tax": 0.5}, 1, 0.01, 12, "ab", "0.1.0") == run_id({"robot_tax": 0.5}, 1, 0.01,
        ...                                                                  12, "ab", "0.1.0")
        True
        >>> run_id({"robot_tax": 0.5}, 1, 0.01, 12, "ab", "0.1.0") == run_id({"robot_tax": 0.5}, 1, 0.01,
        ...                                                                  12, "ab", "0.2.0")
        False
    """
    text = json.dumps({"parameters": parameters, "seed": seed, "scale": scale, "months": months,
                       "scenario_sha256": scenario_sha256, "version": version},
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def plan_runs(spec: SweepSpec) -> list[PlannedRun]:
    """Every (design point, seed) and (baseline, seed) of a spec, in design order.

    Each run's parameters are complete: the scenario's values, then ``[fixed]``, then the
    point's (or ``[baseline]``'s) values, so that the same model always has the same id.
    """
    from .. import __version__
    from ..scenario import load_scenario

    scenario = load_scenario(spec.scenario)
    base = {name: validate_parameter(name, value, str(scenario.path), f"[policies].{name}")
            for name, value in scenario.policies.items()}
    base.update(spec.fixed)
    outcomes = tuple((o.reporter, o.statistic, o.window) for o in spec.outcomes)
    baseline_point = {name: spec.baseline.get(name, base[name]) for name in spec.parameters}
    rows = [(i, point) for i, point in enumerate(design_points(spec))] + [(-1, baseline_point)]
    plan = []
    for point_index, point in rows:
        parameters = dict(base)
        parameters.update(point)
        for seed in spec.seeds:
            rid = run_id(parameters, seed, spec.scale, spec.months, scenario.sha256, __version__)
            task = RunTask(run_id=rid, scenario=spec.scenario, scenario_sha256=scenario.sha256,
                           version=__version__, scale=spec.scale, months=spec.months, seed=seed,
                           parameters=dict(parameters), outcomes=outcomes)
            plan.append(PlannedRun(point=point_index, varied=dict(point), task=task))
    return plan


def design_frame(spec: SweepSpec, plan: list[PlannedRun]) -> pd.DataFrame:
    """The plan as a table: point (-1 = baseline), the varied parameters, seed, run_id."""
    frame = pd.DataFrame({"point": [p.point for p in plan]})
    for name in spec.parameters:
        frame[name] = [p.varied[name] for p in plan]
    frame["seed"] = [p.task.seed for p in plan]
    frame["run_id"] = [p.task.run_id for p in plan]
    return frame


def _atomic_write_table(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as handle:
        pq.write_table(table, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)  # atomic on POSIX: readers see the old name absent or the whole file


class RunStore:
    """The per-run result files of one sweep folder.

    Args:
        out: the sweep folder; ``out/runs`` is created.
    """

    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.runs_dir = self.out / "runs"
        self.runs_dir.mkdir(parents=True, exist_ok=True)

    def path(self, rid: str) -> Path:
        return self.runs_dir / f"{rid}.parquet"

    def remove_temporary(self) -> int:
        """Delete temporary files a killed sweep left behind; return how many."""
        stale = list(self.runs_dir.glob(".*.tmp-*"))
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)

    def finished(self, rid: str) -> bool:
        return self.path(rid).is_file()

    def write(self, record: dict, task: RunTask) -> None:
        """Write one finished run (``ok`` or ``failed``) atomically."""
        meta = {"run_id": task.run_id, "status": record["status"], "error": record["error"],
                "traceback": record["traceback"], "wall_seconds": record["wall_seconds"],
                "outcomes": record["outcomes"], "seed": task.seed, "scale": task.scale,
                "months": task.months, "parameters": task.parameters, "scenario": task.scenario,
                "scenario_sha256": task.scenario_sha256, "version": task.version}
        series = record["series"] or {"month": np.zeros(0, dtype=np.int64)}
        table = pa.table({name: pa.array(values) for name, values in series.items()})
        table = table.replace_schema_metadata({_META_KEY: json.dumps(meta).encode()})
        _atomic_write_table(table, self.path(task.run_id))

    def read(self, rid: str) -> tuple[dict, pa.Table]:
        """A run's record (metadata) and its series table."""
        table = pq.read_table(self.path(rid))
        meta = json.loads(table.schema.metadata[_META_KEY])
        return meta, table.replace_schema_metadata(None)

    def status(self, rid: str) -> str:
        meta = json.loads(pq.read_schema(self.path(rid)).metadata[_META_KEY])
        return meta["status"]

    def forget_failed(self, rids) -> int:
        """Delete the files of failed runs among ``rids`` so they run again; return how many."""
        count = 0
        for rid in rids:
            if self.finished(rid) and self.status(rid) == STATUS_FAILED:
                self.path(rid).unlink()
                count += 1
        return count


def gather(spec: SweepSpec, plan: list[PlannedRun], store: RunStore) -> tuple[Path, Path, int]:
    """Write ``runs.parquet`` and ``series.parquet`` from the finished run files.

    Returns:
        The two paths and the number of runs gathered (planned runs without a file are
        left out: they did not finish).
    """
    rows, seen = [], set()
    baseline_ids = {p.task.run_id for p in plan if p.is_baseline}
    series_path = store.out / "series.parquet"
    tmp_series = series_path.with_name(f".{series_path.name}.tmp-{os.getpid()}")
    writer = None
    try:
        for planned in plan:
            rid = planned.task.run_id
            if rid in seen or not store.finished(rid):
                continue
            seen.add(rid)
            meta, table = store.read(rid)
            row = {"run_id": rid}
            row.update({name: planned.varied[name] for name in spec.parameters})
            row["seed"] = planned.task.seed
            row.update({column: meta["outcomes"].get(column, np.nan) for column in spec.outcome_columns})
            row.update(wall_seconds=meta["wall_seconds"], status=meta["status"], error=meta["error"],
                       baseline=rid in baseline_ids)
            rows.append(row)
            if table.num_rows:
                table = table.add_column(0, "run_id", pa.array([rid] * table.num_rows))
                if writer is None:
                    writer = pq.ParquetWriter(tmp_series, table.schema)
                writer.write_table(table.cast(writer.schema))
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        pq.write_table(pa.table({"run_id": pa.array([], pa.string()), "month": pa.array([], pa.int64())}),
                       tmp_series)
    os.replace(tmp_series, series_path)
    columns = ["run_id", *spec.parameters, "seed", *spec.outcome_columns, "wall_seconds", "status",
               "error", "baseline"]
    runs = pd.DataFrame(rows, columns=columns)
    for column in spec.outcome_columns:
        runs[column] = runs[column].astype(np.float64)
    runs_path = store.out / "runs.parquet"
    _atomic_write_table(pa.Table.from_pandas(runs, preserve_index=False), runs_path)
    return runs_path, series_path, len(rows)
