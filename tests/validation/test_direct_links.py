"""Stations linked directly (buffer capacity 0) against the exact Markov chain.

Three identical exponential stations in series, no buffers between them,
blocking after service: a station that finishes while the next is busy
holds its unit until the next takes it. The throughput of this classic
line is 22/39 = 0.5641 of one station's rate; the test builds and solves
the chain itself, so the number is not copied from a table. The simulated
rate is checked under the suite's rule (``tests/validation/checks.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from fabsim.analysis.stats import estimate
from fabsim.sim.line import run_replication
from fabsim.spec import load_spec_text
from tests.validation.checks import RUN, Check, assert_checks

pytestmark = pytest.mark.validation

LINE = """
line: three stations, no buffers
product: {item: done, energy: 0.1 kWh}
buffers: {p1: 0, p2: 0}
steps:
  s1: {makes: {p1: 1}, cycle: {dist: exponential, mean: 1 h}}
  s2: {uses: {p1: 1}, makes: {p2: 1}, cycle: {dist: exponential, mean: 1 h}}
  s3: {uses: {p2: 1}, makes: {done: 1}, cycle: {dist: exponential, mean: 1 h}}
"""


def exact_throughput() -> float:
    """Solve the chain: s1 working/blocked, s2 idle/working/blocked, s3 idle/working."""
    states = [
        (a, b, c)
        for a in "WB"
        for b in "0WB"
        for c in "0W"
        if not (a == "B" and b == "0") and not (b == "B" and c == "0")
    ]
    index = {s: i for i, s in enumerate(states)}
    rates = np.zeros((len(states), len(states)))

    def move(source, target):
        rates[index[source], index[target]] += 1.0

    def freed(a):  # s2 is free again: a blocked s1 passes its unit on
        return ("W", "W") if a == "B" else (a, "0")

    for state in states:
        a, b, c = state
        if a == "W":  # s1 finishes
            move(state, ("W", "W", c) if b == "0" else ("B", b, c))
        if b == "W":  # s2 finishes
            move(state, (*freed(a), "W") if c == "0" else (a, "B", c))
        if c == "W":  # s3 finishes
            move(state, (*freed(a), "W") if b == "B" else (a, b, "0"))
    np.fill_diagonal(rates, -rates.sum(axis=1))
    system = np.vstack([rates.T, np.ones(len(states))])
    target = np.zeros(len(states) + 1)
    target[-1] = 1.0
    p = np.linalg.lstsq(system, target, rcond=None)[0]
    return sum(p[index[s]] for s in states if s[2] == "W")


def test_the_chain_gives_the_classic_value():
    assert exact_throughput() == pytest.approx(22 / 39, abs=1e-9)


def case_direct_links() -> list[Check]:
    # 20 replications of 20,000 h after 100 h of warm-up (the chain has 8 states and
    # rates of 1/h: it forgets its empty start within hours). Resolution 2%: over
    # twice the typical bound (~0.75% of the value, SE ~0.13%).
    spec = load_spec_text(LINE, "no_buffers.yaml")
    rates = estimate(
        run_replication(spec, r, seed=RUN.seed, horizon=20000.0, warmup=100.0).finished / 20000.0
        for r in range(RUN.replications)
    )
    return [Check("3 stations, no buffers", "throughput /h", exact_throughput(), rates, 0.02)]


CASES: list[tuple[str, Callable[[], list[Check]]]] = [("direct_links", case_direct_links)]


def test_three_stations_without_buffers_match_the_exact_throughput():
    assert_checks(case_direct_links())
