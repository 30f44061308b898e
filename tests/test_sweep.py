"""Sweeps: specs, designs, run ids, executors (serial, local processes, Dask), resume, failures."""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import ScenarioError
from sim.cli import main
from sim.policies import PARAMETERS
from sim.sweep import load_spec, run_sweep
from sim.sweep.designs import design_matrix, design_points
from sim.sweep.executors import LocalProcessExecutor, SerialExecutor
from sim.sweep.spec import spec_from_dict
from sim.sweep.store import RunStore, plan_runs

sys.path.insert(0, str(Path(__file__).parent))
from _sweep_helpers import die_once_then_run  # noqa: E402


def _cluster_module(name: str):
    """The Dask module ``name``; skipped when the cluster extra is missing, except where
    ``LABSIM_REQUIRE_CLUSTER=1`` (as in .ci/run): there the executor test must run."""
    if os.environ.get("LABSIM_REQUIRE_CLUSTER") == "1":
        import importlib

        return importlib.import_module(name)
    return pytest.importorskip(name, reason=f"the cluster extra ({name}) is not installed")

ROOT = Path(__file__).resolve().parents[1]

TINY = """
[sweep]
name = "tiny"
scale = 0.001
months = {months}
seeds = {seeds}
design = "grid"

[parameters]
retraining_subsidy = [0.0, 1.0]
robot_tax = {robot_tax}

[outcomes]
final = ["unemployment_rate", "fiscal_cost", "automation_share"]
mean_last_3 = ["unemployment_rate", "fiscal_cost", "regional_unemployment_spread"]
"""


def _spec_file(tmp_path, months=6, seeds=(1, 2), robot_tax=(0.0, 0.5), name="tiny.toml") -> Path:
    path = tmp_path / name
    path.write_text(TINY.format(months=months, seeds=list(seeds), robot_tax=list(robot_tax)))
    return path


def _base(design="lhs", **sweep):
    return {"sweep": {"months": 12, "seeds": [1], "design": design, "samples": 8, **sweep},
            "parameters": {"robot_tax": {"low": 0.0, "high": 0.5}, "new_job_ratio": {"low": 0.5, "high": 2.0},
                           "benefit_months": {"low": 0, "high": 12}},
            "outcomes": {"final": ["unemployment_rate"]}}


def _outcomes(frame: pd.DataFrame, spec) -> pd.DataFrame:
    return frame.set_index("run_id").sort_index()[list(spec.outcome_columns) + ["seed", "status"]]


# -- specs -----------------------------------------------------------------------------------

@pytest.mark.parametrize("change, key", [
    (lambda d: d["sweep"].update(design="factorial"), "[sweep].design"),
    (lambda d: d["sweep"].update(seeds=3), "[sweep].seeds"),
    (lambda d: d["sweep"].update(seeds=[1, 1]), "[sweep].seeds"),
    (lambda d: d["sweep"].update(months=0), "[sweep].months"),
    (lambda d: d["sweep"].update(scale=2.0), "[sweep].scale"),
    (lambda d: d["sweep"].update(design="sobol", samples=12), "[sweep].samples"),
    (lambda d: d["parameters"].update(robot_tax={"low": 0.0, "high": 1.5}), "[parameters].robot_tax.high"),
    (lambda d: d["parameters"].update(robot_tax=[0.0, 0.5]), "[parameters].robot_tax"),
    (lambda d: d["parameters"].update(carbon_tax={"low": 0.0, "high": 1.0}), "[parameters].carbon_tax"),
    (lambda d: d["parameters"].pop("new_job_ratio"), "[parameters].new_job_ratio"),
    (lambda d: d["outcomes"].update(final=["happiness"]), "[outcomes].final[0]"),
    (lambda d: d["outcomes"].update(mean_last_24=["fiscal_cost"]), "[outcomes].mean_last_24"),
    (lambda d: d["outcomes"].update(median=["fiscal_cost"]), "[outcomes].median"),
    (lambda d: d.update(fixed={"robot_tax": 0.1}), "[fixed].robot_tax"),
    (lambda d: d.update(baseline={"migration_subsidy": 0.1}), "[baseline].migration_subsidy"),
])
def test_bad_spec_names_the_key(change, key):
    data = _base()
    change(data)
    with pytest.raises(ScenarioError) as info:
        spec_from_dict(data, "study.toml")
    assert info.value.file == "study.toml"
    assert info.value.key == key


def test_grid_value_out_of_bounds_names_its_index(tmp_path):
    path = _spec_file(tmp_path, robot_tax=(0.0, 1.5))
    with pytest.raises(ScenarioError) as info:
        load_spec(path)
    assert info.value.key == "[parameters].robot_tax[1]" and info.value.file == str(path)


def test_every_experiment_spec_is_valid_and_sensitivity_designs_vary_the_new_job_ratio():
    specs = sorted((ROOT / "experiments").glob("*.toml"))
    assert {load_spec(p).design for p in specs} == {"grid", "lhs", "sobol", "morris"}
    for path in specs:
        spec = load_spec(path)
        assert len(design_points(spec)) > 0
        if spec.design != "grid":
            assert "new_job_ratio" in spec.parameters


# -- designs ---------------------------------------------------------------------------------

def test_grid_is_the_full_factorial(tmp_path):
    spec = load_spec(_spec_file(tmp_path, robot_tax=(0.0, 0.25, 0.5)))
    points = design_points(spec)
    assert len(points) == 2 * 3
    assert {(p["retraining_subsidy"], p["robot_tax"]) for p in points} == {
        (a, b) for a in (0.0, 1.0) for b in (0.0, 0.25, 0.5)}


def test_latin_hypercube_is_reproducible_and_stratified():
    spec = spec_from_dict(_base("lhs", samples=10, design_seed=4))
    matrix = design_matrix(spec)
    assert np.array_equal(matrix, design_matrix(spec_from_dict(_base("lhs", samples=10, design_seed=4))))
    assert not np.array_equal(matrix, design_matrix(spec_from_dict(_base("lhs", samples=10, design_seed=5))))
    # Latin hypercube property: each continuous parameter has one sample in each of the 10 strata.
    for j, (low, high) in enumerate([(0.0, 0.5), (0.5, 2.0)]):
        strata = np.floor((matrix[:, j] - low) / (high - low) * 10).astype(int)
        assert sorted(strata) == list(range(10))


@pytest.mark.parametrize("design, rows", [("sobol", 8 * (3 + 2)), ("morris", 8 * (3 + 1))])
def test_salib_designs_have_their_sizes_and_whole_integer_parameters(design, rows):
    spec = spec_from_dict(_base(design))
    points = design_points(spec)
    assert len(points) == rows
    assert PARAMETERS["benefit_months"].integer
    assert all(isinstance(p["benefit_months"], int) and 0 <= p["benefit_months"] <= 12 for p in points)
    assert all(0.0 <= p["robot_tax"] <= 0.5 and 0.5 <= p["new_job_ratio"] <= 2.0 for p in points)


# -- run ids ---------------------------------------------------------------------------------

def test_run_ids_change_with_the_scenario_content_and_the_version(tmp_path, monkeypatch):
    from sim.scenario import SCENARIO_DIR

    spec = load_spec(_spec_file(tmp_path))
    ids = [p.task.run_id for p in plan_runs(spec)]
    assert ids == [p.task.run_id for p in plan_runs(spec)]
    assert len(set(ids)) == len(ids)  # the baseline (subsidy 0.5, tax 0) is not a grid point
    with_baseline = spec_from_dict({**_tiny_dict(), "parameters": {"retraining_subsidy": [0.0, 0.5],
                                                                   "robot_tax": [0.0, 0.5]}})
    shared = [p.task.run_id for p in plan_runs(with_baseline)]
    assert len(set(shared)) == len(shared) - 2  # a grid point equal to the baseline is the same run, per seed
    # The id follows the scenario's content, not its location: a byte-for-byte copy keeps it,
    # an edited data table changes it.
    copy = tmp_path / "copy"
    shutil.copytree(SCENARIO_DIR, copy)
    tiny = _tiny_dict()
    same = spec_from_dict({**tiny, "sweep": {**tiny["sweep"], "scenario": str(copy / "kazakhstan.toml")}})
    assert [p.task.run_id for p in plan_runs(same)] == ids
    table = next((copy / "kazakhstan").glob("*.csv"))
    table.write_text(table.read_text() + "\n")
    assert not {p.task.run_id for p in plan_runs(same)} & set(ids)
    import sim

    monkeypatch.setattr(sim, "__version__", "99.0")
    assert not set(p.task.run_id for p in plan_runs(spec)) & set(ids)


def _tiny_dict():
    import tomllib

    return tomllib.loads(TINY.format(months=6, seeds=[1, 2], robot_tax=[0.0, 0.5]))


# -- executors -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dask_cluster():
    """A real dask.distributed scheduler and two worker processes on 127.0.0.1."""
    distributed = _cluster_module("distributed")
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                                       dashboard_address=None)
    try:
        yield cluster
    finally:
        cluster.close()


def test_serial_local_processes_and_dask_give_bit_identical_outcomes(tmp_path, dask_cluster):
    from sim.sweep.experiment import quick_spec_text

    # The experiment's grid spec, made small (scale 0.001, 12 months, 2 x 2 points, 2 seeds).
    spec_path = tmp_path / "retraining_robot_tax.toml"
    spec_path.write_text(quick_spec_text((ROOT / "experiments" / "retraining_robot_tax.toml").read_text()))
    spec = load_spec(spec_path)
    frames, series = {}, {}
    for label, options in [("serial", ["--workers", "1"]), ("processes", ["--workers", "2"]),
                           ("dask", ["--scheduler", dask_cluster.scheduler_address])]:
        out = tmp_path / label
        assert main(["sweep", str(spec_path), "--out", str(out), "--no-progress", *options]) == 0
        frames[label] = pd.read_parquet(out / "runs.parquet")
        series[label] = pd.read_parquet(out / "series.parquet").sort_values(["run_id", "month"], ignore_index=True)
    serial = frames["serial"]
    # 2 x 2 points x 2 seeds; the baseline (subsidy 0.5, no tax) is not a point: 2 more runs.
    assert len(serial) == 2 * 2 * 2 + 2 and serial["run_id"].is_unique and (serial["status"] == "ok").all()
    assert serial["baseline"].sum() == 2
    assert all(serial[c].dtype == np.float64 for c in spec.outcome_columns)
    for label in ("processes", "dask"):
        # Exact equality (NaN-free): the same spec gives the same bits on every executor.
        assert _outcomes(frames[label], spec).equals(_outcomes(serial, spec)), label
        assert series[label].equals(series["serial"]), label
    assert series["serial"].groupby("run_id").size().eq(spec.months + 1).all()


def test_a_lost_dask_worker_loses_no_run(tmp_path, dask_cluster):
    spec = load_spec(_spec_file(tmp_path, seeds=(1,)))
    markers = tmp_path / "markers"
    markers.mkdir()
    from sim.sweep.executors import DaskExecutor

    with DaskExecutor(address=dask_cluster.scheduler_address) as executor:
        killed = run_sweep(spec, tmp_path / "killed", executor, progress=False,
                           run_fn=functools.partial(die_once_then_run, str(markers)))
    with SerialExecutor() as executor:
        clean = run_sweep(spec, tmp_path / "clean", executor, progress=False)
    assert (markers / "killed").exists()  # a worker died mid-run
    assert killed.planned == clean.planned == killed.ran == 5 and killed.lost == 0
    a, b = (pd.read_parquet(s.runs_path) for s in (killed, clean))
    assert _outcomes(a, spec).equals(_outcomes(b, spec))


def test_a_broken_local_pool_is_rebuilt_and_its_runs_retried(tmp_path):
    spec = load_spec(_spec_file(tmp_path, seeds=(1,), months=3))
    markers = tmp_path / "markers"
    markers.mkdir()
    with LocalProcessExecutor(2) as executor:
        summary = run_sweep(spec, tmp_path / "out", executor, progress=False, retries=5,
                            run_fn=functools.partial(die_once_then_run, str(markers)))
    assert (markers / "killed").exists()  # a worker died, which breaks the whole pool
    assert summary.lost == 0 and summary.ran == summary.planned == 5 and summary.retried >= 1
    runs = pd.read_parquet(summary.runs_path)
    assert len(runs) == 5 and (runs["status"] == "ok").all()


def test_runs_lost_beyond_the_retry_limit_are_reported_not_recorded(tmp_path):
    spec = load_spec(_spec_file(tmp_path, seeds=(1,), months=3))
    markers = tmp_path / "markers"
    markers.mkdir()
    with LocalProcessExecutor(2) as executor:
        summary = run_sweep(spec, tmp_path / "out", executor, progress=False, retries=0,
                            run_fn=functools.partial(die_once_then_run, str(markers)))
    assert summary.lost >= 1 and summary.ran + summary.lost == 5
    assert len(pd.read_parquet(summary.runs_path)) == summary.ran


# -- failures and resume ---------------------------------------------------------------------

def test_a_failing_model_is_recorded_as_failed_and_the_sweep_goes_on(tmp_path, monkeypatch):
    from sim.model import LaborMarketModel

    original = LaborMarketModel.run

    def run_or_fail(self, months):
        if self.robot_tax == 0.5:
            raise FloatingPointError("wage bill overflow")
        return original(self, months)

    monkeypatch.setattr(LaborMarketModel, "run", run_or_fail)
    spec = load_spec(_spec_file(tmp_path, seeds=(1,), months=3))
    with SerialExecutor() as executor:
        summary = run_sweep(spec, tmp_path / "out", executor, progress=False)
    runs = pd.read_parquet(summary.runs_path)
    failed = runs[runs["status"] == "failed"]
    assert summary.failed == 2 and set(failed["robot_tax"]) == {0.5}
    assert (failed["error"] == "FloatingPointError: wage bill overflow").all()
    assert failed["unemployment_rate_final"].isna().all()
    assert (runs.loc[runs["status"] == "ok", "unemployment_rate_final"] > 0).all()
    series = pd.read_parquet(summary.series_path)
    assert set(series["run_id"]) == set(runs.loc[runs["status"] == "ok", "run_id"])
    # A failed run is a result: resuming does not run it again, --retry-failed does.
    with SerialExecutor() as executor:
        again = run_sweep(spec, tmp_path / "out", executor, progress=False)
    assert again.ran == 0 and again.skipped == 5 and again.failed == 2
    monkeypatch.setattr(LaborMarketModel, "run", original)
    with SerialExecutor() as executor:
        retried = run_sweep(spec, tmp_path / "out", executor, progress=False, retry_failed=True)
    assert retried.ran == 2 and retried.failed == 0
    assert (pd.read_parquet(retried.runs_path)["status"] == "ok").all()


def test_sigkill_mid_sweep_then_resume_gives_one_row_per_run_and_the_same_numbers(tmp_path):
    spec_path = _spec_file(tmp_path, months=18, seeds=(1, 2, 3, 4), robot_tax=(0.0, 0.25, 0.5))
    spec = load_spec(spec_path)
    total = len({p.task.run_id for p in plan_runs(spec)})
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    # A session of its own, so that SIGKILL reaches the sweep and its pool's workers at once.
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "sweep", str(spec_path), "--out", str(out),
                             "--workers", "2", "--no-progress"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(list((out / "runs").glob("*.parquet"))) < 3:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "no run finished within 2 minutes"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finished = list((out / "runs").glob("*.parquet"))
    assert 3 <= len(finished) < total, "the kill came after the sweep had finished"
    store = RunStore(out)
    for path in finished:  # every file under a final name is whole
        meta, table = store.read(path.stem)
        assert meta["status"] == "ok" and table.num_rows == spec.months + 1
    assert main(["sweep", str(spec_path), "--out", str(out), "--resume", "--workers", "1", "--no-progress"]) == 0
    assert main(["sweep", str(spec_path), "--out", str(tmp_path / "clean"), "--workers", "1", "--no-progress"]) == 0
    resumed = pd.read_parquet(out / "runs.parquet")
    clean = pd.read_parquet(tmp_path / "clean" / "runs.parquet")
    assert len(resumed) == total and resumed["run_id"].is_unique
    assert _outcomes(resumed, spec).equals(_outcomes(clean, spec))
    series = [pd.read_parquet(d / "series.parquet").sort_values(["run_id", "month"], ignore_index=True)
              for d in (out, tmp_path / "clean")]
    assert series[0].equals(series[1])
    assert not list((out / "runs").glob(".*.tmp-*"))


# -- command line ----------------------------------------------------------------------------

def test_cli_reports_bad_input_in_one_line_with_exit_code_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(TINY.format(months=6, seeds=[1], robot_tax=[0.0, 7.0]))
    assert main(["sweep", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "[parameters].robot_tax[1]" in err
    assert main(["sweep", str(_spec_file(tmp_path)), "--out", str(tmp_path / "o"), "--resume"]) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(["sweep", str(tmp_path / "missing.toml"), "--out", str(tmp_path / "o")]) == 2
    assert main(["sweep", str(_spec_file(tmp_path)), "--out", str(tmp_path / "o"), "--workers", "0"]) == 2


def test_a_folder_holding_another_sweep_is_refused(tmp_path, capsys):
    first = _spec_file(tmp_path, months=2, seeds=(1,))
    assert main(["sweep", str(first), "--out", str(tmp_path / "o"), "--workers", "1", "--no-progress"]) == 0
    second = _spec_file(tmp_path, months=3, seeds=(1,), name="other.toml")
    assert main(["sweep", str(second), "--out", str(tmp_path / "o"), "--workers", "1"]) == 2
    assert "another sweep's spec" in capsys.readouterr().err
    # The same command again skips every finished run.
    assert main(["sweep", str(first), "--out", str(tmp_path / "o"), "--workers", "1", "--no-progress"]) == 0
    assert "5 already done, 0 ran" in capsys.readouterr().out


def test_an_unreachable_scheduler_is_bad_input(tmp_path, capsys):
    dask = _cluster_module("dask")
    import socket

    with socket.socket() as probe:  # a free port on 127.0.0.1 that nothing listens on
        probe.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code = main(["sweep", str(_spec_file(tmp_path)), "--out", str(tmp_path / "o"), "--scheduler", address])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--scheduler" in err and "running Dask scheduler" in err


def test_jobqueue_factory_writes_a_slurm_job_script_without_submitting():
    _cluster_module("dask_jobqueue")
    from sim.sweep.executors import jobqueue_cluster

    cluster = jobqueue_cluster("slurm", jobs=0, cores=4, memory="8GB", walltime="00:30:00", queue="short",
                               account="econ", job_extra_directives=("--qos=normal",),
                               scheduler_options={"host": "127.0.0.1", "dashboard_address": "127.0.0.1:0"})
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    for line in ("#SBATCH -p short", "#SBATCH -A econ", "#SBATCH --cpus-per-task=4", "#SBATCH -t 00:30:00",
                 "#SBATCH --qos=normal", "--nworkers 4", "--nthreads 1"):
        assert line in script
