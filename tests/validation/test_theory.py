"""Simulated numbers against queueing theory and hand calculations.

Each test states its formula. Lines without random draws are checked against hand
counts with a stated edge-effect tolerance. Random lines are cases returning
:class:`Check` rows under the suite's pass rule (``tests/validation/checks.py``):
|mean - theory| <= t(1 - 1e-5/2; n - 1) x SE + a stated model tolerance, at seed 1,
passing at any seed but with probability below 1e-3 for the whole suite. The
benchmarks rerun them through ``CASES``. Resolutions (the widest bound a check may
have, relative) are at least twice each check's typical bound at 20 replications.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from fabsim.analysis.stats import estimate
from tests.conftest import simulate_text
from tests.validation.checks import RUN, Check, assert_checks
from tests.validation.test_queueing import two_station_throughput

pytestmark = pytest.mark.validation


def simulate(yaml_text: str):
    return simulate_text(
        yaml_text,
        replications=RUN.replications,
        seed=RUN.seed,
        workers=RUN.workers,
    )


def test_deterministic_line_runs_at_its_slowest_cycle():
    # Constant cycles 60 s, 90 s, 45 s: throughput = 1 / 90 s = 40 units/h, exactly
    # once the line is full (tolerance 0.2%: at most one unit of edge effect).
    results = simulate_text(
        """
        line: deterministic
        product: {item: c, energy: 1 kWh}
        run: {warmup: 1 h, horizon: 100 h}
        buffers: {a: 3, b: 3}
        steps:
          s1: {makes: {a: 1}, cycle: 60 s}
          s2: {uses: {a: 1}, makes: {b: 1}, cycle: 90 s}
          s3: {uses: {b: 1}, makes: {c: 1}, cycle: 45 s}
        """,
        replications=2,
    )
    rate = results.kpi("good_rate_per_h").mean
    assert abs(rate - 40.0) <= 0.002 * 40.0
    # s1 is busy 60 s and blocked 30 s of every 90 s; s3 busy 45 s, starved 45 s.
    assert results.step("s1", "states.blocked").mean == pytest.approx(1 / 3, abs=0.002)
    assert results.step("s3", "states.starved").mean == pytest.approx(0.5, abs=0.002)
    assert results.bottleneck[0] == "s2"


def test_batch_step_runs_at_size_over_cycle():
    # A press loads 20 per 25-min cycle and is always fed: 20 / (25/60 h) = 48/h.
    results = simulate_text(
        """
        line: batch
        product: {item: cell, energy: 1 kWh}
        run: {warmup: 2 h, horizon: 200 h}
        buffers: {stack: 60}
        steps:
          stacking: {makes: {stack: 1}, machines: 2, cycle: 60 s}
          press:
            uses: {stack: 1}
            makes: {cell: 1}
            batch: {size: 20, min: 10, max_wait: 30 min}
            cycle: 25 min
        """,
        replications=2,
    )
    assert results.kpi("good_rate_per_h").mean == pytest.approx(48.0, rel=0.005)
    assert results.step("press", "batch_fill").mean == pytest.approx(1.0)


def test_batch_starts_partial_after_max_wait():
    # Arrivals every 6 min; the vessel takes up to 20 but starts with >= 5 once
    # 5 have waited 30 min. The timer starts when the 5th unit is there and
    # runs 30 min, in which 5 more arrive (4 when an arrival ties with the
    # timer or falls in the 1-min cycle): batches of 9 to 10 units.
    results = simulate_text(
        """
        line: partial batches
        product: {item: cell, energy: 1 kWh}
        run: {warmup: 10 h, horizon: 100 h}
        steps:
          feed: {makes: {stack: 1}, cycle: 6 min}
          press:
            uses: {stack: 1}
            makes: {cell: 1}
            batch: {size: 20, min: 5, max_wait: 30 min}
            cycle: 1 min
        """,
        replications=2,
    )
    # Throughput equals the feed, 10/h.
    assert results.kpi("good_rate_per_h").mean == pytest.approx(10.0, rel=0.01)
    fill = results.step("press", "batch_fill").mean * 20
    assert 9 <= fill <= 10


def case_mm1() -> list[Check]:
    # M/M/1 with lambda = 0.7/h, mu = 1/h: rho = 0.7, Lq = rho^2 / (1 - rho) = 1.6333.
    # Arrivals are a source step with exponential cycles into an unlimited buffer,
    # so they form a Poisson process; the buffer level is the queue.
    case = "M/M/1, rho = 0.7"
    results = simulate("""
        line: mm1
        product: {item: done, energy: 1 kWh}
        run: {warmup: 500 h, horizon: 20000 h}
        steps:
          arrivals: {makes: {job: 1}, cycle: {dist: exponential, mean: "1/0.7 h"}}
          server: {uses: {job: 1}, makes: {done: 1}, cycle: {dist: exponential, mean: 1 h}}
        """)
    rho = 0.7
    queue = estimate(r.buffers["job"].mean_level for r in results.runs)
    return [
        Check(case, "utilization = rho", rho, results.step("server", "utilization"), 0.04),
        Check(case, "Lq = rho^2/(1-rho)", rho**2 / (1 - rho), queue, 0.25),
    ]


def case_availability() -> list[Check]:
    # Always busy, MTBF 10 h, MTTR 2 h (operating-time failures):
    # availability = MTBF / (MTBF + MTTR) = 0.8333; down share = 0.1667; throughput =
    # availability x 10 parts per busy hour. No warm-up: the machine starts up, with
    # a fresh failure clock, not in the stationary up/down mix. For the up/down
    # alternating process with rates a = 1/MTBF, b = 1/MTTR, P(down at t | up at 0) =
    # a/(a + b) (1 - e^-(a+b)t), so the window misses a/(a + b)^2 = 0.278 h of down
    # time in expectation: model tolerance 0.278 h / 10,000 h on the shares, and that
    # x 10/h plus one part of edge effect (1 / 10,000 h) on the rate.
    case = "one unreliable machine (availability)"
    horizon = 10000.0
    results = simulate(f"""
        line: one unreliable machine
        product: {{item: part, energy: 1 kWh}}
        run: {{warmup: 0 h, horizon: {horizon:g} h}}
        steps:
          machine: {{makes: {{part: 1}}, cycle: 6 min, failures: [{{mtbf: 10 h, mttr: 2 h}}]}}
        """)
    a, b = 1 / 10, 1 / 2
    start = a / (a + b) ** 2 / horizon
    return [
        Check(
            case,
            "utilization = MTBF/(MTBF+MTTR)",
            10 / 12,
            results.step("machine", "utilization"),
            0.025,
            model_tolerance=start,
        ),
        Check(
            case,
            "down share = MTTR/(MTBF+MTTR)",
            2 / 12,
            results.step("machine", "states.down"),
            0.12,
            model_tolerance=start,
        ),
        Check(
            case,
            "throughput /h = 10 x availability",
            10 * 10 / 12,
            results.kpi("good_rate_per_h"),
            0.025,
            model_tolerance=10 * start + 1 / horizon,
        ),
    ]


def case_two_stations(buffer: int, mean2: float) -> list[Check]:
    # Exponential stations, M1 never starved, M2 never blocked, blocking after
    # service: a birth-death chain on K = buffer + 2 places, so
    # throughput = mu1 (1 - rho^K) / (1 - rho^(K+1)), rho = mu1 / mu2.
    case = f"2 stations, B = {buffer}, mean2 = {mean2:g} h"
    results = simulate(f"""
        line: two stations
        product: {{item: done, energy: 1 kWh}}
        run: {{warmup: 200 h, horizon: 10000 h}}
        buffers: {{part: {buffer}}}
        steps:
          m1: {{makes: {{part: 1}}, cycle: {{dist: exponential, mean: 1 h}}}}
          m2:
            uses: {{part: 1}}
            makes: {{done: 1}}
            cycle: {{dist: exponential, mean: {mean2} h}}
        """)
    theory = two_station_throughput(1.0, 1 / mean2, buffer)  # the birth-death chain
    return [Check(case, "throughput /h", theory, results.kpi("good_rate_per_h"), 0.04)]


# Constant cycles: the chain a -> b -> c holds at most one unit per step (b and c are
# faster than a, so no queue builds), so counts over the window are off by at most 3
# units at its edges: a model tolerance of 3 units over the units started (overall
# yield) or over the horizon (rates).
EDGE_UNITS = 3


def case_rolled_throughput_yield() -> list[Check]:
    # Serial line, yields 0.9, 0.95, 0.8: RTY = 0.684; overall yield (good /
    # started) equals it for a serial line. fabsim's RTY multiplies the steps'
    # realized yields (good / made); each step's draws are independent of the counts
    # before it, so the product's expectation is the product of the yields.
    case = "yields 0.9, 0.95, 0.8 (RTY)"
    horizon = 1000.0
    results = simulate(f"""
        line: yields
        product: {{item: c, energy: 1 kWh}}
        run: {{warmup: 5 h, horizon: {horizon:g} h}}
        steps:
          a: {{makes: {{x: 1}}, cycle: 60 s, yield: 0.9}}
          b: {{uses: {{x: 1}}, makes: {{y: 1}}, cycle: 30 s, yield: 0.95}}
          c: {{uses: {{y: 1}}, makes: {{c: 1}}, cycle: 30 s, yield: 0.8}}
        """)
    theory = 0.9 * 0.95 * 0.8
    edge = EDGE_UNITS / horizon
    return [
        Check(
            case,
            "rolled throughput yield",
            theory,
            results.kpi("rolled_throughput_yield"),
            0.008,
        ),
        Check(
            case,
            "overall yield = RTY",
            theory,
            results.kpi("overall_yield"),
            0.008,
            model_tolerance=edge / 60,
        ),
        # Good output rate = 60 starts/h x RTY.
        Check(
            case,
            "good rate /h = 60 RTY",
            60 * theory,
            results.kpi("good_rate_per_h"),
            0.008,
            model_tolerance=edge,
        ),
    ]


def case_latent_defects() -> list[Check]:
    # 2% of units get a latent short at a; c detects 90%: escaped share of good
    # units = 0.02 x 0.1 / (1 - 0.02 x 0.9) = 2,037 ppm; overall yield 1 - 0.02 x 0.9.
    case = "latent defects"
    horizon = 1000.0
    results = simulate(f"""
        line: defects
        product: {{item: c, energy: 1 kWh}}
        run: {{warmup: 5 h, horizon: {horizon:g} h}}
        steps:
          a: {{makes: {{x: 1}}, cycle: 60 s, defects: {{short: 0.02}}}}
          b: {{uses: {{x: 1}}, makes: {{y: 1}}, cycle: 30 s}}
          c: {{uses: {{y: 1}}, makes: {{c: 1}}, cycle: 30 s, detects: {{short: 0.9}}}}
        """)
    theory = 0.02 * 0.1 / (1 - 0.02 * 0.9) * 1e6
    return [
        Check(case, "escaped ppm", theory, results.kpi("escaped_ppm"), 0.30),
        Check(
            case,
            "overall yield = 1 - 0.02 x 0.9",
            1 - 0.02 * 0.9,
            results.kpi("overall_yield"),
            0.0025,
            model_tolerance=EDGE_UNITS / horizon / 60,
        ),
    ]


def case_littles_law_lead_time() -> list[Check]:
    # M/M/1 (lambda 0.5, mu 1): time in queue and service W = 1 / (mu - lambda) = 2 h,
    # number at the server L = rho / (1 - rho) = 1. The unit chain starts when the
    # arrival step starts making the unit: the source always holds the one it is
    # making, so WIP = 1 + L = 2 and the lead time adds its mean making time,
    # 2 h: 4 h. (Lead time is WIP / start rate in fabsim, so WIP and lead time are
    # checked against theory each, not against each other.)
    case = "M/M/1 chain, lambda 0.5, mu 1"
    results = simulate("""
        line: mm1 chain
        product: {item: done, energy: 1 kWh}
        run: {warmup: 500 h, horizon: 20000 h}
        steps:
          arrivals: {makes: {job: 1}, cycle: {dist: exponential, mean: 2 h}}
          server: {uses: {job: 1}, makes: {done: 1}, cycle: {dist: exponential, mean: 1 h}}
        """)
    return [
        Check(case, "WIP = 1 + rho/(1-rho)", 2.0, results.kpi("wip"), 0.05),
        Check(case, "lead time = 1/lam + 1/(mu-lam) (h)", 4.0, results.kpi("lead_time_h"), 0.05),
    ]


def case_parallel_makers() -> list[Check]:
    # Two half-yield makers of y share x: a makes 60/h, the makers (40/h each) keep
    # up, so good output = 60/h x 0.5 = 30/h; the makers hold at most one unit each
    # and the buffers stay near empty (model tolerance 3 units over the horizon).
    case = "parallel half-yield makers"
    results = simulate(PARALLEL_MAKERS)
    return [
        Check(
            case,
            "good rate /h = 60 x 0.5",
            30.0,
            results.kpi("good_rate_per_h"),
            0.03,
            model_tolerance=EDGE_UNITS / results.horizon_h,
        )
    ]


PARALLEL_MAKERS = """
    line: parallel makers
    product: {item: cell, energy: 1 kWh}
    run: {warmup: 1 h, horizon: 200 h}
    buffers: {x: 10, y: 10}
    steps:
      a: {makes: {x: 1}, cycle: 1 min}
      p1: {uses: {x: 1}, makes: {y: 1}, cycle: 1.5 min, yield: 0.5}
      p2: {uses: {x: 1}, makes: {y: 1}, cycle: 1.5 min, yield: 0.5}
      c: {uses: {y: 1}, makes: {cell: 1}, cycle: 0.1 min}
    """

TWO_STATIONS = [(1, 1.0), (3, 1.25), (5, 0.8)]

CASES: list[tuple[str, Callable[[], list[Check]]]] = [
    ("theory_mm1", case_mm1),
    ("theory_availability", case_availability),
    *[
        (f"theory_two_stations_{b}_{m:g}", partial(case_two_stations, b, m))
        for b, m in TWO_STATIONS
    ],
    ("theory_rty", case_rolled_throughput_yield),
    ("theory_latent_defects", case_latent_defects),
    ("theory_little_mm1", case_littles_law_lead_time),
    ("theory_parallel_makers", case_parallel_makers),
]


def test_mm1_station_utilization_and_queue():
    assert_checks(case_mm1())


def test_single_machine_availability():
    assert_checks(case_availability())


@pytest.mark.parametrize(("buffer", "mean2"), TWO_STATIONS)
def test_two_stations_with_finite_buffer(buffer, mean2):
    assert_checks(case_two_stations(buffer, mean2))


def test_rolled_throughput_yield_is_product_of_step_yields():
    assert_checks(case_rolled_throughput_yield())


def test_latent_defects_escape_at_the_undetected_rate():
    assert_checks(case_latent_defects())


def test_littles_law_lead_time_and_wip():
    assert_checks(case_littles_law_lead_time())


def test_transfer_lot_keeps_the_per_unit_rate():
    # Sealing waits for a lot of 10 cells, works them one by one (10 s each)
    # and moves them together: its rate stays 1 / 10 s = 360/h when always
    # fed, so behind a 12-s feeder the line runs at the feeder's 300/h.
    results = simulate_text(
        """
        line: lots
        product: {item: sealed, energy: 1 kWh}
        run: {warmup: 1 h, horizon: 50 h}
        steps:
          stacking: {makes: {stack: 1}, cycle: 12 s}
          sealing: {uses: {stack: 1}, makes: {sealed: 1}, cycle: 10 s, lot: 10}
        """,
        replications=2,
    )
    assert results.kpi("good_rate_per_h").mean == pytest.approx(300.0, rel=0.002)
    # Busy 10 s of every 12 s.
    assert results.step("sealing", "utilization").mean == pytest.approx(10 / 12, abs=0.005)
    fed = simulate_text(
        """
        line: lots, always fed
        product: {item: sealed, energy: 1 kWh}
        run: {warmup: 1 h, horizon: 50 h}
        steps:
          stacking: {makes: {stack: 1}, machines: 2, cycle: 12 s}
          sealing: {uses: {stack: 1}, makes: {sealed: 1}, cycle: 10 s, lot: 10}
        """,
        replications=2,
    )
    assert fed.kpi("good_rate_per_h").mean == pytest.approx(360.0, rel=0.002)


def test_setup_time_is_spent_and_booked_as_setup():
    # A 1-h cycle with a 1-h setup before every cycle: 0.5 units/h, busy half
    # the time and in setup the other half (with or without breakdowns).
    results = simulate_text(
        """
        line: setups
        product: {item: cell, energy: 1 kWh}
        run: {horizon: 100 h}
        steps:
          a: {makes: {cell: 1}, cycle: 1 h, setup: {every: 1, time: 1 h}}
        """,
        replications=2,
    )
    assert results.kpi("good_rate_per_h").mean == pytest.approx(0.5)
    assert results.step("a", "states.busy").mean == pytest.approx(0.5)
    assert results.step("a", "states.setup").mean == pytest.approx(0.5)


def test_capacity_of_parallel_makers_and_of_lots_with_setups():
    # Two half-yield makers of y share x: a supports 60/h x 0.5 = 30 good/h;
    # each maker 40/h x 0.5 / its half share = 40. A lot of 10 one-minute
    # units with a 10-min setup per lot: 10 units per 20 min = 30/h.
    from fabsim.analysis.capacity import line_capacity, step_capacities
    from tests.conftest import spec_from

    capacities = step_capacities(spec_from(PARALLEL_MAKERS))
    assert capacities["a"].good_per_h == pytest.approx(30.0)
    assert capacities["p1"].good_per_h == pytest.approx(40.0)
    assert_checks(case_parallel_makers())  # the simulated line runs at that capacity
    lot = """
        line: lot with setups
        product: {item: cell, energy: 1 kWh}
        run: {horizon: 200 h}
        steps:
          a: {makes: {cell: 1}, cycle: 1 min, lot: 10, setup: {every: 1, time: 10 min}}
        """
    assert line_capacity(spec_from(lot)) == (pytest.approx(30.0), "a")
    assert simulate_text(lot, replications=2).kpi("good_rate_per_h").mean == pytest.approx(30.0)
