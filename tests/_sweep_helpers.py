"""Run functions for sweep tests that must be importable by worker processes (pickled by name)."""

from __future__ import annotations

import os
from pathlib import Path

from sim.sweep.runner import execute_run


def die_once_then_run(marker_dir: str, task):
    """Kill this worker process on the sweep's first run, then run every run normally.

    Stands in for an infrastructure failure (a worker lost mid-run). The marker file,
    created exclusively, records that a worker has died already.
    """
    try:
        os.close(os.open(Path(marker_dir) / "killed", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return execute_run(task)
    os._exit(13)
