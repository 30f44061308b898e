"""Stage 7, retraining (the Cython kernels ``retraining_progress`` and ``retraining_choices``).

Trainees first advance: each month some drop out; those who finish gain one skill
level and move to an occupation that is not at risk, open to their new skill (drawn
from ``retraining_target_cdf``: month-0 employment by skill, the new occupations added,
complementary occupations weighted three times), then search as unemployed graduates
(a new unemployment spell begins). Then unemployed
workers decide (those at least five years from retirement: the course would not pay
back): one enrols when the expected gain in earnings over ``horizon_months``
(discounted; the current job's income is discounted by half its exposure when at risk)
beats the private cost, course cost x
(1 - ``retraining_subsidy``) less the stipend, and then with monthly probability
``take_up``. Seats are rationed to ``retraining_capacity`` enrolments per year per
1,000 of the labour force; displaced workers go first, then the largest gains.
Trainees are outside the labour force, draw ``retraining_stipend`` and do not search.
"""

from __future__ import annotations

import numpy as np

from ..population import Status
from ..randomness import Stream, uniform_for

__all__ = ["retraining", "advance_trainees", "enrol", "expected_gain"]


def advance_trainees(model) -> None:
    w = model.workers
    rows, ids = model.rows_and_ids_with_status(Status.RETRAINING)
    if rows.size == 0:
        return
    new_skill = np.minimum(w.skill[rows].astype(np.int32) + 1, 2)
    outcome = np.empty(rows.size, dtype=np.int8)
    target = np.empty(rows.size, dtype=np.int32)
    model.kernels.retraining_progress(
        model.stream_key("RETRAINING_PROGRESS"), ids.astype(np.int64, copy=False),
        w.retraining_months_left[rows].astype(np.int32),
        float(model.scenario_data.params["retraining"]["dropout_rate"]),
        model.retraining_target_cdf, new_skill, outcome, target)
    going = rows[outcome == 0]
    w.retraining_months_left[going] -= 1
    leaving = rows[outcome != 0]
    w.status[leaving] = Status.UNEMPLOYED
    w.unemployed_since[leaving] = model.month
    w.retraining_months_left[leaving] = 0
    done = outcome == 1
    graduates = rows[done]
    w.skill[graduates] = new_skill[done]
    w.occupation[graduates] = target[done]
    w.sector[graduates] = model.economy.occupation_sector[target[done]]
    w.retraining_target[graduates] = target[done]
    model.retrained_total += graduates.size
    model.dropouts_total += int((outcome == 2).sum())


def expected_gain(model, rows: np.ndarray) -> np.ndarray:
    """Discounted expected earnings gain of retraining, tenge, for workers ``rows``."""
    w, r = model.workers, model.scenario_data.params["retraining"]
    region = w.region[rows].astype(np.int64)
    skill = w.skill[rows].astype(np.int64)
    up = np.minimum(skill + 1, 2)
    income = model.market["mean_wage_rs"] * (1.0 - model.market["unemployment_rate_rs"])
    exposure = np.maximum(model.economy.p_auto, model.economy.p_genai)[w.occupation[rows]]
    now = income[region, skill] * (1.0 - 0.5 * exposure * model.economy.at_risk[w.occupation[rows]])
    after = income[region, up]
    delta = r["discount_rate"]
    annuity = (1.0 - (1.0 + delta) ** -r["horizon_months"]) / delta if delta > 0 \
        else float(r["horizon_months"])
    return (after - now) * annuity


def _young_enough(model, rows: np.ndarray, ids: np.ndarray):
    """Of workers ``rows`` (with ``ids``), those more than five years from retirement."""
    w = model.workers
    young = (model.month - w.birth_month[rows].astype(np.int64)) \
        < model.retirement_age_months[w.gender[rows]] - 5 * 12
    return rows[young], ids[young]


def enrol(model) -> None:
    w, r = model.workers, model.scenario_data.params["retraining"]
    months = r["course_months"]
    model._seat_carry += model.retraining_capacity / 1000.0 * model.labour_force_agents() / 12.0
    seats = int(np.floor(model._seat_carry))
    model._seat_carry -= seats
    if seats == 0:
        return
    unemployed, unemployed_ids = model.rows_and_ids_with_status(Status.UNEMPLOYED)
    # Only those whose take-up draw comes up this month can want a seat: the kernel draws
    # the same number per id, so deciding for them alone gives the same applicants, and
    # the age test and expected gains are computed for ~take_up of the unemployed (the
    # two tests are elementwise: their order does not change who passes both).
    chance = np.flatnonzero(uniform_for(model.seed, model.month, Stream.RETRAINING_CHOICE,
                                        unemployed_ids) < r["take_up"])
    # Positions, then takes: a boolean selection of a few per cent of an int64 array
    # took ~0.9 ms at national scale, flatnonzero and two takes ~0.25 ms.
    candidates, ids = unemployed[chance], unemployed_ids[chance]
    candidates, ids = _young_enough(model, candidates, ids)
    if candidates.size == 0 and _young_enough(model, unemployed, unemployed_ids)[0].size == 0:
        model._seat_carry += seats   # nobody could enrol: the seats carry over
        return
    gain = expected_gain(model, candidates)
    private_cost = np.full(candidates.size,
                           months * (r["course_cost"] * (1.0 - model.retraining_subsidy)
                                     - model.retraining_stipend))
    wants = np.empty(candidates.size, dtype=np.uint8)
    model.kernels.retraining_choices(model.stream_key("RETRAINING_CHOICE"),
                                     ids.astype(np.int64, copy=False), gain,
                                     private_cost, float(r["take_up"]), wants)
    applicants = np.flatnonzero(wants)
    # Seats go by a total order (displaced first, then gain, then id), so the result does
    # not depend on the order of the rows: no sort of the candidates is needed.
    order = np.lexsort((ids[applicants], -gain[applicants],
                        ~w.displaced[candidates[applicants]]))
    chosen = candidates[applicants[order[:seats]]]
    model._seat_carry += seats - chosen.size
    model._seat_carry = min(model._seat_carry, 1.0)  # unused seats lapse
    w.status[chosen] = Status.RETRAINING
    w.retraining_months_left[chosen] = months
    model.enrolments_total += chosen.size
    model.enrolments_this_month = chosen.size


def retraining(model) -> None:
    """Stage entry point."""
    model.enrolments_this_month = 0
    if not model.mechanisms["retraining"]:
        return
    advance_trainees(model)
    enrol(model)
