"""``LaborMarketModel``: construction, and ``step()`` as an ordered list of monthly stages.

Example:
    >>> model = LaborMarketModel(scale=0.001, rng=7)
    >>> model.run(2)
    >>> frame = model.datacollector.get_model_vars_dataframe()
    >>> model.month, len(frame), round(float(frame["unemployment_rate"].iloc[0]), 3)
    (2, 3, 0.049)
"""

from __future__ import annotations

import time

import mesa
import numpy as np

import kernels
from kernels.reference import stream_key

from . import __version__
from .allocator import retain_freed_memory
from .economy import Economy
from .errors import ScenarioError
from .invariants import InvariantError
from .invariants import check_invariants as _check_invariants
from .metrics import (
    MODEL_REPORTERS,
    market_statistics,
    migration_frame,
    model_reporters,
    region_frame,
)
from .policies import PARAMETERS, validate_parameter
from .population import Status
from .randomness import Stream
from .regions import migration_graph, place_regions, shortest_path_km
from .scenario import load_scenario
from .stages.automation import automation
from .stages.demography import demography
from .stages.matching import matching
from .stages.migration import migration
from .stages.platform import platform
from .stages.public_accounts import public_accounts
from .stages.retraining import retraining
from .stages.separations import separations
from .stages.vacancies import post_vacancies, vacancies
from .stages.wages import wages
from .synthesis import build_initial_state

__all__ = ["LaborMarketModel", "STAGES"]

#: The month, in order. Each stage is a function ``(model) -> None``.
STAGES = (
    ("demography", demography),
    ("separations", separations),
    ("automation", automation),
    ("vacancies", vacancies),
    ("matching", matching),
    ("wages", wages),
    ("retraining", retraining),
    ("platform", platform),
    ("migration", migration),
    ("public_accounts", public_accounts),
)

#: After this stage, until the month ends, no stage moves anyone from work (employees, the
#: self-employed) into not working (platform, unemployed, retraining): later stages only
#: move people among the not-working statuses or into work. The rows not working when it
#: ends therefore hold every not-working row to the end of the month, and the later stages
#: look statuses up among them instead of scanning the whole population, and take their
#: worker ids from one gather (:meth:`LaborMarketModel.rows_and_ids_with_status`; both
#: checked with ``check_invariants``).
NOT_WORKING_SETTLED_AFTER = "matching"

_MAX_SEED = 2**63 - 1


def _check_seed(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not (
            0 <= int(value) <= _MAX_SEED):
        raise ScenarioError("<arguments>", name, value, f"an integer in [0, {_MAX_SEED}]")
    return int(value)


class LaborMarketModel(mesa.Model):
    """A national labour market under automation and generative AI, one step a month.

    Args:
        scenario: a scenario name (``sim/scenarios/NAME.toml``) or a path to a TOML file.
        scale: fraction of the labour force simulated, in (0, 1]; 1.0 is about 9 million
            workers. Counts that leave the model are in persons (agents / scale).
        rng, seed: the run's integer seed (either name, as in Mesa). None draws one from
            the operating system; it is kept in ``model.seed``.
        retraining_subsidy ... demand_cycle_amplitude: the policies and scenario knobs of
            ``sim.policies.PARAMETERS``; None keeps the scenario's value.
        check_invariants: check the state's invariants after every step.

    The validated scenario (tables and behavioural parameters) is ``model.scenario_data``:
    Mesa 3.5 reserves ``model.scenario`` for its own experiment object.

    Raises:
        ScenarioError: any invalid argument or scenario content, before anything is built.
    """

    def __init__(self, scenario="kazakhstan", scale: float = 0.01, rng=None, seed=None,
                 retraining_subsidy=None, retraining_capacity=None, retraining_stipend=None,
                 unemployment_benefit=None, benefit_months=None, robot_tax=None,
                 migration_subsidy=None, minimum_wage=None, wage_subsidy_low_skill=None,
                 education_upgrade=None, ai_cost_decline=None, automation_cost_decline=None,
                 new_job_ratio=None, demand_cycle_amplitude=None,
                 check_invariants: bool = False):
        overrides = {
            "retraining_subsidy": retraining_subsidy, "retraining_capacity": retraining_capacity,
            "retraining_stipend": retraining_stipend, "unemployment_benefit": unemployment_benefit,
            "benefit_months": benefit_months, "robot_tax": robot_tax,
            "migration_subsidy": migration_subsidy, "minimum_wage": minimum_wage,
            "wage_subsidy_low_skill": wage_subsidy_low_skill,
            "education_upgrade": education_upgrade, "ai_cost_decline": ai_cost_decline,
            "automation_cost_decline": automation_cost_decline, "new_job_ratio": new_job_ratio,
            "demand_cycle_amplitude": demand_cycle_amplitude,
        }
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not (
                0.0 < scale <= 1.0):
            raise ScenarioError("<arguments>", "scale", scale, "a fraction in (0, 1]")
        retain_freed_memory()   # monthly temporaries reuse freed memory: sim/allocator.py
        if rng is not None and seed is not None and rng != seed:
            raise ScenarioError("<arguments>", "seed", seed, f"the same value as rng={rng!r}")
        given = rng if rng is not None else seed
        if given is None:
            given = int(np.random.SeedSequence().entropy % _MAX_SEED)
        run_seed = _check_seed("rng" if rng is not None else "seed", given)
        for name, value in overrides.items():
            if value is not None:
                validate_parameter(name, value)
        self.scenario_data = load_scenario(scenario)
        super().__init__(rng=run_seed)
        self.seed = run_seed
        self.scale = float(scale)
        self.persons_per_agent = 1.0 / self.scale
        self.parameters = dict(self.scenario_data.policies)
        self.parameters.update({k: validate_parameter(k, v) for k, v in overrides.items()
                                if v is not None})
        for name in PARAMETERS:
            setattr(self, name, self.parameters[name])
        self.mechanisms = dict(self.scenario_data.mechanisms)
        self.check_invariants = bool(check_invariants)
        self.kernels = kernels.load_backend()
        self.month = 0
        self._build()

    # -- construction ---------------------------------------------------------------------

    def _build(self) -> None:
        sc = self.scenario_data
        self.economy = eco = Economy.from_scenario(sc)
        self.region_names = tuple(sc.regions["region"])
        self.n_regions = len(self.region_names)
        self.graph = sc.graph if sc.graph is not None else migration_graph(
            sc.regions, sc.graph_rule["nearest_neighbours"])
        self.distance_km = shortest_path_km(self.graph, self.region_names)
        self.space, self.regions = place_regions(self, self.graph, sc.regions)
        self.region_wage_index = sc.regions["wage_index_approx"].to_numpy(np.float64)
        self.cost_of_living = sc.regions["cost_of_living_index_synthetic"].to_numpy(np.float64)
        population = sc.regions["population_thousands_approx"].to_numpy(np.float64)
        self.population_cdf = np.cumsum(population) / population.sum()
        self.population_cdf[-1] = 1.0
        pop = sc.params["population"]
        self.retirement_age_months = np.array(
            [pop["retirement_age_male"] * 12, pop["retirement_age_female"] * 12])
        self.skill_premium = np.asarray(sc.params["wages"]["skill_premium"])

        self.workers, self.firms, info = build_initial_state(
            sc, eco, self.scale, self.seed, self.minimum_wage)
        labels = {"region": self.region_names, "sector": eco.sector_names,
                  "occupation": eco.occupation_names, "p_auto": eco.p_auto,
                  "p_genai": eco.p_genai, "month": 0}
        self.workers.labels = labels
        self.firms.labels = labels
        self.next_worker_id = info["n_agents"]
        self.initial_labour_force_agents = float(info["n_agents"])
        self.self_employed_target = info["self_employed_target"]
        self.exposed_positions_initial = float(self.firms.exposed_positions.sum())
        self.ever_automated = np.zeros(len(self.firms), dtype=bool)

        exposure = np.maximum(eco.p_auto, eco.p_genai)
        self.channel_exposure = exposure
        self.channel_of_occupation = np.where(
            eco.at_risk, np.where(eco.p_genai >= eco.p_auto, 1, 0), -1).astype(np.int8)
        self.complementary_cdf = _cdf_rows(eco.complementary_mix)
        occ_employment = np.bincount(self.workers.occupation, minlength=eco.n_occupations)
        by_skill = occ_employment[None, :] * eco.skill_mix.T        # (3, O)
        self.entrant_occupation_cdf = _cdf_rows(by_skill)
        new_weight = np.where(eco.is_new, occ_employment[eco.complementary].mean(), 0.0)
        target = (by_skill + new_weight[None, :] * eco.skill_mix.T) * ~eco.at_risk[None, :] \
            * (1.0 + 2.0 * eco.complementary[None, :])
        self.retraining_target_cdf = _cdf_rows(target)
        self.application_region_cdf = self._application_region_cdf()

        self.migration_counts = np.zeros((self.n_regions, self.n_regions), dtype=np.int64)
        self.wage_level = np.ones((self.n_regions, 3))
        self.bargaining_factor = 1.0
        for counter in ("displaced_total", "retrained_total", "migrants_total",
                        "job_led_migrants_total", "entrants_total", "retirees_total",
                        "separations_total", "layoffs_total", "hires_total", "adoptions_total",
                        "enrolments_total", "dropouts_total", "firms_entered_total",
                        "platform_entries_total"):
            setattr(self, counter, 0)
        self.new_jobs_total = 0.0
        self.enrolments_this_month = 0
        self._entry_carry = 0.0
        self._seat_carry = 0.0
        self.month_accounts = {"migration_subsidy": 0.0}
        self.stage_seconds = {name: 0.0 for name, _ in STAGES}
        self.stage_seconds["collect"] = 0.0
        self.region_history = []
        self._occupation_cdf_month = -1
        self._not_working_rows = None   # set late in each step (NOT_WORKING_SETTLED_AFTER)
        self._not_working_ids = None    # their worker ids

        self.market = market_statistics(self)
        self.initial_unemployment_rs = np.maximum(self.market["unemployment_rate_rs"], 1e-3)
        post_vacancies(self)
        public_accounts(self)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in MODEL_REPORTERS})
        self._collect()

    def _application_region_cdf(self) -> np.ndarray:
        m = self.scenario_data.params["matching"]
        weights = np.exp(-self.distance_km / m["distance_decay_km"])
        np.fill_diagonal(weights, 0.0)
        weights = weights / np.maximum(weights.sum(axis=1, keepdims=True), 1e-300)
        weights *= 1.0 - m["local_search_share"]
        np.fill_diagonal(weights, m["local_search_share"])
        return _cdf_rows(weights)

    # -- quantities the stages share -------------------------------------------------------

    def rows_with_status(self, status) -> np.ndarray:
        """Rows of the workers whose status is ``status``, in row order: one pass over the
        population, or, for a not-working status late in the month, a filter of the rows
        not working (see ``NOT_WORKING_SETTLED_AFTER``)."""
        return self.rows_and_ids_with_status(status, ids=False)[0]

    def rows_and_ids_with_status(self, status, ids: bool = True):
        """``(rows, worker ids)`` of the workers whose status is ``status``, in row order
        (ids None when not ``ids``).

        Late in the month the ids come from those of the rows not working, gathered once
        when they settle: a row's id does not change within a month after demography, and
        four stages draw for the unemployed by id (at national scale each gather of
        ~360k ids from the 73 MB column took ~2.4 ms)."""
        if self._not_working_rows is not None and status >= Status.PLATFORM:
            k = self._not_working_rows.size
            rows, found_ids = np.empty(k, dtype=np.int64), np.empty(k, dtype=np.int64)
            count = self.kernels.rows_with_status_among(
                self._not_working_rows, self._not_working_ids, self.workers.status,
                int(status), rows, found_ids)
            return rows[:count], (found_ids[:count] if ids else None)
        rows = np.empty(len(self.workers), dtype=np.int64)
        count = self.kernels.rows_with_status(self.workers.status, int(status), rows)
        rows = rows[:count]
        return rows, (self.workers.worker_id[rows] if ids else None)

    def _rows_not_working(self) -> np.ndarray:
        """Rows of everyone on a platform, unemployed or retraining, in row order."""
        rows = np.empty(len(self.workers), dtype=np.int64)
        count = self.kernels.rows_with_status_from(self.workers.status, int(Status.PLATFORM), rows)
        return rows[:count].copy()   # not a view of a population-sized buffer

    def stream_key(self, stream: str) -> int:
        """64-bit key of a named random stream for this seed and month."""
        return stream_key(self.seed, self.month, int(Stream[stream]))

    def demand_index(self, sectors) -> np.ndarray:
        """Labour demand relative to month 0 by sector: trend x business cycle."""
        # Computed per sector, then looked up: the same values as computing them per
        # firm (elementwise), without a power per firm.
        trend = (1.0 + self.economy.sector_trend) ** (self.month / 12.0)
        cycle = 1.0 + self.demand_cycle_amplitude * np.sin(2.0 * np.pi * self.month / 48.0)
        return (trend * cycle)[sectors]

    def net_labour_demand(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Workers wanted by firms ``rows`` (all firms when None) now (agents), net of
        automation."""
        f = self.firms
        rows = slice(None) if rows is None else rows   # a slice: no copies of every column
        return (f.labour_demand[rows] * self.demand_index(f.sector[rows])
                - f.automated_routine[rows] - f.automated_genai[rows]
                + f.complementary_jobs[rows])

    @property
    def sector_occupation_cdf(self) -> np.ndarray:
        """Occupations of new vacancies by sector: the month-0 mix shifted by each
        occupation's demand trend (D8-D9), as cumulative rows."""
        if self._occupation_cdf_month != self.month:
            eco = self.economy
            shift = (1.0 + eco.occupation_trend) ** (self.month / 12.0)
            self._occupation_cdf = _cdf_rows(eco.sector_occupation_mix * shift[None, :])
            self._occupation_cdf_month = self.month
        return self._occupation_cdf

    def wage_growth_index(self) -> float:
        """Trend productivity growth of pay since month 0."""
        growth = self.scenario_data.params["wages"]["productivity_growth"]
        return (1.0 + growth) ** (self.month / 12.0)

    def automation_share(self) -> float:
        """Share of the positions exposed at month 0 that are now automated."""
        if self.exposed_positions_initial <= 0:
            return 0.0
        f = self.firms  # closed firms' machines are scrapped with them
        automated = f.automated_routine[f.active].sum() + f.automated_genai[f.active].sum()
        return float(automated / self.exposed_positions_initial)

    def labour_force_agents(self) -> float:
        return float(self.market["labour_force_r"].sum())

    def entrant_skill_shares(self) -> np.ndarray:
        """Entrants' skill mix, with ``education_upgrade`` moved to high skill."""
        shares = np.asarray(self.scenario_data.params["population"]["entrant_skill_shares"], float)
        upgrade = min(self.education_upgrade, shares[0] + shares[1])
        lower = shares[:2] * (1.0 - upgrade / (shares[0] + shares[1]))
        return np.array([lower[0], lower[1], shares[2] + upgrade])

    @property
    def date(self) -> str:
        """Calendar month of the current step, ``YYYY-MM``."""
        year, month = (int(x) for x in self.scenario_data.start.split("-"))
        index = year * 12 + month - 1 + self.month
        return f"{index // 12:04d}-{index % 12 + 1:02d}"

    @property
    def version(self) -> str:
        return __version__

    # -- running --------------------------------------------------------------------------

    def step(self) -> None:
        """Advance one month through the ordered stages, then collect."""
        self.month += 1
        self.workers.labels["month"] = self.month
        self.month_accounts = {"migration_subsidy": 0.0}
        self._not_working_rows = self._not_working_ids = None
        for name, stage in STAGES:
            start = time.perf_counter()
            stage(self)
            if name == NOT_WORKING_SETTLED_AFTER:
                self._not_working_rows = self._rows_not_working()
                self._not_working_ids = self.workers.worker_id[self._not_working_rows]
            self.stage_seconds[name] += time.perf_counter() - start
        start = time.perf_counter()
        self._collect()
        self.stage_seconds["collect"] += time.perf_counter() - start
        if self.check_invariants:
            _check_not_working_settled(self)
            _check_invariants(self)
        self._not_working_rows = self._not_working_ids = None

    def run(self, months: int) -> None:
        """Run ``months`` monthly steps."""
        for _ in range(int(months)):
            self.step()

    def save(self, path) -> None:
        """Write a checkpoint of the state to ``path`` (``.npz``): see :mod:`sim.checkpoint`."""
        from .checkpoint import save

        save(self, path)

    @classmethod
    def load(cls, path, check_invariants: bool | None = None) -> LaborMarketModel:
        """Restore a model from a checkpoint written by :meth:`save` (see :mod:`sim.checkpoint`).

        Raises:
            ScenarioError: a missing, corrupt or newer-format file, or a changed scenario.
        """
        from .checkpoint import load

        return load(path, cls, check_invariants)

    def _collect(self) -> None:
        self.market = market_statistics(self)
        self.reporters = model_reporters(self)
        self.datacollector.collect(self)
        frame = region_frame(self)
        # Column by column (Python floats, as row iteration gives): ~1.4 ms less a month
        # than itertuples over the regions.
        for name in ("labour_force", "employed", "unemployment_rate", "mean_wage"):
            for region, value in zip(self.regions, frame[name].tolist()):
                setattr(region, name, value)
        frame.insert(0, "month", self.month)
        self.region_history.append(frame)

    # -- outputs ---------------------------------------------------------------------------

    def region_frame(self):
        """One row per region now: see :func:`sim.metrics.region_frame`."""
        return region_frame(self)

    def migration_matrix(self):
        """Cumulative moves between regions: origin, destination, persons."""
        return migration_frame(self)


def _check_not_working_settled(model) -> None:
    """Nobody outside the rows not working after ``NOT_WORKING_SETTLED_AFTER`` is now
    on a platform, unemployed or retraining."""
    if model._not_working_rows is None:
        return
    outside = np.ones(len(model.workers), dtype=bool)
    outside[model._not_working_rows] = False
    if (model.workers.status[outside] >= Status.PLATFORM).any():
        raise InvariantError(f"a stage after {NOT_WORKING_SETTLED_AFTER} moved a worker "
                             "from work into not working")
    if not np.array_equal(model.workers.worker_id[model._not_working_rows],
                          model._not_working_ids):
        raise InvariantError(f"a worker id changed after {NOT_WORKING_SETTLED_AFTER}")


def _reporter(name: str):
    return lambda model: model.reporters[name]


def _cdf_rows(weights: np.ndarray) -> np.ndarray:
    """Row-wise cumulative distribution with the last column exactly 1."""
    weights = np.asarray(weights, dtype=np.float64)
    total = weights.sum(axis=1, keepdims=True)
    cdf = np.cumsum(np.divide(weights, total, out=np.zeros_like(weights), where=total > 0), axis=1)
    cdf[:, -1] = 1.0
    return cdf
