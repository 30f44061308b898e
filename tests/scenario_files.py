"""Test helpers: copy the Kazakhstan scenario somewhere writable and write TOML from dicts.

``tomllib`` only reads TOML; the few value types a scenario uses are written here so that
the tests need no extra package.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import tomllib
from pathlib import Path

from sim.scenario import SCENARIO_DIR

__all__ = ["baseline_scenario", "copy_scenario", "to_toml", "toml_value"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def baseline_scenario() -> dict:
    """The Kazakhstan scenario as a dict of sections."""
    return tomllib.loads((SCENARIO_DIR / "kazakhstan.toml").read_text())


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def toml_value(value) -> str:
    """One value as TOML: str, bool, int, float (inf and nan included), list, inline table."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def to_toml(document: dict) -> str:
    """A scenario dict (top-level scalars first, then one table per section) as TOML text."""
    lines = [f"{_key(k)} = {toml_value(v)}" for k, v in document.items() if not isinstance(v, dict)]
    for section, table in document.items():
        if isinstance(table, dict):
            lines.append(f"[{_key(section)}]")
            lines += [f"{_key(k)} = {toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def copy_scenario(folder: Path, document: dict | None = None, name: str = "scenario.toml") -> Path:
    """Copy the Kazakhstan data tables into ``folder`` and write ``document`` (default: the
    baseline) as ``folder/name``; returns the TOML path."""
    folder = Path(folder)
    if not (folder / "kazakhstan").exists():
        shutil.copytree(SCENARIO_DIR / "kazakhstan", folder / "kazakhstan")
    path = folder / name
    path.write_text(to_toml(baseline_scenario() if document is None else document), encoding="utf-8")
    return path
