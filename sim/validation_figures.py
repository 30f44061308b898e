"""Figures of the validation report (``labsim validate --figures``): the Beveridge curve,
wages by skill over time, the top migration flows drawn on the graph, and a bar chart
comparing the model with each target."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .figures import _save  # noqa: E402

__all__ = ["validation_figures", "BEVERIDGE_AMPLITUDE", "BEVERIDGE_MONTHS"]

BEVERIDGE_AMPLITUDE = 0.05   # demand cycle of +-5 % over 48 months
BEVERIDGE_MONTHS = 96


def _beveridge(ax, scenario, scale, seed) -> None:
    from .model import LaborMarketModel

    model = LaborMarketModel(scenario=scenario, scale=scale, rng=seed,
                             demand_cycle_amplitude=BEVERIDGE_AMPLITUDE)
    model.run(BEVERIDGE_MONTHS)
    frame = model.datacollector.get_model_vars_dataframe().iloc[12:]
    lf = frame["employed"] + frame["unemployed"]
    u, v = frame["unemployment_rate"], frame["vacancies"] / lf
    points = ax.scatter(100 * u, 100 * v, c=np.arange(len(u)) + 12, cmap="viridis", s=12)
    ax.plot(100 * u, 100 * v, lw=0.5, color="grey")
    ax.set(xlabel="unemployment rate, %", ylabel="vacancy rate, % of labour force",
           title=f"Beveridge curve (demand cycle +-{BEVERIDGE_AMPLITUDE:.0%})")
    plt.colorbar(points, ax=ax, label="month")


def validation_figures(runs: list[dict], table, out_dir, scenario, scale, seed) -> list[Path]:
    """Write the four figures to ``out_dir``; returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = runs[0]["model"]
    frame = model.datacollector.get_model_vars_dataframe()
    paths = []

    fig, ax = plt.subplots(figsize=(6, 4.5))
    _beveridge(ax, scenario, scale, seed)
    paths.append(_save(fig, out / "validation-beveridge.png"))

    fig, ax = plt.subplots(figsize=(7, 4))
    for skill in ("low", "mid", "high"):
        ax.plot(frame.index, frame[f"wage_{skill}"] / 1000, label=f"{skill} skill")
    ax.set(xlabel="month", ylabel="mean wage, thousand tenge / month",
           title=f"Wages by skill, baseline (seed {runs[0]['model'].seed})")
    ax.legend()
    paths.append(_save(fig, out / "validation-wages-by-skill.png"))

    fig, ax = plt.subplots(figsize=(8, 5.5))
    counts = np.mean([r["model"].migration_counts for r in runs], axis=0) * model.persons_per_agent
    graph, names = model.graph, list(model.region_names)
    pos = {n: (graph.nodes[n]["lon"], graph.nodes[n]["lat"]) for n in graph.nodes}
    for a, b in graph.edges:
        ax.plot(*zip(pos[a], pos[b]), color="lightgrey", lw=0.8, zorder=1)
    pairs = [(counts[i, j], i, j) for i in range(len(names)) for j in range(len(names)) if i != j]
    top = sorted(pairs, reverse=True)[:10]
    for flow, i, j in top:
        ax.annotate("", xy=pos[names[j]], xytext=pos[names[i]], zorder=2,
                    arrowprops={"arrowstyle": "-|>", "lw": 0.5 + 4 * flow / top[0][0],
                                "color": "tab:red", "alpha": 0.7})
    net = counts.sum(axis=0) - counts.sum(axis=1)
    lon, lat = zip(*(pos[n] for n in names))
    ax.scatter(lon, lat, s=20 + 400 * np.abs(net) / max(np.abs(net).max(), 1),
               c=np.where(net >= 0, "tab:blue", "tab:orange"), zorder=3)
    for n in names:
        ax.text(*pos[n], n, fontsize=7, ha="left", va="bottom", zorder=4)
    ax.set(xlabel="longitude", ylabel="latitude",
           title="Top 10 migration flows over 36 months (blue: net gainer, orange: net loser)")
    paths.append(_save(fig, out / "validation-migration-flows.png"))

    fig, ax = plt.subplots(figsize=(8, 5))
    rows = table[table.kind.isin(["target", "forecast"]) & (table.id != "B7") & (table.id != "A9")]
    ratio = rows.model_value / rows.target_value.astype(float)
    colours = np.where(rows.status == "pass", "tab:green", "tab:red")
    ax.barh(rows.id, ratio, color=colours)
    ax.axvline(1.0, color="black", lw=0.8)
    for bound in (0.75, 1.25):
        ax.axvline(bound, color="grey", ls=":", lw=0.8)
    ax.set(xlabel="model / target (1 = on target; dotted: +-25 %)",
           title="Model against targets (green: pass, red: outside tolerance)")
    ax.invert_yaxis()
    paths.append(_save(fig, out / "validation-model-vs-target.png"))
    return paths
