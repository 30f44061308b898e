"""Checkpoints: a restored run continues bit for bit; bad files are clear errors.

The restored-run tests compare every number and array attribute of the model, so state
that ``step()`` changes but :data:`sim.checkpoint.MODEL_STATE` forgets fails here.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import ScenarioError, checkpoint
from sim.checkpoint import CHECKPOINT_NAME, MODEL_STATE, REBUILT_AT_CONSTRUCTION, read_header
from sim.model import LaborMarketModel
from sim.outputs import model_table
from sim.population import Firms, Workers
from sim.scenario import SCENARIO_DIR

ROOT = Path(__file__).resolve().parents[1]
MONTHS = 8
SCALE = 0.001
SEED = 21
#: Attributes that legitimately differ between two identical runs (wall-clock timings).
NOT_COMPARED = {"stage_seconds"}


@pytest.fixture(scope="module")
def uninterrupted():
    model = LaborMarketModel(scale=SCALE, rng=SEED, robot_tax=0.2)
    model.run(MONTHS)
    return model


def _outputs(model) -> dict[str, str]:
    """The CSV text of the run's tables, as ``write_outputs`` writes them."""
    tables = {"model": model_table(model), "regions": pd.concat(model.region_history, ignore_index=True),
              "migration": model.migration_matrix()}
    return {name: t.to_csv(index=False, float_format="%.17g") for name, t in tables.items()}


def _same(a, b, where: str) -> None:
    """Assert ``a`` and ``b`` are the same state: type, dtype, shape and every bit."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, f"{where}: {a.dtype}{a.shape} != {b.dtype}{b.shape}"
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), f"{where} differs"
    elif isinstance(a, (Workers, Firms)):
        assert len(a) == len(b) and a.capacity == b.capacity, f"{where}: rows or capacity differ"
        ca, cb = a.column_arrays(), b.column_arrays()
        assert ca.keys() == cb.keys()
        for k in ca:
            _same(ca[k], cb[k], f"{where}.{k}")
    elif isinstance(a, dict) and all(isinstance(k, str) for k in a):   # not Mesa's agent registries
        assert a.keys() == b.keys(), f"{where}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            _same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{where}: lengths differ"
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=where)
    elif isinstance(a, (int, float, bool, str, np.generic)) or a is None:
        assert a == b or (a != a and b != b), f"{where}: {a!r} != {b!r}"


def _compare_models(expected, got) -> None:
    assert expected.__dict__.keys() == got.__dict__.keys()
    for name, value in expected.__dict__.items():
        if name in NOT_COMPARED:
            continue
        if isinstance(value, (np.ndarray, Workers, Firms, dict, list, tuple, int, float, bool, str, np.generic)):
            _same(value, got.__dict__[name], name)
    _same(expected.datacollector.model_vars, got.datacollector.model_vars, "datacollector.model_vars")
    for a, b in zip(expected.regions, got.regions):
        assert (a.labour_force, a.employed, a.unemployment_rate, a.mean_wage) == \
            (b.labour_force, b.employed, b.unemployment_rate, b.mean_wage)


@pytest.mark.parametrize("restore_month", [0, 1, 5])
def test_run_restored_at_month_k_is_bit_identical(tmp_path, uninterrupted, restore_month):
    model = LaborMarketModel(scale=SCALE, rng=SEED, robot_tax=0.2)
    model.run(restore_month)
    path = tmp_path / "state.npz"
    model.save(path)
    del model
    restored = LaborMarketModel.load(path)
    assert restored.month == restore_month and restored.steps == restore_month
    restored.run(MONTHS - restore_month)
    assert _outputs(restored) == _outputs(uninterrupted)
    _compare_models(uninterrupted, restored)


def test_every_model_attribute_is_saved_or_rebuilt(uninterrupted):
    """A new attribute must be classified: saved (changes in step) or rebuilt (fixed)."""
    known = set(MODEL_STATE) | set(REBUILT_AT_CONSTRUCTION)
    unclassified = sorted(set(uninterrupted.__dict__) - known)
    assert not unclassified, (f"add {unclassified} to sim.checkpoint.MODEL_STATE (if step() changes "
                              "them) or REBUILT_AT_CONSTRUCTION")


def test_header_records_the_run(tmp_path):
    model = LaborMarketModel(scale=SCALE, rng=4, unemployment_benefit=0.3)
    model.run(2)
    model.save(tmp_path / "c.npz")
    header = read_header(tmp_path / "c.npz")
    assert header["format_version"] == checkpoint.FORMAT_VERSION
    assert header["package_version"] == model.version
    assert header["scenario"]["sha256"] == model.scenario_data.sha256
    assert (header["seed"], header["month"], header["scale"]) == (4, 2, SCALE)
    assert header["parameters"]["unemployment_benefit"] == 0.3
    with np.load(tmp_path / "c.npz", allow_pickle=False) as archive:
        assert all(archive[name].dtype != object for name in archive.files)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    model = LaborMarketModel(scale=SCALE, rng=2)
    model.run(1)
    path = tmp_path_factory.mktemp("ckpt") / "good.npz"
    model.save(path)
    return path


def _rewrite(source: Path, target: Path, change) -> None:
    """Copy a checkpoint, passing its arrays (header parsed as ``"header"``) through ``change``."""
    with np.load(source, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    arrays["header"] = json.loads(arrays.pop("header.json").tobytes())
    change(arrays)
    arrays["header.json"] = np.frombuffer(json.dumps(arrays.pop("header")).encode(), dtype=np.uint8)
    with open(target, "wb") as handle:
        np.savez(handle, **arrays)


def _expect_error(path, fragment: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        LaborMarketModel.load(path)
    message = str(info.value)
    assert "\n" not in message and fragment in message, message
    return info.value


def test_newer_format_version_is_refused(saved, tmp_path):
    def newer(arrays):
        arrays["header"]["format_version"] = checkpoint.FORMAT_VERSION + 1
    _rewrite(saved, tmp_path / "newer.npz", newer)
    _expect_error(tmp_path / "newer.npz", "written by a newer labsim")


@pytest.mark.parametrize("keep", [0.0, 0.3, 0.9, 0.999])
def test_truncated_checkpoint_is_refused(saved, tmp_path, keep):
    data = saved.read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: int(len(data) * keep)])
    _expect_error(tmp_path / "cut.npz", "a whole labsim checkpoint")


def test_flipped_bytes_are_refused(saved, tmp_path):
    data = bytearray(saved.read_bytes())
    for offset in range(200, len(data) - 200, len(data) // 7):
        data[offset] ^= 0xFF
    (tmp_path / "flipped.npz").write_bytes(bytes(data))
    with pytest.raises(ScenarioError):
        LaborMarketModel.load(tmp_path / "flipped.npz")


def test_other_files_are_refused(tmp_path):
    (tmp_path / "text.npz").write_text("not a checkpoint")
    _expect_error(tmp_path / "text.npz", "a whole labsim checkpoint")
    np.savez(tmp_path / "plain.npz", x=np.arange(3))
    _expect_error(tmp_path / "plain.npz", "header")
    _expect_error(tmp_path / "missing.npz", "an existing checkpoint file")


def test_pickled_objects_are_never_loaded(saved, tmp_path):
    with np.load(saved, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    arrays["workers/worker_id"] = np.array([{"payload": 1}], dtype=object)
    with open(tmp_path / "pickle.npz", "wb") as handle:
        np.savez(handle, **arrays)   # np.savez pickles object arrays
    _expect_error(tmp_path / "pickle.npz", "a whole labsim checkpoint")


def test_inconsistent_state_is_refused(saved, tmp_path):
    def break_counts(arrays):
        arrays["firms/employees"] = arrays["firms/employees"] + 1
    _rewrite(saved, tmp_path / "bad.npz", break_counts)
    _expect_error(tmp_path / "bad.npz", "a consistent model state")

    def wrong_dtype(arrays):
        arrays["workers/wage"] = arrays["workers/wage"].astype(np.float32)
    _rewrite(saved, tmp_path / "dtype.npz", wrong_dtype)
    _expect_error(tmp_path / "dtype.npz", "workers/wage")

    def drop_state(arrays):
        del arrays["header"]["state"]["wage_level"]
    _rewrite(saved, tmp_path / "nostate.npz", drop_state)
    _expect_error(tmp_path / "nostate.npz", "state.wage_level")


def test_changed_scenario_is_refused(tmp_path):
    shutil.copy(SCENARIO_DIR / "kazakhstan.toml", tmp_path / "kz.toml")
    shutil.copytree(SCENARIO_DIR / "kazakhstan", tmp_path / "kazakhstan")
    model = LaborMarketModel(scenario=tmp_path / "kz.toml", scale=SCALE, rng=1)
    model.run(1)
    model.save(tmp_path / "c.npz")
    assert LaborMarketModel.load(tmp_path / "c.npz").month == 1
    with open(tmp_path / "kz.toml", "a") as handle:
        handle.write("\n# edited\n")
    _expect_error(tmp_path / "c.npz", "the scenario changed")


def test_silently_changed_array_is_caught_by_its_crc(saved, tmp_path):
    """One flipped bit inside a stored array (a valid .npy, a wrong CRC) is refused."""
    data = bytearray(saved.read_bytes())
    with zipfile.ZipFile(saved) as archive:
        info = archive.getinfo("state/wage_level.npy")
    name_length = int.from_bytes(data[info.header_offset + 26: info.header_offset + 28], "little")
    extra_length = int.from_bytes(data[info.header_offset + 28: info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_length + extra_length
    data[start + info.compress_size - 1] ^= 0x01      # the last byte of the last float
    (tmp_path / "crc.npz").write_bytes(bytes(data))
    _expect_error(tmp_path / "crc.npz", "CRC")


def test_crash_while_saving_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    """Fault injection: the disk fills up half-way through writing a checkpoint."""
    model = LaborMarketModel(scale=SCALE, rng=5)
    model.run(1)
    path = tmp_path / "run.npz"
    model.save(path)
    model.run(1)

    def disk_full(handle, **arrays):
        handle.write(b"PK\x03\x04 half an archive")
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(checkpoint.np, "savez", disk_full)
    with pytest.raises(OSError):
        model.save(path)
    monkeypatch.undo()
    assert LaborMarketModel.load(path).month == 1      # the old checkpoint is whole
    assert read_header(path)["month"] == 1


# -- the command line ------------------------------------------------------------------------

def _cli(*args, **kwargs):
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, **kwargs)


RUN = ["run", "--scale", "0.005", "--months", "48", "--seed", "9", "--no-figures", "--set", "robot_tax=0.1"]


def _csvs(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in ("model.csv", "regions.csv", "migration.csv")}


def test_killed_run_resumes_to_identical_outputs(tmp_path):
    whole = _cli(*RUN, "--out", str(tmp_path / "whole"))
    assert whole.returncode == 0, whole.stderr

    out = tmp_path / "killed"
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", *RUN, "--out", str(out),
                             "--checkpoint-every", "4"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (out / CHECKPOINT_NAME).exists() and time.monotonic() < deadline:
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert not (out / "model.csv").exists()
    killed_at = read_header(out / CHECKPOINT_NAME)["month"]
    assert 4 <= killed_at < 48

    resumed = _cli(*RUN, "--out", str(out), "--checkpoint-every", "4", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert _csvs(out) == _csvs(tmp_path / "whole")


def test_resume_refuses_another_runs_checkpoint(tmp_path):
    out = tmp_path / "run"
    args = ["run", "--scale", "0.001", "--months", "2", "--no-figures", "--out", str(out)]
    assert _cli(*args, "--checkpoint-every", "1").returncode == 0
    other = _cli(*args, "--seed", "2", "--resume")
    assert other.returncode == 2 and other.stderr.count("\n") == 1, other.stderr
    assert "seed" in other.stderr and "Traceback" not in other.stderr
    policy = _cli(*args, "--set", "robot_tax=0.5", "--resume")
    assert policy.returncode == 2 and "parameters.robot_tax" in policy.stderr
    (out / CHECKPOINT_NAME).write_bytes(b"PK\x03\x04garbage")
    corrupt = _cli(*args, "--resume")
    assert corrupt.returncode == 2 and corrupt.stderr.count("\n") == 1, corrupt.stderr
    assert "checkpoint" in corrupt.stderr
    assert _cli(*args, "--checkpoint-every", "1").returncode == 0      # a good checkpoint at month 2
    shorter = _cli("run", "--scale", "0.001", "--months", "1", "--out", str(out), "--resume")
    assert shorter.returncode == 2 and "at most --months 1" in shorter.stderr, shorter.stderr
    negative = _cli(*args, "--checkpoint-every", "-1")
    assert negative.returncode == 2 and "--checkpoint-every" in negative.stderr
