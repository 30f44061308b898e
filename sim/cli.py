"""The ``labsim`` command.

``labsim run`` runs a scenario and writes its outputs; ``labsim policies`` lists the
policy levers and knobs. Bad input (an unknown scenario, parameter or option, a value
out of bounds, malformed TOML, a missing file) is one line on stderr and exit code 2.
Any other exception is a bug: it keeps its traceback and exits 1.
"""

from __future__ import annotations

import argparse
import sys
import time

from . import __version__
from .errors import ScenarioError
from .policies import PARAMETERS, validate_parameter
from .sweep.cli import add_parsers as add_sweep_parsers

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad options as a ScenarioError (one line, exit 2)."""

    def error(self, message):
        raise ScenarioError("<command line>", self.prog, " ".join(sys.argv[1:]), message)


def _parse_set(items: list[str]) -> dict:
    values = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep:
            raise ScenarioError("<command line>", "--set", item, "NAME=VALUE")
        name = name.strip()
        try:
            number = float(raw)
        except ValueError:
            raise ScenarioError("<command line>", f"--set {name}", raw, "a number") from None
        if number.is_integer() and PARAMETERS.get(name) and PARAMETERS[name].integer:
            number = int(number)
        values[name] = validate_parameter(name, number, "<command line>", f"--set {name}")
    return values


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="labsim", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"labsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    add_sweep_parsers(sub)  # labsim sweep, labsim analyse (sim/sweep/cli.py)
    run = sub.add_parser("run", help="run a scenario and write its outputs")
    run.add_argument("--scenario", default="kazakhstan", help="name or path of a scenario TOML")
    run.add_argument("--scale", type=float, default=0.01,
                     help="fraction of the labour force simulated, in (0, 1] (default 0.01)")
    run.add_argument("--months", type=int, default=120, help="months to simulate (default 120)")
    run.add_argument("--seed", type=int, default=1, help="integer seed (default 1)")
    run.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                     help="set a policy or knob (repeatable); see `labsim policies`")
    run.add_argument("--out", default="labsim-output", help="output folder")
    run.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    run.add_argument("--check-invariants", action="store_true",
                     help="check the state's invariants after every month")
    sub.add_parser("policies", help="list policy levers and scenario knobs")
    return parser


def _run(args) -> int:
    from .model import LaborMarketModel
    from .outputs import write_outputs

    if args.months < 0:
        raise ScenarioError("<command line>", "--months", args.months, "a whole number >= 0")
    overrides = _parse_set(args.set)
    start = time.perf_counter()
    model = LaborMarketModel(scenario=args.scenario, scale=args.scale, rng=args.seed,
                             check_invariants=args.check_invariants, **overrides)
    months = range(args.months)
    if sys.stderr.isatty():
        from tqdm import tqdm

        months = tqdm(months, desc="months", unit="month")
    for _ in months:
        model.step()
    wall = time.perf_counter() - start
    paths = write_outputs(model, args.out, wall, figures=not args.no_figures)
    r = model.reporters
    print(f"labsim {__version__}: {model.scenario_data.name}, scale {model.scale:g} "
          f"({len(model.workers):,} workers), seed {model.seed}, {args.months} months "
          f"to {model.date} in {wall:.1f} s")
    print(f"  unemployment {100 * r['unemployment_rate']:.2f} % (low {100 * r['unemployment_low']:.1f}, "
          f"mid {100 * r['unemployment_mid']:.1f}, high {100 * r['unemployment_high']:.1f}); "
          f"employed {r['employed'] / 1e6:.3f} M; mean wage {r['mean_wage']:,.0f} tenge")
    print(f"  automation share {100 * r['automation_share']:.1f} %; displaced "
          f"{r['displaced_total']:,.0f}; new jobs {r['new_jobs_total']:,.0f}; retrained "
          f"{r['retrained_total']:,.0f}; migrants {r['migrants_total']:,.0f}; "
          f"fiscal cost {r['fiscal_cost'] / 1e9:,.1f} bn tenge/month")
    print(f"  wrote {len(paths)} files to {args.out}")
    return 0


def _policies() -> int:
    width = max(len(n) for n in PARAMETERS)
    for p in PARAMETERS.values():
        print(f"{p.name:<{width}}  {p.kind:<6}  default {p.default:<10g} "
              f"[{p.low:g}, {p.high:g}] {p.unit}: {p.meaning}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``labsim`` command; returns the exit code."""
    try:
        args = _build_parser().parse_args(argv)
        if hasattr(args, "handler"):  # subcommands registered by other modules (sim/sweep/cli.py)
            return args.handler(args)
        if args.command == "run":
            return _run(args)
        return _policies()
    except ScenarioError as exc:
        print(f"labsim: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
