"""The Mesa-agent baseline of ``benchmarks/mesa_baseline.py`` (issue 6's cost comparison).

It is built from a labsim model's month-0 state, so it must start from the same
population; after two months its own bookkeeping must still hold: every worker with a
job is on its employer's staff and nobody else is, the running unemployment counters
match a recount, and nobody was hired below the reservation wage or above their skill.
"""

from __future__ import annotations

import importlib
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from sim.model import LaborMarketModel

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
mb = importlib.import_module("benchmarks.mesa_baseline")

SCALE = 0.0005  # about 4,500 workers


@pytest.fixture(scope="module")
def labsim_model():
    return LaborMarketModel(scale=SCALE, rng=1)


def test_same_population_as_labsim(labsim_model):
    model = mb.MesaLabourMarket(mb.MesaLabourMarket.state_from_labsim(labsim_model), rng=1)
    w, f = labsim_model.workers, labsim_model.firms
    workers = list(model.agents_by_type[mb.Worker])
    assert len(workers) == len(w)
    assert Counter(a.status for a in workers) == Counter(w.status.tolist())
    assert Counter((a.region, a.occupation, a.skill) for a in workers) == Counter(
        zip(w.region.tolist(), w.occupation.tolist(), w.skill.tolist()))
    assert sum(a.wage for a in workers) == pytest.approx(float(w.wage.sum()), rel=1e-12)
    firms = list(model.agents_by_type[mb.Firm])
    assert [len(firm.staff) for firm in firms] == f.employees.tolist()
    assert model.unemployment_rate() == pytest.approx(
        float(np.mean(w.status[w.status <= mb.UNEMPLOYED] == mb.UNEMPLOYED)))


def test_two_months_keep_invariants(labsim_model, monkeypatch):
    model = mb.MesaLabourMarket(mb.MesaLabourMarket.state_from_labsim(labsim_model), rng=2)
    hires = []
    accept = mb.Worker.accept_best_offer

    def checked_accept(worker):
        vacancy = worker.best_offer
        if vacancy is not None:
            assert not vacancy.filled, "a vacancy was filled twice"
            hires.append((vacancy.wage, worker.reservation_wage(), vacancy.skill, worker.skill))
        accept(worker)
        if vacancy is not None:
            assert worker.employer is vacancy.employer and worker.wage == vacancy.wage

    monkeypatch.setattr(mb.Worker, "accept_best_offer", checked_accept)
    model.run(2)

    assert model.month == 2 and model.separations > 0 and len(hires) == model.hires > 0
    assert all(wage >= reservation for wage, reservation, _, _ in hires)
    assert all(required <= skill for _, _, required, skill in hires)

    workers = list(model.agents_by_type[mb.Worker])
    employers = list(model.employers)
    on_staff = Counter()
    for employer in employers:
        for worker in employer.staff:
            on_staff[worker] += 1
    for worker in workers:
        if worker.status == mb.EMPLOYED:
            assert isinstance(worker.employer, mb.Firm)
        elif worker.status == mb.SELF_EMPLOYED:
            assert isinstance(worker.employer, mb.SelfEmploymentCell)
            assert (worker.employer.region, worker.employer.sector) == (worker.region, worker.sector)
        else:
            assert worker.employer is None
        if worker.employer is not None:
            assert on_staff[worker] == 1 and worker in worker.employer.staff
            assert worker.wage > 0
        else:
            assert on_staff[worker] == 0
        if worker.status == mb.EMPLOYED:
            assert worker.wage >= model.minimum_wage
    assert sum(on_staff.values()) == sum(w.status <= mb.SELF_EMPLOYED for w in workers)

    unemployed = np.zeros((len(model.unemployed_rs), 3), dtype=int)
    labour_force = np.zeros_like(unemployed)
    for worker in workers:
        labour_force[worker.region, worker.skill] += worker.status <= mb.UNEMPLOYED
        unemployed[worker.region, worker.skill] += worker.status == mb.UNEMPLOYED
    assert unemployed.tolist() == model.unemployed_rs
    assert labour_force.tolist() == model.labour_force_rs
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 3 and frame["hires"].iloc[-1] == model.hires
