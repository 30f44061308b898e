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

This is a measure, not a test: it asserts nothing about speed, only that the two kernel
backends agree. Results are printed and written as JSON (default
``benchmarks/results/<date>[-quick].json``). Usage::

    python benchmarks/step_time.py [--full] [--months N] [--warmup K] [--out PATH]
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

FULL_WORKERS = 9_043_113  # workers at scale=1.0
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def run_size(scale: float, months: int, warmup: int) -> dict:
    """Child: build a model at ``scale`` and time its months."""
    from sim.model import LaborMarketModel

    start = time.perf_counter()
    m = LaborMarketModel(scale=scale, rng=1)
    build_s = time.perf_counter() - start
    for _ in range(warmup):
        m.step()
    for name in m.stage_seconds:
        m.stage_seconds[name] = 0.0
    steps = []
    for _ in range(months):
        start = time.perf_counter()
        m.step()
        steps.append(time.perf_counter() - start)
    return {
        "scale": scale, "workers": len(m.workers), "firms": len(m.firms),
        "build_s": build_s, "months": months, "warmup": warmup,
        "step_ms": [s * 1e3 for s in steps],
        "median_step_ms": statistics.median(steps) * 1e3, "max_step_ms": max(steps) * 1e3,
        "stage_ms": {k: v * 1e3 / months for k, v in m.stage_seconds.items()},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


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
    }


def child(args: list[str]) -> dict:
    """Run this file in a fresh single-threaded process; return its JSON line."""
    env = dict(os.environ, **{v: "1" for v in THREAD_VARS})
    out = subprocess.run([sys.executable, __file__, *args], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads([line for line in out.splitlines() if line.startswith(("{", "["))][-1])


def print_tables(sizes: list[dict], kernel_rows: list[dict], info: dict) -> None:
    print(f"Machine: {info['cpu_model']} ({info['cpu_count']} CPUs, "
          f"{info['mem_total_gb']:.1f} GB), Python {info['python']}, numpy {info['numpy']}")
    print(f"         {info['uname']}; single-threaded children\n")
    print(f"{'size':>6} {'workers':>10} {'firms':>8} {'build s':>8} {'median ms':>10} "
          f"{'max ms':>9} {'peak MB':>9}")
    for r in sizes:
        print(f"{r['label']:>6} {r['workers']:>10,} {r['firms']:>8,} {r['build_s']:>8.2f} "
              f"{r['median_step_ms']:>10.1f} {r['max_step_ms']:>9.1f} {r['peak_rss_mb']:>9.0f}")
    print("\nmean ms per month, by stage")
    print(f"{'stage':>16}" + "".join(f"{r['label']:>10}" for r in sizes))
    for stage in sizes[0]["stage_ms"]:
        print(f"{stage:>16}" + "".join(f"{r['stage_ms'][stage]:>10.2f}" for r in sizes))
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
    p.add_argument("--single", type=float, help=argparse.SUPPRESS)
    p.add_argument("--kernels", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.single is not None:
        print(json.dumps(run_size(a.single, a.months, a.warmup)))
        return
    if a.kernels:
        print(json.dumps(run_kernels()))
        return

    sizes = {label: n / FULL_WORKERS for label, n in SIZES.items()}
    if a.full:
        sizes["full"] = 1.0
    results = []
    for label, scale in sizes.items():
        print(f"running {label} (scale {scale:.6g}) ...", file=sys.stderr, flush=True)
        r = child(["--single", repr(scale), "--months", str(a.months),
                   "--warmup", str(a.warmup)])
        results.append({"label": label, **r})
    print("running kernels ...", file=sys.stderr, flush=True)
    kernel_rows = child(["--kernels"])
    info = machine_info()
    print_tables(results, kernel_rows, info)

    today = datetime.date.today().isoformat()
    out = a.out or Path(__file__).parent / "results" / f"{today}{'' if a.full else '-quick'}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {"date": today, "full": a.full, "machine": info, "sizes": results,
           "kernels": kernel_rows}
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"\nwritten {out}")


if __name__ == "__main__":
    main()
