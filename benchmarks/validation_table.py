"""Print the validation checks (simulated vs exact theory) as a markdown table.

Runs the cases of ``tests/validation`` (``test_queueing.py``, ``test_theory.py``,
``test_direct_links.py``: the same functions the tests call, so the table and the
tests cannot drift apart) and prints one row per check: theory, simulated mean, its
95% CI over replications, the relative error, z = error / SE, the pass rule's bound
(t(1 - 1e-5/2; n - 1) x SE + model tolerance, relative), the check's resolution and
whether it passed. See ``tests/validation/checks.py`` for the rule.

Usage (from the repository root):
    python benchmarks/validation_table.py              # every case, the tests' seed
    python benchmarks/validation_table.py --only mmc   # cases whose name contains 'mmc'
    python benchmarks/validation_table.py --seed 7     # another seed
    python benchmarks/validation_table.py --replications 100 --workers 2   # more data

Exit code 1 if a check fails the rule.
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
        "| case | quantity | theory | simulated mean | 95% CI | rel. error | z "
        "| bound | resolution | in 95% CI | passed |",
        "|---|---|---:|---:|---|---:|---:|---:|---:|---|---|",
    ]
    for c in checks:
        ci = f"[{number(c.simulated.low)}, {number(c.simulated.high)}]"
        z = "-" if c.z != c.z else f"{c.z:+.2f}"  # NaN: no sampling error
        passed = "yes" if c.passed else ("**no**" if c.powerful else "**no** (resolution)")
        lines.append(
            f"| {c.case} | {c.quantity} | {number(c.theory)} | {number(c.simulated.mean)} "
            f"| {ci} | {c.relative_error:+.3%} | {z} | {c.relative_bound:.2%} "
            f"| {c.resolution:.2%} | {'yes' if c.within_ci95 else 'no'} | {passed} |"
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
        help="replications per case (default: the tests' 20; the yield case keeps its 1,000)",
    )
    parser.add_argument("--workers", type=int, default=None, help="local worker processes")
    args = parser.parse_args(argv)

    sys.path.insert(0, ROOT)
    from tests.validation.checks import RUN, all_cases

    if args.seed is not None:
        RUN.seed = args.seed
    if args.replications is not None:
        RUN.replications = args.replications
    if args.workers is not None:
        RUN.workers = args.workers
    started = time.perf_counter()
    checks = []
    for name, case in all_cases():
        if args.only in name:
            checks.extend(case())
    seconds = time.perf_counter() - started
    failed = [c for c in checks if not c.passed]
    outside = sum(not c.within_ci95 for c in checks)
    command = "python benchmarks/validation_table.py" + (" " + " ".join(argv or sys.argv[1:]))
    print(
        f"`{command.strip()}` · seed {RUN.seed} · {RUN.replications} replications per case"
        f" · {datetime.date.today().isoformat()}"
    )
    print()
    print("\n".join(table(checks)))
    print()
    print(
        f"{len(checks)} checks, {len(checks) - len(failed)} passed, {len(failed)} failed; "
        f"theory outside the plain 95% CI in {outside}; {seconds:.0f} s."
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
