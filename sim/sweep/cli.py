"""The ``labsim sweep`` and ``labsim analyse`` subcommands (registered by :mod:`sim.cli`).

``labsim sweep SPEC.toml --out DIR`` runs a sweep on a local process pool
(``--workers N``, default: the number of cores; ``--workers 1`` runs in this process),
on a Dask cluster (``--scheduler ADDRESS``) or on one it starts through dask-jobqueue
(``--cluster slurm|pbs`` with ``--jobs``, ``--cores``, ``--memory``, ``--walltime``, ...).
Re-running the same command, or adding ``--resume``, skips finished runs. Exit codes:
0 done, 2 bad input, 3 some runs were lost to infrastructure failures after retries
(run the command again to retry them).

``labsim analyse DIR`` writes sensitivity indices, paired policy effects, the policy
frontier and figures for a finished sweep.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import ScenarioError

__all__ = ["add_parsers", "EXIT_RUNS_LOST"]

EXIT_RUNS_LOST = 3


def add_parsers(sub) -> None:
    """Add the ``sweep`` and ``analyse`` subparsers to ``labsim``'s subparsers."""
    sweep = sub.add_parser("sweep", help="run a policy sweep from a TOML spec (local pool or Dask)")
    sweep.add_argument("spec", help="sweep spec TOML (see experiments/)")
    sweep.add_argument("--out", required=True, help="sweep folder: run files, runs.parquet, series.parquet")
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None,
                       help="local processes (default: number of cores; 1 runs in this process)")
    where.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    where.add_argument("--cluster", choices=("slurm", "pbs"), help="start a Dask cluster with dask-jobqueue")
    jq = sweep.add_argument_group("--cluster options (dask-jobqueue)")
    jq.add_argument("--jobs", type=int, default=1, help="batch jobs to request (default 1)")
    jq.add_argument("--cores", type=int, default=8, help="cores per job (default 8)")
    jq.add_argument("--memory", default="16GB", help="memory per job (default 16GB)")
    jq.add_argument("--walltime", default="01:00:00", help="wall-clock limit per job (default 01:00:00)")
    jq.add_argument("--queue", default=None, help="partition (SLURM) or queue (PBS)")
    jq.add_argument("--account", default=None, help="account or project to charge")
    jq.add_argument("--job-extra", action="append", default=[], metavar="DIRECTIVE",
                    help="extra #SBATCH/#PBS directive (repeatable), e.g. --job-extra=--qos=normal")
    jq.add_argument("--interface", default=None, help="network interface for Dask, e.g. ib0")
    sweep.add_argument("--resume", action="store_true",
                       help="continue the sweep in --out (it must hold this spec); finished runs are skipped")
    sweep.add_argument("--retries", type=int, default=3,
                       help="resubmissions per run after infrastructure failures (default 3)")
    sweep.add_argument("--retry-failed", action="store_true", help="run again the runs recorded as failed")
    sweep.add_argument("--no-progress", action="store_true", help="no progress bar")
    sweep.set_defaults(handler=sweep_command)

    analyse = sub.add_parser("analyse", aliases=["analyze"],
                             help="sensitivity indices, policy effects, frontier and figures of a sweep")
    analyse.add_argument("out", metavar="DIR", help="a sweep folder written by labsim sweep")
    analyse.add_argument("--no-figures", action="store_true", help="tables only")
    analyse.set_defaults(handler=analyse_command)


def _check_out(spec_path: Path, out: Path, resume: bool) -> bytes:
    text = spec_path.read_bytes()
    copy = out / "spec.toml"
    if copy.is_file():
        if copy.read_bytes() != text:
            raise ScenarioError(str(out), "--out", str(out),
                                f"a new folder, or one holding this spec: {copy} is another sweep's spec")
    elif resume:
        raise ScenarioError(str(out), "--resume", str(out), f"a sweep folder with {copy} to resume")
    return text


def _executor(args):
    from .executors import DaskExecutor, LocalProcessExecutor, SerialExecutor, jobqueue_cluster

    if args.scheduler:
        try:
            return DaskExecutor(address=args.scheduler)
        except OSError as exc:  # refused, unreachable, timed out: a wrong or dead address
            raise ScenarioError("<command line>", "--scheduler", args.scheduler,
                                f"the address of a running Dask scheduler ({exc})") from None
    if args.cluster:
        for option in ("jobs", "cores"):
            if getattr(args, option) < 1:
                raise ScenarioError("<command line>", f"--{option}", getattr(args, option), "a whole number >= 1")
        cluster = jobqueue_cluster(args.cluster, jobs=args.jobs, cores=args.cores, memory=args.memory,
                                   walltime=args.walltime, queue=args.queue, account=args.account,
                                   job_extra_directives=tuple(args.job_extra), interface=args.interface)
        return DaskExecutor(cluster=cluster)
    workers = (os.cpu_count() or 1) if args.workers is None else args.workers
    if workers < 1:
        raise ScenarioError("<command line>", "--workers", workers, "a whole number >= 1")
    return SerialExecutor() if workers == 1 else LocalProcessExecutor(workers)


def sweep_command(args) -> int:
    """``labsim sweep``: run (or resume) a sweep; print a summary; return the exit code."""
    from .driver import run_sweep
    from .spec import load_spec

    spec_path = Path(args.spec)
    spec = load_spec(spec_path)
    if args.retries < 0:
        raise ScenarioError("<command line>", "--retries", args.retries, "a whole number >= 0")
    out = Path(args.out)
    text = _check_out(spec_path, out, args.resume)
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "spec.toml").is_file():
        tmp = out / ".spec.toml.tmp"
        tmp.write_bytes(text)
        tmp.replace(out / "spec.toml")
    with _executor(args) as executor:
        summary = run_sweep(spec, out, executor, retries=args.retries, retry_failed=args.retry_failed,
                            progress=not args.no_progress)
        where = executor.description
    rate = 60.0 * summary.ran / summary.wall_seconds if summary.wall_seconds > 0 else 0.0
    print(f"labsim sweep {spec.name}: {summary.planned} runs ({spec.design} design, {len(spec.seeds)} seeds); "
          f"{summary.skipped} already done, {summary.ran} ran on {where} in {summary.wall_seconds:.1f} s "
          f"({rate:.1f} runs/minute); {summary.failed} failed, {summary.lost} lost, {summary.retried} retried")
    print(f"  wrote {summary.runs_path} and {summary.series_path}")
    if summary.lost:
        for rid, error in summary.lost_errors:
            print(f"labsim: run {rid} lost after {args.retries} retries: {error}", file=sys.stderr)
        print(f"labsim: {summary.lost} runs did not finish; run the same command again to retry them",
              file=sys.stderr)
        return EXIT_RUNS_LOST
    return 0


def analyse_command(args) -> int:
    """``labsim analyse``: write indices, effects, the frontier and figures; list the files."""
    from .analysis import analyse

    paths = analyse(args.out, figures=not args.no_figures)
    print(f"labsim analyse {args.out}: wrote {len(paths)} files")
    for path in paths:
        print(f"  {path}")
    return 0
