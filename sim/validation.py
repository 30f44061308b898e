"""``labsim validate``: the baseline against every target of calibration-targets.md.

Runs the baseline for each seed (36 months, the window of section B), measures each
figure (:mod:`sim.moments`) and writes ``validation.csv`` and ``validation.md``: one row
per target with ``id, kind, target, source, target_value, model_value, interval_low,
interval_high, tolerance, distance, status``. ``model_value`` is the mean over seeds;
with several seeds the interval is a 90 % t-interval of that mean. Status:
* kind *target*: pass when the mean lies within [low, high] (B7: when it holds);
* kind *forecast* (B1-B5): pass when within 25 % of the forecast, else fail; reported
  with the relative distance, and never part of the exit code;
* *reported* and *fact*: shown, status "reported".
The run exits 0 only when every *target* passes.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ScenarioError
from .moments import (
    AXIS_REGIONS,
    BIG_CITIES,
    GAINER_REGIONS,
    WINDOW_MONTHS,
    initial_moments,
    window_moments,
    window_snapshot,
)

__all__ = ["run_baseline", "validation_table", "write_validation", "targets_table",
           "FORECAST_TOLERANCE", "REPORTED_INDICATORS"]

FORECAST_TOLERANCE = 0.25
#: Indicators shown beside the targets (kind "reported"), at the end of the window: the
#: outcomes that facts C7, C9 and C10 are about.
REPORTED_INDICATORS = {
    "platform_workers": ("C9", "platform (gig) workers at month 36, persons"),
    "labour_share": ("C10", "labour share of firms' value added at month 36 "
                            "(the scenario's initial_labour_share at month 0)"),
    "unemployment_female": ("C7", "unemployment rate of women at month 36"),
    "unemployment_male": ("C7", "unemployment rate of men at month 36"),
    "unemployment_youth": ("C7", "unemployment rate of ages 15-24 at month 36"),
    "unemployment_older": ("C7", "unemployment rate of ages 55+ at month 36"),
    "unemployment_migrant": ("C7", "unemployment rate of workers who moved region, month 36"),
    "displaced_long_term_unemployed": ("C6, C7", "displaced workers unemployed 12 months or more "
                                                 "at month 36, persons"),
    "unemployment_rate": ("A8", "unemployment rate at month 36"),
    "skill_premium": ("C4", "skill premium (high / low mean wage) at month 36"),
}
COLUMNS = ["id", "kind", "target", "source", "target_value", "model_value", "interval_low",
           "interval_high", "tolerance", "distance", "status"]


def targets_table(scenario) -> pd.DataFrame:
    """The scenario's targets (``<scenario>/targets.csv`` beside its TOML)."""
    path = Path(scenario.path).parent / scenario.name / "targets.csv"
    if not path.is_file():
        raise ScenarioError(str(scenario.path), "targets", str(path),
                            "a targets.csv beside the scenario's data files")
    return pd.read_csv(path, comment="#", dtype={"id": str})


def run_baseline(scenario="kazakhstan", scale=0.01, seed=1, months=WINDOW_MONTHS,
                 **overrides) -> dict:
    """One baseline run: its section A figures at month 0 and B figures at ``months``."""
    from .model import LaborMarketModel

    model = LaborMarketModel(scenario=scenario, scale=scale, rng=seed, **overrides)
    moments = initial_moments(model)
    start = window_snapshot(model)
    model.run(months)
    moments.update(window_moments(model, start))
    moments["model"] = model
    return moments


def _interval(values: np.ndarray) -> tuple[float, float]:
    if values.size < 2:
        return math.nan, math.nan
    from scipy import stats

    half = stats.t.ppf(0.95, values.size - 1) * values.std(ddof=1) / math.sqrt(values.size)
    return float(values.mean() - half), float(values.mean() + half)


def _tolerance(row) -> str:
    if row.kind == "forecast":
        return f"within {FORECAST_TOLERANCE:.0%} of the forecast"
    if row.kind == "target" and not (pd.isna(row.low) or pd.isna(row.high)):
        return f"[{row.low:g}, {row.high:g}]"
    return ""


def validation_table(runs: list[dict], targets: pd.DataFrame, scenario) -> pd.DataFrame:
    """One row per target; ``runs`` are the outputs of :func:`run_baseline`, one a seed."""
    rows = []
    for t in targets.itertuples(index=False):
        ids = [f"A6_{c}" for c in BIG_CITIES] if t.id == "A6" else [t.id]
        for key in ids:
            if key not in runs[0]:
                continue
            values = np.array([r[key] for r in runs], dtype=np.float64)
            mean = float(values.mean())
            lo, hi = _interval(values)
            row = {"id": key, "kind": t.kind, "target": t.figure, "source": t.source,
                   "target_value": t.value, "model_value": mean, "interval_low": lo,
                   "interval_high": hi, "tolerance": _tolerance(t), "distance": math.nan}
            if t.kind == "target" and t.id == "A9":
                # The table is an aggregation of the study's groups; it must say so.
                documented = "423" in (Path(scenario.path).parent / scenario.name
                                       / "occupations.csv").read_text().splitlines()[0]
                row["status"] = "pass" if documented else "fail"
                row["tolerance"] = "the occupation table documents its aggregation of 423 groups"
            elif t.kind == "target":
                row["status"] = "pass" if t.low <= mean <= t.high else "fail"
            elif t.kind == "forecast":
                row["distance"] = (mean - t.value) / abs(t.value)
                row["status"] = "pass" if abs(row["distance"]) <= FORECAST_TOLERANCE else "fail"
            else:
                row["status"] = "reported"
            rows.append(row)
    for name, (source, text) in REPORTED_INDICATORS.items():
        values = np.array([r["model"].reporters[name] for r in runs], dtype=np.float64)
        lo, hi = _interval(values)
        rows.append({"id": name, "kind": "reported", "target": text, "source": source,
                     "target_value": math.nan, "model_value": float(values.mean()),
                     "interval_low": lo, "interval_high": hi, "tolerance": "",
                     "distance": math.nan, "status": "reported"})
    b7 = np.array([r["B7"] for r in runs])
    share = np.mean([r["B7_axis_share"] for r in runs])
    rows.append({
        "id": "B7", "kind": "target",
        "target": f"{' and '.join(GAINER_REGIONS)} are the two largest net gainers; the main "
                  f"flows form on the {' - '.join(AXIS_REGIONS)} axis",
        "source": "001; approx. public migration statistics", "target_value": 1.0,
        "model_value": float(b7.mean()), "interval_low": math.nan, "interval_high": math.nan,
        "tolerance": "holds in every seed",
        "distance": share - np.mean([r["B7_axis_share_expected"] for r in runs]),
        "status": "pass" if b7.all() else "fail",
    })
    return pd.DataFrame(rows, columns=COLUMNS)


def _markdown(table: pd.DataFrame, runs: list[dict], meta: dict) -> str:
    lines = [
        "# Validation of the baseline",
        "",
        f"Scenario {meta['scenario']}, scale {meta['scale']:g}, seeds {meta['seeds']}, "
        f"{WINDOW_MONTHS} months; labsim {meta['version']}. Section A is month 0; section B "
        "is the change over the first 36 months. Definitions: `sim/moments.py`. Regenerate "
        f"with `{meta['command']}`.",
        "",
        "| id | kind | target | target value | model value (90 % interval) | tolerance | distance | status |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples(index=False):
        interval = "" if math.isnan(r.interval_low) else f" ({r.interval_low:,.4g} to {r.interval_high:,.4g})"
        distance = "" if math.isnan(r.distance) else f"{r.distance:+.1%}"
        target = "" if pd.isna(r.target_value) else f"{r.target_value:,.4g}"
        lines.append(f"| {r.id} | {r.kind} | {r.target} ({r.source}) | {target} | "
                     f"{r.model_value:,.4g}{interval} | {r.tolerance} | {distance} | {r.status} |")
    net = pd.DataFrame([r["B7_net_gain"] for r in runs]).mean().sort_values(ascending=False)
    lines += ["", "Net migration gain by region over the window, persons (mean over seeds), "
              "largest first: " + ", ".join(f"{k} {v:+,.0f}" for k, v in net.head(5).items()) + ".",
              f"Share of all moves between {', '.join(AXIS_REGIONS)}: "
              f"{np.mean([r['B7_axis_share'] for r in runs]):.1%} (their labour-force pair share: "
              f"{np.mean([r['B7_axis_share_expected'] for r in runs]):.1%}).", ""]
    failed = table[(table.kind == "target") & (table.status != "pass")]
    lines.append("All targets pass." if failed.empty else
                 "Targets outside tolerance: " + ", ".join(failed.id) + ".")
    return "\n".join(lines) + "\n"


def write_validation(out_dir, scenario="kazakhstan", scale=0.01, seed=1, seeds=1,
                     progress=None, figures=False) -> tuple[pd.DataFrame, list[Path]]:
    """Run the baseline for ``seeds`` consecutive seeds from ``seed``; write the report
    (and, with ``figures``, its four figures under ``out_dir/figures``)."""
    from . import __version__
    from .outputs import atomic_write

    seed_list = [seed + k for k in range(seeds)]
    runs = []
    for s in seed_list:
        runs.append(run_baseline(scenario, scale, s))
        if progress:
            progress(s)
    model = runs[0]["model"]
    table = validation_table(runs, targets_table(model.scenario_data), model.scenario_data)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta = {"scenario": model.scenario_data.name, "scale": scale, "seeds": seed_list,
            "version": __version__,
            "command": f"labsim validate --scenario {scenario} --scale {scale:g} --seed {seed} "
                       f"--seeds {seeds}{' --figures' if figures else ''} --out {out_dir}"}
    csv, md = out / "validation.csv", out / "validation.md"
    text = _markdown(table, runs, meta)
    paths = [csv, md]
    if figures:
        from .validation_figures import validation_figures

        pictures = validation_figures(runs, table, out / "figures", scenario, scale, seed)
        text += "\n## Figures\n\n" + "\n\n".join(
            f"![{p.stem}](figures/{p.name})" for p in pictures) + "\n"
        paths += pictures
    atomic_write(csv, lambda p: table.to_csv(p, index=False))
    atomic_write(md, lambda p: p.write_text(text))
    return table, paths
