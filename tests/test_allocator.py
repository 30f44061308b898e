"""sim/allocator.py: glibc's malloc keeps freed memory (fewer page faults a month), and
``LABSIM_MALLOC=system`` keeps the defaults. Results never depend on it (the digest
test runs with it in force)."""

from __future__ import annotations

import platform
import sys

import pytest

from sim import allocator

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


@pytest.fixture
def fresh(monkeypatch):
    """The module as if no model had been built in this process yet."""
    monkeypatch.setattr(allocator, "_applied", None)
    return allocator


@pytest.mark.skipif(not GLIBC, reason="mallopt tuning applies to glibc on Linux only")
def test_settings_take_effect_on_glibc(fresh):
    assert fresh.retain_freed_memory() is True
    assert fresh.retain_freed_memory() is True      # once per process, then remembered


def test_system_defaults_on_request(fresh, monkeypatch):
    monkeypatch.setenv("LABSIM_MALLOC", "system")
    assert fresh.retain_freed_memory() is False


def test_the_model_applies_them(fresh, monkeypatch):
    from sim.model import LaborMarketModel
    LaborMarketModel(scale=0.001, rng=1)
    assert fresh._applied is (True if GLIBC else False)
