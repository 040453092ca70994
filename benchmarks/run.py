"""Speed and memory of fabsim against a plain SimPy model of the same line.

Every number is a ratio measured in this one invocation (machines here are
shared and noisy; absolute times mean little). Each measurement runs in a
fresh Python process, fabsim and the baseline alternately, so neither gets
a warmer cache or a quieter minute.

Usage:
    python benchmarks/run.py            # all checks, the reference lines too
    python benchmarks/run.py --quick    # fewer pairs, no reference lines

Targets (issue 4): fabsim / bare SimPy wall time <= 0.8 (median of >= 5
pairs); <= 1.5 SimPy events per machine cycle; peak RSS at a 10x horizon
<= 1.25x; 8 replications on 2 workers <= 0.6x the time on 1 worker;
``import fabsim.cli`` pulls in no pandas, matplotlib, dask or scipy.
Exit code 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

FABSIM_ONE = """
import json, resource, sys, time
from fabsim.spec import load_spec
from fabsim.sim import run_replication
spec = load_spec({spec!r}, {overrides!r})
start = time.perf_counter()
result = run_replication(spec, 0, seed={seed})
wall = time.perf_counter() - start
cycles = sum(s.cycles for s in result.steps.values())
print(json.dumps({{"wall": wall, "good_per_min": result.finished / result.horizon_h / 60,
                  "cycles": cycles, "events": result.events,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

BARE_ONE = """
import json, resource, sys, time
sys.path.insert(0, {here!r})
import bare_simpy_line
start = time.perf_counter()
result = bare_simpy_line.run(seed={seed}, horizon_min={horizon})
wall = time.perf_counter() - start
print(json.dumps({{"wall": wall, "good_per_min": result["throughput_per_min"],
                  "cycles": result["cycles"], "events": result["events"],
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

WORKERS = """
import json, time
from fabsim.spec import load_spec
from fabsim.experiment import run_replications
spec = load_spec("five_station")
start = time.perf_counter()
run_replications(spec, 8, seed=1, workers={workers})
print(json.dumps({{"wall": time.perf_counter() - start}}))
"""


def measure(code: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def fabsim_run(seed: int, horizon_min: float = 200_000, spec: str = "five_station") -> dict:
    overrides = [f"run.horizon={horizon_min} min"] if spec == "five_station" else []
    return measure(FABSIM_ONE.format(spec=spec, overrides=overrides, seed=seed))


def bare_run(seed: int, horizon_min: float = 200_000) -> dict:
    return measure(BARE_ONE.format(here=HERE, seed=seed, horizon=horizon_min))


def mean_ci(values: list[float]) -> tuple[float, float]:
    from fabsim.analysis.stats import estimate  # needs ROOT on sys.path (see main)

    e = estimate(values)
    return e.mean, e.half_width or 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="3 pairs, skip reference lines")
    args = parser.parse_args()
    pairs = 3 if args.quick else max(5, args.pairs)
    sys.path.insert(0, ROOT)  # the checkout's fabsim, for the statistics helpers
    failed: list[str] = []

    def check(ok: bool, text: str) -> None:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
        if not ok:
            failed.append(text)

    print(f"Five-station line, 200,000 min, {pairs} alternating pairs (fresh process each)")
    ours, theirs = [], []
    for pair in range(pairs):
        ours.append(fabsim_run(seed=pair + 1))
        theirs.append(bare_run(seed=pair + 1))
    fab_wall = statistics.median(r["wall"] for r in ours)
    bare_wall = statistics.median(r["wall"] for r in theirs)
    ratio = statistics.median(o["wall"] / t["wall"] for o, t in zip(ours, theirs, strict=True))
    events_per_cycle = statistics.median(r["events"] / r["cycles"] for r in ours)
    bare_events = statistics.median(r["events"] / r["cycles"] for r in theirs)
    print(
        f"  fabsim     median {fab_wall:6.2f} s  {ours[0]['cycles'] / fab_wall:>10,.0f} "
        f"cycles/s  {events_per_cycle:.2f} events/cycle  peak RSS "
        f"{statistics.median(r['rss_mb'] for r in ours):.0f} MB"
    )
    print(
        f"  bare SimPy median {bare_wall:6.2f} s  {theirs[0]['cycles'] / bare_wall:>10,.0f} "
        f"cycles/s  {bare_events:.2f} events/cycle  peak RSS "
        f"{statistics.median(r['rss_mb'] for r in theirs):.0f} MB"
    )
    check(
        ratio <= 0.8,
        f"wall time fabsim / bare SimPy = {ratio:.2f} (median of pair "
        "ratios; target <= 0.8, goal 0.5)",
    )
    check(
        events_per_cycle <= 1.5,
        f"SimPy events per machine cycle = {events_per_cycle:.3f} (target <= 1.5)",
    )
    fab_tp, fab_hw = mean_ci([r["good_per_min"] for r in ours])
    bare_tp, bare_hw = mean_ci([r["good_per_min"] for r in theirs])
    agree = abs(fab_tp - bare_tp) <= fab_hw + bare_hw
    check(
        agree,
        f"same model: throughput {fab_tp:.4f} ± {fab_hw:.4f} vs {bare_tp:.4f} ± "
        f"{bare_hw:.4f} good/min (95% CIs over {pairs} seeds overlap)",
    )

    print("Memory: one replication at 200,000 and at 2,000,000 min")
    short = fabsim_run(seed=1, horizon_min=200_000)["rss_mb"]
    long = fabsim_run(seed=1, horizon_min=2_000_000)["rss_mb"]
    check(
        long <= 1.25 * short,
        f"peak RSS {short:.0f} MB -> {long:.0f} MB = {long / short:.2f}x (target <= 1.25x)",
    )

    print("Parallel replications: 8 x 200,000 min on 1 and on 2 workers")
    one = measure(WORKERS.format(workers=1))["wall"]
    two = measure(WORKERS.format(workers=2))["wall"]
    check(two <= 0.6 * one, f"{one:.2f} s -> {two:.2f} s = {two / one:.2f}x (target <= 0.6x)")

    print("Start-up: python -X importtime -c 'import fabsim.cli'")
    timing = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import fabsim.cli"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stderr
    heavy = sorted(
        {
            name
            for name in ("pandas", "matplotlib", "dask", "scipy")
            if f" {name}\n" in timing or f" {name}." in timing
        }
    )
    check(not heavy, f"heavy imports at start-up: {', '.join(heavy) or 'none'}")

    if not args.quick:
        print("Reference lines: one replication each (warm-up + 30 d)")
        for name in ("semi_solid", "all_solid_sulfide"):
            result = fabsim_run(seed=1, spec=name)
            print(
                f"  {name:<18} {result['wall']:6.2f} s  {result['cycles']:>9,} cycles in the "
                f"window  {result['events']:>10,} events in all  peak RSS "
                f"{result['rss_mb']:.0f} MB"
            )
    print("All targets met." if not failed else f"{len(failed)} target(s) missed.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
