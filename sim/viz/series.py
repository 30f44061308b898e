"""The viewer's time series: unemployment and wages by skill, automation, retraining.

One figure of four panels drawn from the model's reporters
(``model.datacollector.get_model_vars_dataframe()``, one row per month from month 0).
:class:`TimeSeriesPanel` keeps its figure and updates the lines' data at each redraw:
building the axes and ticks anew would take most of the redraw time. Pure matplotlib
(``matplotlib.figure.Figure``, no pyplot state).

Example:
    >>> from sim.model import LaborMarketModel
    >>> model = LaborMarketModel(scale=0.001, rng=1)
    >>> model.run(3)
    >>> figure = time_series_figure(model)
    >>> [ax.get_title() for ax in figure.axes]  # doctest: +NORMALIZE_WHITESPACE
    ['Unemployment rate by skill', 'Mean wage of employees by skill',
     'Automation share of exposed positions', 'In retraining']
    >>> len(figure.axes[0].lines[0].get_xdata())   # months 0..3
    4
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

__all__ = ["SKILL_COLOURS", "TimeSeriesPanel", "time_series_figure"]

SKILL_COLOURS = {"low": "#d95f02", "mid": "#7570b3", "high": "#1b9e77"}

# (panel, reporter, scale factor, style): what each line shows, in the units of its axis.
_LINES = (
    [(0, f"unemployment_{skill}", 100.0, {"color": c, "label": skill}) for skill, c in SKILL_COLOURS.items()]
    + [(0, "unemployment_rate", 100.0, {"color": "k", "ls": "--", "lw": 1, "label": "all"})]
    + [(1, f"wage_{skill}", 1e-3, {"color": c, "label": skill}) for skill, c in SKILL_COLOURS.items()]
    + [(2, "automation_share", 100.0, {"color": "#444444"}),
       (3, "retraining", 1e-3, {"color": "#1f78b4"})]
)


class TimeSeriesPanel:
    """A four-panel figure kept across redraws; :meth:`update` redraws it for a model.

    Args:
        width_in, height_in: figure size in inches.
        dpi: resolution of the image the viewer sends to the browser.
    """

    def __init__(self, width_in: float = 6.4, height_in: float = 4.4, dpi: int = 80):
        # A fixed layout: matplotlib's constrained layout would double the time of a redraw.
        self.figure = fig = Figure(figsize=(width_in, height_in), dpi=dpi)
        fig.subplots_adjust(left=0.08, right=0.985, top=0.94, bottom=0.1, hspace=0.32, wspace=0.26)
        self.axes = fig.subplots(2, 2, sharex=True).ravel()
        unemployment, wages, automation, retraining = self.axes
        self.lines = [(name, factor, self.axes[panel].plot([], [], **style)[0])
                      for panel, name, factor, style in _LINES]
        unemployment.set(title="Unemployment rate by skill", ylabel="%")
        unemployment.legend(fontsize=7, ncols=2)
        wages.set(title="Mean wage of employees by skill", ylabel="thousand tenge / month")
        automation.set(title="Automation share of exposed positions", ylabel="%", xlabel="month")
        retraining.set(title="In retraining", ylabel="thousand persons", xlabel="month")
        for ax in self.axes:
            ax.title.set_fontsize(9)
            ax.tick_params(labelsize=7)
            ax.yaxis.label.set_fontsize(7)
            ax.xaxis.label.set_fontsize(7)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(alpha=0.3)

    def update(self, model) -> Figure:
        """Set every line to the model's reporters, months 0 to now, and rescale the axes."""
        table = model.datacollector.get_model_vars_dataframe()
        months = np.arange(len(table))
        for name, factor, line in self.lines:
            line.set_data(months, table[name].to_numpy(float) * factor)
        for ax in self.axes:
            ax.relim()
            ax.autoscale_view()
        self.axes[0].set_xlim(0, max(len(table) - 1, 1))
        return self.figure


def time_series_figure(model, width_in: float = 6.4, height_in: float = 4.4, dpi: int = 80) -> Figure:
    """Four panels over months: unemployment by skill, wages by skill, automation, retraining."""
    return TimeSeriesPanel(width_in, height_in, dpi).update(model)
