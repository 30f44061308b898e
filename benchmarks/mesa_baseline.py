"""A Mesa-agent baseline of labsim's core monthly rules, for the per-worker cost ratio.

``MesaLabourMarket`` runs labsim's separations, vacancy posting, search and matching,
and wage rules with one ``mesa.Agent`` per worker and one per employer, written the way
Mesa 3's documentation recommends. ``benchmarks/step_time.py`` times it at 100k workers
next to labsim's columnar model and reports the cost per worker per month of each.

How it was kept fair (this is a baseline another Mesa user should accept, not a strawman):

* Same population. It is built from a labsim model's month-0 state
  (``LaborMarketModel(scale=..., rng=1)``): every worker row becomes a ``Worker`` with
  the same region, sector, occupation, skill, status, employer, wage, last wage, month
  unemployed since and month of next separation; every firm row becomes a ``Firm`` with
  the same region, sector, labour demand and wage offer. The self-employed belong to a
  ``SelfEmploymentCell`` agent per region x sector, as labsim counts them.
* Same rules, same algorithms, same amount of work per worker per month:

  - separations: each job carries the month of its next exogenous separation, drawn
    (geometric, at the sector's monthly rate) when it starts, as in labsim; the monthly
    check is one comparison per worker, with no random draw;
  - vacancies: each firm posts the gap between its labour demand (month-0 demand x
    sector trend and cycle) and its staff, and lays off above ``1 + layoff_buffer`` x
    demand; each vacancy draws an occupation (the sector's mix shifted by occupation
    trends), a required skill and a wage offer (firm effect x occupation and skill
    premia x the region-skill wage level x growth x a mean-one lognormal match quality,
    floored at the minimum wage). Self-employment cells below their demand-indexed
    month-0 size post openings the same way;
  - matching: two rounds; in each, every seeker still looking (the unemployed, gig
    workers, and a rotating 1 % of employees) sends ``applications`` applications, each
    to the better paid of two vacancies drawn from a (region, occupation group) bucket
    (own region most likely, others decaying with distance; another group with
    probability ``occupation_switch_share``), only where it qualifies and the offer
    meets its reservation wage; each vacancy offers the job to its best-fitting
    applicant (same occupation > same group > other; ties by application order, which
    ``shuffle_do`` randomises); each seeker takes its best-paid offer. Reservation wages
    decay with the months unemployed and never fall below the benefit given up;
    employees need 10 % more than they earn. A hire in another region moves the worker;
  - wages: the region x skill wage level follows the wage curve toward
    ``(u / u0) ** elasticity`` at ``wage_adjustment_speed`` a month; incumbents' pay moves
    with the level and trend productivity growth; employees never earn below the minimum.
* Idiomatic Mesa 3: ``mesa.Agent`` subclasses created with ``Agent.create_agents``,
  ``model.agents_by_type``, ``AgentSet.do`` / ``shuffle_do`` / ``select``, the model's
  seeded ``random`` (Mesa's documented ``self.random`` for scalar draws), a
  ``mesa.DataCollector``. Agents are created once; nothing is recreated per step.
  Vacancies are plain objects (``__slots__``) rebuilt each month, as labsim rebuilds its
  vacancy table. Attributes are Python ints and floats, not NumPy scalars (which would
  make every agent-level operation several times slower). Small model-level tables
  (sectors x occupations) are computed with NumPy once a month, as any Mesa
  user would.
* Favourable to Mesa where it differs: unemployment by region x skill, which the wage
  curve needs, is kept as running counters updated at each separation and hire instead
  of being recounted over all workers (labsim recounts it, in its ``collect`` stage);
  the data collector reports only those counters.
* Not vectorised: no NumPy over agents, no Cython. Vectorising the rules over arrays of
  agents is exactly what labsim's columnar design adds, so a baseline that did so would
  measure labsim's design under another name.

Left out, and why: the other labsim stages (demography, automation, retraining, platform
work, migration, public accounts) and labsim's full data collection, because the
comparison is like-for-like on these four stages; ``step_time.py`` also reports the
ratio against labsim's whole step. Within the four stages: the automation terms of
labour demand, redirected and up-skilled vacancies, and the bargaining factor (all
zero or one without the automation stage), and hiring wage subsidies (zero in the
scenario). It uses Mesa's random number generator, not labsim's counter-based streams,
so its outcomes are the same process but not the same numbers.

Example:
    >>> model = MesaLabourMarket.from_labsim(scale=0.0005, rng=1)
    >>> model.run(2)
    >>> model.month, len(model.agents_by_type[Worker]) > 4000
    (2, True)
"""

from __future__ import annotations

import math
import time
from bisect import bisect_right

import mesa
import numpy as np

__all__ = ["MesaLabourMarket", "Worker", "Employer", "Firm", "SelfEmploymentCell", "Vacancy",
           "STAGES"]

# labsim's status codes (sim.population.Status), as plain ints.
EMPLOYED, SELF_EMPLOYED, PLATFORM, UNEMPLOYED, RETRAINING = range(5)
N_GROUPS = 10          # ISCO major groups 1-9, and 0 for new occupations (labsim's buckets)
MOVE_PREMIUM = 1.10    # employees move for 10 % more than they earn (labsim's matching)
NEVER = 30_000         # "no separation scheduled", as labsim's int16 column
ROUNDS = 2             # matching rounds per month, as labsim

#: The timed stages of one month, in order.
STAGES = ("separations", "vacancies", "matching", "wages", "collect")


class Vacancy:
    """One open position (or self-employment opening) this month."""

    __slots__ = ("employer", "region", "occupation", "group", "skill", "wage", "filled",
                 "applicants")

    def __init__(self, employer, region, occupation, group, skill, wage):
        self.employer = employer
        self.region = region
        self.occupation = occupation
        self.group = group
        self.skill = skill
        self.wage = wage
        self.filled = False
        self.applicants = []


class Worker(mesa.Agent):
    """One person in the labour force (labsim's worker row)."""

    def __init__(self, model, worker_id, region, sector, occupation, skill, status, wage,
                 last_wage, unemployed_since, separation_month):
        super().__init__(model)
        self.worker_id = worker_id
        self.region = region
        self.sector = sector
        self.occupation = occupation
        self.group = model.isco_group[occupation]
        self.skill = skill
        self.status = status
        self.employer = None
        self.wage = wage
        self.last_wage = last_wage
        self.unemployed_since = unemployed_since
        self.separation_month = separation_month
        self.migrant = False
        self.best_offer = None
        self.hired_month = -1

    # -- separations ----------------------------------------------------------------------

    def separate_if_due(self):
        """Exogenous quit or layoff, in the month drawn when the job started."""
        if self.status <= SELF_EMPLOYED and self.separation_month <= self.model.month:
            self.model.separations += 1
            self.become_unemployed()

    def become_unemployed(self):
        model = self.model
        self.employer.leave(self)
        self.employer = None
        self.last_wage = self.wage
        self.wage = 0.0
        self.status = UNEMPLOYED
        self.unemployed_since = model.month
        self.separation_month = NEVER
        model.unemployed_rs[self.region][self.skill] += 1

    # -- search and matching --------------------------------------------------------------

    def is_job_seeker(self):
        """The unemployed, gig workers, and employees on the on-the-job search rotation."""
        status = self.status
        if status == UNEMPLOYED or status == PLATFORM:
            return True
        model = self.model
        return status == EMPLOYED and (self.worker_id + model.month) % model.search_period == 0

    def reservation_wage(self):
        """Lowest wage (tenge/month) this worker accepts."""
        model = self.model
        if self.status <= SELF_EMPLOYED:
            return self.wage * MOVE_PREMIUM
        months = max(model.month - self.unemployed_since, 0)
        decayed = model.reservation_ratio * self.last_wage * model.reservation_decay ** months
        if self.status == PLATFORM:
            floor = self.wage  # gig workers draw no benefit; their floor is the gig income
        elif months < model.benefit_months:
            floor = model.benefit_ratio * self.last_wage
        else:
            floor = 0.0
        return max(decayed, floor)

    def apply_for_jobs(self):
        """Send this month's applications (wage-directed, by region and occupation group)."""
        if self.hired_month == self.model.month:
            return  # hired in an earlier round this month
        model = self.model
        rand = self.random.random
        reservation = self.reservation_wage()
        region_cdf = model.application_region_cdf[self.region]
        board = model.vacancy_board
        for _ in range(model.n_applications):
            region = bisect_right(region_cdf, rand())
            u = rand()
            if u < model.switch_share:
                group = min(int(u / model.switch_share * N_GROUPS), N_GROUPS - 1)
            else:
                group = self.group
            bucket = board[region * N_GROUPS + group]
            if not bucket:
                continue
            first = bucket[int(rand() * len(bucket))]
            second = bucket[int(rand() * len(bucket))]
            vacancy = first if first.wage >= second.wage else second
            if not vacancy.filled and vacancy.skill <= self.skill and vacancy.wage >= reservation:
                vacancy.applicants.append(self)

    def receive_offer(self, vacancy):
        if self.best_offer is None or vacancy.wage > self.best_offer.wage:
            self.best_offer = vacancy

    def accept_best_offer(self):
        """Take the best-paid offer received this round, if any."""
        vacancy = self.best_offer
        if vacancy is None:
            return
        self.best_offer = None
        model = self.model
        if self.status == UNEMPLOYED:
            model.unemployed_rs[self.region][self.skill] -= 1
        elif self.employer is not None:
            self.employer.leave(self)  # an on-the-job move frees the old position
        if vacancy.region != self.region:
            model.labour_force_rs[self.region][self.skill] -= 1
            model.labour_force_rs[vacancy.region][self.skill] += 1
            self.region = vacancy.region
            self.migrant = True
            model.job_led_migrants += 1
        vacancy.filled = True
        employer = vacancy.employer
        self.occupation = vacancy.occupation
        self.group = vacancy.group
        self.sector = model.occupation_sector[vacancy.occupation]
        self.status = employer.hire_status
        self.wage = vacancy.wage
        self.employer = employer
        self.hired_month = model.month
        u = self.random.random()
        months = math.floor(math.log1p(-u) / model.log_retention[self.sector]) + 1
        self.separation_month = min(model.month + months, NEVER)
        employer.join(self)
        model.hires += 1

    # -- wages ----------------------------------------------------------------------------

    def update_wage(self):
        """Incumbents' pay moves with the region-skill wage level and productivity."""
        if self.status <= SELF_EMPLOYED:
            model = self.model
            pay = self.wage * model.wage_factor[self.region][self.skill]
            if self.status == EMPLOYED and pay < model.minimum_wage:
                pay = model.minimum_wage
            self.wage = pay


class Employer(mesa.Agent):
    """Something that posts vacancies and hires: a firm, or a self-employment cell."""

    hire_status = EMPLOYED

    def __init__(self, model, region, sector):
        super().__init__(model)
        self.region = region
        self.sector = sector
        self.staff = {}  # Worker -> None: an insertion-ordered set
        self.vacancies = []

    def join(self, worker):
        self.staff[worker] = None

    def leave(self, worker):
        del self.staff[worker]

    def open_positions(self, wanted):
        """Openings to post for ``wanted`` workers (rounded to the nearest person)."""
        return max(math.floor(wanted + 0.5) - len(self.staff), 0)

    def draw_occupation(self):
        return bisect_right(self.model.sector_occupation_cdf[self.sector], self.random.random())

    def post(self, occupation, skill, wage):
        model = self.model
        group = model.isco_group[occupation]
        vacancy = Vacancy(self, self.region, occupation, group, skill, wage)
        self.vacancies.append(vacancy)
        model.vacancy_board[self.region * N_GROUPS + group].append(vacancy)

    def select_applicants(self):
        """Each vacancy offers its job to its best-fitting applicant."""
        for vacancy in self.vacancies:
            applicants = vacancy.applicants
            if not applicants or vacancy.filled:
                continue
            best, best_fit = None, -1
            for worker in applicants:
                if worker.occupation == vacancy.occupation:
                    fit = 2
                elif worker.group == vacancy.group:
                    fit = 1
                else:
                    fit = 0
                if fit > best_fit:
                    best, best_fit = worker, fit
            best.receive_offer(vacancy)
            applicants.clear()


class Firm(Employer):
    """One firm (labsim's firm row)."""

    def __init__(self, model, region, sector, labour_demand, wage_factor):
        super().__init__(model, region, sector)
        self.labour_demand = labour_demand  # workers wanted at month 0
        self.wage_factor = wage_factor      # wage offer x sqrt(productivity), tenge/month

    def post_vacancies(self):
        """Lay off any excess over labour demand, then post the gap as vacancies."""
        model = self.model
        self.vacancies = []
        wanted = self.labour_demand * model.demand_index[self.sector]
        excess = len(self.staff) - math.ceil(wanted * (1.0 + model.layoff_buffer))
        if excess > 0:
            for worker in self.random.sample(list(self.staff), excess):
                model.layoffs += 1
                worker.become_unemployed()
        rand = self.random.random
        for _ in range(self.open_positions(wanted)):
            occupation = self.draw_occupation()
            skill = bisect_right(model.skill_cdf[occupation], rand())
            quality = self.random.lognormvariate(model.quality_mu, model.quality_sigma)
            wage = (self.wage_factor * model.wage_premium[occupation] * model.skill_premium[skill]
                    * model.wage_level[self.region][skill] * model.growth_index * quality)
            self.post(occupation, skill, max(wage, model.minimum_wage))


class SelfEmploymentCell(Employer):
    """The self-employed of one region x sector; opens places below its month-0 size."""

    hire_status = SELF_EMPLOYED

    def __init__(self, model, region, sector, target, reference_income):
        super().__init__(model, region, sector)
        self.target = target                      # self-employed at month 0 (agents)
        self.reference_income = reference_income  # tenge/month of a reference job

    def post_vacancies(self):
        model = self.model
        self.vacancies = []
        for _ in range(self.open_positions(self.target * model.demand_index[self.sector])):
            occupation = self.draw_occupation()
            quality = self.random.lognormvariate(model.quality_mu, model.quality_sigma)
            income = (self.reference_income * model.wage_premium[occupation]
                      * model.skill_premium[0] * model.growth_index * quality)
            self.post(occupation, 0, income)  # self-employment needs no qualification


class MesaLabourMarket(mesa.Model):
    """labsim's separations, vacancies, matching and wages, one Mesa agent per worker.

    Args:
        state: the month-0 state and parameters, from :meth:`state_from_labsim`.
        rng: seed of Mesa's random number generators.
    """

    def __init__(self, state: dict, rng=1):
        super().__init__(rng=rng)
        self.month = 0
        p = state["params"]
        for name, value in p.items():
            setattr(self, name, value)
        self.search_period = max(int(round(1.0 / p["on_the_job_search_rate"])), 1)
        self.quality_sigma = p["individual_dispersion"]
        self.quality_mu = -0.5 * self.quality_sigma ** 2   # mean-one lognormal
        self.log_retention = [math.log1p(-min(max(r, 1e-9), 1.0 - 1e-12))
                              for r in p["separation_rate"]]
        self._occupation_mix = state["sector_occupation_mix"]
        self._occupation_trend = state["occupation_trend"]
        self._sector_trend = np.asarray(p["sector_trend"])
        n_r = len(p["region_wage_index"])
        self.wage_level = [[1.0] * 3 for _ in range(n_r)]
        self.initial_unemployment_rs = state["initial_unemployment_rs"]
        self.separations = self.layoffs = self.hires = self.job_led_migrants = 0
        self.stage_seconds = dict.fromkeys(STAGES, 0.0)      # wall time
        self.stage_cpu_seconds = dict.fromkeys(STAGES, 0.0)  # CPU time of this process

        w, f = state["workers"], state["firms"]
        firms = Firm.create_agents(self, len(f["region"]), f["region"], f["sector"],
                                   f["labour_demand"], f["wage_factor"])
        n_s = len(p["separation_rate"])
        cells = [SelfEmploymentCell(self, r, s, state["self_employed_target"][r][s],
                                    p["self_employed_reference"][r])
                 for r in range(n_r) for s in range(n_s)]
        workers = Worker.create_agents(
            self, len(w["region"]), w["worker_id"], w["region"], w["sector"], w["occupation"],
            w["skill"], w["status"], w["wage"], w["last_wage"], w["unemployed_since"],
            w["separation_month"])
        firm_list = list(firms)
        self.unemployed_rs = [[0] * 3 for _ in range(n_r)]
        self.labour_force_rs = [[0] * 3 for _ in range(n_r)]
        for worker, firm in zip(workers, w["firm"]):
            if worker.status == EMPLOYED:
                worker.employer = firm_list[firm]
            elif worker.status == SELF_EMPLOYED:
                worker.employer = cells[worker.region * n_s + worker.sector]
            if worker.employer is not None:
                worker.employer.join(worker)
            if worker.status <= UNEMPLOYED:
                self.labour_force_rs[worker.region][worker.skill] += 1
            if worker.status == UNEMPLOYED:
                self.unemployed_rs[worker.region][worker.skill] += 1
        self.workers = self.agents_by_type[Worker]
        self.employers = self.agents.select(agent_type=Employer)
        self.unemployment_rate_rs = self._unemployment_rate_rs()
        self.datacollector = mesa.DataCollector(model_reporters={
            "unemployment_rate": MesaLabourMarket.unemployment_rate,
            "hires": "hires", "separations": "separations", "layoffs": "layoffs"})
        self.datacollector.collect(self)

    # -- construction from labsim -----------------------------------------------------------

    @staticmethod
    def state_from_labsim(labsim_model) -> dict:
        """Month-0 workers, firms and parameters of a labsim model, as Python lists."""
        m = labsim_model
        if m.month != 0:
            raise ValueError(f"labsim model is at month {m.month}; the baseline starts at month 0")
        w, f, eco = m.workers, m.firms, m.economy
        params = m.scenario_data.params
        matching, wages = params["matching"], params["wages"]
        skill_cdf = np.cumsum(eco.skill_mix, axis=1)
        skill_cdf[:, -1] = 1.0
        columns = ("worker_id", "region", "sector", "occupation", "skill", "status", "firm",
                   "wage", "last_wage", "unemployed_since", "separation_month")
        return {
            "workers": {c: getattr(w, c).tolist() for c in columns},
            "firms": {
                "region": f.region.tolist(), "sector": f.sector.tolist(),
                "labour_demand": f.labour_demand.tolist(),
                "wage_factor": (f.wage_offer * np.sqrt(f.productivity)).tolist(),
            },
            "self_employed_target": np.asarray(m.self_employed_target).tolist(),
            "initial_unemployment_rs": m.initial_unemployment_rs.tolist(),
            "sector_occupation_mix": eco.sector_occupation_mix.copy(),
            "occupation_trend": eco.occupation_trend.copy(),
            "params": {
                "isco_group": eco.isco_group.tolist(),
                "occupation_sector": eco.occupation_sector.tolist(),
                "wage_premium": eco.wage_premium.tolist(),
                "skill_cdf": skill_cdf.tolist(),
                "skill_premium": np.asarray(m.skill_premium).tolist(),
                "separation_rate": eco.separation_rate.tolist(),
                "sector_trend": eco.sector_trend.tolist(),
                "region_wage_index": m.region_wage_index.tolist(),
                "self_employed_reference": (wages["base"] * m.region_wage_index
                                            * wages["self_employed_income_ratio"]).tolist(),
                "application_region_cdf": m.application_region_cdf.tolist(),
                "n_applications": int(matching["applications"]),
                "switch_share": float(matching["occupation_switch_share"]),
                "on_the_job_search_rate": float(matching["on_the_job_search_rate"]),
                "reservation_ratio": float(matching["reservation_wage_ratio"]),
                "reservation_decay": float(matching["reservation_wage_decay"]),
                "layoff_buffer": float(matching["layoff_buffer"]),
                "benefit_ratio": float(m.unemployment_benefit),
                "benefit_months": int(m.benefit_months),
                "minimum_wage": float(m.minimum_wage),
                "demand_cycle_amplitude": float(m.demand_cycle_amplitude),
                "individual_dispersion": float(wages["individual_dispersion"]),
                "wage_curve_elasticity": float(wages["wage_curve_elasticity"]),
                "wage_adjustment_speed": float(wages["wage_adjustment_speed"]),
                "productivity_growth": float(wages["productivity_growth"]),
            },
        }

    @classmethod
    def from_labsim(cls, scale: float, rng=1, labsim_rng: int = 1) -> MesaLabourMarket:
        """Build the baseline from ``LaborMarketModel(scale=scale, rng=labsim_rng)`` at month 0."""
        from sim.model import LaborMarketModel

        state = cls.state_from_labsim(LaborMarketModel(scale=scale, rng=labsim_rng))
        return cls(state, rng=rng)

    # -- the month --------------------------------------------------------------------------

    def step(self):
        """One month: separations, vacancies, matching, wages, then collect."""
        self.month += 1
        for name in STAGES:
            start, cpu_start = time.perf_counter(), time.process_time()
            getattr(self, f"_{name}")()
            self.stage_seconds[name] += time.perf_counter() - start
            self.stage_cpu_seconds[name] += time.process_time() - cpu_start

    def run(self, months: int):
        for _ in range(int(months)):
            self.step()

    def _separations(self):
        self.workers.do("separate_if_due")

    def _vacancies(self):
        # Month-level tables, shared by all employers (small: sectors x occupations).
        t = self.month
        cycle = 1.0 + self.demand_cycle_amplitude * math.sin(2.0 * math.pi * t / 48.0)
        self.demand_index = ((1.0 + self._sector_trend) ** (t / 12.0) * cycle).tolist()
        self.growth_index = (1.0 + self.productivity_growth) ** (t / 12.0)
        mix = self._occupation_mix * ((1.0 + self._occupation_trend) ** (t / 12.0))[None, :]
        total = mix.sum(axis=1, keepdims=True)
        cdf = np.cumsum(np.divide(mix, total, out=np.zeros_like(mix), where=total > 0), axis=1)
        cdf[:, -1] = 1.0
        self.sector_occupation_cdf = cdf.tolist()
        self.vacancy_board = [[] for _ in range(len(self.wage_level) * N_GROUPS)]
        self.employers.do("post_vacancies")

    def _matching(self):
        seekers = self.workers.select(Worker.is_job_seeker)
        for _ in range(ROUNDS):
            seekers.shuffle_do("apply_for_jobs")
            self.employers.do("select_applicants")
            seekers.do("accept_best_offer")

    def _wages(self):
        p_growth = (1.0 + self.productivity_growth) ** (1.0 / 12.0)
        self.wage_factor = []
        for r, levels in enumerate(self.wage_level):
            row = []
            for s in range(3):
                u = max(self.unemployment_rate_rs[r][s], 1e-4)
                target = (u / self.initial_unemployment_rs[r][s]) ** self.wage_curve_elasticity
                new = levels[s] + self.wage_adjustment_speed * (target - levels[s])
                row.append(new / levels[s] * p_growth)
                levels[s] = new
            self.wage_factor.append(row)
        self.workers.do("update_wage")

    def _collect(self):
        self.unemployment_rate_rs = self._unemployment_rate_rs()
        self.datacollector.collect(self)

    def _unemployment_rate_rs(self):
        return [[u / lf if lf else 0.0 for u, lf in zip(u_row, lf_row)]
                for u_row, lf_row in zip(self.unemployed_rs, self.labour_force_rs)]

    def unemployment_rate(self) -> float:
        """National unemployment rate (share of the labour force)."""
        return sum(map(sum, self.unemployed_rs)) / max(sum(map(sum, self.labour_force_rs)), 1)
