"""Property tests of the kernels, through ``kernels.load_backend()``: for any valid arrays,
both the compiled kernels and the NumPy reference keep their invariants.

Matching: a vacancy is filled at most once, a worker is hired at most once (into one real
vacancy), nobody is hired below their reservation wage or above their skill, only into a
region and occupation group their search can reach, and the result is a function of the
inputs. Retraining: outcomes are valid codes, a candidate enrols only when the course pays,
graduates get an occupation their skill's target row can draw.

Slow (``-m slow``): a few thousand examples in all; see docs/reliability.md.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from test_kernels import candidates, markets, trainees

import kernels

pytestmark = pytest.mark.slow

BACKENDS = {"cython": kernels.load_backend(pure=False), "reference": kernels.load_backend(pure=True)}
#: Examples per test and backend: 10 tests x this = the total in docs/reliability.md.
EXAMPLES = 500
MANY = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

backend_names = pytest.mark.parametrize("backend", list(BACKENDS))


def _match(backend: str, m: dict) -> np.ndarray:
    hired = np.full(len(m["seeker_id"]), -7, dtype=np.int64)
    BACKENDS[backend].match_job_seekers(hired_vacancy=hired, **m)
    return hired


@backend_names
@MANY
@given(market=markets(max_seekers=60, max_vacancies=60))
def test_matching_fills_each_vacancy_once_and_hires_each_worker_once(backend, market):
    hired = _match(backend, market)
    V = len(market["vacancy_id"])
    assert ((hired >= -1) & (hired < V)).all(), "every seeker gets a vacancy index or -1"
    taken = hired[hired >= 0]
    assert np.unique(taken).size == taken.size, "a vacancy was filled twice"
    assert taken.size <= min(len(market["seeker_id"]), V)
    again = _match(backend, market)
    assert np.array_equal(hired, again), "same inputs, same hires"


@backend_names
@MANY
@given(market=markets(max_seekers=60, max_vacancies=60))
def test_nobody_is_hired_below_reservation_wage_or_skill_or_out_of_reach(backend, market):
    hired = _match(backend, market)
    who = np.flatnonzero(hired >= 0)
    v = hired[who]
    assert (market["vacancy_wage"][v] >= market["seeker_reservation"][who]).all()
    assert (market["vacancy_skill"][v] <= market["seeker_skill"][who]).all()
    n_groups = market["n_groups"]
    bucket = np.searchsorted(market["bucket_start"], v, side="right") - 1
    region, group = bucket // n_groups, bucket % n_groups
    assert (group == market["vacancy_group"][v]).all()
    cdf = market["region_cdf"][market["seeker_region"][who]]
    lower = np.where(region > 0, cdf[np.arange(who.size), np.maximum(region - 1, 0)], 0.0)
    reach = cdf[np.arange(who.size), region] - lower
    assert (reach > 0).all(), "hired in a region the seeker's search never reaches"
    if market["switch_share"] == 0.0:
        assert (group == market["seeker_group"][who]).all()


@backend_names
@MANY
@given(market=markets(max_seekers=30, max_vacancies=30))
def test_raising_every_reservation_wage_above_all_offers_hires_nobody(backend, market):
    top = market["vacancy_wage"].max() if len(market["vacancy_wage"]) else 0.0
    market = dict(market, seeker_reservation=np.full(len(market["seeker_id"]), top + 1.0))
    assert (_match(backend, market) == -1).all()


@backend_names
@MANY
@given(args=candidates())
def test_a_candidate_enrols_only_when_the_course_pays(backend, args):
    key, ids, gain, cost, take_up = args
    wants = np.full(ids.size, 9, dtype=np.uint8)
    BACKENDS[backend].retraining_choices(key, ids, gain, cost, take_up, wants)
    assert np.isin(wants, [0, 1]).all()
    assert not wants[gain <= cost].any()
    if take_up == 1.0:
        assert np.array_equal(wants.astype(bool), gain > cost)
    if take_up == 0.0:
        assert not wants.any()


@backend_names
@MANY
@given(args=trainees())
def test_trainees_continue_complete_or_drop_out_into_reachable_occupations(backend, args):
    key, ids, months_left, dropout, target_cdf, new_skill = args
    T = ids.size
    outcome, target = np.full(T, 9, np.int8), np.full(T, 99, np.int32)
    BACKENDS[backend].retraining_progress(key, ids, months_left, dropout, target_cdf, new_skill,
                                          outcome, target)
    assert np.isin(outcome, [0, 1, 2]).all()
    if dropout == 0.0:
        assert np.array_equal(outcome == 1, months_left <= 1)
    if dropout == 1.0:
        assert (outcome == 2).all()
    assert (outcome[months_left > 1] != 1).all(), "nobody completes with months left"
    assert (target[outcome != 1] == -1).all()
    if target_cdf.shape[1] > 0:
        graduates = np.flatnonzero(outcome == 1)
        occ = target[graduates]
        assert ((occ >= 0) & (occ < target_cdf.shape[1])).all()
        rows = target_cdf[new_skill[graduates]]
        lower = np.where(occ > 0, rows[np.arange(occ.size), np.maximum(occ - 1, 0)], 0.0)
        assert (rows[np.arange(occ.size), occ] - lower > 0).all(), "drew an occupation of probability 0"
