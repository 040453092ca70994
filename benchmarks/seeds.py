"""Run the validation suite's checks at many seeds under the tests' own pass rule.

The tests run at one seed (1) and must pass at any seed: the rule
|mean - theory| <= t(1 - 1e-5/2; n - 1) x SE + model tolerance keeps the whole
suite's false-alarm probability below 1e-3 (``tests/validation/checks.py``). This
script reruns every case of ``tests/validation`` (the same functions the tests
call) at each seed and prints, per seed, the number of checks, the misses under
that rule, and how often theory fell outside the plain 95% CI (about 5% expected:
a 95% interval is not a pass rule). A second table gives, per check over all
seeds, the typical and largest bound against the check's resolution (the widest
bound it may have), the largest |z| and the count outside the 95% CI.

Usage (from the repository root):
    python benchmarks/seeds.py                       # seeds 1..20, every case
    python benchmarks/seeds.py --seeds 21-40         # other seeds
    python benchmarks/seeds.py --only unreliable     # cases whose name contains this
    python benchmarks/seeds.py --workers 2           # seeds in parallel

Exit code 1 if a check fails the rule at any seed, or the suite holds more checks
than its false-alarm budget allows.
"""

from __future__ import annotations

import argparse
import datetime
import math
import multiprocessing
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def seed_list(text: str) -> list[int]:
    """``1-20`` or ``1,5,9`` or ``3``."""
    seeds: list[int] = []
    for part in text.split(","):
        if "-" in part:
            first, last = part.split("-")
            seeds.extend(range(int(first), int(last) + 1))
        else:
            seeds.append(int(part))
    return seeds


def run_seed(seed: int, only: str, replications: int | None) -> tuple[int, list, float]:
    """Every case whose name contains ``only``, at ``seed``; the checks and seconds."""
    from tests.validation.checks import all_cases, run_case

    started = time.perf_counter()
    checks = []
    for name, _ in all_cases():
        if only in name:
            checks.extend(run_case(name, seed, replications))
    return seed, checks, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1-20", help="e.g. 1-20 or 1,5,9 (default 1-20)")
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    parser.add_argument(
        "--replications", type=int, default=None, help="replications per case (default 20)"
    )
    parser.add_argument("--workers", type=int, default=1, help="seeds run in parallel")
    args = parser.parse_args(argv)

    from tests.validation.checks import CHECK_BUDGET

    seeds = seed_list(args.seeds)
    started = time.perf_counter()
    results = {}
    if args.workers > 1:
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(args.workers, mp_context=context) as pool:
            futures = [pool.submit(run_seed, s, args.only, args.replications) for s in seeds]
            for future in futures:
                seed, checks, seconds = future.result()
                results[seed] = (checks, seconds)
                print(f"seed {seed}: {seconds:.0f} s", file=sys.stderr, flush=True)
    else:
        for s in seeds:
            seed, checks, seconds = run_seed(s, args.only, args.replications)
            results[seed] = (checks, seconds)
            print(f"seed {seed}: {seconds:.0f} s", file=sys.stderr, flush=True)
    total_seconds = time.perf_counter() - started

    command = "python benchmarks/seeds.py" + (" " + " ".join(argv or sys.argv[1:]))
    print(f"`{command.strip()}` · {datetime.date.today().isoformat()}")
    print()
    print("| seed | checks | misses under the rule | outside 95% CI | largest \\|z\\| | s |")
    print("|---:|---:|---:|---:|---:|---:|")
    failed_seeds, counts, outside_total, total = [], set(), 0, 0
    per_check: dict[tuple[str, str], list] = {}
    for seed in seeds:
        checks, seconds = results[seed]
        misses = [c for c in checks if not c.passed]
        outside = sum(not c.within_ci95 for c in checks)
        zs = [abs(c.z) for c in checks if not math.isnan(c.z)]
        print(
            f"| {seed} | {len(checks)} | {len(misses)} | {outside} | "
            f"{max(zs, default=0):.2f} | {seconds:.0f} |"
        )
        if misses:
            failed_seeds.append(seed)
        counts.add(len(checks))
        outside_total += outside
        total += len(checks)
        for c in checks:
            per_check.setdefault((c.case, c.quantity), []).append(c)
    print()
    misses = sum(not c.passed for s in failed_seeds for c in results[s][0])
    print(
        f"{len(seeds)} seeds, {total} checks: {misses}"
        f" checks at {len(failed_seeds)} seeds failed the rule"
        + (f" (seeds {', '.join(map(str, failed_seeds))})" if failed_seeds else "")
        + f"; theory outside the 95% CI in {outside_total} ({outside_total / total:.1%},"
        f" 5% expected); {total_seconds / 60:.0f} min."
    )
    print()
    print(
        "| case | quantity | typical bound | largest bound | resolution | resolution / "
        "typical | largest \\|z\\| | outside 95% CI | misses |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for (case, quantity), checks in per_check.items():
        bounds = [c.relative_bound for c in checks]
        typical = statistics.mean(bounds)
        zs = [abs(c.z) for c in checks if not math.isnan(c.z)]
        resolution = checks[0].resolution
        ratio = f"{resolution / typical:.1f}" if checks[0].sampling else "-"
        print(
            f"| {case} | {quantity} | {typical:.3%} | {max(bounds):.3%} | {resolution:.2%} "
            f"| {ratio} | {max(zs, default=0):.2f} | {sum(not c.within_ci95 for c in checks)} "
            f"| {sum(not c.passed for c in checks)} |"
        )
    over_budget = max(counts, default=0) > CHECK_BUDGET
    if over_budget:
        print(f"\nThe suite holds {max(counts)} checks, more than its budget of {CHECK_BUDGET}.")
    return 1 if failed_seeds or over_budget else 0


if __name__ == "__main__":
    sys.exit(main())
