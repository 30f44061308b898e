"""Keep freed memory in the process: glibc's malloc, tuned once per process.

Every month the stages allocate and free large temporaries (row lists, the seekers'
table, the vacancy table: tens of megabytes at national scale). With glibc's defaults a
freed block above the mmap threshold goes back to the kernel, and so does free space at
the top of the heap beyond the trim threshold, so next month's arrays fault in fresh
zeroed pages: at national scale ~4,000-5,000 page faults and ~14 ms of kernel time a
month (2-core x86-64 VM, 2026-11-23). With a fixed mmap threshold (32 MB, glibc's upper
limit), no trimming and a 256 MB top pad, freed memory is reused instead: ~2 faults a
month, the same peak resident memory (1.36 GB at scale 1).

The price: memory freed by the process is not returned to the system until it exits (a
notebook that deletes a national-scale model keeps its ~1.4 GB). ``LABSIM_MALLOC=system``
keeps glibc's defaults. Nothing here changes a result; elsewhere than glibc it does
nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

__all__ = ["retain_freed_memory"]

# mallopt parameters (glibc's malloc.h)
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3

_SETTINGS = ((_M_MMAP_THRESHOLD, 32 << 20), (_M_TRIM_THRESHOLD, 2**31 - 1),
             (_M_TOP_PAD, 256 << 20))

_applied: bool | None = None


def retain_freed_memory() -> bool:
    """Tune glibc's malloc to keep freed memory (once per process); returns whether the
    settings are in force. Called by ``LaborMarketModel``."""
    global _applied
    if _applied is None:
        _applied = _apply()
    return _applied


def _apply() -> bool:
    if os.environ.get("LABSIM_MALLOC", "") == "system" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):   # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return all(mallopt(param, value) == 1 for param, value in _SETTINGS)
