"""Regions, the migration graph and distances between regions.

The graph's edges follow one documented rule: every regional centre is joined to its
``k`` nearest centres by great-circle distance; if that leaves the graph in pieces, the
closest pair of centres in different pieces is joined until it is connected. Every edge
carries ``km``, the great-circle distance between the two centres. The cost of a move is
the shortest-path km on this graph.

Example:
    >>> import pandas as pd
    >>> t = pd.DataFrame({"region": ["A", "B", "C"], "lat": [0.0, 0.0, 0.0],
    ...                   "lon": [0.0, 1.0, 3.0]})
    >>> g = migration_graph(t, nearest_neighbours=1)
    >>> sorted(g.edges)
    [('A', 'B'), ('B', 'C')]
"""

from __future__ import annotations

import itertools
import weakref

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import FixedAgent, Network

__all__ = ["great_circle_km", "migration_graph", "shortest_path_km", "Region", "place_regions"]

EARTH_RADIUS_KM = 6371.0


class _WeakIdCounters(weakref.WeakKeyDictionary):
    """``Agent._ids`` of Mesa 3.3 holding models weakly: the same unique ids, no leak.

    Mesa 3.3 counts agent ids in a class-level ``defaultdict`` keyed by the model, so every
    model ever built stays in memory (mesa/mesa#3179, fixed in later Mesa by #3180). Runs in
    one process (sweeps, the soak test) would grow without bound.
    """

    def __getitem__(self, model):
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = itertools.count(1)
            self[model] = counter
            return counter


if isinstance(getattr(mesa.Agent, "_ids", None), dict):    # Mesa <= 3.3 only
    mesa.Agent._ids = _WeakIdCounters(mesa.Agent._ids)


def great_circle_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Haversine distance in km between points given in degrees (broadcasts)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def migration_graph(regions, nearest_neighbours: int = 3) -> nx.Graph:
    """Build the connected migration graph from a table with region, lat, lon.

    Node attributes: ``lat``, ``lon``, ``index`` (row in the table). Edge attribute: ``km``.
    """
    names = list(regions["region"])
    lat = regions["lat"].to_numpy(float)
    lon = regions["lon"].to_numpy(float)
    km = great_circle_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    graph = nx.Graph()
    for i, name in enumerate(names):
        graph.add_node(name, lat=float(lat[i]), lon=float(lon[i]), index=i)
    k = min(nearest_neighbours, len(names) - 1)
    for i in range(len(names)):
        order = [j for j in np.argsort(km[i], kind="stable") if j != i][:k]
        for j in order:
            graph.add_edge(names[i], names[j], km=float(km[i, j]))
    while not nx.is_connected(graph):
        parts = [sorted(names.index(n) for n in c) for c in nx.connected_components(graph)]
        first = parts[0]
        rest = [j for part in parts[1:] for j in part]
        sub = km[np.ix_(first, rest)]
        a, b = np.unravel_index(np.argmin(sub), sub.shape)
        i, j = first[a], rest[b]
        graph.add_edge(names[i], names[j], km=float(km[i, j]))
    return graph


def shortest_path_km(graph: nx.Graph, names) -> np.ndarray:
    """Matrix of shortest-path km over the graph, rows and columns in ``names`` order."""
    lengths = dict(nx.all_pairs_dijkstra_path_length(graph, weight="km"))
    return np.array([[lengths[a][b] for b in names] for a in names], dtype=np.float64)


class Region(FixedAgent):
    """One region: a node of the migration graph, placed in Mesa's network space.

    The columnar worker and firm sets hold the people; a Region exposes the region's
    current figures (``labour_force``, ``unemployment_rate``, ...) for Mesa tools and
    the viewer. They are refreshed by the collect stage.
    """

    def __init__(self, model: mesa.Model, index: int, name: str, centre: str,
                 lat: float, lon: float, wage_index: float, cost_of_living: float):
        super().__init__(model)
        self.index = index
        self.name = name
        self.centre = centre
        self.lat = lat
        self.lon = lon
        self.wage_index = wage_index
        self.cost_of_living = cost_of_living
        self.labour_force = 0.0
        self.employed = 0.0
        self.unemployment_rate = 0.0
        self.mean_wage = 0.0


def place_regions(model: mesa.Model, graph: nx.Graph, regions) -> tuple[Network, list[Region]]:
    """Create one :class:`Region` per graph node and place it in a Mesa ``Network``."""
    space = Network(graph, capacity=1, random=model.random)
    agents = []
    for row in regions.itertuples(index=False):
        region = Region(model, len(agents), row.region, getattr(row, "centre", row.region),
                        float(row.lat), float(row.lon), float(row.wage_index_approx),
                        float(row.cost_of_living_index_synthetic))
        region.cell = space[row.region]
        agents.append(region)
    return space, agents
