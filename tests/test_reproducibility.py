"""Same seed and inputs -> bit-identical outputs, on either kernel backend; seeds differ."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import kernels
from sim.model import LaborMarketModel
from sim.outputs import model_table


def _table(seed, pure=False, months=12, **kw):
    old = os.environ.get("LABSIM_PURE_PYTHON")
    os.environ["LABSIM_PURE_PYTHON"] = "1" if pure else "0"
    try:
        model = LaborMarketModel(scale=0.002, rng=seed, **kw)
        assert model.kernels.name == ("reference" if pure else "cython")
        model.run(months)
    finally:
        if old is None:
            os.environ.pop("LABSIM_PURE_PYTHON")
        else:
            os.environ["LABSIM_PURE_PYTHON"] = old
    return model_table(model), model


def test_same_seed_gives_identical_reporters():
    a, _ = _table(9)
    b, _ = _table(9)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_different_seeds_give_different_runs():
    a, _ = _table(9)
    b, _ = _table(10)
    assert not a.drop(columns=["month", "date"]).equals(b.drop(columns=["month", "date"]))


def test_pure_python_reference_gives_a_bit_identical_run():
    a, ma = _table(21, months=18)
    b, mb = _table(21, pure=True, months=18)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    fa, fb = ma.workers.to_frame(), mb.workers.to_frame()
    pd.testing.assert_frame_equal(fa, fb, check_exact=True)


def test_results_do_not_depend_on_worker_row_order():
    """Shuffling the rows of the worker table at month 0 changes nothing that matters."""
    a = LaborMarketModel(scale=0.002, rng=4)
    b = LaborMarketModel(scale=0.002, rng=4)
    perm = np.random.default_rng(0).permutation(len(b.workers))
    for col in b.workers._columns.values():
        col[: len(perm)] = col[: len(perm)][perm]
    a.run(12)
    b.run(12)
    fa = a.workers.to_frame().drop(columns=[])
    fb = b.workers.to_frame()
    pd.testing.assert_frame_equal(fa[["worker_id", "status", "region", "occupation"]],
                                  fb[["worker_id", "status", "region", "occupation"]])
    ta, tb = model_table(a), model_table(b)
    cols = ["employed", "unemployed", "retraining", "displaced_total", "migrants_total"]
    pd.testing.assert_frame_equal(ta[cols], tb[cols])


def test_missing_extension_is_a_helpful_import_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake(name, globals=None, locals=None, fromlist=(), level=0):
        if fromlist and "_matching" in fromlist:
            raise ImportError("no compiled kernels")
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(ImportError, match="pip install -e"):
        kernels.load_backend(pure=False)


@pytest.mark.parametrize("pure", ["0", "1"])
def test_cli_model_csv_is_identical_across_runs_and_backends(tmp_path, pure):
    def run(out, flag):
        env = dict(os.environ, LABSIM_PURE_PYTHON=flag)
        subprocess.run([sys.executable, "-m", "sim.cli", "run", "--scale", "0.001", "--months",
                        "24", "--seed", "7", "--out", str(out), "--no-figures"],
                       check=True, env=env, capture_output=True)
        return (out / "model.csv").read_bytes()

    first = run(tmp_path / "a", "0")
    assert run(tmp_path / "b", pure) == first
