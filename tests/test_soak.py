"""Load: many runs in one process do not accumulate memory.

Mesa 3.3 keeps every model ever built alive through ``Agent._ids`` (mesa/mesa#3179);
``sim.regions`` makes that registry weak. The soak test (slow) runs 200 small runs in one
process and checks that the resident memory stops growing after the first few; its
figures are in docs/reliability.md.
"""

from __future__ import annotations

import gc
import os
import weakref

import numpy as np
import pytest

from sim.model import LaborMarketModel

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
RUNS = 200
WARM_UP = 20
MONTHS = 3
#: Allowed growth after the warm-up, MiB. The Mesa 3.3 leak adds about 0.9 MiB a run (~160 MiB).
ALLOWED_GROWTH_MIB = 8.0


def resident_mib() -> float:
    """Resident set size of this process, MiB (``/proc/self/statm``: no psutil needed)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_BYTES / 2**20


def test_a_finished_model_is_freed():
    model = LaborMarketModel(scale=0.001, rng=1)
    model.run(1)
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None, "something still holds the model: every run in a sweep would leak"


@pytest.mark.slow
def test_two_hundred_runs_in_one_process_do_not_grow_memory():
    rss = []
    for seed in range(RUNS):
        model = LaborMarketModel(scale=0.001, rng=seed)
        model.run(MONTHS)
        assert np.isfinite(model.reporters["unemployment_rate"])
        del model
        gc.collect()
        rss.append(resident_mib())
    growth = rss[-1] - rss[WARM_UP - 1]
    print(f"\nsoak: {RUNS} runs x {MONTHS} months at scale 0.001; RSS after run 1 {rss[0]:.1f} MiB, "
          f"after run {WARM_UP} {rss[WARM_UP - 1]:.1f} MiB, after run {RUNS} {rss[-1]:.1f} MiB, "
          f"max {max(rss):.1f} MiB; growth after warm-up {growth:+.1f} MiB")
    assert growth < ALLOWED_GROWTH_MIB
    # No steady climb either: the last 50 runs stay within a few MiB of each other.
    assert max(rss[-50:]) - min(rss[-50:]) < ALLOWED_GROWTH_MIB / 2
