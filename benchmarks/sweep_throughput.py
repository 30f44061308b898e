"""Sweep throughput in runs per minute: 1 process, N local processes, a local Dask cluster.

What it measures: the wall time of one sweep of ``benchmarks/sweep_throughput.toml``
(scale 0.01, 120 months, 26 distinct runs: the default size of ``labsim run``) on each
executor, end to end from creating the executor to ``runs.parquet`` written, so process
start-up and imports on the workers count. For Dask, the cluster
(``LocalCluster(n_workers=N, processes=True, threads_per_worker=1, host="127.0.0.1")``)
is started before the clock, as a cluster is in practice. Each executor writes to a
fresh folder, so nothing is resumed; the outcome columns of all executors are checked
to be identical. It also records the machine (CPU, cores) and the load average before
each measure, since other processes share the cores.

This is a measure, not a test: it asserts only that the executors agree. Usage::

    python benchmarks/sweep_throughput.py [--workers 2] [--out benchmarks/results/sweep-DATE.json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import pandas as pd

from sim.sweep import load_spec, run_sweep
from sim.sweep.executors import DaskExecutor, LocalProcessExecutor, SerialExecutor

SPEC = Path(__file__).with_name("sweep_throughput.toml")


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _measure(label, make_executor, spec, folder) -> tuple[dict, pd.DataFrame]:
    load = os.getloadavg()[0]
    start = time.perf_counter()
    with make_executor() as executor:
        summary = run_sweep(spec, folder / label, executor, progress=False)
    wall = time.perf_counter() - start
    row = {"executor": label, "runs": summary.ran, "wall_seconds": round(wall, 2),
           "runs_per_minute": round(60 * summary.ran / wall, 1), "load_average_before": round(load, 2)}
    print(row, flush=True)
    return row, pd.read_parquet(summary.runs_path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    spec = load_spec(SPEC)
    rows, frames = [], []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for label, make in [("1 process", SerialExecutor),
                            (f"{args.workers} local processes", lambda: LocalProcessExecutor(args.workers))]:
            row, frame = _measure(label, make, spec, folder)
            rows.append(row)
            frames.append(frame)
        from distributed import LocalCluster

        with LocalCluster(n_workers=args.workers, processes=True, threads_per_worker=1, host="127.0.0.1",
                          dashboard_address=None) as cluster:
            row, frame = _measure(f"local Dask cluster, {args.workers} workers",
                                  lambda: DaskExecutor(address=cluster.scheduler_address), spec, folder)
            rows.append(row)
            frames.append(frame)
    columns = ["run_id", *spec.outcome_columns]
    reference = frames[0][columns].sort_values("run_id", ignore_index=True)
    identical = all(f[columns].sort_values("run_id", ignore_index=True).equals(reference) for f in frames)
    result = {"date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
              "machine": {"cpu": _cpu(), "cores": os.cpu_count(), "python": platform.python_version()},
              "spec": str(SPEC.name), "identical_outcomes": identical, "results": rows}
    out = Path(args.out or Path(__file__).with_name("results") / f"sweep-{datetime.date.today()}.json")
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"identical outcomes on every executor: {identical}; wrote {out}")


if __name__ == "__main__":
    main()
