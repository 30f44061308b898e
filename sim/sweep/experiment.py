"""The common entry point of the experiment scripts in ``experiments/``.

Each script is a spec beside a few lines calling :func:`run_study`, which runs the sweep
(resuming a previous one in the same folder), analyses it and prints where the results
and figures are. ``--quick`` runs a small version (scale 0.001, at most 12 months, two
seeds, a few points) into its own folder, to check a setup in a minute.
"""

from __future__ import annotations

import argparse
import math
import sys
import tomllib
from pathlib import Path

__all__ = ["run_study", "quick_spec_text"]

_QUICK_SAMPLES = {"lhs": 4, "sobol": 4, "morris": 2}


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"no TOML for {value!r} in a spec")
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML for {type(value).__name__} in a spec")


def quick_spec_text(text: str) -> str:
    """A small version of a spec (scale 0.001, <= 12 months, 2 seeds, few points), as TOML.

    Example:
        >>> print(quick_spec_text('[sweep]\\nmonths = 120\\nseeds = [1, 2, 3]\\ndesign = "grid"\\n'
        ...                       '[parameters]\\nrobot_tax = [0.0, 0.1, 0.5]\\n'))
        [sweep]
        months = 12
        seeds = [1, 2]
        design = "grid"
        scale = 0.001
        <BLANKLINE>
        [parameters]
        robot_tax = [0.0, 0.1]
        <BLANKLINE>
    """
    data = tomllib.loads(text)
    sweep = data["sweep"]
    sweep["months"] = min(sweep["months"], 12)
    sweep["seeds"] = sweep["seeds"][:2]
    sweep["scale"] = 0.001
    if sweep.get("design") in _QUICK_SAMPLES:
        sweep["samples"] = _QUICK_SAMPLES[sweep["design"]]
    else:
        data["parameters"] = {k: v[:2] for k, v in data.get("parameters", {}).items()}
    for key in list(data.get("outcomes", {})):
        if key.startswith("mean_last_") and int(key.removeprefix("mean_last_")) > 12:
            data["outcomes"]["mean_last_12"] = data["outcomes"].pop(key)
    lines = []
    for table, values in data.items():
        lines.append(f"[{table}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
        lines.append("")
    return "\n".join(lines)


def run_study(spec_path: str | Path, description: str, argv: list[str] | None = None) -> int:
    """Run the sweep of ``spec_path``, analyse it and print where everything is.

    Args:
        spec_path: the study's spec (beside its script).
        description: what the study asks and which files answer it (printed at the end).
        argv: command-line arguments (default ``sys.argv[1:]``): ``--out DIR``,
            ``--workers N`` or ``--scheduler ADDRESS``, ``--quick``.

    Returns:
        The exit code of ``labsim sweep`` if it was not 0, else that of ``labsim analyse``.
    """
    from ..cli import main

    spec_path = Path(spec_path)
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--out", default=None, help=f"sweep folder (default results/{spec_path.stem})")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, help="local processes (default: cores)")
    where.add_argument("--scheduler", default=None, help="Dask scheduler address")
    parser.add_argument("--quick", action="store_true", help="a small version, to check the setup")
    args = parser.parse_args(argv)
    out = Path(args.out or Path("results") / (spec_path.stem + ("-quick" if args.quick else "")))
    if args.quick:
        out.mkdir(parents=True, exist_ok=True)
        quick = out / "quick-spec.toml"
        quick.write_text(quick_spec_text(spec_path.read_text()))
        spec_path = quick
    where_args = ["--scheduler", args.scheduler] if args.scheduler else (
        ["--workers", str(args.workers)] if args.workers else [])
    code = main(["sweep", str(spec_path), "--out", str(out), *where_args])
    if code != 0:
        return code
    code = main(["analyse", str(out)])
    print(f"\n{description}\nResults: {out / 'runs.parquet'}, {out / 'series.parquet'}; "
          f"tables in {out / 'analysis'}; figures in {out / 'analysis' / 'figures'}")
    sys.stdout.flush()
    return code
