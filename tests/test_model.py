"""The model API: keywords, validation, reporters, frames, batch_run, Mesa integration."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from sim import ScenarioError
from sim.metrics import MODEL_REPORTERS
from sim.model import STAGES, LaborMarketModel
from sim.policies import PARAMETERS


def test_every_policy_is_an_explicit_keyword():
    import inspect

    params = inspect.signature(LaborMarketModel.__init__).parameters
    assert all(name in params for name in PARAMETERS)
    assert not any(p.kind == p.VAR_KEYWORD for p in params.values())


@pytest.mark.parametrize("kwargs", [
    {"scale": 0.0}, {"scale": -0.1}, {"scale": 1.5}, {"scale": "big"},
    {"robot_tax": 1.5}, {"unemployment_benefit": -0.1}, {"benefit_months": 2.5},
    {"scenario": "atlantis"}, {"scenario": "/nonexistent/file.toml"}, {"rng": -1},
    {"rng": 1.5}, {"rng": 1, "seed": 2},
])
def test_bad_arguments_raise_scenario_error_before_building(kwargs):
    with pytest.raises(ScenarioError) as info:
        LaborMarketModel(**kwargs)
    assert info.value.key and info.value.expected


def test_unknown_parameter_lists_valid_names():
    from sim.policies import validate_parameter

    with pytest.raises(ScenarioError, match="robot_tax"):
        validate_parameter("robot_taxx", 0.1)


def test_seed_and_rng_are_the_same_thing():
    a = LaborMarketModel(scale=0.001, seed=4)
    b = LaborMarketModel(scale=0.001, rng=4)
    assert a.seed == b.seed == 4
    assert np.array_equal(a.workers.wage, b.workers.wage)


def test_policy_keyword_overrides_scenario():
    model = LaborMarketModel(scale=0.001, rng=1, robot_tax=0.3, benefit_months=3)
    assert model.robot_tax == 0.3 and model.parameters["benefit_months"] == 3


def test_reporters_are_named_as_in_design_and_start_at_month_0(run_model):
    frame = run_model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == list(MODEL_REPORTERS)
    assert len(frame) == run_model.month + 1 == 25
    assert np.isfinite(frame.to_numpy()).all()


def test_step_runs_the_named_stages_in_order():
    names = [name for name, _ in STAGES]
    assert names == ["demography", "separations", "automation", "vacancies", "matching",
                     "wages", "retraining", "platform", "migration", "public_accounts"]


def test_unemployment_rate_is_unemployed_over_labour_force(run_model):
    r = run_model.reporters
    assert r["unemployment_rate"] == pytest.approx(r["unemployed"] / (r["employed"] + r["unemployed"]))


def test_counts_are_persons_represented(small_model):
    r = small_model.reporters
    assert r["employed"] == pytest.approx(8_600_000, rel=0.01)
    assert r["employed"] % small_model.persons_per_agent == 0


def test_region_frame_columns_and_totals(run_model):
    frame = run_model.region_frame()
    assert list(frame.columns) == ["region", "labour_force", "employed", "unemployment_rate",
                                   "mean_wage", "vacancies", "automation_share", "at_risk_share"]
    assert len(frame) == 20
    assert frame["employed"].sum() == pytest.approx(run_model.reporters["employed"])


def test_migration_matrix_long_form(run_model):
    frame = run_model.migration_matrix()
    assert list(frame.columns) == ["origin", "destination", "persons"]
    assert (frame["origin"] != frame["destination"]).all()
    assert frame["persons"].sum() == pytest.approx(run_model.reporters["migrants_total"])


def test_worker_and_firm_frames_carry_labels(small_model):
    wf = small_model.workers.to_frame()
    for col in ("worker_id", "region", "sector", "occupation", "skill", "status", "wage", "firm",
                "age", "gender", "months_unemployed", "automation_risk", "genai_exposure"):
        assert col in wf.columns
    assert set(wf["status"].unique()) <= {"employed", "self_employed", "platform", "unemployed", "retraining"}
    assert set(wf["skill"].unique()) == {"low", "mid", "high"}
    assert {"agriculture", "mining", "manufacturing", "utilities", "construction"} <= set(wf["sector"])
    assert "Almaty" in set(wf["region"])
    ff = small_model.firms.to_frame()
    for col in ("region", "sector", "employees", "vacancies", "wage_offer", "automation_level",
                "productivity"):
        assert col in ff.columns


def test_one_agent_view_is_read_only(small_model):
    view = small_model.workers[0]
    assert view.worker_id == small_model.workers.worker_id[0]
    with pytest.raises(AttributeError):
        view.wage = 0.0


def test_boolean_selection(small_model):
    w = small_model.workers
    unemployed = w[w.status == 2]
    assert len(unemployed) == int((w.status == 2).sum())


def test_regions_are_mesa_agents_in_network_space(small_model):
    from sim.regions import Region

    regions = list(small_model.agents_by_type[Region])
    assert len(regions) == 20
    assert all(r.cell is not None for r in regions)


def test_batch_run_returns_rows_with_reporters():
    results = mesa.batch_run(LaborMarketModel, {"scale": 0.001, "robot_tax": [0.0, 0.5]},
                             max_steps=12, data_collection_period=-1, display_progress=False,
                             number_processes=1)
    assert len(results) == 2
    assert {r["robot_tax"] for r in results} == {0.0, 0.5}
    for row in results:
        assert "unemployment_rate" in row and "automation_share" in row


def test_mechanism_switches_turn_channels_off(tmp_path):
    from sim.scenario import SCENARIO_DIR

    text = (SCENARIO_DIR / "kazakhstan.toml").read_text()
    text = text.replace('"kazakhstan/', f'"{SCENARIO_DIR}/kazakhstan/')
    for switch in ("automation", "genai", "migration", "retraining"):
        text = text.replace(f"{switch} = true", f"{switch} = false")
    path = tmp_path / "off.toml"
    path.write_text(text)
    model = LaborMarketModel(scenario=str(path), scale=0.001, rng=1)
    model.run(18)
    r = model.reporters
    assert r["automation_share"] == 0 and r["displaced_total"] == 0
    assert r["retrained_total"] == 0 and r["retraining"] == 0
    assert model.migration_counts.sum() == model.job_led_migrants_total
