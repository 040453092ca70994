"""Print the validation checks (simulated vs queueing theory) as a markdown table.

Runs the cases of ``tests/validation/test_queueing.py`` (the same functions the
tests call, so the table and the tests cannot drift apart) and prints one row
per check: theory, simulated mean, its 95% CI over replications, the relative
error, the tolerance and whether theory lies inside the CI.

Usage (from the repository root):
    python benchmarks/validation_table.py              # every case, the tests' seed
    python benchmarks/validation_table.py --only mmc   # cases whose name contains 'mmc'
    python benchmarks/validation_table.py --seed 7     # another seed (see docs/validation.md)
    python benchmarks/validation_table.py --replications 100 --workers 2   # more data

Exit code 1 if a check fails (theory outside the CI or error beyond tolerance).
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def number(value: float) -> str:
    return f"{value:.4g}"


def table(checks) -> list[str]:
    lines = [
        "| case | quantity | theory | simulated mean | 95% CI | rel. error | tolerance "
        "| within CI |",
        "|---|---|---:|---:|---|---:|---:|---|",
    ]
    for c in checks:
        ci = f"[{number(c.simulated.low)}, {number(c.simulated.high)}]"
        flag = "yes" if c.within_ci else "**no**"
        tolerance = f"{c.tolerance:.1%}" + ("" if c.within_tolerance else " **exceeded**")
        lines.append(
            f"| {c.case} | {c.quantity} | {number(c.theory)} | {number(c.simulated.mean)} "
            f"| {ci} | {c.relative_error:+.2%} | {tolerance} | {flag} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    parser.add_argument("--seed", type=int, default=None, help="run seed (default: the tests')")
    parser.add_argument(
        "--replications",
        type=int,
        default=None,
        help="replications per case (default: the tests' 10; the yield case keeps its 1,000)",
    )
    parser.add_argument("--workers", type=int, default=None, help="local worker processes")
    args = parser.parse_args(argv)

    sys.path.insert(0, ROOT)
    from tests.validation import test_queueing as cases

    if args.seed is not None:
        cases.SEED = args.seed
    if args.replications is not None:
        cases.REPLICATIONS = args.replications
    if args.workers is not None:
        cases.WORKERS = args.workers
    started = time.perf_counter()
    checks = []
    for name, case in cases.CASES:
        if args.only in name:
            checks.extend(case())
    seconds = time.perf_counter() - started
    failed = [c for c in checks if not c.passed]
    command = "python benchmarks/validation_table.py" + (" " + " ".join(argv or sys.argv[1:]))
    print(
        f"`{command.strip()}` · seed {cases.SEED} · {cases.REPLICATIONS} replications per case"
        f" · {datetime.date.today().isoformat()}"
    )
    print()
    print("\n".join(table(checks)))
    print()
    print(
        f"{len(checks)} checks, {len(checks) - len(failed)} passed, {len(failed)} failed; "
        f"{seconds:.0f} s."
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
