"""Milliseconds per call of each whole-population kernel (``kernels/_population.pyx``)
on a real model's columns.

What it measures: builds ``LaborMarketModel(scale=1.0, rng=1)`` (about 9M workers, ~6 s,
~1.4 GB), runs ``--steps`` months so the statuses, wages and firms look like a running
model's, then calls each kernel ``--calls`` times with the arguments the stages pass
(see sim/metrics.py and sim/stages/) and prints the median. In-place kernels
(``update_incumbent_wages``) work on a fresh copy of the column each call, made outside
the clock; output arrays are allocated outside the clock too. ``adopting`` (automation)
is drawn the way the automation stage draws it; ``selected`` (lay-offs) is a fixed 2 % of
firms, since which firms are over target depends on the month.

This is a measure, not a test. Single-threaded; run it on a quiet machine. Usage::

    python benchmarks/population_kernels.py [--scale 1.0] [--steps 3] [--calls 5]
                                            [--module kernels._population]
                                            [--checkpoint PATH]

``--checkpoint PATH`` loads the model from PATH if it exists (``--scale`` and
``--steps`` are then ignored), and otherwise builds it, steps it and saves it there:
rows get out of order over a long run (hires, separations, retirements), and a
checkpoint at month 100 measures that regime without stepping 100 months each time.

``--module`` times another build of the same kernels (any importable module with the
same functions), e.g. a copy of an earlier version, against the same model.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
from pathlib import Path

import numpy as np

# Measure the checkout this file is in, not whatever copy of labsim is installed.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.metrics import OLDER_MIN_AGE, YOUTH_MAX_AGE  # noqa: E402
from sim.model import LaborMarketModel  # noqa: E402
from sim.population import N_STATUSES, Status  # noqa: E402
from sim.stages.automation import CHANNELS, technology_cost  # noqa: E402
from sim.stages.matching import on_the_job_period  # noqa: E402


def _median_ms(call, prepare=lambda: (), calls: int = 5) -> float:
    times = []
    for _ in range(calls):
        args = prepare()
        start = time.perf_counter()
        call(*args)
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def kernel_calls(model, kernels) -> dict:
    """name -> (call, prepare): ``call(*prepare())`` runs the kernel once as the model does."""
    w, f = model.workers, model.firms
    n, n_firms, n_r = len(w), len(f), model.n_regions
    rows = np.empty(n, dtype=np.int64)
    at_risk = model.economy.at_risk.astype(np.uint8)

    def statistics_outputs():
        size = n_r * 3 * N_STATUSES
        return (np.zeros(size), np.zeros(size), np.zeros(12 * N_STATUSES),
                np.zeros(2, dtype=np.int64), np.zeros(n_r))

    def worker_statistics(*out):
        kernels.worker_statistics(
            w.region, w.skill, w.status, w.wage, w.gender, w.birth_month,
            w.migrant.view(np.uint8), w.displaced.view(np.uint8), w.unemployed_since,
            w.occupation, at_risk, model.month, YOUTH_MAX_AGE * 12, OLDER_MIN_AGE * 12, *out)

    # A month's wage factor is close to 1; its value does not change the work done.
    factor = np.full(n_r * 3, 1.002)

    def update_incumbent_wages(wage):
        kernels.update_incumbent_wages(w.status, w.region, w.skill, wage, factor,
                                       float(model.minimum_wage))

    period = on_the_job_period(model)
    costs = np.array([technology_cost(model, channel) for channel in CHANNELS])

    def savings_outputs():
        return np.zeros(2 * n_firms), np.zeros(2 * n_firms)

    candidate_row, candidate_key = np.empty(n, np.int64), np.empty(n, np.int64)

    def automation_savings(bill, saving):
        return kernels.automation_savings(w.status, w.occupation, w.firm, w.wage,
                                          model.channel_of_occupation, model.channel_exposure,
                                          costs, bill, saving, candidate_row, candidate_key)

    # The firms that adopt routine automation, drawn as the automation stage draws them
    # (a fixed seed here: only how many firms adopt matters for the time).
    bill, saving = savings_outputs()
    n_candidates = automation_savings(bill, saving)
    auto = model.scenario_data.params["automation"]
    relative = np.divide(saving[:n_firms], bill[:n_firms], out=np.zeros(n_firms),
                         where=bill[:n_firms] > 0)
    hazard = auto["max_adoption_hazard"] * (1.0 - np.exp(-relative / auto["hazard_saving_scale"]))
    adopting = (np.random.default_rng(0).random(n_firms) < hazard).view(np.uint8)
    selected = (np.random.default_rng(1).random(n_firms) < 0.02).view(np.uint8)
    ages = model.retirement_age_months.astype(np.float64)
    # Both channels' adopting firms, as the automation stage passes them (the genai
    # channel drawn from its own savings, the same way).
    both = np.zeros((2, n_firms), dtype=np.uint8)
    both[0] = adopting
    relative = np.divide(saving[n_firms:], bill[n_firms:], out=np.zeros(n_firms),
                         where=bill[n_firms:] > 0)
    hazard = auto["max_adoption_hazard"] * (1.0 - np.exp(-relative / auto["hazard_saving_scale"]))
    both[1] = np.random.default_rng(2).random(n_firms) < hazard
    two_rows = np.empty((2, n_candidates), dtype=np.int64)

    calls = {
        "worker_statistics": (worker_statistics, statistics_outputs),
        "update_incumbent_wages": (update_incumbent_wages, lambda: (w.wage.copy(),)),
        "job_seeker_rows": (
            lambda: kernels.job_seeker_rows(w.status, w.worker_id, model.month, period, rows),
            tuple),
        "retiring_rows": (
            lambda: kernels.retiring_rows(w.birth_month, w.gender, model.month, ages, rows),
            tuple),
        "separations_due": (
            lambda: kernels.separations_due(w.separation_month, w.status, model.month, rows),
            tuple),
        "automation_savings": (automation_savings, savings_outputs),
        "employees_of": (lambda: kernels.employees_of(w.status, w.firm, selected, rows), tuple),
        "count_by_cell(self_employed)": (
            lambda out: kernels.count_by_cell(w.status, w.region, w.sector,
                                              int(Status.SELF_EMPLOYED),
                                              model.economy.n_sectors, out),
            lambda: (np.zeros(n_r * model.economy.n_sectors, dtype=np.int64),)),
        "exposed_in_adopting": (
            lambda out, found: kernels.exposed_in_adopting(
                candidate_row[:n_candidates], candidate_key[:n_candidates], both, out, found),
            lambda: (two_rows, np.zeros(2, dtype=np.int64))),
    }
    for status in Status:
        calls[f"rows_with_status({status.name.lower()})"] = (
            lambda code=int(status): kernels.rows_with_status(w.status, code, rows), tuple)
    return calls


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--module", default="kernels._population")
    parser.add_argument("--checkpoint", type=Path, default=None)
    args = parser.parse_args(argv)
    kernels = importlib.import_module(args.module)
    start = time.perf_counter()
    if args.checkpoint is not None and args.checkpoint.exists():
        model = LaborMarketModel.load(args.checkpoint)
    else:
        model = LaborMarketModel(scale=args.scale, rng=1)
        model.run(args.steps)
        if args.checkpoint is not None:
            model.save(args.checkpoint)
    print(f"{len(model.workers):,} workers, {len(model.firms):,} firms, month {model.month} "
          f"(built and stepped in {time.perf_counter() - start:.1f} s); {args.module}")
    for name, (call, prepare) in kernel_calls(model, kernels).items():
        print(f"{name:32s} {_median_ms(call, prepare, args.calls):8.2f} ms")


if __name__ == "__main__":
    main()
