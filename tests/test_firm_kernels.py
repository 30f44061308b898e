"""The firm-level kernel (``kernels/_firms.pyx``) reproduces ``kernels.reference`` bit for
bit: the region table's vacancies, automated and exposed positions by region."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernels import _firms, reference

SETTINGS = settings(max_examples=80, deadline=None, database=None)


def _firms_table(seed, n, n_regions):
    rng = np.random.default_rng(seed)
    return {
        "region": rng.integers(0, n_regions, n).astype(np.int8),
        "active": (rng.random(n) < 0.9).view(np.uint8),
        "vacancies": rng.integers(0, 40, n).astype(np.int32),
        "automated_routine": rng.integers(0, 5, n).astype(np.float64),
        "automated_genai": rng.integers(0, 5, n).astype(np.float64),
        # non-integer positions: sums that depend on the order of the additions
        "exposed_positions": rng.lognormal(0.0, 1.5, n),
    }


def _totals(module, p, n_regions):
    out = [np.zeros(n_regions), np.zeros(n_regions), np.zeros(n_regions)]
    module.firm_region_totals(*p.values(), *out)
    return out


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 3000), n_regions=st.integers(1, 20))
def test_firm_region_totals_cython_equals_reference(seed, n, n_regions):
    p = _firms_table(seed, n, n_regions)
    got = _totals(_firms, p, n_regions)
    for c, r in zip(got, _totals(reference, p, n_regions)):
        assert np.array_equal(c, r)
    active = p["active"].view(bool)
    assert got[0].sum() == p["vacancies"][active].sum()      # integers: exact in any order


@pytest.mark.parametrize("module", [_firms, reference], ids=["cython", "reference"])
@pytest.mark.parametrize("bad_region", [-1, 3])
def test_firm_region_totals_rejects_a_region_out_of_range(module, bad_region):
    p = _firms_table(1, 10, 3)
    p["region"][6] = bad_region
    with pytest.raises(ValueError, match=f"firm 6: region {bad_region} outside"):
        _totals(module, p, 3)
