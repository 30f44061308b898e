"""The sweep loop: plan, skip finished runs, submit, record, retry lost runs, gather.

Example:
    >>> from sim.sweep.spec import spec_from_dict
    >>> from sim.sweep.executors import SerialExecutor
    >>> import tempfile
    >>> spec = spec_from_dict({"sweep": {"scale": 0.001, "months": 2, "seeds": [1], "design": "grid"},
    ...                        "parameters": {"robot_tax": [0.0, 0.5]},
    ...                        "outcomes": {"final": ["unemployment_rate"]}})
    >>> with tempfile.TemporaryDirectory() as out, SerialExecutor() as executor:
    ...     summary = run_sweep(spec, out, executor, progress=False)
    >>> summary.planned, summary.ran, summary.failed  # 2 points + the baseline (robot_tax 0.0 again)
    (2, 2, 0)
"""

from __future__ import annotations

import sys
import time
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path

from .runner import STATUS_FAILED, execute_run
from .spec import SweepSpec
from .store import RunStore, design_frame, gather, plan_runs

__all__ = ["SweepSummary", "run_sweep"]


@dataclass
class SweepSummary:
    """What a sweep did.

    Attributes:
        planned: distinct runs in the spec (design points x seeds, plus the baseline).
        skipped: runs already finished in the folder (resumed).
        ran: runs finished now (ok or failed).
        failed: runs whose model raised (recorded with status "failed"), now or before.
        lost: runs given up after repeated infrastructure failures (not recorded).
        retried: resubmissions after infrastructure failures.
        wall_seconds: time of the loop.
        runs_path, series_path: the gathered tables.
        lost_errors: the last error of each lost run.
    """

    planned: int = 0
    skipped: int = 0
    ran: int = 0
    failed: int = 0
    lost: int = 0
    retried: int = 0
    wall_seconds: float = 0.0
    runs_path: Path | None = None
    series_path: Path | None = None
    lost_errors: tuple = ()


def run_sweep(spec: SweepSpec, out: str | Path, executor, retries: int = 3, retry_failed: bool = False,
              progress: bool = True, run_fn=execute_run) -> SweepSummary:
    """Run every unfinished run of ``spec`` on ``executor``, writing results under ``out``.

    Args:
        spec: the validated spec.
        out: the sweep folder (created if needed).
        executor: a :class:`~sim.sweep.executors.SweepExecutor`.
        retries: resubmissions allowed per run after infrastructure failures.
        retry_failed: run again the runs recorded as failed (their files are replaced).
        progress: show a tqdm bar on stderr (done, failed, remaining, time left).
        run_fn: the function executed per run (tests substitute a failing one).

    Returns:
        A :class:`SweepSummary`; ``runs.parquet`` and ``series.parquet`` are written.
    """
    out = Path(out)
    store = RunStore(out)
    store.remove_temporary()
    plan = plan_runs(spec)
    frame = design_frame(spec, plan)
    tmp = out / ".design.parquet.tmp"
    frame.to_parquet(tmp, index=False)
    tmp.replace(out / "design.parquet")

    tasks, seen = [], set()
    for planned in plan:
        if planned.task.run_id not in seen:
            seen.add(planned.task.run_id)
            tasks.append(planned.task)
    if retry_failed:
        store.forget_failed(t.run_id for t in tasks)
    todo = deque(t for t in tasks if not store.finished(t.run_id))
    summary = SweepSummary(planned=len(tasks), skipped=len(tasks) - len(todo))
    summary.failed = sum(1 for t in tasks if store.finished(t.run_id) and store.status(t.run_id) == STATUS_FAILED)

    from tqdm import tqdm

    bar = tqdm(total=len(todo), desc=f"runs on {executor.description}", unit="run", file=sys.stderr,
               disable=not progress, mininterval=0.5 if sys.stderr.isatty() else 30.0, dynamic_ncols=True)
    attempts: Counter = Counter()
    lost_errors = []
    in_flight: dict = {}
    start = time.perf_counter()
    try:
        while todo or in_flight:
            while todo and (executor.max_in_flight is None or len(in_flight) < executor.max_in_flight):
                task = todo.popleft()
                in_flight[executor.submit(run_fn, task)] = task
            lost = []
            for future in executor.wait_first(list(in_flight)):
                task = in_flight.pop(future)
                try:
                    record = future.result()
                except executor.infrastructure_errors as exc:
                    lost.append((task, exc))
                    continue
                store.write(record, task)
                summary.ran += 1
                summary.failed += record["status"] == STATUS_FAILED
                bar.update(1)
                bar.set_postfix(failed=summary.failed, remaining=len(todo) + len(in_flight), refresh=False)
            if lost:
                for future in executor.recover(list(in_flight)):
                    lost.append((in_flight.pop(future), None))
                for task, exc in lost:
                    attempts[task.run_id] += 1
                    if attempts[task.run_id] > retries:
                        summary.lost += 1
                        lost_errors.append((task.run_id, repr(exc)))
                        bar.update(1)
                    else:
                        summary.retried += 1
                        todo.appendleft(task)
    finally:
        bar.close()
    summary.wall_seconds = time.perf_counter() - start
    summary.lost_errors = tuple(lost_errors)
    summary.runs_path, summary.series_path, _ = gather(spec, plan, store)
    return summary
