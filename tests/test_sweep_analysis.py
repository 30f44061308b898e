"""Sweep analysis: paired effects, the frontier, Sobol and Morris indices, figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim import ScenarioError
from sim.cli import main
from sim.sweep.analysis import _non_dominated, paired_effects
from sim.sweep.spec import spec_from_dict

SOBOL = """
[sweep]
name = "tiny-sobol"
scale = 0.001
months = 12
seeds = [1]
design = "{design}"
samples = {samples}
design_seed = 3

[parameters]
robot_tax = {{low = 0.0, high = 1.0}}
new_job_ratio = {{low = 0.2, high = 3.0}}

[outcomes]
final = ["unemployment_rate", "automation_share", "fiscal_cost"]
"""


def test_paired_effects_are_differences_from_the_same_seed_baseline_with_t_intervals():
    spec = spec_from_dict({"sweep": {"months": 3, "seeds": [1, 2, 3], "design": "grid"},
                           "parameters": {"robot_tax": [0.5]}, "outcomes": {"final": ["unemployment_rate"]}})
    design = pd.DataFrame({"point": [0, 0, 0, -1, -1, -1], "robot_tax": [0.5] * 3 + [0.0] * 3,
                           "seed": [1, 2, 3, 1, 2, 3], "run_id": list("abcdef")})
    # Seeds differ a lot in level, little in effect: pairing by seed removes the level.
    runs = pd.DataFrame({"run_id": list("abcdef"), "status": ["ok"] * 6,
                         "unemployment_rate_final": [0.119, 0.320, 0.521, 0.10, 0.30, 0.50]})
    row = paired_effects(spec, design, runs).iloc[0]
    differences = np.array([0.019, 0.020, 0.021])
    half = stats.t.ppf(0.975, 2) * differences.std(ddof=1) / np.sqrt(3)
    assert row["n_seeds"] == 3 and row["difference"] == pytest.approx(0.02)
    assert row["ci_low"] == pytest.approx(0.02 - half) and row["ci_high"] == pytest.approx(0.02 + half)
    assert row["ci_low"] > 0  # an unpaired comparison of these levels could not tell the effect from zero
    # A failed run drops its seed's pair, not the point.
    runs.loc[0, "status"] = "failed"
    assert paired_effects(spec, design, runs).iloc[0]["n_seeds"] == 2


def test_frontier_keeps_the_points_no_other_beats_on_both_unemployment_and_cost():
    unemployment = np.array([0.05, 0.04, 0.06, 0.04, np.nan])
    cost = np.array([10.0, 12.0, 9.0, 11.0, 1.0])
    assert _non_dominated(unemployment, cost).tolist() == [True, False, True, True, False]


@pytest.mark.parametrize("design, samples, index", [("sobol", 4, "ST"), ("morris", 3, "mu_star")])
def test_sensitivity_study_writes_indices_and_figures(tmp_path, capsys, design, samples, index):
    spec = tmp_path / "study.toml"
    spec.write_text(SOBOL.format(design=design, samples=samples))
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    assert main(["analyse", str(out)]) == 0
    indices = pd.read_csv(out / "analysis" / "sensitivity.csv")
    assert set(indices["parameter"]) == {"robot_tax", "new_job_ratio"}
    # At this tiny scale the automation share can be the same at every point: no indices then.
    assert {"unemployment_rate_final", "fiscal_cost_final"} <= set(indices["outcome"])
    assert np.isfinite(indices[index]).all()
    # Robot-tax revenue enters the fiscal cost directly, so the tax matters for it.
    cost = indices[indices["outcome"] == "fiscal_cost_final"].set_index("parameter")
    assert cost.loc["robot_tax", index] > 0
    for name in ("sensitivity_unemployment_rate_final.png", "sensitivity_fiscal_cost_final.png", "frontier.png"):
        assert (out / "analysis" / "figures" / name).stat().st_size > 1000
    frontier = pd.read_csv(out / "analysis" / "frontier.csv")
    assert frontier["on_frontier"].any() and (frontier["point"] == -1).sum() == 1
    assert "sensitivity.csv" in capsys.readouterr().out


def test_grid_analysis_writes_heatmaps_and_zero_effect_for_the_baseline_point(tmp_path):
    spec = tmp_path / "grid.toml"
    spec.write_text("""
[sweep]
scale = 0.001
months = 3
seeds = [1, 2]
design = "grid"
[parameters]
robot_tax = [0.0, 0.5]
migration_subsidy = [0.0, 0.5]
[outcomes]
final = ["unemployment_rate", "fiscal_cost"]
""")
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    assert main(["analyse", str(out)]) == 0
    effects = pd.read_csv(out / "analysis" / "effects.csv")
    same_as_baseline = effects[(effects["robot_tax"] == 0.0) & (effects["migration_subsidy"] == 0.0)]
    assert len(same_as_baseline) == 2 and (same_as_baseline["difference"] == 0.0).all()
    assert (effects["n_seeds"] == 2).all()
    for column in ("unemployment_rate_final", "fiscal_cost_final"):
        assert (out / "analysis" / "figures" / f"heatmap_{column}.png").is_file()


def test_analyse_needs_a_sweep_folder(tmp_path, capsys):
    assert main(["analyse", str(tmp_path)]) == 2
    assert "run labsim sweep first" in capsys.readouterr().err
    with pytest.raises(ScenarioError):
        from sim.sweep.analysis import analyse

        analyse(tmp_path)


def test_every_experiment_script_has_its_spec_beside_it():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "experiments"
    scripts = sorted(folder.glob("*.py"))
    assert {p.stem for p in scripts} == {"retraining_robot_tax", "sobol_main_policies", "genai_adoption_speed",
                                        "migration_convergence"}
    assert all(p.with_suffix(".toml").is_file() for p in scripts)


def test_an_experiment_script_runs_quick_and_prints_where_its_results_are(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
           "MPLBACKEND": "Agg"}
    out = tmp_path / "study"
    result = subprocess.run([sys.executable, str(root / "experiments" / "migration_convergence.py"), "--quick",
                             "--workers", "1", "--out", str(out)], env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"figures in {out / 'analysis' / 'figures'}" in result.stdout
    effects = pd.read_csv(out / "analysis" / "effects.csv")
    assert {"regional_unemployment_spread_mean_last_12", "regional_wage_dispersion_final"} <= set(effects["outcome"])
    assert (out / "analysis" / "figures" / "heatmap_regional_unemployment_spread_mean_last_12.png").is_file()
