"""The browser viewer: a Mesa SolaraViz page for ``LaborMarketModel``.

``labsim viz`` serves it (see :mod:`sim.viz.serve`); ``solara run sim.viz.app`` works too.
The page has policy sliders, a scale selector and the seed (``model_params``, keyed to
``LaborMarketModel``'s arguments, bounds taken from ``sim.policies.PARAMETERS``), and three
panels redrawn after every Step:

- the migration graph at the regions' real coordinates (:mod:`sim.viz.network`);
- time series of unemployment and wages by skill, automation share and retraining
  (:mod:`sim.viz.series`);
- a summary card: month, date, employed, unemployed, displaced, retrained, fiscal cost
  (:mod:`sim.viz.summary`).

Pressing Reset builds a new model from the sliders. Each browser session gets its own
model. ``sim.model`` does not import this module.

Mesa 3.3 and 3.5 differ under SolaraViz; the page relies on neither difference: it reads
the month from ``model.month`` (Mesa 3.3 has no ``model.time``), draws the graph itself at
the regions' coordinates (Mesa 3.3's ``Network`` takes no ``layout``), and its panels are
plain solara components refreshed by ``update_counter``, which both versions provide.

The serving command passes its options in the environment: ``LABSIM_VIZ_SCENARIO``,
``LABSIM_VIZ_SCALE`` and ``LABSIM_VIZ_SEED`` (the first model and the selectors' defaults).
"""

from __future__ import annotations

import base64
import html
import inspect
import io
import math
import os

import solara
from mesa.visualization import Slider, SolaraViz
from mesa.visualization.utils import update_counter

from sim.model import LaborMarketModel
from sim.policies import PARAMETERS
from sim.scenario import load_scenario
from sim.viz.network import MigrationGraphPanel
from sim.viz.series import TimeSeriesPanel
from sim.viz.summary import summary_rows

__all__ = ["VIEWER_POLICIES", "SCALE_CHOICES", "DEFAULT_SCALE", "MAX_SCALE", "ViewerModel",
           "model_params", "MigrationGraph", "TimeSeries", "SummaryCard", "Page"]

#: The levers with a slider, in the order shown.
VIEWER_POLICIES = ("retraining_subsidy", "robot_tax", "unemployment_benefit",
                   "migration_subsidy", "minimum_wage", "ai_cost_decline")

#: The viewer's default scale (about 95,000 workers): a Step and its redraw take well
#: under a second (README, "Viewer").
DEFAULT_SCALE = 0.01

#: The largest scale the viewer serves: above it building a model takes seconds, a
#: month takes ~0.1 s or more before any drawing, and every browser session holds its
#: own model in memory (about 1.7 GB at scale 1). Use ``labsim run`` for those.
MAX_SCALE = 0.1

#: What the scale selector offers (fractions of the labour force).
SCALE_CHOICES = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1)

SCENARIO = os.environ.get("LABSIM_VIZ_SCENARIO", "kazakhstan")
INITIAL_SCALE = float(os.environ.get("LABSIM_VIZ_SCALE", DEFAULT_SCALE))
INITIAL_SEED = int(os.environ.get("LABSIM_VIZ_SEED", 1))


class ViewerModel(LaborMarketModel):
    """``LaborMarketModel`` as the page re-creates it on Reset, with the same arguments.

    Mesa 3.5's Reset passes Mesa's own ``Scenario`` object as ``scenario=``, a name this
    model uses for its scenario file; the viewer's scenario is kept instead. On Mesa 3.3
    the argument arrives as given. The signature shown to Mesa is ``LaborMarketModel``'s,
    so SolaraViz checks ``model_params`` against the real arguments.
    """

    def __init__(self, scenario=SCENARIO, **kwargs):
        if not isinstance(scenario, (str, os.PathLike)):
            scenario = SCENARIO
        super().__init__(scenario=scenario, **kwargs)

    __init__.__signature__ = inspect.signature(LaborMarketModel.__init__)


def _slider_step(low: float, high: float) -> float:
    """A round step (1, 2 or 5 x 10^k) giving 50 to 100 positions over [low, high]."""
    raw = (high - low) / 100.0
    power = 10.0 ** math.floor(math.log10(raw))
    factor = next(f for f in (1, 2, 5, 10) if f * power >= raw * (1 - 1e-9))
    return round(factor * power, 12)


def _policy_slider(name: str, value: float) -> Slider:
    p = PARAMETERS[name]
    step = _slider_step(p.low, p.high)
    label = name.replace("_", " ")  # the unit is in the summary card; long labels squeeze the slider
    if step >= 1:
        return Slider(label, value=int(value), min=int(p.low), max=int(p.high),
                      step=int(step), dtype=int)
    return Slider(label, value=float(value), min=float(p.low), max=float(p.high),
                  step=step, dtype=float)


def _model_params() -> dict:
    scenario_values = load_scenario(SCENARIO).policies
    scales = sorted(set(SCALE_CHOICES) | {INITIAL_SCALE})
    params = {
        "scenario": SCENARIO,
        "scale": {"type": "Select", "value": INITIAL_SCALE, "values": scales,
                  "label": "scale (fraction of the labour force)"},
        "rng": {"type": "SliderInt", "value": INITIAL_SEED, "min": 0, "max": max(1000, INITIAL_SEED),
                "step": 1, "label": "seed"},
    }
    params.update({name: _policy_slider(name, scenario_values[name]) for name in VIEWER_POLICIES})
    return params


#: The page's parameters, keyed to ``LaborMarketModel``'s arguments: fixed values, the
#: scale and seed selectors and one slider per policy of ``VIEWER_POLICIES``, starting at
#: the scenario's value.
model_params = _model_params()


def _image_html(figure, description: str) -> str:
    """The figure as an ``<img>`` with its PNG inline and a text alternative."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f'<img alt="{html.escape(description)}" src="data:image/png;base64,{data}" '
            f'style="max-width: 100%; height: auto">')


def _panel_image(model, panel_type, description: str, css_class: str) -> None:
    """Render a matplotlib panel as an image, redrawn when the month changes (called from
    a component's body, so the hooks run in the same order every render)."""
    update_counter.get()
    panel = solara.use_memo(panel_type, [])
    image = solara.use_memo(lambda: _image_html(panel.update(model), description),
                            [model, model.month])
    solara.HTML(tag="div", unsafe_innerHTML=image, classes=[css_class])


@solara.component
def MigrationGraph(model):
    """The migration graph now; its title and the image's text alternative give the month."""
    _panel_image(model, MigrationGraphPanel,
                 f"Migration graph, month {model.month} ({model.date})", "labsim-migration-graph")


@solara.component
def TimeSeries(model):
    """Unemployment and wages by skill, automation share and retraining, months 0 to now."""
    _panel_image(model, TimeSeriesPanel, f"Time series, months 0 to {model.month}",
                 "labsim-time-series")


@solara.component
def SummaryCard(model):
    """Month, date, employment, displacement, retraining and fiscal cost, this month."""
    update_counter.get()
    rows = "".join(f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(label)}</th>"
                   f"<td class='labsim-{html.escape(label.split()[0].lower())}'>{html.escape(value)}</td></tr>"
                   for label, value in summary_rows(model))
    parameters = ", ".join(f"{name} = {model.parameters[name]:g}" for name in VIEWER_POLICIES)
    with solara.Card("Summary", classes=["labsim-summary"]):
        solara.HTML(tag="table", unsafe_innerHTML=rows)
        solara.Text(f"scale {model.scale:g} ({len(model.workers):,} workers), seed {model.seed}; "
                    f"{parameters}", classes=["labsim-parameters"], style={"font-size": "12px"})


@solara.component
def Page():
    """The page: one model per browser session, built from the initial parameters."""
    model = solara.use_memo(lambda: ViewerModel(scenario=SCENARIO, scale=INITIAL_SCALE,
                                                rng=INITIAL_SEED), [])
    SolaraViz(model, components=[(MigrationGraph, 0), (TimeSeries, 0), (SummaryCard, 0)],
              model_params=model_params, name="labsim: labour market under automation and AI")
