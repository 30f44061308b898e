"""What the model says about each calibration target: month-0 figures (section A) and
changes over the first 36 months of the baseline (section B of calibration-targets.md).

Definitions follow the top of calibration-targets.md:
* employed = wage employees + self-employed (+ platform workers, who count as employed);
* labour force = employed + unemployed; people in retraining are outside it;
* at risk = an occupation whose larger exposure ``max(p_auto, p_genai)`` is >= 0.3
  (moderate 0.3-0.7, high >= 0.7); replaceable by generative AI = at risk and
  ``p_genai >= p_auto``.

The window figures (B1-B5) are differences between the state at month 36 and month 0:
* B1, B2: employed persons by qualification (low; medium + high);
* B3: "potentially unemployed or needing retraining" = workers who lost a job to
  automation in the window and are, at its end, unemployed, in retraining, or in gig
  work (platform) rather than a wage job or self-employment;
* B4: employed in agriculture; B5: employed in education, health and social work, and
  public administration (the "social economy" of 001);
* B6 (reported): share of active firms that have adopted automation at least once;
* B7: net migration gains by region and the largest two-way corridors, cumulated.

Example:
    >>> from sim.model import LaborMarketModel
    >>> m = LaborMarketModel(scale=0.001, rng=3)
    >>> round(initial_moments(m)["A8"], 3)
    0.049
"""

from __future__ import annotations

import numpy as np

from .population import Status

__all__ = ["initial_moments", "window_snapshot", "window_moments", "migration_axis",
           "WINDOW_MONTHS", "SOCIAL_SECTORS", "AXIS_REGIONS", "GAINER_REGIONS", "BIG_CITIES"]

WINDOW_MONTHS = 36
SOCIAL_SECTORS = ("education", "health and social work", "public administration")
GAINER_REGIONS = ("Almaty", "Astana")
AXIS_REGIONS = ("Almaty", "Karaganda", "Astana")
BIG_CITIES = ("Almaty", "Astana", "Shymkent")


def _working(model) -> np.ndarray:
    return model.workers.status <= Status.PLATFORM


def initial_moments(model) -> dict[str, float]:
    """Section A figures of the model's current state (meant for month 0)."""
    w, eco = model.workers, model.economy
    persons = model.persons_per_agent
    working = _working(model)
    n_working = max(int(working.sum()), 1)
    occ = w.occupation[working]
    skill_share = np.bincount(w.skill[working], minlength=3) / n_working
    employees = w.status == Status.EMPLOYED
    out = {
        "A1": n_working * persons,
        "A2": float(eco.real_sector[w.sector[working]].mean()),
        "A3_low": float(skill_share[0]), "A3_mid": float(skill_share[1]),
        "A3_high": float(skill_share[2]),
        "A4": float(eco.at_risk[occ].mean()),
        "A4a_high": float((eco.risk[occ] == 2).mean()),
        "A4a_moderate": float((eco.risk[occ] == 1).mean()),
        "A5": float(eco.genai_replaceable[occ].sum() * persons),
        "A8": float(model.reporters["unemployment_rate"]),
        "A9": float(eco.n_occupations),
        "A10": float(w.wage[employees].mean()),
        "A10_median": float(np.median(w.wage[employees])),
        "A11": float(model.minimum_wage),
    }
    region = w.region[working]
    for name in BIG_CITIES:
        in_city = region == model.region_names.index(name)
        out[f"A6_{name}"] = float(eco.at_risk[occ[in_city]].mean()) if in_city.any() else 0.0
    return out


def window_snapshot(model) -> dict[str, np.ndarray]:
    """The counts the window figures difference: employed by skill and by sector."""
    w = model.workers
    working = _working(model)
    persons = model.persons_per_agent
    return {
        "employed_by_skill": np.bincount(w.skill[working], minlength=3) * persons,
        "employed_by_sector": np.bincount(w.sector[working],
                                          minlength=model.economy.n_sectors) * persons,
    }


def window_moments(model, start: dict[str, np.ndarray]) -> dict[str, float]:
    """Section B figures: changes since the snapshot ``start``, and the state now."""
    w, f = model.workers, model.firms
    now = window_snapshot(model)
    d_skill = now["employed_by_skill"] - start["employed_by_skill"]
    d_sector = now["employed_by_sector"] - start["employed_by_sector"]
    sectors = list(model.economy.sector_names)
    not_back = (w.status == Status.UNEMPLOYED) | (w.status == Status.RETRAINING) \
        | (w.status == Status.PLATFORM)
    active = f.active
    out = {
        "B1": float(d_skill[0]),
        "B2": float(d_skill[1] + d_skill[2]),
        "B3": float(np.count_nonzero(w.displaced & not_back) * model.persons_per_agent),
        "B4": float(d_sector[sectors.index("agriculture")]),
        "B5": float(sum(d_sector[sectors.index(s)] for s in SOCIAL_SECTORS)),
        "B6": float(model.ever_automated[: len(f)][active].mean()) if active.any() else 0.0,
    }
    out.update(migration_axis(model))
    return out


def migration_axis(model) -> dict[str, float]:
    """B7 as numbers: whether Almaty and Astana are the two largest net gainers, and the
    share of all moves on the corridors joining Almaty, Karaganda and Astana (the axis).

    ``B7`` is 1.0 when both hold: the two largest net gainers are Almaty and Astana, and
    the axis carries more than its share of moves: the moves between its three regions,
    as a share of all moves, exceed the share of region pairs among them when pairs are
    weighted by the product of the two labour forces (moves spread like people).
    """
    counts = model.migration_counts.astype(np.float64)
    names = list(model.region_names)
    net = counts.sum(axis=0) - counts.sum(axis=1)
    top2 = {names[i] for i in np.argsort(-net, kind="stable")[:2]}
    axis = [names.index(n) for n in AXIS_REGIONS]
    total = counts.sum()
    on_axis = sum(counts[a, b] for a in axis for b in axis if a != b)
    axis_share = on_axis / total if total else 0.0
    # Moves whose two ends both lie on the axis, if moves were spread like people.
    lf = model.market["labour_force_r"]
    weight = lf / lf.sum()
    pair_weight = np.outer(weight, weight)
    np.fill_diagonal(pair_weight, 0.0)
    expected = pair_weight[np.ix_(axis, axis)].sum() / pair_weight.sum()
    gainers = top2 == set(GAINER_REGIONS)
    return {
        "B7": float(gainers and axis_share > expected),
        "B7_gainers": float(gainers),
        "B7_axis_share": float(axis_share),
        "B7_axis_share_expected": float(expected),
        "B7_net_gain": {names[i]: float(net[i] * model.persons_per_agent) for i in range(len(names))},
    }
