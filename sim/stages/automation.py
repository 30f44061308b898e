"""Stage 3, automation: firms adopt routine automation and generative AI where it pays.

Every at-risk occupation belongs to one channel: generative AI when ``p_genai >=
p_auto`` (the "replaceable by generative AI" jobs of target A5), routine automation
otherwise. Each month a firm weighs, per channel, the monthly running cost of a
replacing technology (falling at the channel's annual rate, times ``1 + robot_tax``)
against the wages of its exposed workers::

    saving_f = sum_i p_i * (wage_i - cost)      over exposed workers with wage_i > cost
    hazard_f = max_hazard * (1 - exp(-(saving_f / exposed_wage_bill_f) / saving_scale))

so adoption is gradual, comes first where wages are high (big cities, oil, finance),
and is slowed by low wages or a robot tax (C1, C2). An adopting firm automates a share
``adoption_step * p_i`` of the exposed jobs that pay more than the technology costs;
those workers are displaced. The firm's productivity rises with its automation level,
and it opens ``new_job_ratio`` complementary jobs per position automated (C3): mostly
high-skill, low-exposure occupations of its sector and the new occupations. The ratio
is an assumption, not derived: the model has no goods-demand side.
"""

from __future__ import annotations

import numpy as np

from ..randomness import Stream, uniform_for
from .separations import separate

__all__ = ["automation", "technology_cost", "productivity_of", "update_productivity",
           "CHANNELS"]

CHANNELS = ("routine", "genai")


def technology_cost(model, channel: str, taxed: bool = True) -> float:
    """Monthly running cost of automating one position, tenge, at the current month."""
    auto = model.scenario_data.params["automation"]
    if channel == "routine":
        cost, decline = auto["routine_cost"], model.automation_cost_decline
    else:
        cost, decline = auto["genai_cost"], model.ai_cost_decline
    cost *= (1.0 - decline) ** (model.month / 12.0)
    return cost * (1.0 + model.robot_tax) if taxed else cost


def _channel_active(model, channel: str) -> bool:
    if channel == "routine":
        return model.mechanisms["automation"]
    start = model.scenario_data.params["automation"]["genai_start_month"]
    return model.mechanisms["genai"] and model.month >= start


def automation(model) -> None:
    """Adoption decisions, displacement and complementary job creation."""
    auto = model.scenario_data.params["automation"]
    w, f = model.workers, model.firms
    n_firms = len(f)
    costs = np.array([technology_cost(model, channel) for channel in CHANNELS])
    # One pass over the employees: each firm's exposed wage bill and saving, by channel,
    # and the candidates for replacement (exposed employees paid more than the cost).
    bills, savings = np.zeros(2 * n_firms), np.zeros(2 * n_firms)
    candidate_row, candidate_key = np.empty(len(w), np.int64), np.empty(len(w), np.int64)
    n_candidates = model.kernels.automation_savings(
        w.status, w.occupation, w.firm, w.wage, model.channel_of_occupation,
        model.channel_exposure, costs, bills, savings, candidate_row, candidate_key)
    # Adoption decisions of both channels first: they depend only on the savings above.
    adopting = np.zeros((len(CHANNELS), n_firms), dtype=bool)
    for c, channel in enumerate(CHANNELS):
        if not _channel_active(model, channel):
            continue
        bill, saving = bills[c * n_firms:(c + 1) * n_firms], savings[c * n_firms:(c + 1) * n_firms]
        relative = np.divide(saving, bill, out=np.zeros(n_firms), where=bill > 0)
        hazard = auto["max_adoption_hazard"] * (1.0 - np.exp(-relative / auto["hazard_saving_scale"]))
        candidates = np.flatnonzero(hazard > 0)
        if candidates.size == 0:
            continue
        u = uniform_for(model.seed, model.month, Stream.AUTOMATION_ADOPTION, candidates, c)
        adopting[c, candidates[u < hazard[candidates]]] = True
        model.adoptions_total += int(adopting[c].sum())
        model.ever_automated[adopting[c]] = True
    if not adopting.any():
        return   # nothing automated: productivity unchanged
    # The jobs each adoption can replace, both channels at once, from the candidates
    # (no worker has changed since they were found). Displacement in one channel cannot
    # change the other's rows: an occupation belongs to one channel only, and
    # displacement touches only the displaced.
    exposed = np.empty((len(CHANNELS), n_candidates), dtype=np.int64)
    counts = np.zeros(len(CHANNELS), dtype=np.int64)
    model.kernels.exposed_in_adopting(candidate_row[:n_candidates],
                                      candidate_key[:n_candidates],
                                      adopting.view(np.uint8), exposed, counts)
    automating = []   # firms whose automation level changes this month
    for c, channel in enumerate(CHANNELS):
        rows = exposed[c, :counts[c]]
        if rows.size == 0:
            continue
        p = model.channel_exposure[w.occupation[rows]]
        u = uniform_for(model.seed, model.month, Stream.AUTOMATION_DISPLACEMENT, w.worker_id[rows], c)
        displaced = rows[np.flatnonzero(u < auto["adoption_step"] * p)]
        if displaced.size == 0:
            continue
        per_firm = np.bincount(w.firm[displaced], minlength=n_firms).astype(np.float64)
        separate(model, displaced)
        w.displaced[displaced] = True
        automated = f.automated_routine if channel == "routine" else f.automated_genai
        automated += per_firm
        f.complementary_jobs[:] += model.new_job_ratio * per_firm
        model.displaced_total += displaced.size
        model.new_jobs_total += model.new_job_ratio * displaced.size
        automating.append(np.flatnonzero(per_firm))
    if automating:
        update_productivity(model, np.unique(np.concatenate(automating)))


def productivity_of(model, firms) -> np.ndarray:
    """Productivity of firm rows ``firms`` (an index array or a slice): it rises with the
    firm's automation level (share of exposed positions)."""
    f = model.firms
    exposed = f.exposed_positions[firms]
    level = np.divide(f.automated_routine[firms] + f.automated_genai[firms], exposed,
                      out=np.zeros(exposed.size), where=exposed > 0)
    return 1.0 + model.scenario_data.params["wages"]["automation_productivity_gain"] \
        * np.minimum(level, 1.0)


def update_productivity(model, firms: np.ndarray) -> None:
    """Set the productivity of firm rows ``firms``. Only firms that automated this month
    change (the level of the others, and of firms that enter with nothing automated, is
    what it was), so the automation stage updates only those: the same values as
    recomputing every firm, which took ~2.5 ms a month at national scale (checked with
    ``check_invariants``)."""
    model.firms.productivity[firms] = productivity_of(model, firms)
