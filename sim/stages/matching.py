"""Stage 5, search and matching (the Cython kernel ``match_job_seekers``).

Job seekers are the unemployed (graduates of retraining among them) and, on a rotation
by worker id, ``on_the_job_search_rate`` of the employed. A seeker applies to a few
vacancies chosen by region (own region most likely, others decaying with shortest-path
distance), occupation group and wage; firms rank applicants by fit; a seeker takes the
best offer at or above the reservation wage. The reservation wage of the unemployed is
``reservation_wage_ratio`` x last wage, decaying each month of unemployment, and never
below the benefit they would give up (``unemployment_benefit``); the employed need
10 % more than they earn. Platform (gig) workers search like the unemployed, and take
no wage job that pays less than their gigs. A hire in another region is a job-led
migration.
"""

from __future__ import annotations

import numpy as np

from .separations import next_separation_month
from .vacancies import N_GROUPS

__all__ = ["matching", "reservation_wages", "reservation_wages_of", "job_seekers",
           "on_the_job_period"]

#: The longest on-the-job search period, months (see on_the_job_period).
LONGEST_SEARCH_PERIOD = 2**62

#: What an employee (or a self-employed worker) needs to change jobs, relative to the
#: current wage.
MOVE_PREMIUM = 1.10

#: What the gather_job_seekers kernel writes for each seeker (row order), in its argument
#: order.
_GATHERED_COLUMNS = (("row", np.int64), ("id", np.int64), ("bucket", np.int16),
                     ("occupation", np.int16), ("skill", np.int8), ("status", np.int8),
                     ("unemployed_since", np.int16))

#: What the seeker_table kernel writes for each seeker (bucket order), in its argument order.
_SEEKER_COLUMNS = (("row", np.int64), ("id", np.int64), ("region", np.int32),
                   ("group", np.int32), ("occupation", np.int32), ("skill", np.int32),
                   ("reservation", np.float64))


def reservation_wages(model, rows: np.ndarray) -> np.ndarray:
    """Reservation wage, tenge/month, of workers ``rows``."""
    w = model.workers
    return reservation_wages_of(model, w.status[rows], w.wage[rows], w.last_wage[rows],
                                w.unemployed_since[rows])


def reservation_wages_of(model, status, wage, last_wage, unemployed_since) -> np.ndarray:
    """Reservation wage, tenge/month, from the workers' status, wage, last wage and start
    of unemployment (arrays of one length; elementwise, so their order is free)::

        employed, self-employed: MOVE_PREMIUM (1.10) x wage
        others: max(ratio x last wage x decay ** months unemployed, floor)

    with the floor the gig income of a platform worker, the benefit an entitled
    unemployed worker would give up, 0 otherwise (the reservation_wages kernel)."""
    status = np.ascontiguousarray(status, dtype=np.int8)
    unemployed_since = np.ascontiguousarray(unemployed_since, dtype=np.int16)
    out = np.empty(status.size, dtype=np.float64)
    model.kernels.reservation_wages(
        status, np.ascontiguousarray(wage, dtype=np.float64),
        np.ascontiguousarray(last_wage, dtype=np.float64), unemployed_since,
        *_reservation_terms(model, unemployed_since), out)
    return out


def _reservation_terms(model, unemployed_since: np.ndarray) -> tuple:
    """The reservation_wages kernel's arguments after the four seeker columns: month,
    decay powers (enough for the longest spell in ``unemployed_since``), ratio, benefit
    rate, benefit months and move premium."""
    m = model.scenario_data.params["matching"]
    # decay ** months from a table of powers (np.power per element is slow; same values)
    most_months = max(model.month - int(unemployed_since.min(initial=model.month)), 0)
    powers = np.power(m["reservation_wage_decay"], np.arange(most_months + 1))
    return (model.month, powers, float(m["reservation_wage_ratio"]),
            float(model.unemployment_benefit), float(model.benefit_months), MOVE_PREMIUM)


def on_the_job_period(model) -> int:
    """Months between an employee's turns to search on the job (0: nobody does).

    A rate so small that the period would pass ``LONGEST_SEARCH_PERIOD`` (2**62 months)
    gets that period: an employee searches when ``(id + month) % period == 0``, and for
    any period longer than every id + month that is the same test (only id + month = 0),
    so the cap changes no result and keeps the period inside the kernels' int64."""
    rate = model.scenario_data.params["matching"]["on_the_job_search_rate"]
    if rate <= 0:
        return 0
    months = 1.0 / rate
    if not months < LONGEST_SEARCH_PERIOD:   # inf included
        return LONGEST_SEARCH_PERIOD
    return max(int(round(months)), 1)


def job_seekers(model) -> np.ndarray:
    """Rows of this month's job seekers (unemployed, gig workers, some employees), in row order."""
    w = model.workers
    rows = np.empty(len(w), dtype=np.int64)
    count = model.kernels.job_seeker_rows(w.status, w.worker_id, model.month,
                                          on_the_job_period(model), rows)
    # Row order is enough: the matching kernel's result does not depend on the order.
    return rows[:count]


def matching(model) -> None:
    """Run the matching kernel and apply the hires."""
    w, f, eco = model.workers, model.firms, model.economy
    vac = model.vacancy_table
    if vac["vacancy_id"].size == 0:
        return
    m = model.scenario_data.params["matching"]
    # The seekers (those of job_seekers) and what the table needs, in row order, in one
    # pass over the population; the arrays are as long as the population, and only the
    # first ``n`` entries are written (pages never touched cost nothing).
    found = {name: np.empty(len(w), dtype=dtype) for name, dtype in _GATHERED_COLUMNS}
    n = model.kernels.gather_job_seekers(
        w.status, w.worker_id, model.month, on_the_job_period(model), w.region,
        w.occupation, w.skill, w.unemployed_since, eco.isco_group.astype(np.int32),
        model.n_regions, N_GROUPS, *found.values())
    if n == 0:
        return
    found = {name: column[:n] for name, column in found.items()}
    # Grouped by (region, group) bucket, with their reservation wages: the kernel's result
    # does not depend on the seekers' order, and this order keeps each bucket's vacancies
    # in cache while its seekers apply.
    seeker = {name: np.empty(n, dtype=dtype) for name, dtype in _SEEKER_COLUMNS}
    model.kernels.seeker_table(
        *found.values(), w.wage, w.last_wage, model.n_regions, N_GROUPS,
        *_reservation_terms(model, found["unemployed_since"]), *seeker.values())
    hired = np.empty(n, dtype=np.int64)
    model.kernels.match_job_seekers(
        model.stream_key("MATCHING"), seeker["id"], seeker["region"], seeker["group"],
        seeker["occupation"], seeker["skill"], seeker["reservation"],
        model.application_region_cdf, float(m["occupation_switch_share"]), N_GROUPS,
        vac["bucket_start"], vac["vacancy_id"], vac["occupation"], vac["group"], vac["skill"],
        vac["wage"], int(m["applications"]), 2, hired,
    )
    hired_rows, hired_ids = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    hired_sectors = np.empty(n, dtype=np.int8)
    count, moves = model.kernels.apply_hires(
        seeker["row"], seeker["id"], hired, vac["firm"], vac["region"], vac["occupation"],
        vac["wage"], eco.occupation_sector, model.month,
        bool(model.wage_subsidy_low_skill > 0),
        w.status, w.firm, w.region, w.occupation, w.sector, w.wage, w.unemployed_since,
        w.skill, w.migrant.view(np.uint8), w.subsidy_until, f.employees, f.vacancies,
        model.migration_counts.reshape(-1), hired_rows, hired_ids, hired_sectors)
    # Ids and sectors from apply_hires, not gathered again at the hires' scattered rows.
    w.separation_month[hired_rows[:count]] = next_separation_month(
        model, hired_ids[:count], hired_sectors[:count])
    model.migrants_total += moves
    model.job_led_migrants_total += moves
    model.hires_total += count
