"""Analysis of a finished sweep: sensitivity indices, paired policy effects, the frontier.

:func:`analyse` reads a sweep folder (``spec.toml``, ``design.parquet``,
``runs.parquet``) and writes under ``DIR/analysis/``:

- ``effects.csv``: each design point's effect on each outcome as a *paired difference*
  from the baseline run with the same seed (common random numbers), averaged over seeds,
  with a 95 % t interval over seeds;
- ``frontier.csv``: per design point, unemployment against fiscal cost (means over seeds
  and paired differences from the baseline), flagging the points no other point beats
  on both (the policy frontier);
- ``sensitivity.csv`` for ``sobol`` designs (SALib Sobol first-order and total indices
  with bootstrap confidence intervals) and ``morris`` designs (mu*, sigma);
- figures (matplotlib): a heatmap of each outcome over two swept parameters (grid
  designs), sensitivity bar charts with confidence intervals, and the frontier.

Sensitivity indices use, at each design point, the mean of the outcome over seeds. The
new-job ratio is an assumption, not an estimate: sampled designs must vary it (see
:mod:`sim.sweep.spec`), so its index is in every sensitivity table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ScenarioError
from .designs import salib_problem
from .spec import SweepSpec, load_spec

__all__ = ["paired_effects", "frontier", "sensitivity", "analyse", "frontier_columns"]

CONFIDENCE = 0.95


def _load(out: Path) -> tuple[SweepSpec, pd.DataFrame, pd.DataFrame]:
    for name in ("spec.toml", "design.parquet", "runs.parquet"):
        if not (out / name).is_file():
            raise ScenarioError(str(out), "DIR", str(out), f"a sweep folder with {name} (run labsim sweep first)")
    spec = load_spec(out / "spec.toml", resolve_scenario=False)
    return spec, pd.read_parquet(out / "design.parquet"), pd.read_parquet(out / "runs.parquet")


def _outcome_table(spec: SweepSpec, design: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """design rows joined with their run's outcomes (NaN for failed or missing runs)."""
    ok = runs.loc[runs["status"] == "ok", ["run_id", *spec.outcome_columns]]
    return design.merge(ok, on="run_id", how="left")


def _interval(differences: np.ndarray) -> tuple[float, float, float, int]:
    """Mean and 95 % t interval over seeds of paired differences (NaN interval for one seed)."""
    d = differences[~np.isnan(differences)]
    n = len(d)
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    mean = float(np.mean(d))
    if n < 2:
        return mean, np.nan, np.nan, n
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * np.std(d, ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half, n


def paired_effects(spec: SweepSpec, design: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Each point's effect on each outcome: paired differences from the same-seed baseline.

    Returns:
        One row per (point, outcome): the point's parameters, ``outcome``, ``baseline_mean``,
        ``point_mean``, ``difference`` (mean over seeds of point - baseline), ``ci_low``,
        ``ci_high`` (95 % t interval over seeds) and ``n_seeds`` (pairs with both runs ok).
    """
    table = _outcome_table(spec, design, runs)
    baseline = table[table["point"] < 0].set_index("seed")
    rows = []
    for point, group in table[table["point"] >= 0].groupby("point", sort=True):
        group = group.set_index("seed")
        first = group.iloc[0]
        for column in spec.outcome_columns:
            base = baseline[column].reindex(group.index).to_numpy(np.float64)
            value = group[column].to_numpy(np.float64)
            mean, low, high, n = _interval(value - base)
            rows.append({"point": point, **{p: first[p] for p in spec.parameters}, "outcome": column,
                         "baseline_mean": float(np.nanmean(base)) if np.isfinite(base).any() else np.nan,
                         "point_mean": float(np.nanmean(value)) if np.isfinite(value).any() else np.nan,
                         "difference": mean, "ci_low": low, "ci_high": high, "n_seeds": n})
    return pd.DataFrame(rows)


def frontier_columns(spec: SweepSpec) -> tuple[str, str] | None:
    """The (unemployment, fiscal cost) outcome columns of the frontier, or None.

    ``[analysis] frontier = [UNEMPLOYMENT_COLUMN, FISCAL_COST_COLUMN]`` chooses them;
    otherwise the first ``unemployment_rate_*`` and ``fiscal_cost_*`` outcomes.
    """
    chosen = spec.analysis.get("frontier")
    if chosen is not None:
        if not (isinstance(chosen, list) and len(chosen) == 2 and all(c in spec.outcome_columns for c in chosen)):
            raise ScenarioError(spec.file, "[analysis].frontier", chosen,
                                "two outcome columns: [unemployment, fiscal cost], from " + ", ".join(
                                    spec.outcome_columns))
        return chosen[0], chosen[1]
    unemployment = [c for c in spec.outcome_columns if c.startswith("unemployment_rate_")]
    cost = [c for c in spec.outcome_columns if c.startswith("fiscal_cost_")]
    return (unemployment[0], cost[0]) if unemployment and cost else None


def _non_dominated(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """True where no other point has x <= and y <= with one strictly lower (both minimised)."""
    keep = np.isfinite(x) & np.isfinite(y)
    out = np.zeros(len(x), dtype=bool)
    for i in np.flatnonzero(keep):
        beaten = keep & (x <= x[i]) & (y <= y[i]) & ((x < x[i]) | (y < y[i]))
        out[i] = not beaten.any()
    return out


def frontier(spec: SweepSpec, design: pd.DataFrame, runs: pd.DataFrame, effects: pd.DataFrame) -> pd.DataFrame:
    """Unemployment against fiscal cost per point (baseline included as point -1).

    Columns: point, the parameters, ``unemployment``, ``fiscal_cost`` (means over seeds),
    their paired differences from the baseline with 95 % intervals, and ``on_frontier``.
    """
    columns = frontier_columns(spec)
    if columns is None:
        return pd.DataFrame()
    unemployment, cost = columns
    table = _outcome_table(spec, design, runs)
    means = table.groupby("point", sort=True).agg(
        {**{p: "first" for p in spec.parameters}, unemployment: "mean", cost: "mean"}).reset_index()
    means = means.rename(columns={unemployment: "unemployment", cost: "fiscal_cost"})
    for name, column in (("unemployment", unemployment), ("fiscal_cost", cost)):
        eff = effects[effects["outcome"] == column].set_index("point")
        for field in ("difference", "ci_low", "ci_high"):
            means[f"{name}_{field}"] = means["point"].map(eff[field]).where(means["point"] >= 0, 0.0)
    means["on_frontier"] = _non_dominated(means["unemployment"].to_numpy(), means["fiscal_cost"].to_numpy())
    means.attrs["columns"] = columns
    return means


def sensitivity(spec: SweepSpec, design: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """SALib indices per outcome and parameter for ``sobol`` and ``morris`` designs.

    The response at each design point is the outcome's mean over seeds. An outcome with a
    failed run at any point, or the same value at every point, has no indices (its rows
    are left out).

    Returns:
        Sobol: outcome, parameter, S1, S1_conf, ST, ST_conf. Morris: outcome, parameter,
        mu, mu_star, mu_star_conf, sigma. Empty for other designs.
    """
    if spec.design not in ("sobol", "morris"):
        return pd.DataFrame()
    table = _outcome_table(spec, design, runs)
    points = table[table["point"] >= 0].groupby("point", sort=True)
    problem = salib_problem(spec)
    x = points[list(spec.parameters)].first().to_numpy(np.float64)
    rows = []
    for column in spec.outcome_columns:
        y = points[column].mean().to_numpy(np.float64)
        if not np.isfinite(y).all() or len(y) != len(x) or np.ptp(y) == 0.0:
            continue  # a failed run leaves a hole; a constant outcome has no variance to apportion
        if spec.design == "sobol":
            from SALib.analyze import sobol

            result = sobol.analyze(problem, y, calc_second_order=spec.second_order, conf_level=CONFIDENCE,
                                   seed=spec.design_seed)
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            from SALib.analyze import morris

            result = morris.analyze(problem, x, y, conf_level=CONFIDENCE, num_levels=spec.morris_levels,
                                    seed=spec.design_seed)
            keys = ("mu", "mu_star", "mu_star_conf", "sigma")
        for j, name in enumerate(problem["names"]):
            rows.append({"outcome": column, "parameter": name,
                         **{k: float(np.asarray(result[k])[j]) for k in keys}})
    return pd.DataFrame(rows)


def _save(fig, path: Path) -> Path:
    from ..figures import _save as save_figure  # atomic: temporary name, then rename

    return save_figure(fig, path)


def _heatmaps(spec, design, runs, folder: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    if spec.design != "grid" or len(spec.parameters) < 2:
        return []
    chosen = spec.analysis.get("heatmap", list(spec.parameters)[:2])
    if not (isinstance(chosen, list) and len(chosen) == 2 and set(chosen) <= set(spec.parameters)
            and chosen[0] != chosen[1]):
        raise ScenarioError(spec.file, "[analysis].heatmap", chosen,
                            "two different varied parameters from " + ", ".join(spec.parameters))
    x_name, y_name = chosen
    table = _outcome_table(spec, design, runs)
    table = table[table["point"] >= 0]
    others = [p for p in spec.parameters if p not in chosen]
    paths = []
    for column in spec.outcome_columns:
        grid = table.pivot_table(index=y_name, columns=x_name, values=column, aggfunc="mean")
        fig, ax = plt.subplots(figsize=(6.5, 5))
        image = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index])
        for (i, j), value in np.ndenumerate(grid.to_numpy()):
            ax.text(j, i, f"{value:.3g}", ha="center", va="center", color="white", fontsize=8)
        averaged = f", mean over {', '.join(others)} and seeds" if others else ", mean over seeds"
        ax.set(xlabel=x_name, ylabel=y_name, title=f"{column}{averaged}")
        fig.colorbar(image, ax=ax, label=column)
        paths.append(_save(fig, folder / f"heatmap_{column}.png"))
    return paths


def _sensitivity_bars(spec, table: pd.DataFrame, folder: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    paths = []
    for column, group in table.groupby("outcome", sort=False):
        fig, ax = plt.subplots(figsize=(7, 4))
        positions = np.arange(len(group))
        if spec.design == "sobol":
            ax.bar(positions - 0.2, group["S1"], 0.4, yerr=group["S1_conf"], capsize=3, label="first order S1")
            ax.bar(positions + 0.2, group["ST"], 0.4, yerr=group["ST_conf"], capsize=3, label="total ST")
            ax.set_ylabel(f"Sobol index ({int(CONFIDENCE * 100)} % bootstrap interval)")
            ax.legend()
        else:
            ax.bar(positions, group["mu_star"], 0.6, yerr=group["mu_star_conf"], capsize=3)
            ax.set_ylabel(f"Morris mu* ({int(CONFIDENCE * 100)} % interval)")
        ax.set_xticks(positions, group["parameter"], rotation=30, ha="right")
        ax.set_title(f"Sensitivity of {column}")
        paths.append(_save(fig, folder / f"sensitivity_{column}.png"))
    return paths


def _frontier_figure(table: pd.DataFrame, folder: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    if table.empty:
        return []
    unemployment, cost = table.attrs["columns"]
    fig, ax = plt.subplots(figsize=(7, 5))
    x = table["fiscal_cost_difference"] / 1e9
    y = table["unemployment_difference"] * 100
    if len(table) <= 200:  # intervals would hide the points of a large design
        ax.errorbar(x, y, xerr=[x - table["fiscal_cost_ci_low"] / 1e9, table["fiscal_cost_ci_high"] / 1e9 - x],
                    yerr=[y - table["unemployment_ci_low"] * 100, table["unemployment_ci_high"] * 100 - y],
                    fmt="none", ecolor="0.7", lw=0.8)
    ax.scatter(x, y, s=14, color="tab:blue", label="design points")
    front = table[table["on_frontier"]].sort_values("fiscal_cost")
    ax.plot(front["fiscal_cost_difference"] / 1e9, front["unemployment_difference"] * 100, "-o", color="tab:red",
            ms=5, label="frontier (no point lower on both)")
    ax.scatter([0], [0], marker="*", s=160, color="k", zorder=5, label="baseline")
    ax.axhline(0, color="0.8", lw=0.8)
    ax.axvline(0, color="0.8", lw=0.8)
    ax.set(xlabel=f"{cost}: difference from baseline, bn tenge/month",
           ylabel=f"{unemployment}: difference from baseline, pp",
           title="Policy frontier: unemployment against fiscal cost (paired by seed)")
    ax.legend(fontsize=8)
    return [_save(fig, folder / "frontier.png")]


def analyse(out: str | Path, figures: bool = True) -> list[Path]:
    """Write the analysis of the sweep in ``out`` to ``out/analysis``; return the files written.

    Raises:
        ScenarioError: ``out`` is not a finished sweep folder, or ``[analysis]`` is invalid.
    """
    out = Path(out)
    spec, design, runs = _load(out)
    folder = out / "analysis"
    folder.mkdir(exist_ok=True)
    paths = []
    effects = paired_effects(spec, design, runs)
    effects.to_csv(folder / "effects.csv", index=False)
    paths.append(folder / "effects.csv")
    front = frontier(spec, design, runs, effects)
    if not front.empty:
        front.to_csv(folder / "frontier.csv", index=False)
        paths.append(folder / "frontier.csv")
    indices = sensitivity(spec, design, runs)
    if not indices.empty:
        indices.to_csv(folder / "sensitivity.csv", index=False)
        paths.append(folder / "sensitivity.csv")
    if figures:
        import matplotlib

        matplotlib.use("Agg")
        figure_dir = folder / "figures"
        figure_dir.mkdir(exist_ok=True)
        paths += _heatmaps(spec, design, runs, figure_dir)
        if not indices.empty:
            paths += _sensitivity_bars(spec, indices, figure_dir)
        paths += _frontier_figure(front, figure_dir)
    return paths
