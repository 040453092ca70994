"""What each battery-line phenomenon costs in simulation speed.

Runs the five-station benchmark line (200,000 min) plain and with one
phenomenon added at a time, each in a fresh process, alternating, and
reports wall time per machine cycle as a ratio to the plain line measured in
the same invocation (a shift calendar runs fewer cycles; per cycle is the
fair cost). Usage: ``python benchmarks/phenomena_cost.py [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

ONE = """
import json, time
from fabsim.spec import load_spec
from fabsim.sim import run_replication
spec = load_spec("five_station", {sets!r})
start = time.perf_counter()
result = run_replication(spec, 0, seed=1)
wall = time.perf_counter() - start
cycles = sum(s.cycles for s in result.steps.values())
print(json.dumps({{"wall": wall, "cycles": cycles}}))
"""

VARIANTS = {
    "plain": [],
    "calendar: 2 shifts, 5 days, maintenance": [
        "calendar={shifts: ['06:00-14:00', '14:00-22:00'], days_off: [sat, sun], "
        "maintenance: [{every: 2 weeks, length: 12 h}]}"
    ],
    "calendar-clock failure on S2": [
        "steps.S2.failures=[{mtbf: 100 min, mttr: 10 min, clock: calendar}]"
    ],
    "disturbance (every ~10 h, stops S2-S4, scraps p2)": [
        "disturbances={dry_room: {every: {dist: exponential, mean: 10 h}, "
        "duration: {dist: exponential, mean: 30 min}, stops: [S2, S3, S4], scraps: {p2: 1.0}}}"
    ],
    "max_dwell on p1, p2 (2 h)": [
        "buffers.p1={capacity: 5, max_dwell: 2 h}",
        "buffers.p2={capacity: 5, max_dwell: 2 h}",
    ],
    "supply into S1 (lots of 500)": [
        "steps.S1.uses={powder: 1}",
        "supplies={powder: {item: powder, lot: 500, every: {dist: exponential, mean: 7 h}, "
        "initial: 1000, capacity: 3000}}",
    ],
}


def measure(sets: list[str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", ONE.format(sets=sets)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    per_cycle: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in range(args.rounds):
        for name, sets in VARIANTS.items():
            result = measure(sets)
            per_cycle[name].append(result["wall"] / result["cycles"])
    base = statistics.median(per_cycle["plain"])
    print(f"{'variant':<52} {'us/cycle':>9} {'ratio':>6}")
    for name, values in per_cycle.items():
        median = statistics.median(values)
        print(f"{name:<52} {median * 1e6:9.2f} {median / base:6.2f}")


if __name__ == "__main__":
    main()
