"""``labsim validate`` and ``labsim calibrate``: the report's rows, statuses and exit code;
the SMM objective; writing fitted values back into a scenario."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import CALIBRATED, calibrate, candidate, objective, write_back
from sim.scenario import SCENARIO_DIR, load_scenario
from sim.validation import run_baseline, targets_table, validation_table


@pytest.fixture(scope="module")
def runs():
    return [run_baseline("kazakhstan", 0.002, s) for s in (1, 2)]


def test_report_has_one_row_per_target_with_statuses(runs):
    scenario = runs[0]["model"].scenario_data
    table = validation_table(runs, targets_table(scenario), scenario)
    ids = set(table.id)
    for expected in ("A1", "A2", "A3_low", "A4", "A5", "A6_Almaty", "A6_Shymkent", "A8", "A9",
                     "A10", "B1", "B2", "B3", "B4", "B5", "B6", "B7"):
        assert expected in ids
    assert set(table.status) <= {"pass", "fail", "reported"}
    forecasts = table[table.kind == "forecast"]
    assert len(forecasts) == 5 and np.isfinite(forecasts.distance).all()
    # The distance is the relative gap to the forecast, as the status says.
    for r in forecasts.itertuples():
        assert r.distance == pytest.approx((r.model_value - r.target_value) / abs(r.target_value))
        assert (r.status == "pass") == (abs(r.distance) <= 0.25)
    # Two seeds give an interval around the mean.
    a10 = table.set_index("id").loc["A10"]
    assert a10.interval_low <= a10.model_value <= a10.interval_high


def test_a_targets_pass_at_month_zero(runs):
    scenario = runs[0]["model"].scenario_data
    table = validation_table(runs, targets_table(scenario), scenario)
    a = table[(table.kind == "target") & table.id.str.startswith("A")]
    assert (a.status == "pass").all(), a[a.status != "pass"]


def test_validate_command_writes_the_report_and_exits_on_targets(tmp_path):
    result = subprocess.run([sys.executable, "-m", "sim.cli", "validate", "--scale", "0.002",
                             "--seeds", "2", "--out", str(tmp_path)], capture_output=True, text=True)
    table = pd.read_csv(tmp_path / "validation.csv")
    assert (tmp_path / "validation.md").read_text().count("| B") >= 6
    targets = table[table.kind == "target"]
    assert result.returncode == (0 if (targets.status == "pass").all() else 1), result.stderr


def test_objective_is_zero_at_the_forecasts_and_counts_b7_failures():
    forecasts = {"B1": -288400.0, "B2": 459000.0, "B3": 208100.0, "B4": -240000.0, "B5": 121500.0,
                 "B6": 0.16, "U36": 0.049}
    assert objective({**forecasts, "B7_failures": 0.0}, forecasts) == 0.0
    off = {**forecasts, "B1": -144200.0, "B7_failures": 0.0}
    assert objective(off, forecasts) == pytest.approx(0.25)
    assert objective({**forecasts, "B7_failures": 2.0}, forecasts) == pytest.approx(2.0)


def test_candidate_sets_each_parameter_and_keeps_shares_summing_to_one():
    base = load_scenario("kazakhstan")
    values = {p.name: p.low + 0.3 * (p.high - p.low) for p in CALIBRATED}
    changed = candidate(base, values)
    for p in CALIBRATED:
        assert p.get(changed) == pytest.approx(values[p.name])
    assert sum(changed.params["population"]["entrant_skill_shares"]) == pytest.approx(1.0)
    # The base scenario is untouched.
    assert all(p.get(base) == p.get(load_scenario("kazakhstan")) for p in CALIBRATED)


def test_write_back_round_trips_through_the_scenario_file(tmp_path):
    shutil.copy(SCENARIO_DIR / "kazakhstan.toml", tmp_path / "kazakhstan.toml")
    shutil.copytree(SCENARIO_DIR / "kazakhstan", tmp_path / "kazakhstan")
    base = load_scenario(tmp_path / "kazakhstan.toml")
    values = {p.name: p.low + 0.37 * (p.high - p.low) for p in CALIBRATED}
    write_back({"scenario": base, "values": values})
    reloaded = load_scenario(tmp_path / "kazakhstan.toml")
    for p in CALIBRATED:
        assert p.get(reloaded) == pytest.approx(values[p.name], rel=1e-3)
    text = (tmp_path / "kazakhstan.toml").read_text()
    assert "calibrated (labsim calibrate)" in text and "[mechanisms]" in text


def test_calibration_improves_on_a_bad_start():
    # Start far from the fit (almost no adoption, few new jobs): the search must find a
    # better point than its start within a few evaluations.
    bad = candidate(load_scenario("kazakhstan"), {"max_adoption_hazard": 0.006, "new_job_ratio": 0.15})
    fit = calibrate(bad, scale=0.001, seeds=(1,), max_evaluations=10)
    assert fit["evaluations"] >= 10
    assert fit["j"] < fit["start_j"]
    assert set(fit["values"]) == {p.name for p in CALIBRATED}


def test_written_shares_still_sum_to_one(tmp_path):
    shutil.copy(SCENARIO_DIR / "kazakhstan.toml", tmp_path / "kazakhstan.toml")
    shutil.copytree(SCENARIO_DIR / "kazakhstan", tmp_path / "kazakhstan")
    base = load_scenario(tmp_path / "kazakhstan.toml")
    values = {p.name: p.get(base) for p in CALIBRATED}
    values["entrant_low_skill_share"] = 0.0812345678
    write_back({"scenario": base, "values": values}, tmp_path / "kazakhstan.toml")
    shares = load_scenario(tmp_path / "kazakhstan.toml").params["population"]["entrant_skill_shares"]
    assert sum(shares) == pytest.approx(1.0, abs=1e-9) and shares[0] == pytest.approx(0.0812, abs=1e-4)
    # The sectors CSV written is the one beside the TOML written, not the package's.
    assert (SCENARIO_DIR / "kazakhstan" / "sectors.csv").read_text() != "" and \
        (tmp_path / "kazakhstan" / "sectors.csv").is_file()


def test_calibrate_command_dry_run_reports_and_leaves_the_scenario_alone(tmp_path):
    before = (SCENARIO_DIR / "kazakhstan.toml").read_bytes()
    report = tmp_path / "calibration.md"
    result = subprocess.run([sys.executable, "-m", "sim.cli", "calibrate", "--scale", "0.001",
                             "--seeds", "1", "--max-evaluations", "2", "--dry-run",
                             "--report", str(report)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    text = report.read_text()
    assert "| B1 |" in text and "Distance J" in text
    assert (SCENARIO_DIR / "kazakhstan.toml").read_bytes() == before


def test_calibrate_command_rejects_bad_options_in_one_line():
    result = subprocess.run([sys.executable, "-m", "sim.cli", "calibrate", "--seeds", "0"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
