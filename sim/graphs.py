"""Custom migration graphs: a GraphML file or an edge list, checked like any scenario data.

A scenario may replace the k-nearest-neighbours rule of :mod:`sim.regions` by naming a
graph file in ``[graph].file``:

* ``.graphml``: nodes are region names (the ``region`` column of the regions table); an
  edge may carry ``km``; a node may carry ``lat`` and ``lon`` (both, or neither).
* ``.csv`` (an edge list): columns ``source``, ``target`` and optionally ``km``.

An edge without ``km`` gets the great-circle km between the two regions' centres (from
the node's own coordinates if it has them, else from the regions table). The graph must
name every region and nothing else, have no self-loops and no conflicting duplicate
edges, carry finite non-negative distances, and be connected. Anything else is a
:class:`~sim.errors.ScenarioError` naming the file, the node or edge, and what was
expected. The file is read as data (XML or CSV), never executed.

Example:
    >>> import pandas as pd, tempfile, pathlib
    >>> regions = pd.DataFrame({"region": ["A", "B", "C"], "lat": [0.0, 0.0, 0.0],
    ...                         "lon": [0.0, 1.0, 3.0]})
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "edges.csv"
    >>> _ = path.write_text("source,target,km\\nA,B,100\\nB,C,250\\n")
    >>> g = load_region_graph(path, regions, "s.toml")
    >>> sorted(g.edges(data="km"))
    [('A', 'B', 100.0), ('B', 'C', 250.0)]
"""

from __future__ import annotations

import math
from pathlib import Path
from xml.etree.ElementTree import ParseError

import networkx as nx
import numpy as np
import pandas as pd

from .errors import ScenarioError
from .regions import great_circle_km

__all__ = ["GRAPH_FORMATS", "load_region_graph"]

#: File suffixes understood in ``[graph].file``.
GRAPH_FORMATS = (".graphml", ".csv")


def _number(value) -> float | None:
    """A finite float, or None for anything else (strings, NaN, inf, bools)."""
    if isinstance(value, (bool, np.bool_)):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _read_graphml(path: Path, toml_file: str, key: str) -> tuple[list, list, dict]:
    try:
        raw = nx.read_graphml(path)
    except (ParseError, nx.NetworkXError, UnicodeDecodeError, ValueError, KeyError) as exc:
        raise ScenarioError(toml_file, key, str(path), f"a readable GraphML file ({exc})") from None
    if raw.is_multigraph():
        raise ScenarioError(str(path), "edges", "parallel edges", "at most one edge between two regions")
    coordinates = {}
    for node, data in raw.nodes(data=True):
        has = [c in data for c in ("lat", "lon")]
        if any(has) and not all(has):
            raise ScenarioError(str(path), f"node {node!r}", dict(data), "both lat and lon, or neither")
        if all(has):
            lat, lon = _number(data["lat"]), _number(data["lon"])
            if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ScenarioError(str(path), f"node {node!r} lat/lon", (data["lat"], data["lon"]),
                                    "coordinates in degrees, lat in [-90, 90] and lon in [-180, 180]")
            coordinates[str(node)] = (lat, lon)
    edges = [(str(u), str(v), data.get("km")) for u, v, data in raw.edges(data=True)]
    return [str(n) for n in raw.nodes], edges, coordinates


def _read_edge_list(path: Path, toml_file: str, key: str) -> tuple[list, list, dict]:
    try:
        table = pd.read_csv(path, comment="#", dtype={"source": str, "target": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise ScenarioError(toml_file, key, str(path), f"a readable CSV edge list ({exc})") from None
    missing = [c for c in ("source", "target") if c not in table.columns]
    if missing:
        raise ScenarioError(str(path), "columns", list(table.columns), "columns source, target and optionally km")
    for column in ("source", "target"):
        if table[column].isna().any():
            row = int(table[column].isna().to_numpy().argmax())
            raise ScenarioError(str(path), f"row {row} column {column}", None, "a region name")
    km = table["km"] if "km" in table.columns else pd.Series([None] * len(table))
    if "km" in table.columns and km.isna().any():
        row = int(km.isna().to_numpy().argmax())
        raise ScenarioError(str(path), f"row {row} column km", "missing", "a distance in km (or no km column)")
    edges = list(zip(table["source"], table["target"], km))
    nodes = sorted(set(table["source"]) | set(table["target"]))
    return nodes, edges, {}


def load_region_graph(path, regions: pd.DataFrame, toml_file: str, key: str = "[graph].file") -> nx.Graph:
    """Read and check a custom migration graph; the same shape as :func:`sim.regions.migration_graph`.

    Args:
        path: a ``.graphml`` or ``.csv`` file.
        regions: the validated regions table (``region``, ``lat``, ``lon``).
        toml_file: the scenario file, for error messages.
        key: the key path that named the file.

    Returns:
        An undirected graph with node attributes ``lat``, ``lon``, ``index`` (row in the
        table) and edge attribute ``km``.

    Raises:
        ScenarioError: an unreadable file, an unknown or missing region, a self-loop, a
            conflicting duplicate edge, a missing coordinate, a negative or non-finite
            distance, or a disconnected graph.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".graphml":
        nodes, edges, coordinates = _read_graphml(path, toml_file, key)
    elif suffix == ".csv":
        nodes, edges, coordinates = _read_edge_list(path, toml_file, key)
    else:
        raise ScenarioError(toml_file, key, str(path), "a file ending in " + " or ".join(GRAPH_FORMATS))
    names = [str(n) for n in regions["region"]]
    index = {name: i for i, name in enumerate(names)}
    unknown = sorted(set(nodes) - set(index))
    if unknown:
        raise ScenarioError(str(path), "node", unknown[0], "a region of the regions table")
    lat = regions["lat"].to_numpy(float)
    lon = regions["lon"].to_numpy(float)
    graph = nx.Graph()
    for i, name in enumerate(names):
        node_lat, node_lon = coordinates.get(name, (float(lat[i]), float(lon[i])))
        graph.add_node(name, lat=float(lat[i]), lon=float(lon[i]), index=i,
                       centre_lat=node_lat, centre_lon=node_lon)
    for u, v, km in edges:
        where = f"edge {u!r}-{v!r}"
        if u == v:
            raise ScenarioError(str(path), where, u, "an edge between two different regions")
        if km is None:
            a, b = graph.nodes[u], graph.nodes[v]
            distance = float(great_circle_km(a["centre_lat"], a["centre_lon"], b["centre_lat"], b["centre_lon"]))
        else:
            distance = _number(km)
            if distance is None or distance < 0:
                raise ScenarioError(str(path), f"{where} km", km, "a finite distance >= 0 km")
        if graph.has_edge(u, v) and graph.edges[u, v]["km"] != distance:
            raise ScenarioError(str(path), where, distance,
                                f"one distance per pair (also given as {graph.edges[u, v]['km']})")
        graph.add_edge(u, v, km=distance)
    for name in names:
        for attribute in ("centre_lat", "centre_lon"):
            del graph.nodes[name][attribute]
    if not nx.is_connected(graph):
        parts = sorted((sorted(c) for c in nx.connected_components(graph)), key=len)
        raise ScenarioError(str(path), "edges", f"{len(parts)} components, e.g. {parts[0]}",
                            "a connected graph: every region reachable from every other")
    return graph
