"""Fuzzing the inputs: any scenario file or command line gives a valid run or a ScenarioError
(exit code 2, one line), never another exception.

Scenario dictionaries are the baseline with a few random mutations (a value replaced by a
valid or an arbitrary TOML value, a key or a section deleted or added, a table cell, column
or row of the CSV data changed), written as TOML and CSV files and validated. Command lines
are random lists of the real options with valid and arbitrary values, given to
``sim.cli.main``; the model's construction is stopped once the inputs are validated. Valid
inputs are not simulated, except a small sample that runs one month at scale 0.001.

Slow (``-m slow``). The number of examples and the categories of malformed input are in
docs/reliability.md.
"""

from __future__ import annotations

import copy
import math
import re
from collections import Counter
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_files import baseline_scenario, to_toml

from sim import ScenarioError, cli
from sim.model import LaborMarketModel
from sim.policies import PARAMETERS
from sim.scenario import _SCHEMA, SCENARIO_DIR, load_scenario

pytestmark = pytest.mark.slow

SCENARIO_EXAMPLES = 1000
CLI_EXAMPLES = 1500
FUZZ = dict(deadline=None, database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                   HealthCheck.function_scoped_fixture])
#: Outcomes by category, printed at the end of the module (``pytest -s``) for the docs.
OUTCOMES: Counter = Counter()

BASELINE = baseline_scenario()
TABLES = {name: pd.read_csv(SCENARIO_DIR / "kazakhstan" / f"{name}.csv", comment="#")
          for name in ("regions", "sectors", "occupations", "profile_sector_tilt")}

# -- strategies ------------------------------------------------------------------------------

SCALARS = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 0.0, -0.0, 1e-300, 1e300, 2**31, 2**53 + 1]),
    st.text(max_size=12),
    st.booleans(),
)
ANY_VALUE = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                         | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)
FILES = ["kazakhstan/regions.csv", "kazakhstan/sectors.csv", "kazakhstan/occupations.csv",
         "kazakhstan/profile_sector_tilt.csv", "kazakhstan", "missing.csv", "../kazakhstan.toml", "",
         "/dev/null", "edges.csv"]


def valid_value(spec: tuple):
    """Values a key of this schema spec accepts (sometimes just outside)."""
    kind = spec[0]
    if kind in ("float", "int"):
        low, high = spec[1], spec[2]
        if kind == "int":
            return st.integers(int(low), int(min(high, 10**6)))
        return st.floats(low, high, allow_nan=False) | st.sampled_from([low, high])
    if kind == "floats":
        length = spec[3] or 6
        return st.lists(st.floats(spec[1], spec[2]), min_size=length, max_size=length)
    if kind == "shares":
        length = spec[3] or 5
        return st.lists(st.floats(0.01, 1.0), min_size=length, max_size=length).map(
            lambda w: [x / sum(w) for x in w])
    if kind == "file":
        return st.sampled_from(FILES)
    if kind == "month":
        return st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(1, 9999), st.integers(1, 12))
    return st.text(min_size=1, max_size=10)


SECTIONS = list(BASELINE)
KEYS = [(section, key) for section in SECTIONS for key in BASELINE[section]] + [("graph", "file")]


def _spec(section: str, key: str) -> tuple:
    if section in ("policies", "knobs"):
        p = PARAMETERS[key]
        return ("int" if p.integer else "float", p.low, p.high)
    if section == "mechanisms":
        return ("bool",)
    return _SCHEMA[section][key]


@st.composite
def toml_mutation(draw):
    kind = draw(st.sampled_from(["valid", "valid", "valid", "arbitrary", "delete", "add_key",
                                 "add_section", "drop_section", "section_not_table"]))
    section, key = draw(st.sampled_from(KEYS))
    if kind == "valid":
        spec = _spec(section, key)
        value = draw(st.booleans() if spec[0] == "bool" else valid_value(spec))
        return ("set", section, key, value)
    if kind == "arbitrary":
        return ("set", section, key, draw(ANY_VALUE))
    if kind == "delete":
        return ("delete", section, key, None)
    if kind == "add_key":
        return ("set", section, draw(st.text(min_size=1, max_size=8)), draw(ANY_VALUE))
    if kind == "add_section":
        return ("section", draw(st.text(min_size=1, max_size=8)), None,
                draw(st.dictionaries(st.text(max_size=6), SCALARS, max_size=3)))
    if kind == "drop_section":
        return ("drop", section, None, None)
    return ("section", section, None, draw(SCALARS | st.lists(SCALARS, max_size=3)))


CELL_VALUES = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**12, 10**12),
                        st.text(max_size=6), st.just(""), st.sampled_from([-1, 0, 1, 0.5, 1e9]))


@st.composite
def table_mutation(draw):
    name = draw(st.sampled_from(list(TABLES)))
    table = TABLES[name]
    kind = draw(st.sampled_from(["cell", "cell", "cell", "drop_column", "drop_rows", "duplicate_row",
                                 "empty"]))
    if kind == "cell":
        return (name, kind, draw(st.integers(0, len(table) - 1)), draw(st.sampled_from(list(table.columns))),
                draw(CELL_VALUES))
    if kind == "drop_column":
        return (name, kind, None, draw(st.sampled_from(list(table.columns))), None)
    if kind in ("drop_rows", "duplicate_row"):
        return (name, kind, draw(st.integers(0, len(table) - 1)), None, None)
    return (name, kind, None, None, None)


@st.composite
def scenarios(draw):
    """(TOML document, table mutations, graph edge list or None, whether to run a month)."""
    doc = copy.deepcopy(BASELINE)
    for op, section, key, value in draw(st.lists(toml_mutation(), max_size=3)):
        if op == "set":
            if not isinstance(doc.get(section), dict):
                doc[section] = {}
            doc[section][key] = value
        elif op == "delete":
            if isinstance(doc.get(section), dict):
                doc[section].pop(key, None)
        elif op == "drop":
            doc.pop(section, None)
        else:
            doc[section] = value
    tables = draw(st.lists(table_mutation(), max_size=2))
    edges = None
    if draw(st.integers(0, 4)) == 0:
        doc.setdefault("graph", {}) if isinstance(doc.get("graph"), dict) else None
        if isinstance(doc.get("graph"), dict):
            doc["graph"]["file"] = "edges.csv"
        names = list(TABLES["regions"]["region"])
        edges = draw(st.lists(st.tuples(st.sampled_from(names + ["Nowhere"]), st.sampled_from(names),
                                        st.floats(allow_nan=True) | st.floats(0, 3000)), max_size=40))
    return doc, tables, edges, draw(st.integers(0, 9)) == 0


def _write_tables(folder: Path, mutations) -> None:
    frames = {name: t.copy() for name, t in TABLES.items()}
    for name, kind, row, column, value in mutations:
        t = frames[name]
        if row is not None and row >= len(t) or column is not None and column not in t.columns:
            continue                     # an earlier mutation removed that row or column
        if kind == "cell":
            t[column] = t[column].astype(object)
            t.loc[row, column] = value
        elif kind == "drop_column":
            t = t.drop(columns=[column], errors="ignore")
        elif kind == "drop_rows":
            t = t.iloc[:row]
        elif kind == "duplicate_row":
            t = pd.concat([t, t.iloc[[row]]], ignore_index=True)
        else:
            t = t.iloc[0:0]
        frames[name] = t
    for name, t in frames.items():
        t.to_csv(folder / "kazakhstan" / f"{name}.csv", index=False)


def _category(err: ScenarioError) -> str:
    """A short category for the docs: the section or table the error is about."""
    text = f"{err.file} {err.key}"
    for table in TABLES:
        if f"{table}.csv" in text or f"[data].{table}" in text:
            return f"table {table}"
    if "edges.csv" in text or "[graph]" in text:
        return "graph"
    match = re.search(r"\[([^\]]*)\]", err.key)
    if match and match.group(1) in SECTIONS:
        return f"[{match.group(1)}]"
    return "unknown section" if match else err.key


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz")
    (path / "kazakhstan").mkdir()
    yield path
    print("\nfuzz outcomes:", dict(sorted(OUTCOMES.items())))


@settings(max_examples=SCENARIO_EXAMPLES, **FUZZ)
@given(case=scenarios())
def test_any_scenario_is_valid_or_a_one_line_scenario_error(folder, case):
    doc, tables, edges, run_one_month = case
    _write_tables(folder, tables)
    if edges is not None:
        pd.DataFrame(edges, columns=["source", "target", "km"]).to_csv(folder / "edges.csv", index=False)
    path = folder / "scenario.toml"
    path.write_text(to_toml(doc), encoding="utf-8")
    OUTCOMES["scenario examples"] += 1
    try:
        load_scenario(path)
    except ScenarioError as err:
        assert "\n" not in str(err) and err.expected
        OUTCOMES[f"scenario error: {_category(err)}"] += 1
        return
    OUTCOMES["scenario valid"] += 1
    if run_one_month:
        model = LaborMarketModel(scenario=path, scale=0.001, rng=1, check_invariants=True)
        model.run(1)
        assert all(math.isfinite(v) for v in model.reporters.values())
        OUTCOMES["scenario valid, ran one month"] += 1


# -- command lines ---------------------------------------------------------------------------

class _Validated(Exception):
    """Raised in place of building the model: every input was accepted."""


OPTIONS = {
    "--scenario": st.sampled_from(["kazakhstan", "nowhere", "x.toml", "/", "kazakhstan.toml", ""])
    | st.text(max_size=10),
    "--scale": st.sampled_from(["0.001", "1", "0", "-1", "nan", "inf", "1e-9", "2", "x", ""])
    | st.floats().map(repr),
    "--months": st.sampled_from(["0", "1", "-1", "120", "1.5", "x", "99999999999999999999"])
    | st.integers(-5, 10**6).map(str),
    "--seed": st.sampled_from(["0", "1", "-1", str(2**63 - 1), str(2**63), str(2**70), "x"])
    | st.integers().map(str),
    "--set": st.builds(lambda name, value: f"{name}={value}",
                       st.sampled_from(list(PARAMETERS) + ["bogus", "", "robot_tax "]),
                       st.sampled_from(["0", "1", "0.5", "-1", "nan", "inf", "1e400", "x", "", "2", "100"])
                       | st.floats().map(repr)) | st.text(max_size=10),
    "--checkpoint-every": st.sampled_from(["0", "1", "-1", "x", "3"]),
}
FLAGS = ["--no-figures", "--check-invariants", "--resume", "--help", "--version", "-h", "--bogus", "run",
         "policies", "--", "-"]


@st.composite
def command_lines(draw):
    argv = [draw(st.sampled_from(["run", "run", "run", "policies", "bogus"]))] if draw(st.integers(0, 9)) else []
    for _ in range(draw(st.integers(0, 5))):
        choice = draw(st.integers(0, 9))
        if choice < 6:
            option = draw(st.sampled_from(list(OPTIONS)))
            argv += [option, draw(OPTIONS[option])] if draw(st.integers(0, 9)) else [option]
        elif choice < 8:
            argv.append(draw(st.sampled_from(FLAGS)))
        else:
            argv.append(draw(st.text(max_size=8)))
    sample = draw(st.integers(0, 19)) == 0
    if sample and argv[:1] == ["run"]:
        argv += ["--months", "1", "--scale", "0.001"]     # a cheap run, if the rest is valid
    return argv, sample


@settings(max_examples=CLI_EXAMPLES, **FUZZ)
@given(case=command_lines())
def test_any_command_line_runs_or_exits_2_with_one_line(folder, capsys, case):
    argv, sample = case
    out = str(folder / "cli-out")
    argv = [*argv, "--out", out, "--no-figures"] if argv[:1] == ["run"] else argv
    OUTCOMES["command lines"] += 1
    parsed = None
    try:
        parsed = cli._build_parser().parse_args(argv)
    except (ScenarioError, SystemExit):
        pass
    cheap = (parsed is not None and parsed.command == "run" and 0 <= parsed.months <= 1
             and parsed.scale <= 0.002 and not parsed.resume)
    capsys.readouterr()
    try:
        if sample and cheap:
            code = cli.main(argv)
            OUTCOMES["command line ran one month" if code == 0 else "command line exit 2"] += 1
        else:
            with mock.patch.object(LaborMarketModel, "_build", side_effect=_Validated):
                code = cli.main(argv)
    except _Validated:
        OUTCOMES["command line valid (not run)"] += 1
        return
    except SystemExit as stop:      # --help and --version print and exit 0
        assert stop.code in (0, None)
        OUTCOMES["command line help/version"] += 1
        return
    captured = capsys.readouterr()
    if code == 0:
        assert parsed is not None and parsed.command in ("policies", "run")
        if parsed.command == "policies":
            OUTCOMES["command line policies"] += 1
        return
    assert code == 2
    assert captured.err.startswith("labsim: error: ") and captured.err.count("\n") == 1, captured.err
    OUTCOMES["command line exit 2"] += 1
