"""The migration graph as the viewer draws it: regions at their real coordinates.

Node area is proportional to the region's labour force, node colour is its unemployment
rate (fixed colour scale, so colours compare across months), and edge width is the
cumulative number of persons who moved along the edge. The model counts moves by origin
and destination (``model.migration_counts``); a move between regions that are not
neighbours is routed along its shortest path in km, the same path whose length prices
the move in the migration stage, so every edge it crosses carries it.

Pure matplotlib (``matplotlib.figure.Figure``, no pyplot state), so it can be drawn in
the server's threads and tested without a browser.

Example:
    >>> from sim.model import LaborMarketModel
    >>> model = LaborMarketModel(scale=0.001, rng=1)
    >>> model.run(2)
    >>> flows = edge_flows(model)
    >>> len(flows) == model.graph.number_of_edges(), bool(min(flows.values()) >= 0)
    (True, True)
    >>> figure = migration_graph_figure(model)
    >>> figure.axes[0].get_title().startswith("Migration graph, month 2")
    True
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

__all__ = ["UNEMPLOYMENT_COLOUR_RANGE", "edge_routes", "edge_flows", "MigrationGraphPanel",
           "migration_graph_figure"]

#: Colour scale of the regional unemployment rate (fraction); rates above the top are
#: drawn in the top colour (the colour bar shows an arrow).
UNEMPLOYMENT_COLOUR_RANGE = (0.0, 0.12)

_CMAP = "RdYlGn_r"

#: Regions labelled on the drawing: the largest by labour force (a PNG has no hover).
LABELLED_REGIONS = 7

# Label directions tried in turn (above, below, right, left of the node), the first that
# overlaps no label already placed wins: the southern regions sit close together.
_LABEL_DIRECTIONS = ((0, 1), (0, -1), (1, 0), (-1, 0))


def edge_routes(graph: nx.Graph, names) -> tuple[list[tuple[str, str]], np.ndarray]:
    """Which graph edges each origin-destination move crosses on its shortest path.

    Args:
        graph: the migration graph (edge attribute ``km``).
        names: region names in the order of ``model.migration_counts``.

    Returns:
        ``(edges, incidence)``: the graph's edges, and a 0/1 matrix of shape
        ``(n_edges, n_regions * n_regions)`` whose column ``o * n + d`` marks the edges on
        the shortest path from region ``o`` to region ``d``.
    """
    names = list(names)
    edges = [tuple(sorted(e)) for e in graph.edges]
    column_of = {e: i for i, e in enumerate(edges)}
    n = len(names)
    incidence = np.zeros((len(edges), n * n), dtype=np.float64)
    paths = dict(nx.all_pairs_dijkstra_path(graph, weight="km"))
    for o, origin in enumerate(names):
        for d, destination in enumerate(names):
            path = paths[origin][destination]
            for a, b in zip(path[:-1], path[1:]):
                incidence[column_of[tuple(sorted((a, b)))], o * n + d] = 1.0
    return edges, incidence


def _routes(model) -> tuple[list[tuple[str, str]], np.ndarray]:
    # The graph is fixed for the life of a model, so the routes are computed once.
    cached = getattr(model, "_viewer_edge_routes", None)
    if cached is None:
        cached = edge_routes(model.graph, model.region_names)
        model._viewer_edge_routes = cached
    return cached


def edge_flows(model) -> dict[tuple[str, str], float]:
    """Cumulative persons who moved along each edge of the migration graph (both ways)."""
    edges, incidence = _routes(model)
    persons = model.migration_counts.reshape(-1).astype(np.float64) * model.persons_per_agent
    return dict(zip(edges, incidence @ persons))


def _positions(graph: nx.Graph) -> dict[str, tuple[float, float]]:
    # Longitude is shrunk by cos(latitude) so that the map keeps the country's shape.
    lats = [graph.nodes[n]["lat"] for n in graph.nodes]
    shrink = math.cos(math.radians(float(np.mean(lats))))
    return {n: (graph.nodes[n]["lon"] * shrink, graph.nodes[n]["lat"]) for n in graph.nodes}


class MigrationGraphPanel:
    """The migration graph figure, kept across redraws; :meth:`update` redraws it for a model.

    The nodes, edges and colour bar are built once per model (the graph does not change);
    each update sets node sizes and colours, edge widths, labels and the title.

    Args:
        width_in, height_in: figure size in inches.
        dpi: resolution of the image the viewer sends to the browser.
    """

    def __init__(self, width_in: float = 6.4, height_in: float = 4.4, dpi: int = 80):
        # A fixed layout: matplotlib's constrained layout would double the time of a redraw.
        self.figure = fig = Figure(figsize=(width_in, height_in), dpi=dpi)
        self.axes = fig.add_axes((0.01, 0.06, 0.86, 0.86))
        self.axes.set_axis_off()
        norm = Normalize(*UNEMPLOYMENT_COLOUR_RANGE)
        colour_bar = fig.colorbar(ScalarMappable(norm=norm, cmap=_CMAP),
                                  cax=fig.add_axes((0.89, 0.12, 0.025, 0.74)), extend="max")
        colour_bar.set_label("unemployment rate", fontsize=8)
        colour_bar.ax.tick_params(labelsize=7)
        colour_bar.ax.yaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f}%")
        self.title = self.axes.set_title("", fontsize=10)
        self.footer = fig.text(0.01, 0.015, "", fontsize=7, color="#444444")
        self.graph = None
        self.labels = []

    def _draw_graph(self, model) -> None:
        ax = self.axes
        for artist in list(ax.collections):
            artist.remove()
        self.graph = model.graph
        self.names = list(model.region_names)
        self.pos = _positions(model.graph)
        self.edges = [tuple(sorted(e)) for e in model.graph.edges]
        self.edge_artist = nx.draw_networkx_edges(model.graph, self.pos, edgelist=self.edges,
                                                  edge_color="#7a8793", alpha=0.7, ax=ax)
        lo, hi = UNEMPLOYMENT_COLOUR_RANGE
        self.node_artist = nx.draw_networkx_nodes(
            model.graph, self.pos, nodelist=self.names, node_color=np.zeros(len(self.names)),
            cmap=_CMAP, vmin=lo, vmax=hi, edgecolors="#333333", linewidths=0.6, ax=ax)
        ax.set_aspect("equal", adjustable="datalim")
        ax.autoscale_view()

    def update(self, model) -> Figure:
        """Show the model now: node size = labour force, colour = unemployment, edges = flows.

        Returns:
            The figure, whose title names the month and its date.
        """
        if self.graph is not model.graph:
            self._draw_graph(model)
        regions = model.region_frame().set_index("region")
        labour_force = regions.loc[self.names, "labour_force"].to_numpy(float)
        unemployment = regions.loc[self.names, "unemployment_rate"].to_numpy(float)
        flows = edge_flows(model)
        top_flow = max(flows.values(), default=0.0)
        self.edge_artist.set_linewidths(
            [0.6 + 7.0 * (flows[e] / top_flow if top_flow > 0 else 0.0) for e in self.edges])
        sizes = 40.0 + 900.0 * labour_force / max(labour_force.max(), 1.0)
        self.node_artist.set_sizes(sizes)
        self.node_artist.set_array(np.clip(unemployment, *UNEMPLOYMENT_COLOUR_RANGE))
        for label in self.labels:
            label.remove()
        self.labels = _label_largest(self.axes, self.figure, self.pos, self.names, labour_force,
                                     unemployment, sizes)
        moved = float(model.migration_counts.sum() * model.persons_per_agent)
        self.title.set_text(f"Migration graph, month {model.month} ({model.date})")
        self.footer.set_text(f"node area: labour force; edge width: moves along the link since "
                             f"month 0 ({moved:,.0f} persons moved)")
        return self.figure


def migration_graph_figure(model, width_in: float = 6.4, height_in: float = 4.4,
                           dpi: int = 80) -> Figure:
    """Draw the migration graph now in a new figure (see :class:`MigrationGraphPanel`)."""
    return MigrationGraphPanel(width_in, height_in, dpi).update(model)


def _label_largest(ax, fig, pos, names, labour_force, unemployment, sizes) -> list:
    """Name the largest regions (with their unemployment rate) where the labels do not collide."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    box = ax.get_position()
    width_pt = box.width * fig.get_figwidth() * 72
    height_pt = box.height * fig.get_figheight() * 72
    # Points per data unit; aspect "equal" makes one scale fit both axes.
    scale = min(width_pt / max(x1 - x0, 1e-9), height_pt / max(y1 - y0, 1e-9))
    placed: list[tuple[float, float, float, float]] = []
    labels = []
    for i in np.argsort(-labour_force, kind="stable")[:LABELLED_REGIONS]:
        text = f"{names[i]} {100 * unemployment[i]:.1f}%"
        half_width, half_height = 3.0 * len(text) / 2, 5.0
        x, y = pos[names[i]]
        radius = math.sqrt(sizes[i]) / 2 + 2.0   # marker size is an area in points^2
        for ux, uy in _LABEL_DIRECTIONS:
            dx, dy = ux * radius, uy * (radius + half_height)
            cx, cy = x * scale + dx, y * scale + dy
            ha = "center" if dx == 0 else ("left" if dx > 0 else "right")
            centre = cx + (half_width if ha == "left" else -half_width if ha == "right" else 0.0)
            extent = (centre - half_width, centre + half_width, cy - half_height, cy + half_height)
            if not any(extent[0] < p[1] and p[0] < extent[1] and extent[2] < p[3] and p[2] < extent[3]
                       for p in placed):
                break
        placed.append(extent)
        labels.append(ax.annotate(
            text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va="center",
            fontsize=7, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7}))
    return labels
