"""Did a change move the reference lines' numbers? This tree against an earlier commit.

Runs ``fabsim compare -n N --json`` (both reference lines, the same seed) on
this checkout and on REV (checked out from git into a temporary directory),
then compares every KPI of every line: z = (mean here - mean there) /
sqrt(SE here^2 + SE there^2), with each SE from its 95% CI over N
replications. About 5% of KPIs land outside |z| <= 1.96 by chance alone;
a KPI beyond |z| = 4 is a real change (exit code 1).

Usage:
    python benchmarks/reference_drift.py 063b251 -n 10
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)  # this checkout's fabsim (the t quantile)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # run.py's checkout()

from run import checkout  # noqa: E402

from fabsim.analysis.stats import t_quantile  # noqa: E402


def compare_json(root: str, replications: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "fabsim", "compare", "-n", str(replications), "--json"],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": root},
        check=True,
    )
    return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the commit to compare with, e.g. 063b251")
    parser.add_argument("-n", "--replications", type=int, default=10)
    args = parser.parse_args()
    here = compare_json(ROOT, args.replications)
    with tempfile.TemporaryDirectory() as before:
        if not checkout(args.rev, before):
            print(f"cannot check out {args.rev}: no such commit, or no git history here")
            return 2
        there = compare_json(before, args.replications)
    t = t_quantile(0.975, args.replications - 1)
    outside, total, worst = 0, 0, (0.0, "")
    print(f"{'line':<18} {'kpi':<40} {'here':>12} {'there':>12} {'z':>6}")
    for line in ("semi_solid", "all_solid_sulfide"):
        for kpi, now in here[line]["kpis"].items():
            then = there[line]["kpis"].get(kpi)
            if not (isinstance(now, dict) and isinstance(then, dict) and now.get("ci95")):
                continue
            se = [(s["ci95"][1] - s["ci95"][0]) / 2 / t for s in (now, then)]
            spread = math.hypot(*se)
            diff = now["mean"] - then["mean"]
            z = diff / spread if spread > 0 else (0.0 if diff == 0 else math.inf)
            total += 1
            outside += abs(z) > 1.96
            worst = max(worst, (abs(z), f"{line} {kpi}"))
            print(f"{line:<18} {kpi:<40} {now['mean']:>12.5g} {then['mean']:>12.5g} {z:>6.2f}")
    print(
        f"{outside} of {total} KPIs outside |z| <= 1.96 (about {0.05 * total:.0f} expected by "
        f"chance); largest |z| = {worst[0]:.2f} ({worst[1]})"
    )
    return 1 if worst[0] > 4 else 0


if __name__ == "__main__":
    sys.exit(main())
