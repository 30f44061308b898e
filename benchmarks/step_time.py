"""Time one simulated month of labsim at several sizes, and the Cython kernels.

What it measures, per model size (10k, 100k and 1M workers; with ``--full`` also the
full scale, about 9M): the seconds to build the model, the wall time of each simulated
month (median and max over ``--months`` timed steps), the mean milliseconds per month of
every stage (from ``model.stage_seconds``), and the peak resident memory. Separately, it
times the matching and retraining kernels, Cython against the NumPy reference, on the
same random inputs, checks the outputs are identical and reports the speed-up.

How: every size (and the kernel timing) runs in a fresh Python process, so the peak RSS
is that size's own; the processes are single-threaded (OMP/OpenBLAS/MKL threads = 1).
Each child builds the model, runs ``--warmup`` untimed months, resets the stage clocks,
then times ``--months`` months one by one with ``time.perf_counter``. The median is
reported because the first months and the odd slow one (GC, page faults) are noise.

Mesa-agent baseline: ``benchmarks/mesa_baseline.py`` implements labsim's separations,
vacancies, matching and wage rules with one ``mesa.Agent`` per worker. It runs at 100k
workers in its own fresh process (built from the same month-0 state as labsim's 100k
model), ``--mesa-warmup`` untimed months then ``--mesa-months`` timed ones, and the
benchmark reports its cost per worker per month against labsim's 100k model measured in
the same run: against labsim's whole step, and against labsim's separations, vacancies,
matching and wages stages only (the like-for-like comparison), plus its peak memory.

Long run (with ``--full``): a whole ``labsim run --scale 1 --months 120 --no-figures``,
in its own process, as a user runs it: build, 120 months with data collection every
month, and the output tables written; wall seconds and peak memory.

This is a measure, not a test: it asserts nothing about speed, only that the two kernel
backends agree. Results are printed and written as JSON (default
``benchmarks/results/<date>[-quick|-mesa][-portable].json``). Where the CPU has AVX-512
some kernels use it (chosen at run time, the same results); ``--portable`` turns those
paths off, to measure what a CPU without it gets. Usage::

    python benchmarks/step_time.py [--full] [--months N] [--warmup K] [--out PATH]
                                   [--long-months N] [--portable]
                                   [--mesa-only | --no-mesa] [--mesa-months N] [--mesa-warmup K]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

# Measure the checkout this file is in, not whatever copy of labsim is installed.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FULL_WORKERS = 9_043_113  # workers at scale=1.0
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
MESA_SIZE = "100k"  # the Mesa baseline runs at this size, against labsim at the same size
#: labsim's stages that the Mesa baseline implements: the like-for-like comparison.
CORE_STAGES = ("separations", "vacancies", "matching", "wages")
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def kernels_wide_paths() -> dict:
    """The AVX-512 paths the kernels use in this process (LABSIM_PORTABLE_KERNELS=1, set by
    ``--portable``, turns them off)."""
    import kernels
    return kernels.wide_paths()


def run_size(scale: float, months: int, warmup: int) -> dict:
    """Child: build a model at ``scale`` and time its months."""
    import sim.model
    from sim.model import LaborMarketModel

    # CPU time of the four stages the Mesa baseline implements (wall time is in
    # model.stage_seconds): wrap them in the stage list that step() runs.
    core_cpu = dict.fromkeys(CORE_STAGES, 0.0)

    def cpu_timed(name, stage):
        def timed(model):
            cpu_start = time.process_time()
            stage(model)
            core_cpu[name] += time.process_time() - cpu_start
        return timed

    sim.model.STAGES = tuple((name, cpu_timed(name, stage) if name in CORE_STAGES else stage)
                             for name, stage in sim.model.STAGES)
    start = time.perf_counter()
    m = LaborMarketModel(scale=scale, rng=1)
    build_s = time.perf_counter() - start
    for _ in range(warmup):
        m.step()
    for name in m.stage_seconds:
        m.stage_seconds[name] = 0.0
    steps, core, cpu, core_cpu_steps = [], [], [], []
    for _ in range(months):
        before = sum(m.stage_seconds[name] for name in CORE_STAGES)
        cpu_before = sum(core_cpu.values())
        start, cpu_start = time.perf_counter(), time.process_time()
        m.step()
        steps.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
        core.append(sum(m.stage_seconds[name] for name in CORE_STAGES) - before)
        core_cpu_steps.append(sum(core_cpu.values()) - cpu_before)
    return {
        "scale": scale, "workers": len(m.workers), "firms": len(m.firms),
        "build_s": build_s, "months": months, "warmup": warmup,
        "wide_paths": kernels_wide_paths(),
        "step_ms": [s * 1e3 for s in steps],
        "median_step_ms": statistics.median(steps) * 1e3, "max_step_ms": max(steps) * 1e3,
        "stage_ms": {k: v * 1e3 / months for k, v in m.stage_seconds.items()},
        "core_step_ms": [c * 1e3 for c in core], "median_core_ms": statistics.median(core) * 1e3,
        "median_cpu_step_ms": statistics.median(cpu) * 1e3,
        # None if step() no longer runs sim.model.STAGES (the wrappers then never ran).
        "median_core_cpu_ms": statistics.median(core_cpu_steps) * 1e3 if any(core_cpu_steps) else None,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_long(scale: float, months: int) -> dict:
    """Child: one whole ``labsim run`` (no figures), timed from the build to the files."""
    import tempfile

    from sim.cli import main as labsim

    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        code = labsim(["run", "--scale", repr(scale), "--months", str(months), "--no-figures",
                       "--out", out])
        wall = time.perf_counter() - start
    return {"scale": scale, "months": months, "exit_code": code, "wall_s": wall,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _rss_mb() -> float:
    """Current resident memory of this process, MiB (Linux; 0 where unknown)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_mesa(scale: float, months: int, warmup: int) -> dict:
    """Child: build the Mesa-agent baseline from labsim's month-0 state and time its months."""
    import gc

    import mesa

    from benchmarks.mesa_baseline import STAGES, MesaLabourMarket, Worker
    from sim.model import LaborMarketModel

    start = time.perf_counter()
    state = MesaLabourMarket.state_from_labsim(LaborMarketModel(scale=scale, rng=1))
    gc.collect()
    rss_before = _rss_mb()
    m = MesaLabourMarket(state, rng=1)
    build_s = time.perf_counter() - start
    del state
    gc.collect()
    agents_mb = _rss_mb() - rss_before
    m.run(warmup)
    for name in m.stage_seconds:
        m.stage_seconds[name] = 0.0
    for name in m.stage_cpu_seconds:
        m.stage_cpu_seconds[name] = 0.0
    core_stages = [name for name in STAGES if name != "collect"]
    steps, core, cpu, core_cpu = [], [], [], []
    for _ in range(months):
        before = sum(m.stage_seconds[name] for name in core_stages)
        cpu_before = sum(m.stage_cpu_seconds[name] for name in core_stages)
        start, cpu_start = time.perf_counter(), time.process_time()
        m.step()
        steps.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
        core.append(sum(m.stage_seconds[name] for name in core_stages) - before)
        core_cpu.append(sum(m.stage_cpu_seconds[name] for name in core_stages) - cpu_before)
    workers = len(m.agents_by_type[Worker])
    return {
        "scale": scale, "workers": workers, "employers": len(m.employers),
        "mesa": mesa.__version__, "python": sys.version.split()[0],
        "build_s": build_s, "months": months, "warmup": warmup,
        "step_ms": [x * 1e3 for x in steps],
        "median_step_ms": statistics.median(steps) * 1e3, "max_step_ms": max(steps) * 1e3,
        "core_step_ms": [x * 1e3 for x in core], "median_core_ms": statistics.median(core) * 1e3,
        "median_cpu_step_ms": statistics.median(cpu) * 1e3,
        "median_core_cpu_ms": statistics.median(core_cpu) * 1e3,
        "stage_ms": {k: v * 1e3 / months for k, v in m.stage_seconds.items()},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "agents_rss_mb": agents_mb, "agents_bytes_per_worker": agents_mb * 2**20 / workers,
        "unemployment_rate": m.unemployment_rate(),
    }


def mesa_ratio(labsim: dict, baseline: dict) -> dict:
    """Per-worker cost of the Mesa baseline over labsim's, whole step and like-for-like."""
    def per_worker_us(ms, r):
        return ms * 1e3 / r["workers"]

    out = {
        "labsim_size": labsim["label"], "core_stages": list(CORE_STAGES),
        "mesa_us_per_worker_month": per_worker_us(baseline["median_step_ms"], baseline),
        "mesa_core_us_per_worker_month": per_worker_us(baseline["median_core_ms"], baseline),
        "labsim_us_per_worker_month": per_worker_us(labsim["median_step_ms"], labsim),
        "labsim_core_us_per_worker_month": per_worker_us(labsim["median_core_ms"], labsim),
        "mesa_peak_rss_mb": baseline["peak_rss_mb"], "labsim_peak_rss_mb": labsim["peak_rss_mb"],
    }
    # Whole step: the baseline's four stages and collect against all of labsim's month.
    out["ratio_full_step"] = out["mesa_us_per_worker_month"] / out["labsim_us_per_worker_month"]
    out["ratio_core_stages"] = (out["mesa_core_us_per_worker_month"]
                                / out["labsim_core_us_per_worker_month"])
    # The same ratios in CPU time, which other processes on the cores disturb less.
    out["ratio_full_step_cpu"] = (per_worker_us(baseline["median_cpu_step_ms"], baseline)
                                  / per_worker_us(labsim["median_cpu_step_ms"], labsim))
    out["ratio_core_stages_cpu"] = None
    if labsim.get("median_core_cpu_ms"):
        out["ratio_core_stages_cpu"] = (per_worker_us(baseline["median_core_cpu_ms"], baseline)
                                        / per_worker_us(labsim["median_core_cpu_ms"], labsim))
    return out


def _timed(fn, args, repeats: int) -> float:
    """Median wall milliseconds of ``fn(*args)`` over ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def run_kernels(repeats: int = 5) -> list[dict]:
    """Child: Cython vs NumPy reference on the same random inputs; outputs must agree."""
    import numpy as np

    import kernels
    from kernels.reference import stream_key

    cy, ref = kernels.load_backend(pure=False), kernels.load_backend(pure=True)
    rng = np.random.default_rng(12345)
    i32, i64, f64 = np.int32, np.int64, np.float64
    S, V, R, G, A, ROUNDS, OCC_PER_G = 200_000, 60_000, 20, 10, 3, 2, 4
    weights = rng.random((R, R)) + 5.0 * np.eye(R)
    region_cdf = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    region_cdf[:, -1] = 1.0
    s_group = rng.integers(0, G, S).astype(i32)
    seekers = (rng.permutation(10 * S)[:S].astype(i64), rng.integers(0, R, S).astype(i32),
               s_group, (s_group * OCC_PER_G + rng.integers(0, OCC_PER_G, S)).astype(i32),
               rng.integers(0, 3, S).astype(i32), rng.lognormal(11.8, 0.4, S).astype(f64))
    v_region, v_group = rng.integers(0, R, V), rng.integers(0, G, V)
    order = np.argsort(v_region * G + v_group, kind="stable")
    v_region, v_group = v_region[order], v_group[order]
    bucket_start = np.zeros(R * G + 1, dtype=i64)
    bucket_start[1:] = np.cumsum(np.bincount(v_region * G + v_group, minlength=R * G))
    vacancies = (rng.permutation(10 * V)[:V].astype(i64),
                 (v_group * OCC_PER_G + rng.integers(0, OCC_PER_G, V)).astype(i32),
                 v_group.astype(i32), rng.integers(0, 3, V).astype(i32),
                 rng.lognormal(12.0, 0.4, V).astype(f64))
    key = stream_key(1, 5, 4)
    rows = []

    def bench(name, size, make_args, n_out):
        outs = {}
        for label, backend in (("cython", cy), ("numpy", ref)):
            args = make_args()
            ms = _timed(getattr(backend, name), args, repeats)
            outs[label] = (ms, args[-n_out:])
        pairs = zip(outs["cython"][1], outs["numpy"][1], strict=True)
        same = all(np.array_equal(a, b) for a, b in pairs)
        assert same, f"{name}: Cython and NumPy reference outputs differ"
        rows.append({"kernel": name, "size": size, "cython_ms": outs["cython"][0],
                     "numpy_ms": outs["numpy"][0],
                     "speedup": outs["numpy"][0] / outs["cython"][0], "identical": same})

    bench("match_job_seekers", f"{S} seekers, {V} vacancies, R={R}, G={G}, A={A}, "
          f"rounds={ROUNDS}",
          lambda: (key, *seekers, region_cdf, 0.2, G, bucket_start, *vacancies, A, ROUNDS,
                   np.full(S, -1, dtype=i64)), 1)
    hired = np.full(S, -1, dtype=i64)
    cy.match_job_seekers(key, *seekers, region_cdf, 0.2, G, bucket_start, *vacancies, A,
                         ROUNDS, hired)
    rows[-1]["hired"] = int((hired >= 0).sum())

    T, N_OCC = 100_000, 40
    cdf = np.cumsum(rng.random((3, N_OCC)), axis=1)
    cdf = np.ascontiguousarray(cdf / cdf[:, -1:])
    cdf[:, -1] = 1.0
    t_args = (rng.permutation(10 * T)[:T].astype(i64), rng.integers(1, 7, T).astype(i32))
    skill = rng.integers(0, 3, T).astype(i32)
    bench("retraining_progress", f"{T} trainees, {N_OCC} occupations",
          lambda: (key, *t_args, 0.03, cdf, skill, np.zeros(T, np.int8),
                   np.zeros(T, i32)), 2)

    C = 300_000
    c_args = (rng.permutation(10 * C)[:C].astype(i64), rng.lognormal(12, 1, C),
              rng.lognormal(12, 1, C))
    bench("retraining_choices", f"{C} candidates",
          lambda: (key, *c_args, 0.25, np.zeros(C, np.uint8)), 1)
    return rows


def machine_info() -> dict:
    import numpy as np

    def grep(path, field):
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(field):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return None

    mem = grep("/proc/meminfo", "MemTotal")
    return {
        "cpu_model": grep("/proc/cpuinfo", "model name"), "processor": platform.processor(),
        "uname": " ".join(x for x in platform.uname() if x), "cpu_count": os.cpu_count(),
        "mem_total_gb": int(mem.split()[0]) / 1024**2 if mem else None,
        "python": sys.version.split()[0], "numpy": np.__version__,
        "threads": {v: "1" for v in THREAD_VARS},
        # Other processes share the cores: the load tells how far to trust the timings.
        "load_average_1_5_15min": list(os.getloadavg()),
    }


def child(args: list[str]) -> dict:
    """Run this file in a fresh single-threaded process; return its JSON line."""
    env = dict(os.environ, **{v: "1" for v in THREAD_VARS})
    out = subprocess.run([sys.executable, __file__, *args], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads([line for line in out.splitlines() if line.startswith(("{", "["))][-1])


def print_mesa(baseline: dict, ratio: dict) -> None:
    b, r = baseline, ratio
    print(f"\nMesa-agent baseline (benchmarks/mesa_baseline.py; Mesa {b['mesa']}, Python {b['python']}): "
          f"{b['workers']:,} workers, {b['employers']:,} employers, built in {b['build_s']:.1f} s")
    print(f"  median step {b['median_step_ms']:.0f} ms (max {b['max_step_ms']:.0f}) over {b['months']} months; "
          f"by stage, ms: " + ", ".join(f"{k} {v:.0f}" for k, v in b["stage_ms"].items()))
    print(f"  peak RSS {b['peak_rss_mb']:.0f} MB; agents {b['agents_rss_mb']:.0f} MB "
          f"({b['agents_bytes_per_worker']:.0f} bytes per worker)")
    print(f"\n{'us per worker per month':>34} {'Mesa':>9} {'labsim':>9} {'ratio':>8}")
    print(f"{'whole step':>34} {r['mesa_us_per_worker_month']:>9.3f} "
          f"{r['labsim_us_per_worker_month']:>9.3f} {r['ratio_full_step']:>7.1f}x")
    print(f"{'separations+vacancies+matching+wages':>34} {r['mesa_core_us_per_worker_month']:>9.3f} "
          f"{r['labsim_core_us_per_worker_month']:>9.3f} {r['ratio_core_stages']:>7.1f}x")
    print(f"{'whole step, CPU time':>34} {'':>9} {'':>9} {r['ratio_full_step_cpu']:>7.1f}x")
    if r["ratio_core_stages_cpu"] is not None:
        print(f"{'the four stages, CPU time':>34} {'':>9} {'':>9} {r['ratio_core_stages_cpu']:>7.1f}x")
    print(f"  (labsim at {r['labsim_size']} in the same run; peak RSS Mesa {r['mesa_peak_rss_mb']:.0f} MB, "
          f"labsim {r['labsim_peak_rss_mb']:.0f} MB)")


def print_tables(sizes: list[dict], kernel_rows: list[dict], info: dict) -> None:
    print(f"Machine: {info['cpu_model']} ({info['cpu_count']} CPUs, "
          f"{info['mem_total_gb']:.1f} GB), Python {info['python']}, numpy {info['numpy']}")
    print(f"         {info['uname']}; single-threaded children; load average "
          f"{info['load_average_1_5_15min'][0]:.1f} at the end")
    wide = sizes[0].get("wide_paths", {}) if sizes else {}
    print("         AVX-512 paths: " + (", ".join(k for k, v in wide.items() if v) or "none")
          + "\n")
    print(f"{'size':>6} {'workers':>10} {'firms':>8} {'build s':>8} {'median ms':>10} "
          f"{'max ms':>9} {'peak MB':>9}")
    for r in sizes:
        print(f"{r['label']:>6} {r['workers']:>10,} {r['firms']:>8,} {r['build_s']:>8.2f} "
              f"{r['median_step_ms']:>10.1f} {r['max_step_ms']:>9.1f} {r['peak_rss_mb']:>9.0f}")
    print("\nmean ms per month, by stage")
    print(f"{'stage':>16}" + "".join(f"{r['label']:>10}" for r in sizes))
    for stage in sizes[0]["stage_ms"]:
        print(f"{stage:>16}" + "".join(f"{r['stage_ms'][stage]:>10.2f}" for r in sizes))
    if not kernel_rows:
        return
    print("\nkernels (median of 5 calls; outputs identical)")
    print(f"{'kernel':>20} {'cython ms':>10} {'numpy ms':>10} {'speed-up':>9}  size")
    for k in kernel_rows:
        print(f"{k['kernel']:>20} {k['cython_ms']:>10.2f} {k['numpy_ms']:>10.2f} "
              f"{k['speedup']:>8.1f}x  {k['size']}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--full", action="store_true", help="also run the full scale (~9M)")
    p.add_argument("--months", type=int, default=10, help="timed months (default 10)")
    p.add_argument("--warmup", type=int, default=2, help="untimed months (default 2)")
    p.add_argument("--out", type=Path, help="JSON output path")
    mesa_opts = p.add_mutually_exclusive_group()
    mesa_opts.add_argument("--mesa-only", action="store_true",
                           help=f"only labsim at {MESA_SIZE} and the Mesa baseline (quick)")
    mesa_opts.add_argument("--no-mesa", action="store_true", help="skip the Mesa baseline")
    p.add_argument("--mesa-months", type=int, default=10,
                   help="timed months of the Mesa baseline (default 10)")
    p.add_argument("--mesa-warmup", type=int, default=2,
                   help="untimed months of the Mesa baseline (default 2)")
    p.add_argument("--long-months", type=int, default=120,
                   help="months of the whole run timed at scale 1 with --full (default 120; "
                        "0 skips it)")
    p.add_argument("--portable", action="store_true",
                   help="turn off the kernels' AVX-512 paths (LABSIM_PORTABLE_KERNELS=1): "
                        "what a CPU without AVX-512 gets; the results file ends -portable")
    p.add_argument("--single", type=float, help=argparse.SUPPRESS)
    p.add_argument("--long", type=float, help=argparse.SUPPRESS)
    p.add_argument("--kernels", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--mesa", type=float, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.full and a.mesa_only:
        p.error("--full and --mesa-only exclude each other")
    if a.portable:   # the children inherit it
        os.environ["LABSIM_PORTABLE_KERNELS"] = "1"
    if a.single is not None:
        print(json.dumps(run_size(a.single, a.months, a.warmup)))
        return
    if a.kernels:
        print(json.dumps(run_kernels()))
        return
    if a.long is not None:
        print(json.dumps(run_long(a.long, a.long_months)))
        return
    if a.mesa is not None:
        print(json.dumps(run_mesa(a.mesa, a.mesa_months, a.mesa_warmup)))
        return

    sizes = {label: n / FULL_WORKERS for label, n in SIZES.items()}
    if a.mesa_only:
        sizes = {MESA_SIZE: sizes[MESA_SIZE]}
    if a.full:
        sizes["full"] = 1.0
    results = []
    for label, scale in sizes.items():
        print(f"running {label} (scale {scale:.6g}) ...", file=sys.stderr, flush=True)
        r = child(["--single", repr(scale), "--months", str(a.months),
                   "--warmup", str(a.warmup)])
        results.append({"label": label, **r})
    long_run = None
    if a.full and a.long_months > 0:
        print(f"running a whole {a.long_months}-month run at scale 1 ...", file=sys.stderr,
              flush=True)
        long_run = child(["--long", "1.0", "--long-months", str(a.long_months)])
    kernel_rows = []
    if not a.mesa_only:
        print("running kernels ...", file=sys.stderr, flush=True)
        kernel_rows = child(["--kernels"])
    baseline = ratio = None
    if not a.no_mesa:
        print(f"running the Mesa baseline at {MESA_SIZE} ...", file=sys.stderr, flush=True)
        baseline = child(["--mesa", repr(sizes[MESA_SIZE]), "--mesa-months", str(a.mesa_months),
                          "--mesa-warmup", str(a.mesa_warmup)])
        ratio = mesa_ratio(next(r for r in results if r["label"] == MESA_SIZE), baseline)
    info = machine_info()
    print_tables(results, kernel_rows, info)
    if long_run is not None:
        print(f"\nwhole run at scale {long_run['scale']:g}, {long_run['months']} months "
              f"(labsim run --no-figures): {long_run['wall_s']:.1f} s, "
              f"peak RSS {long_run['peak_rss_mb']:.0f} MB, exit code {long_run['exit_code']}")
    if baseline is not None:
        print_mesa(baseline, ratio)

    today = datetime.date.today().isoformat()
    suffix = ("" if a.full else ("-mesa" if a.mesa_only else "-quick")) \
        + ("-portable" if a.portable else "")
    out = a.out or Path(__file__).parent / "results" / f"{today}{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {"date": today, "full": a.full, "portable_kernels": a.portable, "machine": info,
           "sizes": results, "long_run": long_run,
           "kernels": kernel_rows, "mesa_baseline": baseline, "mesa_ratio": ratio}
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"\nwritten {out}")


if __name__ == "__main__":
    main()
