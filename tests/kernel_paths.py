"""Test helper: run a kernel's AVX-512 path or its portable loops, whatever the machine
picks by default (the kernels choose at run time; both must give the same results)."""

from __future__ import annotations

import contextlib

import pytest

__all__ = ["path"]


@contextlib.contextmanager
def path(switch, wide: bool, features: str, what: str):
    """Within the block, ``switch`` (a kernel module's ``_use_wide_*``) selects the AVX-512
    path when ``wide``, else the portable loops; afterwards the default (AVX-512 where
    the CPU has it) is back. Where the CPU lacks ``features`` the wide case is skipped,
    saying why: the portable case runs the same test."""
    available = switch(wide)
    try:
        if wide and not available:
            pytest.skip(f"this CPU has no AVX-512 ({features}), so {what} cannot run here; "
                        "the portable loops are tested by the other case")
        yield
    finally:
        switch(True)
