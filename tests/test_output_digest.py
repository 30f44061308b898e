"""Outputs are bit-identical to a stored digest of a small run (issue 6's guard: an
optimisation must not change a result). Both kernel backends must match it.

The digest is regenerated only by ``python tests/regenerate_digest.py --reason ...``, in a
commit that says why. It holds for this platform and these locked dependency versions
(the reproducibility promise of DESIGN.md): a different NumPy, or a CPU whose vectorised
``exp`` rounds differently, may legitimately change the last bits.
"""

from __future__ import annotations

import json

import pytest
from regenerate_digest import DIGEST_PATH, output_digests


@pytest.mark.parametrize("pure", ["0", "1"], ids=["cython", "numpy-reference"])
def test_small_run_matches_the_stored_digest(monkeypatch, pure):
    monkeypatch.setenv("LABSIM_PURE_PYTHON", pure)
    _assert_matches_stored_digest()


def test_small_run_with_the_portable_loops_matches_the_stored_digest(monkeypatch):
    """Where the CPU has AVX-512 the matching kernel draws 8 at a time and the population
    passes and the job-seeker scan test 16-64 rows at once; a machine without it runs the
    portable loops, and must get the same outputs."""
    from kernels import _matching, _population
    monkeypatch.setenv("LABSIM_PURE_PYTHON", "0")
    _matching._use_wide_draws(False)
    _matching._use_wide_scan(False)
    _population._use_wide_passes(False)
    try:
        _assert_matches_stored_digest()
    finally:
        _matching._use_wide_draws(True)
        _matching._use_wide_scan(True)
        _population._use_wide_passes(True)


def _assert_matches_stored_digest():
    stored = json.loads(DIGEST_PATH.read_text())
    assert output_digests(stored["run"]) == stored["sha256"], (
        f"outputs changed since the digest was stored ({stored['reason']}); if on purpose, "
        "run `python tests/regenerate_digest.py --reason ...` and say why in the commit")
