"""Writing a run's outputs: model.csv, regions.csv, migration.csv, summary.json, figures.

Every file is written to a temporary name and renamed, so a file that exists is whole.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__

__all__ = ["model_table", "write_outputs", "summary", "atomic_write"]


def atomic_write(path: Path, write) -> None:
    """Write through ``write(tmp_path)`` then rename: a file that exists is whole."""
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def model_table(model) -> pd.DataFrame:
    """The model reporters, one row per month from month 0, with month and date."""
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    year, month = (int(x) for x in model.scenario_data.start.split("-"))
    start = year * 12 + month - 1
    months = np.arange(len(frame))
    dates = [f"{(start + m) // 12:04d}-{(start + m) % 12 + 1:02d}" for m in months]
    frame.insert(0, "date", dates)
    frame.insert(0, "month", months)
    return frame


def summary(model, wall_seconds: float | None = None) -> dict:
    """Final indicators, all parameters, the seed and the package version."""
    return {
        "package_version": __version__,
        "scenario": model.scenario_data.name,
        "scenario_sha256": model.scenario_data.sha256,
        "seed": model.seed,
        "scale": model.scale,
        "months": model.month,
        "final_date": model.date,
        "parameters": model.parameters,
        "mechanisms": model.mechanisms,
        "kernels": model.kernels.name,
        "agents": {"workers": len(model.workers), "firms": int(model.firms.active.sum())},
        "final": dict(model.reporters),
        "flows_persons": {
            name: getattr(model, name) * model.persons_per_agent
            for name in ("entrants_total", "retirees_total", "separations_total",
                         "layoffs_total", "hires_total", "enrolments_total",
                         "job_led_migrants_total")
        },
        "wall_seconds": wall_seconds,
    }


def write_outputs(model, out_dir, wall_seconds: float | None = None, figures: bool = True) -> list[Path]:
    """Write every output file of a run into ``out_dir``; return the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    tables = {
        "model.csv": model_table(model),
        "regions.csv": pd.concat(model.region_history, ignore_index=True),
        "migration.csv": model.migration_matrix(),
    }
    for name, table in tables.items():
        path = out / name
        atomic_write(path, lambda p, t=table: t.to_csv(p, index=False, float_format="%.17g"))
        written.append(path)
    path = out / "summary.json"
    text = json.dumps(summary(model, wall_seconds), indent=2, sort_keys=True)
    atomic_write(path, lambda p: p.write_text(text + "\n"))
    written.append(path)
    if figures:
        from .figures import write_figures

        written += write_figures(model, tables["model.csv"], out / "figures")
    return written
