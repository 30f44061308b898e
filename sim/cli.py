"""The ``labsim`` command.

``labsim run`` runs a scenario and writes its outputs; ``labsim policies`` lists the
policy levers and knobs; ``labsim validate`` compares the baseline with the calibration
targets (exit 0 when every target passes, 1 when one fails); ``labsim calibrate`` fits
the behavioural parameters to them; ``labsim sweep`` and ``labsim analyse`` run and analyse
policy sweeps; ``labsim viz`` serves the browser viewer. Bad input
(an unknown scenario, parameter or option, a value out of bounds, malformed TOML, a
missing file) is one line on stderr and exit code 2. Any other exception is a bug: it
keeps its traceback and exits 1.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import __version__
from .errors import ScenarioError
from .policies import PARAMETERS, validate_parameter
from .sweep.cli import add_parsers as add_sweep_parsers
from .viz.serve import add_viz_parser, viz

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
    run.add_argument("--checkpoint-every", type=int, default=0, metavar="M",
                     help="save OUT/checkpoint.npz every M months (default 0: never)")
    run.add_argument("--resume", action="store_true",
                     help="continue from OUT/checkpoint.npz if it exists (same scenario, seed, scale, --set)")
    sub.add_parser("policies", help="list policy levers and scenario knobs")
    validate = sub.add_parser("validate", help="compare the baseline with every calibration target")
    validate.add_argument("--scenario", default="kazakhstan", help="name or path of a scenario TOML")
    validate.add_argument("--scale", type=float, default=0.01, help="fraction simulated (default 0.01)")
    validate.add_argument("--seed", type=int, default=1, help="first seed (default 1)")
    validate.add_argument("--seeds", type=int, default=1, help="number of seeds (default 1)")
    validate.add_argument("--out", default="validation", help="output folder (default validation)")
    validate.add_argument("--figures", action="store_true",
                          help="also draw the report's figures (Beveridge curve, wages, flows, targets)")
    calibrate = sub.add_parser("calibrate", help="fit behavioural parameters to the B targets (SMM)")
    calibrate.add_argument("--scenario", default="kazakhstan", help="name or path of a scenario TOML")
    calibrate.add_argument("--scale", type=float, default=0.005, help="fraction simulated (default 0.005)")
    calibrate.add_argument("--seeds", type=int, default=2, help="common random numbers: seeds 1..N (default 2)")
    calibrate.add_argument("--max-evaluations", type=int, default=160,
                           help="model evaluations the optimiser may spend (default 160)")
    calibrate.add_argument("--report", default="docs/calibration.md", help="where to write the fit's report")
    calibrate.add_argument("--dry-run", action="store_true",
                           help="report the fit without writing it into the scenario")
    add_viz_parser(sub)
    return parser


def _calibrate(args) -> int:
    from pathlib import Path

    from .calibrate import calibrate, write_back, write_report

    if args.seeds < 1 or args.max_evaluations < 2:
        raise ScenarioError("<command line>", "--seeds/--max-evaluations",
                            f"{args.seeds}/{args.max_evaluations}", "seeds >= 1, evaluations >= 2")
    if not 0.0 < args.scale <= 1.0:
        raise ScenarioError("<command line>", "--scale", args.scale, "a fraction in (0, 1]")

    def log(n, j, moments):
        print(f"  {n:4d}  J={j:.4f}  " + "  ".join(f"{k} {v:+,.0f}" for k, v in moments.items()),
              file=sys.stderr)

    fit = calibrate(args.scenario, args.scale, tuple(range(1, args.seeds + 1)),
                    args.max_evaluations, log=log)
    command = "labsim calibrate " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["calibrate"] \
        else "labsim calibrate"
    report = write_report(fit, Path(args.report), command)
    print(f"labsim calibrate: J {fit['start_j']:.4f} -> {fit['j']:.4f} after {fit['evaluations']} "
          f"evaluations; report {report}")
    if not args.dry_run:
        print(f"  wrote the fitted values into {write_back(fit)}")
    return 0


def _run(args) -> int:
    from .checkpoint import CHECKPOINT_NAME, resume
    from .model import LaborMarketModel
    from .outputs import write_outputs

    if args.months < 0:
        raise ScenarioError("<command line>", "--months", args.months, "a whole number >= 0")
    if args.checkpoint_every < 0:
        raise ScenarioError("<command line>", "--checkpoint-every", args.checkpoint_every, "a whole number >= 0")
    overrides = _parse_set(args.set)
    start = time.perf_counter()
    checkpoint = Path(args.out) / CHECKPOINT_NAME
    if args.resume and checkpoint.is_file():
        model = resume(checkpoint, args.scenario, args.scale, args.seed, overrides, args.check_invariants)
        if model.month > args.months:
            raise ScenarioError(str(checkpoint), "month", model.month, f"at most --months {args.months}")
    else:
        model = LaborMarketModel(scenario=args.scenario, scale=args.scale, rng=args.seed,
                                 check_invariants=args.check_invariants, **overrides)
    months = range(model.month, args.months)
    if sys.stderr.isatty():
        from tqdm import tqdm

        months = tqdm(months, desc="months", unit="month")
    for _ in months:
        model.step()
        if args.checkpoint_every and model.month % args.checkpoint_every == 0:
            model.save(checkpoint)
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


def _validate(args) -> int:
    from .validation import write_validation

    if args.seeds < 1:
        raise ScenarioError("<command line>", "--seeds", args.seeds, "a whole number >= 1")
    if not 0.0 < args.scale <= 1.0:
        raise ScenarioError("<command line>", "--scale", args.scale, "a fraction in (0, 1]")
    table, paths = write_validation(args.out, args.scenario, args.scale, args.seed, args.seeds,
                                    progress=lambda s: print(f"  seed {s} done", file=sys.stderr),
                                    figures=args.figures)
    targets = table[table.kind == "target"]
    failed = targets[targets.status != "pass"]
    forecasts = table[table.kind == "forecast"]
    print(f"labsim validate: {len(targets) - len(failed)}/{len(targets)} targets pass; "
          f"forecasts B1-B5 within 25 %: {int((forecasts.status == 'pass').sum())}/{len(forecasts)}")
    for r in forecasts.itertuples(index=False):
        print(f"  {r.id}: model {r.model_value:+,.0f} vs forecast {r.target_value:+,.0f} "
              f"({r.distance:+.0%})")
    if len(failed):
        print("  failed: " + ", ".join(failed.id))
    print(f"  wrote {', '.join(str(p) for p in paths)}")
    return 0 if failed.empty else 1


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
        if args.command == "validate":
            return _validate(args)
        if args.command == "calibrate":
            return _calibrate(args)
        if args.command == "viz":
            return viz(args)
        return _policies()
    except ScenarioError as exc:
        print(f"labsim: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
