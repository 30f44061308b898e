"""Loading and validating a scenario: a TOML file plus its CSV tables.

Everything is checked here, before a model is built: types, bounds, that shares sum to
one, that files exist and tables have their columns. A problem raises
:class:`~sim.errors.ScenarioError` naming the file, the key path, the value and what was
expected.

Example:
    >>> s = load_scenario("kazakhstan")
    >>> s.name, len(s.regions)
    ('kazakhstan', 20)
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from .errors import ScenarioError
from .graphs import load_region_graph
from .policies import KNOB_NAMES, PARAMETERS, POLICY_NAMES, validate_parameter

__all__ = ["Scenario", "load_scenario", "SCENARIO_DIR", "MECHANISMS"]

SCENARIO_DIR = Path(__file__).with_name("scenarios")
MECHANISMS = ("automation", "genai", "migration", "retraining", "platform", "bargaining")

_INF = math.inf
# section -> key -> (kind, low, high[, length]); kind: float, int, floats, str
_SCHEMA: dict[str, dict[str, tuple]] = {
    "scenario": {"name": ("str",), "start": ("month",)},
    "data": {k: ("file",) for k in ("regions", "sectors", "occupations", "profile_sector_tilt")},
    "graph": {"nearest_neighbours": ("int", 1, 19), "file": ("file",)},
    "population": {
        "employed": ("float", 1.0, 1e10),
        "unemployment_rate": ("float", 0.0, 0.9),
        "age_band_edges": ("floats", 10, 100, None),
        "age_band_shares": ("shares", 0.0, 1.0, None),
        "retirement_age_male": ("float", 40, 90),
        "retirement_age_female": ("float", 40, 90),
        "entry_rate": ("float", 0.0, 0.2),
        "entry_age": ("float", 14, 40),
        "entrant_skill_shares": ("shares", 0.0, 1.0, 3),
        "unemployment_skill_ratio": ("floats", 0.0, 10.0, 3),
        "mean_unemployment_months": ("float", 0.0, 120.0),
    },
    "wages": {
        "base": ("float", 1.0, 1e8),
        "skill_premium": ("floats", 0.01, 100.0, 3),
        "firm_dispersion": ("float", 0.0, 2.0),
        "individual_dispersion": ("float", 0.0, 2.0),
        "self_employed_income_ratio": ("float", 0.0, 5.0),
        "wage_curve_elasticity": ("float", -2.0, 0.0),
        "wage_adjustment_speed": ("float", 0.0, 1.0),
        "productivity_growth": ("float", -0.5, 0.5),
        "automation_productivity_gain": ("float", 0.0, 5.0),
        "bargaining_decline": ("float", 0.0, 1.0),
        "initial_labour_share": ("float", 0.01, 1.0),
    },
    "automation": {
        "routine_cost": ("float", 0.0, 1e9),
        "genai_cost": ("float", 0.0, 1e9),
        "genai_start_month": ("int", 0, 10_000),
        "max_adoption_hazard": ("float", 0.0, 1.0),
        "hazard_saving_scale": ("float", 1e-6, 100.0),
        "adoption_step": ("float", 0.0, 1.0),
        "complementary_new_occupation_share": ("float", 0.0, 1.0),
        "automation_skill_bias": ("float", 0.0, 1.0),
    },
    "matching": {
        "applications": ("int", 1, 50),
        "local_search_share": ("float", 0.0, 1.0),
        "distance_decay_km": ("float", 1.0, 1e5),
        "occupation_switch_share": ("float", 0.0, 1.0),
        "on_the_job_search_rate": ("float", 0.0, 1.0),
        "reservation_wage_ratio": ("float", 0.0, 5.0),
        "reservation_wage_decay": ("float", 0.0, 1.0),
        "layoff_buffer": ("float", 0.0, 10.0),
    },
    "retraining": {
        "course_months": ("int", 1, 120),
        "course_cost": ("float", 0.0, 1e8),
        "dropout_rate": ("float", 0.0, 1.0),
        "take_up": ("float", 0.0, 1.0),
        "horizon_months": ("int", 1, 600),
        "discount_rate": ("float", 0.0, 1.0),
    },
    "migration": {
        "consider_rate": ("float", 0.0, 1.0),
        "logit_scale": ("float", 1e-4, 100.0),
        "size_weight": ("float", 0.0, 10.0),
        "cost_per_km": ("float", 0.0, 1e7),
        "fixed_cost": ("float", 0.0, 1e9),
        "horizon_months": ("int", 1, 600),
    },
    "platform": {
        "pay_ratio": ("float", 0.0, 5.0),
        "take_up": ("float", 0.0, 1.0),
        "exit_rate": ("float", 0.0, 1.0),
    },
}

# Keys that may be left out: (section, key) -> when. A graph file replaces the k-NN rule.
_OPTIONAL = {("graph", "file"): "always", ("graph", "nearest_neighbours"): "with [graph].file"}

# Columns read as text; every other required column must be numeric.
_TEXT_COLUMNS = {"region", "profile", "sector", "occupation"}
# Columns that are switches, 0 or 1.
_FLAG_COLUMNS = {"real_sector", "complementary"}
# Most rows a table can have: the codes live in int8 / int16 agent columns.
_MAX_ROWS = {"regions": int(np.iinfo(np.int8).max), "sectors": int(np.iinfo(np.int8).max),
             "occupations": int(np.iinfo(np.int16).max)}
# ISCO major groups 1-9 and 0 for new occupations (sim.stages.vacancies.N_GROUPS = 10).
_ISCO_GROUPS = (0, 9)

_TABLE_COLUMNS = {
    "regions": ["region", "lat", "lon", "population_thousands_approx", "wage_index_approx",
                "profile", "cost_of_living_index_synthetic", "unemployment_rate_approx"],
    "sectors": ["sector", "real_sector", "employment_share_approx", "self_employed_share",
                "demand_trend", "separation_rate", "mean_firm_size"],
    "occupations": ["occupation", "sector", "isco_group", "employment_share_in_sector",
                    "skill_low", "skill_mid", "skill_high", "p_auto", "p_genai",
                    "wage_premium", "female_share", "complementary", "demand_trend"],
    "profile_sector_tilt": ["profile"],
}


@dataclass
class Scenario:
    """A validated scenario. Sections are plain dicts; tables are DataFrames.

    Attributes:
        name: scenario name.
        path: the TOML file.
        sha256: hash of the TOML and every data file, in a fixed order.
        params: section name -> {key: value} for the behavioural sections.
        policies: policy and knob values (all of ``sim.policies.PARAMETERS``).
        mechanisms: channel switches (automation, genai, migration, retraining, platform,
            bargaining).
        regions, sectors, occupations, profile_sector_tilt: the tables.
    """

    name: str
    path: Path
    sha256: str
    start: str
    params: dict[str, dict]
    policies: dict[str, float]
    mechanisms: dict[str, bool]
    regions: pd.DataFrame
    sectors: pd.DataFrame
    occupations: pd.DataFrame
    profile_sector_tilt: pd.DataFrame
    graph_rule: dict = field(default_factory=dict)
    graph: nx.Graph | None = None


def _resolve(scenario: str | Path) -> Path:
    if not isinstance(scenario, (str, Path)):
        # e.g. Mesa 3.5's own Scenario object, which its viewer passes on Reset.
        raise ScenarioError("<arguments>", "scenario", type(scenario).__name__,
                            "a scenario name, a path to a TOML file, or a sim.scenario.Scenario")
    candidate = Path(scenario)
    if candidate.suffix == ".toml":
        if not candidate.is_file():
            raise ScenarioError("<arguments>", "scenario", str(scenario), "an existing TOML file")
        return candidate
    named = SCENARIO_DIR / f"{scenario}.toml"
    if not named.is_file():
        known = sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))
        raise ScenarioError("<arguments>", "scenario", str(scenario),
                            "a .toml path or one of: " + ", ".join(known))
    return named


def _check_value(file: str, key: str, value, spec: tuple, base: Path):
    kind = spec[0]
    if kind == "str":
        if not isinstance(value, str) or not value:
            raise ScenarioError(file, key, value, "a non-empty string")
        return value
    if kind == "month":
        ok = isinstance(value, str) and len(value) == 7 and value[4] == "-"
        if ok:
            try:
                ok = 1 <= int(value[5:]) <= 12 and int(value[:4]) > 0
            except ValueError:
                ok = False
        if not ok:
            raise ScenarioError(file, key, value, 'a month as "YYYY-MM"')
        return value
    if kind == "file":
        if not isinstance(value, str) or not (base / value).is_file():
            raise ScenarioError(file, key, value, f"an existing file relative to {base}")
        return base / value
    if kind in ("float", "int"):
        low, high = spec[1], spec[2]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ScenarioError(file, key, value, f"a number in [{low:g}, {high:g}]")
        if value != value or not (low <= value <= high):
            raise ScenarioError(file, key, value, f"a number in [{low:g}, {high:g}]")
        if kind == "int":
            if int(value) != value:
                raise ScenarioError(file, key, value, "a whole number")
            return int(value)
        return float(value)
    if kind in ("floats", "shares"):
        low, high, length = spec[1], spec[2], spec[3]
        what = f"a list of {length or 'some'} numbers in [{low:g}, {high:g}]"
        if (not isinstance(value, list) or not value or (length and len(value) != length)
                or any(isinstance(v, bool) or not isinstance(v, (int, float))
                       or v != v or not (low <= v <= high) for v in value)):
            raise ScenarioError(file, key, value, what)
        if kind == "shares" and abs(sum(value) - 1.0) > 1e-6:
            raise ScenarioError(file, key, value, "shares that sum to 1")
        return [float(v) for v in value]
    raise AssertionError(kind)


def _first(values: pd.Series):
    """The first value of a column, for an error message (None if it is empty)."""
    return values.iloc[0] if len(values) else None


def _read_table(file: Path, name: str, toml_file: str) -> pd.DataFrame:
    key = f"[data].{name}"
    try:
        table = pd.read_csv(file, comment="#")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ScenarioError(toml_file, key, str(file), f"a readable CSV table ({exc})") from None
    missing = [c for c in _TABLE_COLUMNS[name] if c not in table.columns]
    if missing:
        raise ScenarioError(str(file), "columns", list(table.columns),
                            "columns including " + ", ".join(missing))
    if len(table) > _MAX_ROWS.get(name, len(table)):
        raise ScenarioError(str(file), "rows", len(table), f"at most {_MAX_ROWS[name]} rows")
    for column in _TABLE_COLUMNS[name]:
        kind = table[column].dtype.kind
        if column in _TEXT_COLUMNS:
            if table[column].isna().any():
                raise ScenarioError(str(file), f"column {column}", "missing", "a name in every row")
            table[column] = table[column].astype(str)
        elif kind not in "iuf" or (column in _FLAG_COLUMNS and not table[column].isin([0, 1]).all()):
            bad = table[column][~table[column].isin([0, 1])] if column in _FLAG_COLUMNS else table[column]
            raise ScenarioError(str(file), f"column {column}", _first(bad),
                                "0 or 1 in every row" if column in _FLAG_COLUMNS else "a number in every row")
    if name == "profile_sector_tilt":
        for column in (c for c in table.columns if c != "profile"):
            if table[column].dtype.kind not in "iuf":
                raise ScenarioError(str(file), f"column {column}", _first(table[column]),
                                    "a number in every row")
    for column in table.columns:
        if table[column].dtype.kind == "f" and not table[column].map(math.isfinite).all():
            raise ScenarioError(str(file), f"column {column}", "NaN or missing",
                                "a finite number in every row")
    return table


def _validate_tables(file: str, tables: dict[str, pd.DataFrame]) -> None:
    regions, sectors, occ = tables["regions"], tables["sectors"], tables["occupations"]
    tilt = tables["profile_sector_tilt"]
    rfile = "[data].regions"
    if regions["region"].duplicated().any():
        raise ScenarioError(file, rfile, list(regions["region"]), "unique region names")
    if len(regions) < 2:
        raise ScenarioError(file, rfile, len(regions), "at least 2 regions")
    for col, low, high in (("lat", -90, 90), ("lon", -180, 180),
                           ("population_thousands_approx", 1e-9, 1e7),
                           ("wage_index_approx", 1e-6, 100),
                           ("cost_of_living_index_synthetic", 1e-6, 100),
                           ("unemployment_rate_approx", 0, 0.9)):
        bad = regions[~regions[col].between(low, high)]
        if len(bad):
            raise ScenarioError(file, f"{rfile} row {bad.index[0]} column {col}",
                                bad[col].iloc[0], f"a number in [{low:g}, {high:g}]")
    share = sectors["employment_share_approx"]
    if (share < 0).any() or abs(share.sum() - 1.0) > 1e-6:
        raise ScenarioError(file, "[data].sectors column employment_share_approx",
                            round(float(share.sum()), 6), "non-negative shares that sum to 1")
    for col, low, high in (("self_employed_share", 0, 1), ("separation_rate", 0, 1),
                           ("mean_firm_size", 1, 1e6), ("demand_trend", -0.9, 0.9)):
        bad = sectors[~sectors[col].between(low, high)]
        if len(bad):
            raise ScenarioError(file, f"[data].sectors row {bad.index[0]} column {col}",
                                bad[col].iloc[0], f"a number in [{low:g}, {high:g}]")
    for table_name, table, column in (("sectors", sectors, "sector"), ("occupations", occ, "occupation")):
        if table[column].duplicated().any():
            raise ScenarioError(file, f"[data].{table_name} column {column}",
                                str(table[column][table[column].duplicated()].iloc[0]), "unique names")
    groups = occ["isco_group"]
    if not (groups.between(*_ISCO_GROUPS) & (groups == groups.round())).all():
        bad = groups[~(groups.between(*_ISCO_GROUPS) & (groups == groups.round()))]
        raise ScenarioError(file, f"[data].occupations row {bad.index[0]} column isco_group", bad.iloc[0],
                            "an ISCO major group, a whole number in [0, 9]")
    bad = occ[~occ["demand_trend"].between(-0.9, 0.9)]
    if len(bad):
        raise ScenarioError(file, f"[data].occupations row {bad.index[0]} column demand_trend",
                            bad["demand_trend"].iloc[0], "a number in [-0.9, 0.9]")
    without = sorted(set(sectors["sector"]) - set(occ["sector"]))
    if without:
        raise ScenarioError(file, "[data].occupations column sector", without[0],
                            "at least one occupation in every sector")
    unknown = set(occ["sector"]) - set(sectors["sector"])
    if unknown:
        raise ScenarioError(file, "[data].occupations column sector", sorted(unknown)[0],
                            "one of the sectors in [data].sectors")
    for sector, rows in occ.groupby("sector"):
        total = rows["employment_share_in_sector"].sum()
        if abs(total - 1.0) > 1e-4:
            raise ScenarioError(file, f"[data].occupations sector {sector!r}",
                                round(float(total), 6), "employment shares that sum to 1")
    skills = occ[["skill_low", "skill_mid", "skill_high"]].sum(axis=1)
    if ((skills - 1.0).abs() > 1e-4).any():
        row = int(((skills - 1.0).abs() > 1e-4).idxmax())
        raise ScenarioError(file, f"[data].occupations row {row} skill_low..skill_high",
                            float(skills[row]), "skill shares that sum to 1")
    for col in ("p_auto", "p_genai", "female_share", "skill_low", "skill_mid", "skill_high"):
        bad = occ[~occ[col].between(0, 1)]
        if len(bad):
            raise ScenarioError(file, f"[data].occupations row {bad.index[0]} column {col}",
                                bad[col].iloc[0], "a probability in [0, 1]")
    if not (occ["wage_premium"] > 0).all():
        raise ScenarioError(file, "[data].occupations column wage_premium",
                            float(occ["wage_premium"].min()), "positive premia")
    if tilt["profile"].duplicated().any():
        raise ScenarioError(file, "[data].profile_sector_tilt column profile",
                            str(tilt["profile"][tilt["profile"].duplicated()].iloc[0]), "one row per profile")
    if not (regions["unemployment_rate_approx"] > 0).any():
        raise ScenarioError(file, f"{rfile} column unemployment_rate_approx", 0.0,
                            "a positive rate in at least one region (rates are rescaled to the national one)")
    missing_profiles = set(regions["profile"]) - set(tilt["profile"])
    if missing_profiles:
        raise ScenarioError(file, "[data].profile_sector_tilt column profile",
                            sorted(missing_profiles)[0], "a row for every region profile")
    missing_sectors = set(sectors["sector"]) - set(tilt.columns)
    if missing_sectors:
        raise ScenarioError(file, "[data].profile_sector_tilt columns", sorted(missing_sectors)[0],
                            "a column for every sector")
    values = tilt[list(sectors["sector"])].to_numpy(dtype=float)
    if not (values >= 0).all():
        raise ScenarioError(file, "[data].profile_sector_tilt", float(values.min()),
                            "non-negative weights")


def load_scenario(scenario: str | Path | Scenario = "kazakhstan") -> Scenario:
    """Read and validate a scenario by name (``sim/scenarios/NAME.toml``) or path.

    A :class:`Scenario` already loaded (for example one that the calibration varies in
    memory) is returned as it is.

    Raises:
        ScenarioError: for any invalid or missing content.
    """
    if isinstance(scenario, Scenario):
        return scenario
    path = _resolve(scenario)
    file = str(path)
    raw_bytes = path.read_bytes()
    try:
        raw = tomllib.loads(raw_bytes.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(file, "(file)", "malformed", f"valid TOML ({exc})") from None
    allowed = set(_SCHEMA) | {"policies", "knobs", "mechanisms"}
    for section in raw:
        if section not in allowed:
            raise ScenarioError(file, f"[{section}]", section, "one of " + ", ".join(sorted(allowed)))
    checked: dict[str, dict] = {}
    for section, keys in _SCHEMA.items():
        table = raw.get(section)
        if not isinstance(table, dict):
            raise ScenarioError(file, f"[{section}]", table, "a table")
        for key in table:
            if key not in keys:
                raise ScenarioError(file, f"[{section}].{key}", table[key],
                                    "one of " + ", ".join(keys))
        checked[section] = {}
        for key, spec in keys.items():
            if key not in table:
                when = _OPTIONAL.get((section, key))
                if when == "always" or (when == "with [graph].file" and "file" in table):
                    continue
                raise ScenarioError(file, f"[{section}].{key}", None, "a value (missing)")
            checked[section][key] = _check_value(file, f"[{section}].{key}", table[key], spec,
                                                 path.parent)
    pop = checked["population"]
    if len(pop["age_band_shares"]) != len(pop["age_band_edges"]) - 1 or \
            any(b <= a for a, b in zip(pop["age_band_edges"], pop["age_band_edges"][1:])):
        raise ScenarioError(file, "[population].age_band_edges", pop["age_band_edges"],
                            "increasing edges, one more than age_band_shares")

    policies = {name: PARAMETERS[name].default for name in PARAMETERS}
    for section, names in (("policies", POLICY_NAMES), ("knobs", KNOB_NAMES)):
        table = raw.get(section, {})
        if not isinstance(table, dict):
            raise ScenarioError(file, f"[{section}]", table, "a table")
        for key, value in table.items():
            if key not in names:
                raise ScenarioError(file, f"[{section}].{key}", value, "one of " + ", ".join(names))
            policies[key] = validate_parameter(key, value, file, f"[{section}].{key}")

    mechanisms = {m: True for m in MECHANISMS}
    table = raw.get("mechanisms", {})
    if not isinstance(table, dict):
        raise ScenarioError(file, "[mechanisms]", table, "a table")
    for key, value in table.items():
        if key not in MECHANISMS:
            raise ScenarioError(file, f"[mechanisms].{key}", value, "one of " + ", ".join(MECHANISMS))
        if not isinstance(value, bool):
            raise ScenarioError(file, f"[mechanisms].{key}", value, "true or false")
        mechanisms[key] = value

    digest = hashlib.sha256(raw_bytes)
    tables = {}
    for name in ("regions", "sectors", "occupations", "profile_sector_tilt"):
        data_path = checked["data"][name]
        digest.update(data_path.read_bytes())
        tables[name] = _read_table(data_path, name, file)
    _validate_tables(file, tables)
    graph = None
    if "file" in checked["graph"]:
        graph_path = checked["graph"]["file"]
        digest.update(graph_path.read_bytes())
        graph = load_region_graph(graph_path, tables["regions"], file)

    return Scenario(
        name=checked["scenario"]["name"], path=path, sha256=digest.hexdigest(),
        start=checked["scenario"]["start"],
        params={s: checked[s] for s in ("population", "wages", "automation", "matching", "platform",
                                        "retraining", "migration")},
        policies=policies, mechanisms=mechanisms, graph_rule=checked["graph"], graph=graph, **tables,
    )
