"""Pure-NumPy reference of the kernels, and the counter-based random numbers.

Design (what lives where, as in scikit-learn's ``_loss``):

* ``kernels/_rng.pxd``      the SplitMix64 hash, inline C, for the Cython kernels;
* ``kernels/_matching.pyx`` and ``kernels/_retraining.pyx`` the hot loops (no allocation,
  no Python objects, ``nogil``);
* this module             the same functions in NumPy, with identical signatures and
  identical results, bit for bit. ``LABSIM_PURE_PYTHON=1`` runs the model on it.

Random numbers are a pure function of (seed, month, stage, persistent agent id, draw
number): ``uniform(stream_key(seed, month, stage), ids, draw)``. Nothing depends on a
row index, so results are the same whatever the order of processing or row layout.

Example:
    >>> key = stream_key(seed=7, month=3, stage=1)
    >>> u = uniform(key, np.array([10, 11], dtype=np.int64), 0)
    >>> bool(((0 <= u) & (u < 1)).all()), bool(u[0] == uniform(key, np.array([10]), 0)[0])
    (True, True)
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "stream_key", "mix64", "uniform", "tiebreak",
    "match_job_seekers", "gather_job_seekers", "seeker_table", "apply_hires",
    "retraining_choices", "retraining_progress",
]

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_C1 = 0xBF58476D1CE4E5B9
_C2 = 0x94D049BB133111EB
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53: 53 random bits -> [0, 1), exact


def _mix_int(x: int) -> int:
    x = (x + _GOLDEN) & _MASK
    x = ((x ^ (x >> 30)) * _C1) & _MASK
    x = ((x ^ (x >> 27)) * _C2) & _MASK
    return x ^ (x >> 31)


def stream_key(seed: int, month: int, stage: int) -> int:
    """The 64-bit key of one random stream: a hash of (seed, month, stage)."""
    key = _mix_int(int(seed) & _MASK)
    key = _mix_int(key ^ (int(month) & _MASK))
    return _mix_int(key ^ (int(stage) & _MASK))


def mix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on a uint64 array (wraps modulo 2**64, as C does)."""
    x = x + np.uint64(_GOLDEN)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(_C1)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(_C2)
    return x ^ (x >> np.uint64(31))


def _hash(key: int, ids, draw) -> np.ndarray:
    ids = np.asarray(ids).astype(np.uint64)
    h = mix64(np.uint64(key) ^ ids)
    return mix64(h ^ np.asarray(draw).astype(np.uint64))


def uniform(key: int, ids, draw) -> np.ndarray:
    """Uniform [0, 1) draws for agents ``ids`` (broadcasts with ``draw``), float64."""
    return (_hash(key, ids, draw) >> np.uint64(11)).astype(np.float64) * _TO_UNIT


def tiebreak(key: int, ids, draw) -> np.ndarray:
    """A uint64 hash used to rank equals without any dependence on order."""
    return _hash(key, ids, draw)


# -----------------------------------------------------------------------------------------
# Matching


def match_job_seekers(key, seeker_id, seeker_region, seeker_group, seeker_occupation,
                      seeker_skill, seeker_reservation, region_cdf, switch_share, n_groups,
                      bucket_start, vacancy_id, vacancy_occupation, vacancy_group,
                      vacancy_skill, vacancy_wage, n_applications, n_rounds, hired_vacancy):
    """Decentralised search and matching with a few applications per seeker.

    Each round, every seeker not yet hired sends ``n_applications`` applications. For
    each one it picks a region (row ``seeker_region`` of ``region_cdf``: own region most
    likely, others decaying with distance), an occupation group (its own, or with
    probability ``switch_share`` any of ``n_groups``), draws two open vacancies of that
    (region, group) bucket and applies to the better paid (wage-directed search). It
    applies only where it qualifies (required skill <= own skill) and the wage is at
    least its reservation wage. Each vacancy offers the job to its best applicant
    (same occupation > same group > other; then a hash; then the lower id), and each
    seeker takes its best-paid offer (ties: lower vacancy index).

    Args (S seekers, V vacancies sorted by bucket = region * n_groups + group):
        key: stream key of (seed, month, matching stage).
        seeker_*: int64 id; int32 region, group, occupation, skill; float64 reservation
            wage (tenge/month).
        region_cdf: float64 (R, R), cumulative; the last column is exactly 1.
        bucket_start: int64 (R * n_groups + 1): CSR offsets into the vacancy arrays.
        vacancy_*: int64 id; int32 occupation, group, skill; float64 wage.
        hired_vacancy: OUT int64 (S): index of the vacancy taken, or -1.

    Invariants: a vacancy is filled at most once; a seeker is hired at most once; nobody
    is hired below the reservation wage or above their skill.
    """
    S, V = len(seeker_id), len(vacancy_id)
    hired_vacancy[:] = -1
    if S == 0 or V == 0:
        return
    filled = np.zeros(V, dtype=bool)
    draws_per_round = 4 * n_applications
    ids64 = seeker_id.astype(np.int64)
    for rnd in range(n_rounds):
        active = np.flatnonzero(hired_vacancy < 0)
        if active.size == 0:
            break
        base = rnd * draws_per_round
        draw = base + np.arange(draws_per_round, dtype=np.int64)
        u = uniform(key, ids64[active][:, None], draw[None, :]).reshape(
            active.size, n_applications, 4)
        cdf = region_cdf[seeker_region[active]]                      # (A, R)
        region = (u[:, :, 0:1] >= cdf[:, None, :]).sum(axis=2)       # first d with u < cdf
        own = seeker_group[active][:, None].astype(np.int64)
        ug = u[:, :, 1]
        switched = ug < switch_share
        if switch_share > 0:
            safe = np.where(switched, ug, 0.0)  # unswitched values are never used
            other = np.minimum(((safe / switch_share) * n_groups).astype(np.int64), n_groups - 1)
            group = np.where(switched, other, own)
        else:
            group = np.broadcast_to(own, ug.shape)
        bucket = region * n_groups + group
        start = bucket_start[bucket]
        size = bucket_start[bucket + 1] - start
        has = size > 0
        v1 = start + (u[:, :, 2] * size).astype(np.int64)
        v2 = start + (u[:, :, 3] * size).astype(np.int64)
        v1 = np.where(has, v1, 0)
        v2 = np.where(has, v2, 0)
        w1, w2 = vacancy_wage[v1], vacancy_wage[v2]
        v = np.where((w1 > w2) | ((w1 == w2) & (v1 <= v2)), v1, v2)
        skill = seeker_skill[active][:, None]
        res = seeker_reservation[active][:, None]
        ok = has & (vacancy_skill[v] <= skill) & (vacancy_wage[v] >= res) & ~filled[v]
        rows, cols = np.nonzero(ok)
        if rows.size == 0:
            continue
        app_seeker = active[rows]
        app_vac = v[rows, cols]
        occ_s = seeker_occupation[app_seeker]
        fit = np.where(vacancy_occupation[app_vac] == occ_s, 2,
                       np.where(vacancy_group[app_vac] == seeker_group[app_seeker], 1, 0))
        tb = tiebreak(key, ids64[app_seeker], vacancy_id[app_vac].astype(np.uint64)
                      + np.uint64(rnd))
        sid = ids64[app_seeker]
        order = np.lexsort((sid, ~tb, -fit, app_vac))
        first = np.ones(order.size, dtype=bool)
        first[1:] = app_vac[order][1:] != app_vac[order][:-1]
        winners = order[first]
        offer_seeker = app_seeker[winners]
        offer_vac = app_vac[winners]
        order2 = np.lexsort((offer_vac, -vacancy_wage[offer_vac], offer_seeker))
        first2 = np.ones(order2.size, dtype=bool)
        first2[1:] = offer_seeker[order2][1:] != offer_seeker[order2][:-1]
        take = order2[first2]
        hired_vacancy[offer_seeker[take]] = offer_vac[take]
        filled[offer_vac[take]] = True


# -----------------------------------------------------------------------------------------
# Retraining


def gather_job_seekers(status, worker_id, month, period, region, occupation, skill,
                       unemployed_since, group_of_occupation, n_regions, n_groups, out_row,
                       out_id, out_bucket, out_occupation, out_skill, out_status,
                       out_unemployed_since):
    """This month's job seekers (those of ``job_seeker_rows``), their ids and attributes,
    in row order, with bucket ``region * n_groups + group``; returns their number."""
    if n_regions * n_groups > 0x7FFF:
        raise ValueError("gather_job_seekers: more than 32767 buckets")
    rows = np.empty(status.shape[0], dtype=np.int64)
    rows = rows[:job_seeker_rows(status, worker_id, month, period, rows)]
    reg, occ = region[rows].astype(np.int64), occupation[rows].astype(np.int64)
    if (reg < 0).any() or (reg >= n_regions).any() or (occ < 0).any() \
            or (occ >= group_of_occupation.shape[0]).any():
        raise ValueError("gather_job_seekers: a region or occupation is out of range")
    group = group_of_occupation[occ].astype(np.int64)
    if (group < 0).any() or (group >= n_groups).any():
        raise ValueError("gather_job_seekers: a group is out of range")
    n = rows.size
    out_row[:n] = rows
    out_id[:n] = worker_id[rows]
    out_bucket[:n] = reg * n_groups + group
    out_occupation[:n] = occ
    out_skill[:n] = skill[rows]
    out_status[:n] = status[rows]
    out_unemployed_since[:n] = unemployed_since[rows]
    return int(n)


def seeker_table(row, worker_id, bucket, occupation, skill, status, unemployed_since, wage,
                 last_wage, n_regions, n_groups, month, decay_powers, ratio, benefit_rate,
                 benefit_months, move_premium, out_row, out_id, out_region, out_group,
                 out_occupation, out_skill, out_reservation):
    """The job seekers grouped by bucket (a stable sort: the given order within a bucket),
    with their reservation wages (``reservation_wages``), written into the
    ``out_*`` arrays."""
    bucket = np.asarray(bucket, dtype=np.int64)
    if (bucket < 0).any() or (bucket >= n_regions * n_groups).any() \
            or (row < 0).any() or (row >= wage.shape[0]).any():
        raise ValueError("seeker table: a row or bucket is out of range")
    reservation = np.empty(bucket.size, dtype=np.float64)
    reservation_wages(status, wage[row], last_wage[row], unemployed_since, month, decay_powers,
                      ratio, benefit_rate, benefit_months, move_premium, reservation)
    order = np.argsort(bucket, kind="stable")
    out_row[:] = row[order]
    out_id[:] = worker_id[order]
    out_region[:] = bucket[order] // n_groups
    out_group[:] = bucket[order] % n_groups
    out_occupation[:] = occupation[order]
    out_skill[:] = skill[order]
    out_reservation[:] = reservation[order]


def reservation_wages(status, wage, last_wage, unemployed_since, month, decay_powers, ratio,
                      benefit_rate, benefit_months, move_premium, out):
    """Reservation wages of job seekers (see the Cython docstring)."""
    employed = status <= 1
    months = np.maximum(month - unemployed_since.astype(np.int64), 0)
    if (~employed & (months >= decay_powers.size)).any():
        raise ValueError("reservation_wages: months of unemployment beyond decay_powers")
    decayed = ratio * last_wage * decay_powers[np.where(employed, 0, months)]
    # Gig workers draw no benefit; their floor is the gig income itself.
    benefit = np.where((months < benefit_months) & (status == 3), benefit_rate * last_wage, 0.0)
    floor = np.where(status == 2, wage, benefit)
    out[:] = np.where(employed, wage * move_premium, np.maximum(decayed, floor))


def apply_hires(seeker_row, seeker_id, hired_vacancy, vacancy_firm, vacancy_region, vacancy_occupation,
                vacancy_wage, occupation_sector, month, wage_subsidy, status, firm, region,
                occupation, sector, wage, unemployed_since, skill, migrant, subsidy_until,
                employees, vacancies, migration_counts, hired_rows, hired_ids, hired_sectors):
    """The hires written back to workers and firms (see the Cython kernel); returns
    (hires, job-led moves)."""
    if seeker_id.shape[0] != seeker_row.shape[0]:
        raise ValueError("apply_hires: seeker_id needs the length of seeker_row")
    took = hired_vacancy >= 0
    rows, v, ids = seeker_row[took], hired_vacancy[took], seeker_id[took]
    n_regions = int(round(np.sqrt(migration_counts.size)))
    if rows.size and (v.max() >= vacancy_firm.size or rows.min() < 0
                      or rows.max() >= status.size):
        raise ValueError("apply_hires: a vacancy or row is out of range")
    f, occ, new_region = vacancy_firm[v], vacancy_occupation[v], vacancy_region[v]
    movers = rows[status[rows] == 0]
    if (f.size and f.max() >= employees.size) or (occ < 0).any() \
            or (occ >= occupation_sector.size).any() or (new_region < 0).any() \
            or (new_region >= n_regions).any() or (region[rows] < 0).any() \
            or (region[rows] >= n_regions).any() \
            or (firm[movers] < 0).any() or (firm[movers] >= employees.size).any():
        raise ValueError("apply_hires: a firm, occupation or region is out of range")
    employees -= np.bincount(firm[movers], minlength=employees.size).astype(employees.dtype)
    moved = new_region != region[rows]
    np.add.at(migration_counts, region[rows[moved]].astype(np.int64) * n_regions
              + new_region[moved], 1)
    migrant[rows[moved]] = 1
    was_unemployed = status[rows] == 3
    months_unemployed = month - unemployed_since[rows].astype(np.int64)
    subsidised = bool(wage_subsidy) & (f >= 0) & was_unemployed & (skill[rows] == 0) \
        & (months_unemployed >= 6)
    subsidy_until[rows] = np.where(subsidised, month + 11, -1)
    region[rows] = new_region
    occupation[rows] = occ
    sector[rows] = occupation_sector[occ]
    wage[rows] = vacancy_wage[v]
    status[rows] = np.where(f >= 0, 0, 1)
    firm[rows] = np.where(f >= 0, f, -1)
    at_firm = f[f >= 0]
    employees += np.bincount(at_firm, minlength=employees.size).astype(employees.dtype)
    vacancies -= np.bincount(at_firm, minlength=vacancies.size).astype(vacancies.dtype)
    hired_rows[:rows.size] = rows
    hired_ids[:rows.size] = ids
    hired_sectors[:rows.size] = sector[rows]
    return int(rows.size), int(moved.sum())


def retraining_choices(key, candidate_id, expected_gain, private_cost, take_up, wants):
    """Who, among unemployed candidates, wants to enrol this month.

    A candidate wants to enrol when the expected gain (tenge, discounted) exceeds the
    private cost, and then with probability ``take_up`` this month (inertia).

    Args:
        key: stream key of (seed, month, retraining-choice stage).
        candidate_id: int64 (C); expected_gain, private_cost: float64 (C), tenge.
        take_up: float, monthly probability of acting on a paying course.
        wants: OUT uint8 (C): 1 if the candidate applies for a seat.
    """
    u = uniform(key, candidate_id.astype(np.int64), 0)
    wants[:] = ((expected_gain > private_cost) & (u < take_up)).astype(np.uint8)


def retraining_progress(key, trainee_id, months_left, dropout_rate, target_cdf,
                        new_skill, outcome, target_occupation):
    """Advance trainees by one month.

    Each trainee drops out with probability ``dropout_rate``; otherwise one month of the
    course is done, and a trainee with no months left completes. A graduate's new
    occupation is drawn from row ``new_skill`` of ``target_cdf`` (occupations not at risk,
    open to that skill).

    Args:
        key: stream key of (seed, month, retraining-progress stage).
        trainee_id: int64 (T); months_left: int32 (T), before this month.
        dropout_rate: float, monthly.
        target_cdf: float64 (3, O), cumulative over occupations, last column exactly 1.
        new_skill: int32 (T), the skill a graduate will have.
        outcome: OUT int8 (T): 0 continues, 1 completes, 2 drops out.
        target_occupation: OUT int32 (T): occupation of graduates, -1 otherwise.
    """
    ids = trainee_id.astype(np.int64)
    u_drop = uniform(key, ids, 0)
    u_occ = uniform(key, ids, 1)
    drop = u_drop < dropout_rate
    done = ~drop & (months_left <= 1)
    outcome[:] = np.where(drop, 2, np.where(done, 1, 0)).astype(np.int8)
    cdf = target_cdf[new_skill]
    occ = (u_occ[:, None] >= cdf).sum(axis=1)
    target_occupation[:] = np.where(done, np.minimum(occ, target_cdf.shape[1] - 1), -1)


# -----------------------------------------------------------------------------------------
# Whole-population passes (kernels/_population.pyx)

_N_STATUS = 5  # sim.population.Status: employed, self-employed, platform, unemployed, retraining


def worker_statistics(region, skill, status, wage, gender, birth_month, migrant, displaced,
                      unemployed_since, occupation, occupation_at_risk, month, youth_months,
                      older_months, counts, wage_sum, groups, long_term, at_risk_working):
    """Counts and wage sums by region x skill x status, counts by sex x age band x
    migrant x status, the long-term unemployed (all, displaced) and working people in
    at-risk occupations by region. See the Cython docstring for the layout; outputs are
    zeroed by the caller and added to."""
    size = counts.shape[0]
    key = (region.astype(np.int64) * 3 + skill) * _N_STATUS + status
    counts += np.bincount(key, minlength=size)
    wage_sum += np.bincount(key, weights=wage, minlength=size)
    age = month - birth_month.astype(np.int64)
    band = (age >= youth_months).astype(np.int64) + (age >= older_months)
    group_key = ((gender.astype(np.int64) * 3 + band) * 2 + (migrant != 0)) * _N_STATUS + status
    groups += np.bincount(group_key, minlength=groups.shape[0])
    long_term_mask = (status == 3) & (month - unemployed_since.astype(np.int64) >= 12)
    long_term[0] += np.count_nonzero(long_term_mask)
    long_term[1] += np.count_nonzero(long_term_mask & (displaced != 0))
    risky = (status <= 2) & (occupation_at_risk[occupation] != 0)
    at_risk_working += np.bincount(region[risky].astype(np.int64), minlength=at_risk_working.shape[0])


def update_incumbent_wages(status, region, skill, wage, factor, minimum_wage):
    """Scale employees' and the self-employed's pay by their cell's factor, in place;
    employees never below ``minimum_wage``."""
    rows = np.flatnonzero(status <= 1)
    cell = region[rows].astype(np.int64) * 3 + skill[rows]
    pay = wage[rows] * factor[cell]
    wage[rows] = np.where(status[rows] == 0, np.maximum(pay, minimum_wage), pay)


def job_seeker_rows(status, worker_id, month, period, rows):
    """Rows of the unemployed, gig workers and on-the-job searchers, in row order;
    returns their number."""
    seeking = (status == 3) | (status == 2)
    if period > 0:
        seeking |= (status == 0) & ((worker_id + month) % period == 0)
    found = np.flatnonzero(seeking)
    rows[:found.size] = found
    return int(found.size)


def rows_with_status(status, code, rows):
    """Rows whose status is ``code``, in row order; returns their number."""
    found = np.flatnonzero(status == code)
    rows[:found.size] = found
    return int(found.size)


def rows_with_status_from(status, lowest, rows):
    """Rows whose status is ``lowest`` or above, in row order; returns their number."""
    found = np.flatnonzero(status >= lowest)
    rows[:found.size] = found
    return int(found.size)


def rows_with_status_among(rows, ids, status, code, out_rows, out_ids):
    """Of ``rows`` (with their ``ids``), those whose status is ``code``, in their order,
    and their ids; returns their number."""
    n, k = status.shape[0], rows.shape[0]
    if ids.shape[0] != k or out_rows.shape[0] < k or out_ids.shape[0] < k:
        raise ValueError("ids need the length of rows; out_rows and out_ids at least that")
    outside = (rows < 0) | (rows >= n)
    if outside.any():
        bad = int(np.flatnonzero(outside)[0])
        raise ValueError(f"row {bad}: {rows[bad]} outside [0, {n})")
    keep = status[rows] == code
    count = int(keep.sum())
    out_rows[:count] = rows[keep]
    out_ids[:count] = ids[keep]
    return count


def benefit_claims(rows, unemployed_since, last_wage, month, benefit_months, claims):
    """Last wages of the unemployed ``rows`` still entitled to the benefit, in their order;
    returns their number."""
    n, k = last_wage.shape[0], rows.shape[0]
    if unemployed_since.shape[0] != n or claims.shape[0] < k:
        raise ValueError("unemployed_since needs the length of last_wage; claims at least "
                         "the length of rows")
    outside = (rows < 0) | (rows >= n)
    if outside.any():
        bad = int(np.flatnonzero(outside)[0])
        raise ValueError(f"row {bad}: {rows[bad]} outside [0, {n})")
    months = month - unemployed_since[rows].astype(np.int64)
    last = last_wage[rows]
    found = last[(months < benefit_months) & (last > 0)]
    claims[:found.size] = found
    return int(found.size)


def retiring_rows(birth_month, gender, month, retirement_age_months, rows):
    """Rows at or past the retirement age of their gender this month; returns the count."""
    found = np.flatnonzero(month - birth_month.astype(np.int64) >= retirement_age_months[gender])
    rows[:found.size] = found
    return int(found.size)


def separations_due(separation_month, status, month, rows):
    """Rows of employees and self-employed whose separation is due; returns the count."""
    found = np.flatnonzero((separation_month <= month) & (status <= 1))
    rows[:found.size] = found
    return int(found.size)


def automation_savings(status, occupation, firm, wage, channel_of_occupation, exposure, cost,
                       bill, saving, candidate_row, candidate_key):
    """Each firm's exposed wage bill and potential saving, by channel (see the Cython
    docstring); adds into ``bill`` and ``saving`` (2 * F). Writes the candidates
    (employees of a channel paid more than its cost: row, key ``c * F + firm``) in row
    order and returns their number."""
    n_firms = bill.shape[0] // 2
    employees = np.flatnonzero(status == 0)
    channel = channel_of_occupation[occupation[employees]]
    for c in (0, 1):
        rows = employees[channel == c]
        p = exposure[occupation[rows]]
        pay = wage[rows]
        bill[c * n_firms:(c + 1) * n_firms] += np.bincount(firm[rows], weights=p * pay,
                                                           minlength=n_firms)
        saving[c * n_firms:(c + 1) * n_firms] += np.bincount(
            firm[rows], weights=p * np.maximum(pay - cost[c], 0.0), minlength=n_firms)
    candidate = (channel >= 0) & (wage[employees] > cost[np.clip(channel, 0, 1)])
    found = employees[candidate]
    candidate_row[:found.size] = found
    candidate_key[:found.size] = channel[candidate].astype(np.int64) * n_firms + firm[found]
    return int(found.size)


def exposed_in_adopting(candidate_row, candidate_key, adopting, rows, counts):
    """Candidates at a firm adopting their channel: rows[c, :counts[c]] (see the Cython
    docstring)."""
    n_firms = adopting.shape[1]
    if ((candidate_key < 0) | (candidate_key >= 2 * n_firms)).any():
        raise ValueError("exposed_in_adopting: a candidate key is out of range")
    chosen = adopting.reshape(-1)[candidate_key] != 0
    for c in (0, 1):
        found = candidate_row[chosen & ((candidate_key >= n_firms) == c)]
        rows[c, :found.size] = found
        counts[c] = found.size


def employees_of(status, firm, selected, rows):
    """Rows of employees of the selected firms, in row order; returns the count."""
    employees = np.flatnonzero(status == 0)
    found = employees[selected[firm[employees]] != 0]
    rows[:found.size] = found
    return int(found.size)


def uniform_draws(key, ids, draw, out):
    """Fill ``out`` with ``uniform(key, ids, draw)`` (the compiled kernel's signature)."""
    out[:] = uniform(key, ids, draw)


def count_by_cell(status, region, sector, code, n_sectors, counts):
    """Workers of status ``code`` by region x sector cell (adds into ``counts``)."""
    chosen = status == code
    key = region[chosen].astype(np.int64) * n_sectors + sector[chosen]
    sec = sector[chosen]
    if (sec < 0).any() or (sec >= n_sectors).any() or (key < 0).any() or (key >= counts.size).any():
        raise ValueError("count_by_cell: a region or sector is out of range")
    counts += np.bincount(key, minlength=counts.size).astype(np.int64)


def subsidised_rows(subsidy_until, status, month, rows):
    """Rows of employees with a hiring wage subsidy running this month; their number."""
    found = np.flatnonzero((subsidy_until >= month) & (status == 0))
    rows[:found.size] = found
    return int(found.size)


def draw_from_cdf_rows(cdf, rows, u, out):
    """For each ``u[i]``, the first column ``j`` with ``u[i] < cdf[rows[i], j]``, by one
    search over the flattened rows (``rows[i] + u[i]`` against ``r + cdf[r, :]``);
    written into ``out``. Returns True (the Cython kernel may decline; this never does)."""
    rows = np.asarray(rows, dtype=np.int64)
    flat = (np.arange(cdf.shape[0])[:, None] + cdf).ravel()
    out[:] = np.searchsorted(flat, rows + u, side="right") - rows * cdf.shape[1]
    return True


def vacancy_table(skill_key, ids, occupation, region, firm, firm_factor, automation_level,
                  quality, skill_cdf, skill_bias, wage_level, growth, bargaining, wage_premium,
                  skill_premium, minimum_wage, isco_group, n_groups, out_id, out_firm,
                  out_region, out_occupation, out_group, out_skill, out_wage, bucket_start):
    """The openings' required skills and wage offers, sorted by (bucket, id) (see the
    Cython docstring)."""
    n_regions = wage_level.shape[0]
    if ((occupation < 0) | (occupation >= wage_premium.shape[0])).any() \
            or ((region < 0) | (region >= n_regions)).any():
        raise ValueError("vacancy_table: an occupation or region is out of range")
    group = isco_group[occupation].astype(np.int64)
    if ((group < 0) | (group >= n_groups)).any():
        raise ValueError("vacancy_table: a group is out of range")
    u_skill = uniform(skill_key, ids, 0)
    # Number of cdf entries <= u, one column at a time (no (V, 3) temporaries).
    skill = np.zeros(ids.size, dtype=np.int64)
    for level_cdf in skill_cdf.T:
        skill += u_skill >= level_cdf[occupation]
    u_upgrade = uniform(skill_key, ids, 1)
    skill = np.minimum(skill + (u_upgrade < skill_bias * np.minimum(automation_level, 1.0)), 2)
    skill = np.where(firm < 0, 0, skill)
    level = np.where(firm >= 0, wage_level[region, skill] * growth * bargaining, growth)
    offer = firm_factor * wage_premium[occupation] * skill_premium[skill] * level * quality
    offer = np.where(firm >= 0, np.maximum(offer, minimum_wage), offer)
    bucket = region * n_groups + group
    order = np.lexsort((ids, bucket))
    for out, values in ((out_id, ids), (out_firm, firm), (out_region, region),
                        (out_occupation, occupation), (out_group, group), (out_skill, skill),
                        (out_wage, offer)):
        out[:] = values[order]
    bucket_start[:] = np.searchsorted(bucket[order], np.arange(n_regions * n_groups + 1))


def separate_workers(rows, month, status, firm, wage, last_wage, unemployed_since,
                     subsidy_until, separation_month, employees):
    """Workers ``rows`` (distinct) from a job or self-employment into unemployment."""
    rows = np.asarray(rows, dtype=np.int64)
    if rows.size and (rows.min() < 0 or rows.max() >= status.size):
        raise ValueError("separate_workers: a row is out of range")
    at_firm = rows[status[rows] == 0]
    if at_firm.size and (firm[at_firm].min() < 0 or firm[at_firm].max() >= employees.size):
        raise ValueError("separate_workers: an employee's firm is out of range")
    employees -= np.bincount(firm[at_firm], minlength=employees.size).astype(employees.dtype)
    last_wage[rows] = wage[rows]
    wage[rows] = 0.0
    firm[rows] = -1
    status[rows] = 3
    unemployed_since[rows] = month
    subsidy_until[rows] = -1
    separation_month[rows] = 30_000


def firm_region_totals(region, active, vacancies, automated_routine, automated_genai,
                       exposed_positions, open_vacancies, automated, exposed):
    """Per region: open vacancies of active firms, positions automated (both channels)
    and exposed at month 0 of all firms, added into the zeroed outputs (np.bincount
    sums in firm order)."""
    n_regions = open_vacancies.shape[0]
    region = np.asarray(region)
    if region.size and (region.min() < 0 or region.max() >= n_regions):
        bad = int(np.flatnonzero((region < 0) | (region >= n_regions))[0])
        raise ValueError(f"firm {bad}: region {region[bad]} outside [0, {n_regions})")
    active = np.asarray(active).view(bool)
    open_vacancies += np.bincount(region[active], weights=vacancies[active],
                                  minlength=n_regions)
    automated += np.bincount(region, weights=automated_routine + automated_genai,
                             minlength=n_regions)
    exposed += np.bincount(region, weights=exposed_positions, minlength=n_regions)
