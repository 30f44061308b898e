"""Scenario validation: every malformed input is one ScenarioError naming file, key, value
and expectation, raised before a model is built; custom migration graphs are checked."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scenario_files import baseline_scenario, copy_scenario

from sim import ScenarioError
from sim.model import LaborMarketModel
from sim.regions import shortest_path_km
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
REGIONS = list(pd.read_csv(ROOT / "sim/scenarios/kazakhstan/regions.csv", comment="#")["region"])


def _error(path, *fragments) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, message
    return info.value


def _with(tmp_path, section, key, value):
    doc = baseline_scenario()
    if value is None:
        del doc[section][key]
    else:
        doc[section][key] = value
    return copy_scenario(tmp_path, doc)


# -- the TOML --------------------------------------------------------------------------------

@pytest.mark.parametrize("section, key, value, expected", [
    ("policies", "robot_tax", 2.0, "[0, 1]"),
    ("policies", "robot_tax", "high", "a number"),
    ("policies", "benefit_months", 2.5, "whole number"),
    ("population", "unemployment_rate", float("nan"), "[0, 0.9]"),
    ("population", "employed", float("inf"), "a number in"),
    ("population", "entrant_skill_shares", [0.5, 0.5, 0.5], "sum to 1"),
    ("population", "age_band_edges", [15, 25, 35], "one more than"),
    ("wages", "skill_premium", [1.0, 2.0], "a list of 3 numbers"),
    ("matching", "applications", True, "a number"),
    ("scenario", "start", "2022-13", "YYYY-MM"),
    ("data", "regions", "nowhere.csv", "an existing file"),
    ("graph", "nearest_neighbours", 0, "[1, 19]"),
    ("mechanisms", "genai", "yes", "true or false"),
    ("migration", "cost_per_km", None, "missing"),
])
def test_bad_value_names_file_key_value_and_expectation(tmp_path, section, key, value, expected):
    path = _with(tmp_path, section, key, value)
    err = _error(path, str(path), f"[{section}].{key}", expected)
    assert err.file == str(path) and err.key == f"[{section}].{key}" and err.expected


def test_unknown_section_and_key_are_errors(tmp_path):
    doc = baseline_scenario()
    doc["polices"] = {"robot_tax": 0.1}
    _error(copy_scenario(tmp_path, doc), "[polices]")
    doc = baseline_scenario()
    doc["policies"]["robot_taxx"] = 0.1
    _error(copy_scenario(tmp_path, doc), "[policies].robot_taxx", "robot_tax")


def test_malformed_toml_is_an_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[scenario\nname = 1\n")
    _error(path, "valid TOML")
    path.write_bytes(b"\xff\xfe\x00garbage")
    _error(path, "valid TOML")


# -- the tables ------------------------------------------------------------------------------

def _edit_table(tmp_path, table: str, edit) -> Path:
    path = copy_scenario(tmp_path)
    csv = tmp_path / "kazakhstan" / f"{table}.csv"
    frame = pd.read_csv(csv, comment="#")
    changed = edit(frame)           # a new frame, or None when edited in place
    frame = frame if changed is None else changed
    frame.to_csv(csv, index=False)
    return path


@pytest.mark.parametrize("table, edit, fragment", [
    ("regions", lambda t: t.__setitem__("lat", t["lat"].astype(object).where(t.index != 3, "north")),
     "column lat"),
    ("regions", lambda t: t.__setitem__("lon", t["lon"].where(t.index != 2, np.nan)), "column lon"),
    ("regions", lambda t: t.__setitem__("lat", t["lat"].where(t.index != 1, 123.0)), "[-90, 90]"),
    ("regions", lambda t: t.drop(columns=["population_thousands_approx"]),
     "population_thousands_approx"),
    ("regions", lambda t: t.__setitem__("region", [t["region"][0]] * len(t)), "unique region"),
    ("sectors", lambda t: t.__setitem__("employment_share_approx", t["employment_share_approx"] * 1.1),
     "sum to 1"),
    ("sectors", lambda t: t.__setitem__("real_sector", t["real_sector"].where(t.index != 0, 2)),
     "0 or 1"),
    ("sectors", lambda t: t.__setitem__("separation_rate", -t["separation_rate"]), "separation_rate"),
    ("occupations", lambda t: t.__setitem__("isco_group", t["isco_group"].where(t.index != 0, 12)),
     "isco_group"),
    ("occupations", lambda t: t.__setitem__("occupation", [t["occupation"][0]] * len(t)), "unique names"),
    ("occupations", lambda t: t.__setitem__("p_auto", t["p_auto"].where(t.index != 4, 1.5)), "p_auto"),
    ("occupations", lambda t: t.__setitem__("wage_premium", t["wage_premium"].where(t.index != 0, -1.0)),
     "wage_premium"),
    ("occupations", lambda t: t.drop(index=t.index[t["sector"] == t["sector"][0]]),
     "sector"),
    ("occupations", lambda t: t.__setitem__("demand_trend", t["demand_trend"].where(t.index != 0, 5.0)),
     "demand_trend"),
])
def test_bad_table_is_an_error(tmp_path, table, edit, fragment):
    _error(_edit_table(tmp_path, table, edit), fragment)


def test_empty_and_binary_tables_are_errors(tmp_path):
    path = copy_scenario(tmp_path)
    (tmp_path / "kazakhstan" / "sectors.csv").write_text("")
    _error(path, "[data].sectors", "readable CSV")
    (tmp_path / "kazakhstan" / "sectors.csv").write_bytes(bytes(range(256)) * 4)
    _error(path, "sectors.csv")


# -- custom migration graphs -----------------------------------------------------------------

def _ring(names, km=100.0):
    return [(a, b, km) for a, b in zip(names, names[1:] + names[:1])]


def _edge_list(tmp_path, edges, header="source,target,km") -> Path:
    doc = baseline_scenario()
    doc["graph"] = {"file": "edges.csv"}
    lines = [header] + [",".join(f'"{x}"' if isinstance(x, str) else ("" if x is None else repr(x))
                                  for x in edge) for edge in edges]
    (tmp_path / "edges.csv").write_text("\n".join(lines) + "\n")
    return copy_scenario(tmp_path, doc)


def test_edge_list_graph_is_used_with_its_distances(tmp_path):
    path = _edge_list(tmp_path, _ring(REGIONS, 250.0))
    scenario = load_scenario(path)
    assert sorted(scenario.graph.nodes) == sorted(REGIONS)
    assert scenario.graph.number_of_edges() == len(REGIONS)
    model = LaborMarketModel(scenario=path, scale=0.001, rng=1, check_invariants=True)
    assert sorted(model.graph.edges(data="km")) == sorted(scenario.graph.edges(data="km"))
    # On a ring of 250 km edges the farthest pair is half the ring away.
    assert model.distance_km.max() == 250.0 * (len(REGIONS) // 2)
    model.run(2)


def test_edge_list_without_km_uses_great_circle(tmp_path):
    path = _edge_list(tmp_path, [(a, b) for a, b, _ in _ring(REGIONS)], header="source,target")
    graph = load_scenario(path).graph
    a, b = REGIONS[0], REGIONS[1]
    assert 10.0 < graph.edges[a, b]["km"] < 3000.0


def test_graph_file_changes_the_scenario_hash(tmp_path):
    first = load_scenario(_edge_list(tmp_path, _ring(REGIONS, 100.0))).sha256
    second = load_scenario(_edge_list(tmp_path, _ring(REGIONS, 101.0))).sha256
    assert first != second


def test_graphml_graph_loads_with_node_coordinates(tmp_path):
    graph = nx.Graph()
    for i, name in enumerate(REGIONS):
        graph.add_node(name, lat=40.0 + i, lon=60.0)
    for a, b, _ in _ring(REGIONS):
        graph.add_edge(a, b)                          # km from the node coordinates
    graph.edges[REGIONS[0], REGIONS[1]]["km"] = 77.0
    nx.write_graphml(graph, tmp_path / "g.graphml")
    doc = baseline_scenario()
    doc["graph"] = {"file": "g.graphml"}
    loaded = load_scenario(copy_scenario(tmp_path, doc)).graph
    assert loaded.edges[REGIONS[0], REGIONS[1]]["km"] == 77.0
    assert abs(loaded.edges[REGIONS[1], REGIONS[2]]["km"] - 111.2) < 0.5   # one degree of latitude
    assert shortest_path_km(loaded, REGIONS).shape == (len(REGIONS), len(REGIONS))


@pytest.mark.parametrize("edges, fragment", [
    (_ring(REGIONS[:10]) + _ring(REGIONS[10:]), "a connected graph"),
    (_ring(REGIONS[:-1]), "a connected graph"),                      # a region left out
    (_ring(REGIONS)[:-1] + [(REGIONS[0], REGIONS[-1], -5.0)], "a finite distance >= 0"),
    (_ring(REGIONS) + [(REGIONS[0], "Atlantis", 10.0)], "a region of the regions table"),
    (_ring(REGIONS) + [(REGIONS[3], REGIONS[3], 0.0)], "two different regions"),
    (_ring(REGIONS) + [(REGIONS[1], REGIONS[0], 101.0)], "one distance per pair"),
    (_ring(REGIONS)[:-1] + [(REGIONS[0], REGIONS[-1], None)], "column km"),
    (_ring(REGIONS)[:-1] + [(REGIONS[0], REGIONS[-1], "far")], "km = 'far'"),
])
def test_bad_edge_list_is_an_error(tmp_path, edges, fragment):
    _error(_edge_list(tmp_path, edges), "edges.csv", fragment)


def test_graphml_node_missing_a_coordinate_is_an_error(tmp_path):
    graph = nx.Graph()
    for name in REGIONS:
        graph.add_node(name, lat=45.0, lon=70.0)
    del graph.nodes[REGIONS[5]]["lon"]
    graph.add_edges_from((a, b) for a, b, _ in _ring(REGIONS))
    nx.write_graphml(graph, tmp_path / "g.graphml")
    doc = baseline_scenario()
    doc["graph"] = {"file": "g.graphml"}
    _error(copy_scenario(tmp_path, doc), "g.graphml", REGIONS[5], "both lat and lon")


@pytest.mark.parametrize("content, fragment", [
    ("<graphml><graph edgedefault='undirected'><node id='x'/>", "readable GraphML"),
    ("not xml at all", "readable GraphML"),
])
def test_malformed_graphml_is_an_error(tmp_path, content, fragment):
    (tmp_path / "g.graphml").write_text(content)
    doc = baseline_scenario()
    doc["graph"] = {"file": "g.graphml"}
    _error(copy_scenario(tmp_path, doc), "[graph].file", fragment)


def test_graph_file_of_unknown_kind_or_missing_is_an_error(tmp_path):
    (tmp_path / "g.json").write_text("{}")
    doc = baseline_scenario()
    doc["graph"] = {"file": "g.json"}
    _error(copy_scenario(tmp_path, doc), "[graph].file", ".graphml or .csv")
    doc = copy.deepcopy(doc)
    doc["graph"] = {"file": "absent.csv"}
    _error(copy_scenario(tmp_path, doc), "[graph].file", "an existing file")


def test_cli_reports_a_disconnected_graph_in_one_line_with_exit_2(tmp_path):
    path = _edge_list(tmp_path, _ring(REGIONS[:10]) + _ring(REGIONS[10:]))
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, "-m", "sim.cli", "run", "--scenario", str(path), "--months", "1",
                             "--scale", "0.001", "--no-figures", "--out", str(tmp_path / "out")],
                            capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "a connected graph" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()
