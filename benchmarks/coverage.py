"""Coverage of the validation checks' 95% confidence intervals over many experiments.

For each case of ``tests/validation`` (the same functions the tests call) and each of
its checks with an exact theoretical value and sampling error, run N independent
experiments (an experiment = the case's replications at its own seed; seeds
``--first-seed`` .. ``--first-seed + N - 1``, distinct across experiments) and count
how often the check's Student-t 95% CI covers the exact value. A correct model with
an honest interval covers it 95% of the time; a check is flagged when its coverage
falls outside the two-sided 99% band of Binomial(N, 0.95) / N, computed exactly.
(So about one check in a hundred is flagged by chance: rerun a flagged case with
other seeds before reading anything into it.) Mean and standard deviation of
z = (mean - theory) / SE tell a bias (mean z away from 0) from an interval built
too narrow, e.g. on correlated replications (sd z above the t distribution's
sqrt(df / (df - 2)), 1.06 at 20 replications).

Usage (from the repository root):
    python benchmarks/coverage.py                         # 200 experiments per case
    python benchmarks/coverage.py --experiments 100       # fewer
    python benchmarks/coverage.py --only finite_buffer    # cases whose name contains this
    python benchmarks/coverage.py --workers 2             # experiments in parallel

Exit code 1 if a check is flagged.
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


def binomial_band(n: int, p: float = 0.95, level: float = 0.99) -> tuple[int, int]:
    """Smallest and largest count k of Binomial(n, p) with P(X <= k) and P(X >= k)
    both above (1 - level) / 2: counts outside are flagged at most 1 - level of the time.

    Example:
        >>> binomial_band(200)
        (181, 197)
    """
    tail = (1 - level) / 2
    pmf = [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    below, low = 0.0, 0
    for k in range(n + 1):
        below += pmf[k]
        if below > tail:
            low = k
            break
    above, high = 0.0, n
    for k in range(n, -1, -1):
        above += pmf[k]
        if above > tail:
            high = k
            break
    return low, high


def experiment(name: str, seed: int, replications: int | None) -> tuple[str, list, float]:
    """One experiment: the case at ``seed``; per check (quantity, theory, covered, z, sampling)."""
    from tests.validation.checks import run_case

    started = time.perf_counter()
    rows = [
        (c.case, c.quantity, c.theory, c.within_ci95, c.z, c.sampling)
        for c in run_case(name, seed, replications)
    ]
    return name, rows, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=int, default=200, help="per case (default 200)")
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    parser.add_argument(
        "--first-seed", type=int, default=1001, help="seed of the first experiment (1001)"
    )
    parser.add_argument(
        "--replications", type=int, default=None, help="replications per case (default 20)"
    )
    parser.add_argument("--workers", type=int, default=1, help="experiments run in parallel")
    args = parser.parse_args(argv)

    from tests.validation.checks import all_cases

    names = [name for name, _ in all_cases() if args.only in name]
    seeds = range(args.first_seed, args.first_seed + args.experiments)
    tasks = [(name, seed, args.replications) for name in names for seed in seeds]
    started = time.perf_counter()
    rows: dict[tuple[str, str, str], list] = {}
    seconds: dict[str, float] = {}
    done = 0

    def collect(name, case_rows, spent):
        nonlocal done
        done += 1
        seconds[name] = seconds.get(name, 0.0) + spent
        for case, quantity, theory, covered, z, sampling in case_rows:
            if sampling:
                rows.setdefault((name, case, quantity), [theory, [], []])
                rows[(name, case, quantity)][1].append(covered)
                rows[(name, case, quantity)][2].append(z)
        if done % max(1, len(tasks) // 50) == 0 or done == len(tasks):
            elapsed = time.perf_counter() - started
            print(
                f"{done}/{len(tasks)} experiments, {elapsed / 60:.1f} min, about "
                f"{elapsed / done * (len(tasks) - done) / 60:.0f} min to go",
                file=sys.stderr,
                flush=True,
            )

    if args.workers > 1:
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(args.workers, mp_context=context) as pool:
            for result in pool.map(experiment, *zip(*tasks, strict=True), chunksize=1):
                collect(*result)
    else:
        for task in tasks:
            collect(*experiment(*task))
    total = time.perf_counter() - started

    low, high = binomial_band(args.experiments)
    n = args.experiments
    command = "python benchmarks/coverage.py" + (" " + " ".join(argv or sys.argv[1:]))
    print(f"`{command.strip()}` · {datetime.date.today().isoformat()}")
    print()
    print(
        f"{n} experiments per case, seeds {seeds[0]}..{seeds[-1]}; band = two-sided 99% "
        f"band of Binomial({n}, 0.95)/{n}: [{low / n:.3f}, {high / n:.3f}] "
        f"({low}..{high} covered)."
    )
    print()
    print("| case | check | exact value | coverage | band | mean z | sd z | flagged | s / exp. |")
    print("|---|---|---:|---:|---|---:|---:|---|---:|")
    flagged = []
    for (name, case, quantity), (theory, covered, zs) in rows.items():
        k = sum(covered)
        flag = not low <= k <= high
        if flag:
            flagged.append(f"{case} / {quantity}")
        finite = [z for z in zs if not math.isnan(z)]
        mean_z = statistics.mean(finite) if finite else math.nan
        sd_z = statistics.stdev(finite) if len(finite) > 1 else math.nan
        print(
            f"| {case} | {quantity} | {theory:.6g} | {k / len(covered):.3f} "
            f"| {low / n:.3f}..{high / n:.3f} | {mean_z:+.2f} | {sd_z:.2f} "
            f"| {'**yes**' if flag else 'no'} | {seconds[name] / n:.1f} |"
        )
    print()
    print(
        f"{len(rows)} checks, {len(flagged)} flagged"
        + (f": {'; '.join(flagged)}" if flagged else "")
        + f"; {total / 60:.0f} min."
    )
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
