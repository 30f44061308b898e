"""Static figures of a run (matplotlib, no display needed)."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402

__all__ = ["write_figures"]


def _save(fig, path: Path) -> Path:
    tmp = path.with_name(path.stem + ".tmp.png")
    fig.savefig(tmp, dpi=110, bbox_inches="tight")
    plt.close(fig)
    os.replace(tmp, path)
    return path


def write_figures(model, table, out_dir) -> list[Path]:
    """Unemployment and wages by skill over time; regional unemployment on the graph."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    fig, ax = plt.subplots(figsize=(7, 4))
    for skill in ("low", "mid", "high"):
        ax.plot(table["month"], 100 * table[f"unemployment_{skill}"], label=f"{skill} skill")
    ax.plot(table["month"], 100 * table["unemployment_rate"], "k--", label="all")
    ax.set(xlabel="month", ylabel="unemployment rate, %",
           title=f"Unemployment by skill ({model.scenario_data.name}, seed {model.seed})")
    ax.legend()
    paths.append(_save(fig, out / "unemployment_by_skill.png"))

    fig, ax = plt.subplots(figsize=(7, 4))
    for skill in ("low", "mid", "high"):
        ax.plot(table["month"], table[f"wage_{skill}"] / 1000, label=f"{skill} skill")
    ax.set(xlabel="month", ylabel="mean wage, thousand tenge / month (2022 prices)",
           title="Mean wage of employees by skill")
    ax.legend()
    paths.append(_save(fig, out / "wages_by_skill.png"))

    regions = model.region_frame()
    graph = model.graph
    pos = {n: (graph.nodes[n]["lon"], graph.nodes[n]["lat"]) for n in graph.nodes}
    fig, ax = plt.subplots(figsize=(9, 5.5))
    rate = dict(zip(regions["region"], 100 * regions["unemployment_rate"]))
    size = dict(zip(regions["region"], regions["labour_force"]))
    nodes = list(graph.nodes)
    top = max(size.values()) or 1.0
    nx.draw_networkx_edges(graph, pos, ax=ax, alpha=0.4)
    drawn = nx.draw_networkx_nodes(
        graph, pos, nodelist=nodes, ax=ax, cmap="viridis_r",
        node_color=[rate[n] for n in nodes], node_size=[80 + 900 * size[n] / top for n in nodes])
    nx.draw_networkx_labels(graph, pos, ax=ax, font_size=7)
    fig.colorbar(drawn, ax=ax, label="unemployment rate, %")
    ax.set(title=f"Regional unemployment, {model.date}", xlabel="longitude", ylabel="latitude")
    paths.append(_save(fig, out / "regional_unemployment.png"))
    return paths
