"""The viewer without a browser: its drawings, summary, parameters and the ``labsim viz`` command."""

from __future__ import annotations

import importlib.util
import inspect
import os
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest

from sim.cli import _build_parser, main
from sim.model import LaborMarketModel
from sim.policies import PARAMETERS
from sim.viz import serve
from sim.viz.network import UNEMPLOYMENT_COLOUR_RANGE, MigrationGraphPanel, edge_flows, edge_routes
from sim.viz.series import TimeSeriesPanel
from sim.viz.summary import summary_rows


@pytest.fixture(scope="module")
def moved_model():
    """A small model after a year, so that people have moved (read-only)."""
    model = LaborMarketModel(scale=0.002, rng=4)
    model.run(12)
    assert model.migration_counts.sum() > 0
    return model


def _app():
    if importlib.util.find_spec("solara") is None:
        if os.environ.get("LABSIM_REQUIRE_BROWSER") == "1":
            pytest.fail("LABSIM_REQUIRE_BROWSER=1 but solara (the viz extra) is not installed")
        pytest.skip("the viz extra is not installed (solara is missing)")
    from sim.viz import app

    return app


def test_every_move_is_routed_along_its_shortest_path(moved_model):
    graph, names = moved_model.graph, list(moved_model.region_names)
    edges, incidence = edge_routes(graph, names)
    n = len(names)
    for o in range(n):
        for d in range(n):
            km = nx.shortest_path_length(graph, names[o], names[d], weight="km")
            path = nx.dijkstra_path(graph, names[o], names[d], weight="km")
            assert incidence[:, o * n + d].sum() == len(path) - 1
            assert km == pytest.approx(sum(graph.edges[e]["km"] for e, on in zip(edges, incidence[:, o * n + d])
                                             if on))
    # Persons are conserved: the edges carry each move once per link it crosses.
    flows = edge_flows(moved_model)
    links_crossed = incidence.sum(axis=0).reshape(n, n)
    expected = (moved_model.migration_counts * links_crossed).sum() * moved_model.persons_per_agent
    assert sum(flows.values()) == pytest.approx(expected)
    assert min(flows.values()) >= 0 and max(flows.values()) > 0


def test_no_flow_before_anyone_moves():
    model = LaborMarketModel(scale=0.001, rng=2)
    assert set(edge_flows(model).values()) == {0.0}


def test_graph_colours_regions_by_unemployment_and_sizes_them_by_labour_force(moved_model):
    panel = MigrationGraphPanel()
    figure = panel.update(moved_model)
    regions = moved_model.region_frame().set_index("region").loc[list(moved_model.region_names)]
    colours = np.asarray(panel.node_artist.get_array())
    np.testing.assert_allclose(colours, np.clip(regions["unemployment_rate"], *UNEMPLOYMENT_COLOUR_RANGE))
    sizes = panel.node_artist.get_sizes()
    order = np.argsort(regions["labour_force"].to_numpy(), kind="stable")
    assert np.all(np.diff(sizes[order]) >= 0), "a larger labour force never draws a smaller node"
    flows = edge_flows(moved_model)
    widths = panel.edge_artist.get_linewidths()
    busiest = max(range(len(panel.edges)), key=lambda i: flows[panel.edges[i]])
    assert widths[busiest] == max(widths)
    assert figure.axes[0].get_title() == f"Migration graph, month 12 ({moved_model.date})"
    assert figure.axes[1].get_ylabel() == "unemployment rate"   # the colour bar
    assert len(panel.labels) > 0 and all(label.get_text().split()[0] in " ".join(moved_model.region_names)
                                         for label in panel.labels)


def test_graph_panel_redraws_the_next_month_and_a_new_model():
    model = LaborMarketModel(scale=0.001, rng=5)
    panel = MigrationGraphPanel()
    panel.update(model)
    model.step()
    assert panel.update(model).axes[0].get_title().startswith("Migration graph, month 1 ")
    other = LaborMarketModel(scale=0.001, rng=6)
    assert panel.update(other).axes[0].get_title().startswith("Migration graph, month 0 ")
    assert len(panel.axes.collections) == 2, "a new model replaces the nodes and edges, not adds to them"


def test_time_series_show_the_reporters_month_by_month(moved_model):
    figure = TimeSeriesPanel().update(moved_model)
    table = moved_model.datacollector.get_model_vars_dataframe()
    unemployment, wages, automation, retraining = figure.axes
    low = unemployment.lines[0]
    np.testing.assert_array_equal(low.get_xdata(), np.arange(13))
    np.testing.assert_allclose(low.get_ydata(), 100 * table["unemployment_low"])
    np.testing.assert_allclose(wages.lines[2].get_ydata(), table["wage_high"] / 1000)
    np.testing.assert_allclose(automation.lines[0].get_ydata(), 100 * table["automation_share"])
    np.testing.assert_allclose(retraining.lines[0].get_ydata(), table["retraining"] / 1000)


def test_summary_card_reports_persons_and_tenge(moved_model):
    rows = dict(summary_rows(moved_model))
    r = moved_model.reporters
    assert rows["Month"] == "12" and rows["Date"] == moved_model.date
    assert rows["Employed"] == f"{r['employed']:,.0f} persons"
    assert rows["Displaced so far"] == f"{r['displaced_total']:,.0f} persons"
    assert rows["Retrained so far"] == f"{r['retrained_total']:,.0f} persons"
    assert rows["Fiscal cost this month"] == f"{r['fiscal_cost'] / 1e9:,.2f} bn tenge"


def test_viz_binds_localhost_by_default_and_turns_off_outbound_calls():
    args = _build_parser().parse_args(["viz"])
    assert (args.host, args.port, args.scale) == ("127.0.0.1", 8765, serve.DEFAULT_SCALE)
    command = serve.solara_command("sim.viz.app", args.host, args.port)
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert "--no-check-version" in command


@pytest.mark.parametrize("option, value", [("--scale", "0.5"), ("--scale", "0"), ("--port", "0"),
                                           ("--scenario", "atlantis"), ("--seed", "-1")])
def test_viz_refuses_bad_options_in_one_line(option, value, capsys):
    assert main(["viz", option, value]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("labsim: error:") and value in err


def test_too_large_scale_message_points_to_labsim_run(capsys):
    assert main(["viz", "--scale", "1"]) == 2
    assert "labsim run" in capsys.readouterr().err


def test_the_model_does_not_import_the_viewer():
    code = "import sys, sim.model; print(sorted(m for m in sys.modules if m.startswith('sim.viz')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_viewer_parameters_are_the_models_arguments_with_policy_bounds():
    app = _app()
    arguments = inspect.signature(LaborMarketModel.__init__).parameters
    assert set(app.model_params) <= set(arguments)
    for name in app.VIEWER_POLICIES:
        slider = app.model_params[name]
        p = PARAMETERS[name]
        assert (slider.min, slider.max) == (p.low, p.high)
        assert p.low <= slider.value <= p.high
        steps = (slider.max - slider.min) / slider.step
        assert 50 <= round(steps) <= 100 and abs(steps - round(steps)) < 1e-9
    assert app.model_params["scale"]["value"] in app.model_params["scale"]["values"]
    assert max(app.model_params["scale"]["values"]) <= serve.MAX_SCALE
    assert (app.DEFAULT_SCALE, app.MAX_SCALE) == (serve.DEFAULT_SCALE, serve.MAX_SCALE)


def test_reset_builds_the_same_model_as_the_sliders_say():
    app = _app()
    # What Mesa's Reset passes: the fixed values and the sliders' values; on Mesa 3.5 also
    # its own Scenario object as `scenario=`, which the viewer replaces by its scenario.
    values = {k: (v.value if hasattr(v, "value") else v["value"] if isinstance(v, dict) else v)
              for k, v in app.model_params.items()}
    values.update(robot_tax=0.25, scale=0.001)
    rebuilt = app.ViewerModel(**{**values, "scenario": object()})
    assert rebuilt.robot_tax == 0.25 and rebuilt.scale == 0.001 and rebuilt.seed == values["rng"]
    reference = LaborMarketModel(**values)
    rebuilt.run(2)
    reference.run(2)
    assert rebuilt.reporters == reference.reporters
    assert inspect.signature(app.ViewerModel.__init__) == inspect.signature(LaborMarketModel.__init__)
