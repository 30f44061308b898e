"""`labsim run`: outputs, and exit codes: 2 with one line for bad input, 1 for a bug."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pandas as pd
import pytest

from sim.cli import main
from sim.metrics import MODEL_REPORTERS


def _labsim(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True,
                          text=True, cwd=cwd)


def test_run_writes_every_output(tmp_path):
    out = tmp_path / "X"
    result = _labsim("run", "--scale", "0.001", "--months", "24", "--seed", "7", "--out", str(out))
    assert result.returncode == 0, result.stderr
    model = pd.read_csv(out / "model.csv")
    assert list(model["month"]) == list(range(25))
    assert all(name in model.columns for name in MODEL_REPORTERS)
    regions = pd.read_csv(out / "regions.csv")
    assert len(regions) == 25 * 20 and {"month", "region", "unemployment_rate"} <= set(regions)
    migration = pd.read_csv(out / "migration.csv")
    assert list(migration.columns) == ["origin", "destination", "persons"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 7 and summary["package_version"]
    assert summary["parameters"]["robot_tax"] == 0.0
    assert summary["final"]["unemployment_rate"] == pytest.approx(model["unemployment_rate"].iloc[-1])
    for name in ("unemployment_by_skill", "wages_by_skill", "regional_unemployment"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 1000
    assert "unemployment" in result.stdout


def test_set_overrides_a_policy(tmp_path):
    result = _labsim("run", "--scale", "0.001", "--months", "1", "--set", "robot_tax=0.4",
                     "--set", "benefit_months=3", "--out", str(tmp_path), "--no-figures")
    assert result.returncode == 0, result.stderr
    params = json.loads((tmp_path / "summary.json").read_text())["parameters"]
    assert params["robot_tax"] == 0.4 and params["benefit_months"] == 3


@pytest.mark.parametrize("args,fragment", [
    (["run", "--scenario", "atlantis"], "scenario"),
    (["run", "--set", "robot_taxx=0.1"], "robot_tax"),
    (["run", "--set", "robot_tax=2"], "robot_tax"),
    (["run", "--set", "robot_tax"], "NAME=VALUE"),
    (["run", "--set", "robot_tax=abc"], "a number"),
    (["run", "--scale", "0"], "scale"),
    (["run", "--scale", "abc"], "invalid float"),
    (["run", "--months", "-3"], "months"),
    (["run", "--bogus"], "unrecognized"),
    (["fly"], "invalid choice"),
])
def test_bad_input_is_one_line_and_exit_code_2(tmp_path, args, fragment):
    result = _labsim(*args, "--out", str(tmp_path / "o")) if args[0] == "run" and "--bogus" not in args \
        else _labsim(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert fragment in lines[0]
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("mutation,fragment", [
    (lambda t: t.replace("robot_tax = 0.0", "robot_tax = 7.0"), "[policies].robot_tax"),
    (lambda t: t.replace("[wages]", "[wages\n"), "valid TOML"),
    (lambda t: t.replace('occupations = "kazakhstan/occupations.csv"',
                         'occupations = "kazakhstan/missing.csv"'), "[data].occupations"),
    (lambda t: t.replace("applications = 3", "applications = 0"), "[matching].applications"),
    (lambda t: t + "\n[extras]\nx = 1\n", "[extras]"),
    (lambda t: re.sub(r"entrant_skill_shares = \[[^\]]*\]",
                      "entrant_skill_shares = [0.12, 0.55, 0.43]", t), "sum to 1"),
])
def test_bad_scenario_file_is_exit_code_2_naming_file_and_key(tmp_path, mutation, fragment):
    from sim.scenario import SCENARIO_DIR

    text = mutation((SCENARIO_DIR / "kazakhstan.toml").read_text())
    text = text.replace('"kazakhstan/', f'"{SCENARIO_DIR}/kazakhstan/')
    path = tmp_path / "bad.toml"
    path.write_text(text)
    result = _labsim("run", "--scenario", str(path), "--months", "1", "--out", str(tmp_path / "o"))
    assert result.returncode == 2, result.stderr
    line = result.stderr.strip()
    assert "\n" not in line and fragment in line and "bad.toml" in line


def test_a_bug_keeps_its_traceback_and_exits_1(tmp_path):
    code = ("import sys, sim.model as m\n"
            "def broken(model):\n    raise RuntimeError('simulated bug')\n"
            "m.STAGES = (('broken', broken),) + m.STAGES[1:]\n"
            "from sim.cli import main\n"
            f"sys.exit(main(['run', '--scale', '0.001', '--months', '2', '--out', r'{tmp_path}']))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "simulated bug" in result.stderr


def test_main_does_not_turn_bugs_into_bad_input(monkeypatch, tmp_path):
    import sim.model

    def broken(model):
        raise KeyError("bug")

    monkeypatch.setattr(sim.model, "STAGES", (("broken", broken),))
    with pytest.raises(KeyError):
        main(["run", "--scale", "0.001", "--months", "1", "--out", str(tmp_path)])


def test_policies_lists_every_parameter(capsys):
    from sim.policies import PARAMETERS

    assert main(["policies"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in PARAMETERS)
