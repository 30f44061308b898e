# Whole-population passes, fused: the month's statistics, incumbents' wages, job seekers.
#
# What lives where (scikit-learn layering, see kernels/reference.py):
#   kernels/_population.pyx  (this file) one nogil loop per function over the worker
#                            columns; outputs allocated by the caller, nothing allocated;
#   kernels/reference.py     the NumPy reference, which this file reproduces bit for bit
#                            (sums run in row order, as np.bincount's do);
#   sim/metrics.py, sim/stages/wages.py, sim/stages/matching.py  the callers.
# At national scale every NumPy expression over the population is a 9-million-element
# temporary; each of these kernels reads the columns once and writes only small outputs.
# Directives and reproducibility flags are set once in setup.py.
#
# Status codes (sim/population.py Status): 0 employed, 1 self-employed, 2 platform,
# 3 unemployed, 4 retraining.

from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t

cdef inline bint _outside(int64_t index, Py_ssize_t size) noexcept nogil:
    """True when ``index`` is not a valid position in an array of ``size``: the loops run
    without bounds checks, so every index read from a column is checked first."""
    return index < 0 or index >= size


cdef enum:
    EMPLOYED = 0
    SELF_EMPLOYED = 1
    PLATFORM = 2
    UNEMPLOYED = 3
    N_STATUS = 5


def worker_statistics(const int8_t[::1] region, const int8_t[::1] skill,
                      const int8_t[::1] status, const double[::1] wage,
                      const int8_t[::1] gender, const int16_t[::1] birth_month,
                      const uint8_t[::1] migrant, const uint8_t[::1] displaced,
                      const int16_t[::1] unemployed_since, const int16_t[::1] occupation,
                      const uint8_t[::1] occupation_at_risk, int64_t month,
                      int64_t youth_months, int64_t older_months,
                      double[::1] counts, double[::1] wage_sum, double[::1] groups,
                      int64_t[::1] long_term, double[::1] at_risk_working):
    """Counts and wage sums by region x skill x status, counts by sex x age band x
    migrant x status, and the long-term unemployed, in one pass over the workers.

    Same results as ``kernels.reference.worker_statistics``, bit for bit.

    Args:
        region, skill, status, gender: int8 (N); wage: float64 (N), tenge/month;
            birth_month, unemployed_since: int16 (N), months from the start;
            migrant, displaced: uint8 (N) (bool viewed as bytes).
        month: the current month. youth_months, older_months: age bounds in months
            (youth: age < youth_months; older: age >= older_months).
        counts, wage_sum: OUT float64 (R * 3 * 5), zeroed by the caller; index
            ``(region * 3 + skill) * 5 + status``.
        groups: OUT float64 (2 * 3 * 2 * 5), zeroed; index
            ``((gender * 3 + band) * 2 + migrant) * 5 + status``.
        long_term: OUT int64 (2), zeroed: unemployed 12 months or more, and those of
            them displaced by automation.
        occupation: int16 (N); occupation_at_risk: uint8 (O), 1 for an occupation at
            moderate or high risk.
        at_risk_working: OUT float64 (R), zeroed: working people (employed,
            self-employed, platform) in at-risk occupations, by region.
    """
    cdef Py_ssize_t i, n = region.shape[0]
    for name, m in (("skill", skill.shape[0]), ("status", status.shape[0]),
                    ("wage", wage.shape[0]), ("gender", gender.shape[0]),
                    ("birth_month", birth_month.shape[0]), ("migrant", migrant.shape[0]),
                    ("displaced", displaced.shape[0]),
                    ("unemployed_since", unemployed_since.shape[0]),
                    ("occupation", occupation.shape[0])):
        if m != n:
            raise ValueError(f"{name} has length {m}, region has {n}")
    if groups.shape[0] != 60 or long_term.shape[0] != 2 or counts.shape[0] != wage_sum.shape[0]:
        raise ValueError("groups needs 60 entries, long_term 2, counts as many as wage_sum")
    cdef Py_ssize_t size = counts.shape[0], n_regions = at_risk_working.shape[0]
    cdef Py_ssize_t n_occupations = occupation_at_risk.shape[0]
    cdef Py_ssize_t key, bad = -1
    cdef int64_t age, band
    with nogil:
        for i in range(n):
            key = (region[i] * 3 + skill[i]) * N_STATUS + status[i]
            # Checked in the same pass (no second read of the columns); stop at the first bad row.
            if (key < 0 or key >= size or region[i] < 0 or region[i] >= n_regions
                    or skill[i] < 0 or skill[i] > 2 or status[i] < 0 or status[i] >= N_STATUS
                    or gender[i] < 0 or gender[i] > 1
                    or occupation[i] < 0 or occupation[i] >= n_occupations):
                bad = i
                break
            counts[key] += 1.0
            wage_sum[key] += wage[i]
            age = month - birth_month[i]
            band = (age >= youth_months) + (age >= older_months)
            groups[((gender[i] * 3 + band) * 2 + (migrant[i] != 0)) * N_STATUS + status[i]] += 1.0
            if status[i] == UNEMPLOYED and month - unemployed_since[i] >= 12:
                long_term[0] += 1
                if displaced[i]:
                    long_term[1] += 1
            if status[i] <= PLATFORM and occupation_at_risk[occupation[i]]:
                at_risk_working[region[i]] += 1.0
    if bad >= 0:
        raise ValueError(f"row {bad}: region, skill, status, gender or occupation out of range")


def update_incumbent_wages(const int8_t[::1] status, const int8_t[::1] region,
                           const int8_t[::1] skill, double[::1] wage,
                           const double[::1] factor, double minimum_wage):
    """Scale the pay of employees and the self-employed by their region x skill cell's
    factor; employees never below ``minimum_wage``. In place, one pass.

    Args:
        status, region, skill: int8 (N); wage: IN/OUT float64 (N), tenge/month.
        factor: float64 (R * 3), index ``region * 3 + skill``.
        minimum_wage: tenge/month.

    Invariant: rows of other statuses are untouched; bit for bit the reference's
    ``where(employee, maximum(wage * factor, minimum_wage), wage * factor)``.
    """
    cdef Py_ssize_t i, n = status.shape[0]
    if region.shape[0] != n or skill.shape[0] != n or wage.shape[0] != n:
        raise ValueError("status, region, skill and wage need the same length")
    cdef Py_ssize_t cells = factor.shape[0]
    for i in range(n):
        if region[i] < 0 or skill[i] < 0 or skill[i] > 2 or region[i] * 3 + skill[i] >= cells:
            raise ValueError(f"row {i}: region/skill out of range of factor")
    cdef double pay
    with nogil:
        for i in range(n):
            if status[i] > SELF_EMPLOYED:
                continue
            pay = wage[i] * factor[region[i] * 3 + skill[i]]
            if status[i] == EMPLOYED and pay < minimum_wage:
                pay = minimum_wage
            wage[i] = pay


def job_seeker_rows(const int8_t[::1] status, const int64_t[::1] worker_id,
                    int64_t month, int64_t period, int64_t[::1] rows):
    """Rows of this month's job seekers: the unemployed, gig workers, and employees
    whose turn it is in the on-the-job search rotation (``(id + month) % period == 0``;
    ``period`` 0 means nobody searches on the job). Returns how many rows were written.

    Args:
        status: int8 (N); worker_id: int64 (N), non-negative.
        rows: OUT int64 (N), allocated by the caller; the first ``count`` entries are
            filled, in row order.
    """
    cdef Py_ssize_t i, n = status.shape[0], count = 0
    if worker_id.shape[0] != n or rows.shape[0] < n:
        raise ValueError("worker_id and rows need the length of status")
    with nogil:
        for i in range(n):
            if status[i] == UNEMPLOYED or status[i] == PLATFORM or (
                    status[i] == EMPLOYED and period > 0
                    and (worker_id[i] + month) % period == 0):
                rows[count] = i
                count += 1
    return count


def rows_with_status(const int8_t[::1] status, int8_t code, int64_t[::1] rows):
    """Rows whose status is ``code``, in row order; returns how many were written.

    One pass, where ``np.flatnonzero(status == code)`` makes two (and a temporary).

    Args:
        status: int8 (N); code: the status wanted.
        rows: OUT int64 (>= N), allocated by the caller.
    """
    cdef Py_ssize_t i, n = status.shape[0], count = 0
    if rows.shape[0] < n:
        raise ValueError("rows must be at least as long as status")
    with nogil:
        for i in range(n):
            if status[i] == code:
                rows[count] = i
                count += 1
    return count


def retiring_rows(const int16_t[::1] birth_month, const int8_t[::1] gender, int64_t month,
                  const double[::1] retirement_age_months, int64_t[::1] rows):
    """Rows of workers at or past the statutory retirement age this month (age in
    months >= ``retirement_age_months[gender]``), in row order; returns the count.

    Args:
        birth_month: int16 (N), months from the start; gender: int8 (N), 0 male 1 female.
        retirement_age_months: float64 (2), by gender.
        rows: OUT int64 (>= N).
    """
    cdef Py_ssize_t i, n = birth_month.shape[0], count = 0
    if gender.shape[0] != n or rows.shape[0] < n or retirement_age_months.shape[0] != 2:
        raise ValueError("gender and rows need the length of birth_month; ages need 2 entries")
    for i in range(n):
        if gender[i] < 0 or gender[i] > 1:
            raise ValueError(f"row {i}: gender {gender[i]} is not 0 or 1")
    with nogil:
        for i in range(n):
            if <double>(month - birth_month[i]) >= retirement_age_months[gender[i]]:
                rows[count] = i
                count += 1
    return count


def separations_due(const int16_t[::1] separation_month, const int8_t[::1] status,
                    int64_t month, int64_t[::1] rows):
    """Rows of employees and self-employed whose exogenous separation falls due this
    month (``separation_month <= month``), in row order; returns the count."""
    cdef Py_ssize_t i, n = status.shape[0], count = 0
    if separation_month.shape[0] != n or rows.shape[0] < n:
        raise ValueError("separation_month and rows need the length of status")
    with nogil:
        for i in range(n):
            if separation_month[i] <= month and status[i] <= SELF_EMPLOYED:
                rows[count] = i
                count += 1
    return count


def automation_savings(const int8_t[::1] status, const int16_t[::1] occupation,
                       const int32_t[::1] firm, const double[::1] wage,
                       const int8_t[::1] channel_of_occupation, const double[::1] exposure,
                       const double[::1] cost, double[::1] bill, double[::1] saving):
    """Each firm's exposed wage bill and the saving automation would bring, per channel,
    in one pass over the employees.

    For an employee in an occupation of channel ``c`` (``channel_of_occupation``, -1 for
    none) with exposure ``p``: ``bill[c * F + firm] += p * wage`` and
    ``saving[c * F + firm] += p * max(wage - cost[c], 0)``; sums run in row order, as
    the reference's np.bincount does.

    Args:
        status: int8 (N); occupation: int16 (N); firm: int32 (N); wage: float64 (N).
        channel_of_occupation: int8 (O); exposure: float64 (O); cost: float64 (2),
            tenge/month per position, by channel.
        bill, saving: OUT float64 (2 * F), zeroed by the caller.
    """
    cdef Py_ssize_t i, n = status.shape[0]
    cdef Py_ssize_t n_firms = bill.shape[0] // 2, n_occupations = exposure.shape[0]
    if occupation.shape[0] != n or firm.shape[0] != n or wage.shape[0] != n:
        raise ValueError("occupation, firm and wage need the length of status")
    if saving.shape[0] != bill.shape[0] or cost.shape[0] != 2 or \
            channel_of_occupation.shape[0] != n_occupations:
        raise ValueError("bill/saving need 2 * firms entries, cost 2, one channel per occupation")
    cdef Py_ssize_t key, bad = -1
    cdef int c
    cdef double p, gain
    with nogil:
        for i in range(n):
            if status[i] != EMPLOYED:
                continue
            if _outside(occupation[i], n_occupations) or _outside(firm[i], n_firms):
                bad = i
                break
            c = channel_of_occupation[occupation[i]]
            if c < 0:
                continue
            if c > 1:
                bad = i
                break
            p = exposure[occupation[i]]
            key = c * n_firms + firm[i]
            bill[key] += p * wage[i]
            gain = wage[i] - cost[c]
            if gain < 0.0:
                gain = 0.0
            saving[key] += p * gain
    if bad >= 0:
        raise ValueError(f"row {bad}: occupation, firm or channel out of range")


def exposed_in_adopting(const int8_t[::1] status, const int16_t[::1] occupation,
                        const int32_t[::1] firm, const double[::1] wage,
                        const int8_t[::1] channel_of_occupation, int8_t channel, double cost,
                        const uint8_t[::1] adopting, int64_t[::1] rows):
    """Rows of employees in occupations of ``channel`` at adopting firms who earn more
    than the technology costs (the jobs an adoption can replace), in row order; returns
    the count.

    Args:
        adopting: uint8 (F), 1 for a firm adopting this month; rows: OUT int64 (>= N).
    """
    cdef Py_ssize_t i, n = status.shape[0], count = 0
    cdef Py_ssize_t n_firms = adopting.shape[0], n_occupations = channel_of_occupation.shape[0]
    if occupation.shape[0] != n or firm.shape[0] != n or wage.shape[0] != n or rows.shape[0] < n:
        raise ValueError("occupation, firm, wage and rows need the length of status")
    cdef Py_ssize_t bad = -1
    with nogil:
        for i in range(n):
            if status[i] != EMPLOYED:
                continue
            if _outside(occupation[i], n_occupations) or _outside(firm[i], n_firms):
                bad = i
                break
            if channel_of_occupation[occupation[i]] == channel and adopting[firm[i]] \
                    and wage[i] > cost:
                rows[count] = i
                count += 1
    if bad >= 0:
        raise ValueError(f"row {bad}: occupation or firm out of range")
    return count


def employees_of(const int8_t[::1] status, const int32_t[::1] firm,
                 const uint8_t[::1] selected, int64_t[::1] rows):
    """Rows of employees whose firm is ``selected`` (uint8 per firm), in row order;
    returns the count. One pass, for stages that act on a few firms' staff."""
    cdef Py_ssize_t i, n = status.shape[0], count = 0, n_firms = selected.shape[0]
    if firm.shape[0] != n or rows.shape[0] < n:
        raise ValueError("firm and rows need the length of status")
    cdef Py_ssize_t bad = -1
    with nogil:
        for i in range(n):
            if status[i] != EMPLOYED:
                continue
            if _outside(firm[i], n_firms):
                bad = i
                break
            if selected[firm[i]]:
                rows[count] = i
                count += 1
    if bad >= 0:
        raise ValueError(f"row {bad}: an employee's firm is out of range")
    return count


def count_by_cell(const int8_t[::1] status, const int8_t[::1] region,
                  const int8_t[::1] sector, int8_t code, int64_t n_sectors,
                  int64_t[::1] counts):
    """Workers of status ``code`` by region x sector cell, in one pass (no list of their
    rows, no gather): ``counts[region * n_sectors + sector] += 1``.

    Args:
        status, region, sector: int8 (N).
        counts: OUT int64 (R * n_sectors), zeroed by the caller.

    Raises:
        ValueError: a counted worker's region or sector out of range (first such row).
    """
    cdef Py_ssize_t i, n = status.shape[0], bad = -1
    cdef Py_ssize_t size = counts.shape[0]
    cdef int64_t key
    if region.shape[0] != n or sector.shape[0] != n:
        raise ValueError("region and sector need the length of status")
    if n_sectors < 1:
        raise ValueError("n_sectors must be positive")
    # A branch on the status, not a branch-free count into a spare bin: rows come in runs
    # of one status (as synthesised, and hires keep their rows), so the branch predicts
    # well; the branch-free loop measured 2.4 times slower at national scale.
    with nogil:
        for i in range(n):
            if status[i] != code:
                continue
            key = region[i] * n_sectors + sector[i]
            if sector[i] < 0 or sector[i] >= n_sectors or key < 0 or key >= size:
                bad = i
                break
            counts[key] += 1
    if bad >= 0:
        raise ValueError(f"row {bad}: region or sector out of range")


def subsidised_rows(const int16_t[::1] subsidy_until, const int8_t[::1] status,
                    int64_t month, int64_t[::1] rows):
    """Rows of employees whose hiring wage subsidy runs this month (``subsidy_until >=
    month``), in row order; returns the count."""
    cdef Py_ssize_t i, n = status.shape[0], count = 0
    if subsidy_until.shape[0] != n or rows.shape[0] < n:
        raise ValueError("subsidy_until and rows need the length of status")
    with nogil:
        for i in range(n):
            if subsidy_until[i] >= month and status[i] == EMPLOYED:
                rows[count] = i
                count += 1
    return count
