"""Month 0 reproduces targets A1-A6, A8 and A10 of calibration-targets.md at every scale."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.model import LaborMarketModel
from sim.population import Status

TARGETS = pd.read_csv(Path(__file__).with_name("data") / "calibration-targets.csv",
                      comment="#").set_index("id")


def _within(value, target_id):
    row = TARGETS.loc[target_id]
    assert row["low"] <= value <= row["high"], f"{target_id}: {value} not in [{row['low']}, {row['high']}]"


@pytest.fixture(scope="module", params=[0.001, 0.01, 0.1])
def state(request):
    model = LaborMarketModel(scale=request.param, rng=2022)
    w, eco = model.workers, model.economy
    working = w.status <= Status.SELF_EMPLOYED
    return model, w, eco, working


def test_employed_persons_match_a1(state):
    model, w, eco, working = state
    _within(working.sum() * model.persons_per_agent, "A1")


def test_real_sector_share_matches_a2(state):
    model, w, eco, working = state
    _within(eco.real_sector[w.sector[working]].mean(), "A2")


@pytest.mark.parametrize("skill,target", [(0, "A3_low"), (1, "A3_mid"), (2, "A3_high")])
def test_qualification_shares_match_a3(state, skill, target):
    model, w, eco, working = state
    _within(np.mean(w.skill[working] == skill), target)


def test_quarter_of_jobs_at_risk_a4(state):
    model, w, eco, working = state
    _within(eco.at_risk[w.occupation[working]].mean(), "A4")


def test_about_a_million_jobs_replaceable_by_genai_a5(state):
    model, w, eco, working = state
    _within(eco.genai_replaceable[w.occupation[working]].sum() * model.persons_per_agent, "A5")


@pytest.mark.parametrize("city", ["Almaty", "Astana", "Shymkent"])
def test_big_cities_carry_up_to_a_third_at_risk_a6(state, city):
    model, w, eco, working = state
    frame = model.region_frame().set_index("region")
    _within(frame.loc[city, "at_risk_share"], "A6")
    assert frame.loc[city, "at_risk_share"] > eco.at_risk[w.occupation[working]].mean()


def test_unemployment_rate_matches_a8(state):
    model = state[0]
    _within(model.reporters["unemployment_rate"], "A8")


def test_mean_wage_matches_a10(state):
    model = state[0]
    _within(model.reporters["mean_wage"], "A10")


def test_every_region_and_sector_is_populated(state):
    model, w, eco, working = state
    assert np.unique(w.region).size == model.n_regions
    assert np.unique(w.sector[working]).size == eco.n_sectors


def test_twenty_regions_on_a_connected_graph_with_km(small_model):
    import networkx as nx

    g = small_model.graph
    assert g.number_of_nodes() == 20 and nx.is_connected(g)
    assert all(d["km"] > 0 for *_, d in g.edges(data=True))
