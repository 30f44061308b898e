"""Shared fixtures: small models built once per session (tests must not mutate them)."""

from __future__ import annotations

import pytest

from sim.model import LaborMarketModel


@pytest.fixture(scope="session")
def small_model():
    """A 0.001-scale Kazakhstan model at month 0 (read-only for tests)."""
    return LaborMarketModel(scale=0.001, rng=11)


@pytest.fixture(scope="session")
def run_model():
    """A 0.002-scale model run for 24 months with invariant checks (read-only)."""
    model = LaborMarketModel(scale=0.002, rng=5, check_invariants=True)
    model.run(24)
    return model


@pytest.fixture
def fresh_model():
    """A new small model the test may change."""
    return LaborMarketModel(scale=0.001, rng=3)
