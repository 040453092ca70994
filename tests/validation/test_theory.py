"""Simulated numbers against queueing theory and hand calculations.

Each test states its formula and tolerance. Seeds are fixed, so each check
is reproducible; the tolerances are wide enough for the replication noise
and tight enough to catch a wrong model (a missed blocking rule or a
failure clock counting idle time moves these numbers by far more).
"""

from __future__ import annotations

import math

import pytest

from tests.conftest import simulate_text

pytestmark = pytest.mark.validation


def assert_close(estimate, theory: float, tolerance: float) -> None:
    """Theory within the 95% CI and the mean within ``tolerance`` (relative)."""
    assert estimate.low <= theory <= estimate.high, (estimate, theory)
    assert abs(estimate.mean - theory) <= tolerance * abs(theory), (estimate.mean, theory)


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


def test_mm1_station_utilization_and_queue():
    # M/M/1 with lambda = 0.7/h, mu = 1/h: rho = 0.7, Lq = rho^2 / (1 - rho) = 1.6333.
    # Arrivals are a source step with exponential cycles into an unlimited buffer,
    # so they form a Poisson process; the buffer level is the queue.
    results = simulate_text("""
        line: mm1
        product: {item: done, energy: 1 kWh}
        run: {warmup: 500 h, horizon: 40000 h}
        steps:
          arrivals: {makes: {job: 1}, cycle: {dist: exponential, mean: "1/0.7 h"}}
          server: {uses: {job: 1}, makes: {done: 1}, cycle: {dist: exponential, mean: 1 h}}
        """)
    rho = 0.7
    utilization = results.step("server", "utilization")
    assert_close(utilization, rho, 0.02)
    queue = [r.buffers["job"].mean_level for r in results.runs]
    from fabsim.analysis.stats import estimate

    assert_close(estimate(queue), rho**2 / (1 - rho), 0.06)
    # Little: lead time of a job through the server chain = L / lambda = 2.333/0.7 h
    # (arrivals and server form the unit chain; WIP counts queue + in service).


def test_single_machine_availability():
    # Always busy, MTBF 10 h, MTTR 2 h (operating-time failures):
    # availability = MTBF / (MTBF + MTTR) = 0.8333; down share = 0.1667.
    results = simulate_text("""
        line: one unreliable machine
        product: {item: part, energy: 1 kWh}
        run: {warmup: 0 h, horizon: 20000 h}
        steps:
          machine: {makes: {part: 1}, cycle: 6 min, failures: [{mtbf: 10 h, mttr: 2 h}]}
        """)
    assert_close(results.step("machine", "utilization"), 10 / 12, 0.01)
    assert_close(results.step("machine", "states.down"), 2 / 12, 0.05)
    # Throughput = availability x 10 parts per busy hour.
    assert_close(results.kpi("good_rate_per_h"), 10 * 10 / 12, 0.01)


@pytest.mark.parametrize(("buffer", "mean2"), [(1, 1.0), (3, 1.25), (5, 0.8)])
def test_two_stations_with_finite_buffer(buffer, mean2):
    # Exponential stations, M1 never starved, M2 never blocked, blocking after
    # service: a birth-death chain on K = buffer + 2 places, so
    # throughput = mu1 (1 - rho^K) / (1 - rho^(K+1)), rho = mu1 / mu2.
    results = simulate_text(f"""
        line: two stations
        product: {{item: done, energy: 1 kWh}}
        run: {{warmup: 200 h, horizon: 20000 h}}
        buffers: {{part: {buffer}}}
        steps:
          m1: {{makes: {{part: 1}}, cycle: {{dist: exponential, mean: 1 h}}}}
          m2:
            uses: {{part: 1}}
            makes: {{done: 1}}
            cycle: {{dist: exponential, mean: {mean2} h}}
        """)
    mu1, mu2 = 1.0, 1 / mean2
    rho, places = mu1 / mu2, buffer + 2
    if rho == 1:  # the limit of the formula: mu1 K / (K + 1)
        theory = mu1 * places / (places + 1)
    else:
        theory = mu1 * (1 - rho**places) / (1 - rho ** (places + 1))
    assert_close(results.kpi("good_rate_per_h"), theory, 0.015)


def test_rolled_throughput_yield_is_product_of_step_yields():
    # Serial line, yields 0.9, 0.95, 0.8: RTY = 0.684; overall yield (good /
    # started) equals it for a serial line.
    results = simulate_text(
        """
        line: yields
        product: {item: c, energy: 1 kWh}
        run: {warmup: 5 h, horizon: 2000 h}
        steps:
          a: {makes: {x: 1}, cycle: 60 s, yield: 0.9}
          b: {uses: {x: 1}, makes: {y: 1}, cycle: 30 s, yield: 0.95}
          c: {uses: {y: 1}, makes: {c: 1}, cycle: 30 s, yield: 0.8}
        """,
        workers=2,
    )
    theory = 0.9 * 0.95 * 0.8
    assert_close(results.kpi("rolled_throughput_yield"), theory, 0.005)
    assert_close(results.kpi("overall_yield"), theory, 0.005)
    # Good output rate = 60 starts/h x RTY.
    assert_close(results.kpi("good_rate_per_h"), 60 * theory, 0.005)


def test_latent_defects_escape_at_the_undetected_rate():
    # 2% of units get a latent short at a; c detects 90%: escaped share of good
    # units = 0.02 x 0.1 / (1 - 0.02 x 0.9) = 2,037 ppm.
    results = simulate_text(
        """
        line: defects
        product: {item: c, energy: 1 kWh}
        run: {warmup: 5 h, horizon: 2000 h}
        steps:
          a: {makes: {x: 1}, cycle: 60 s, defects: {short: 0.02}}
          b: {uses: {x: 1}, makes: {y: 1}, cycle: 30 s}
          c: {uses: {y: 1}, makes: {c: 1}, cycle: 30 s, detects: {short: 0.9}}
        """,
        workers=2,
    )
    theory = 0.02 * 0.1 / (1 - 0.02 * 0.9) * 1e6
    assert_close(results.kpi("escaped_ppm"), theory, 0.05)
    assert_close(results.kpi("overall_yield"), 1 - 0.02 * 0.9, 0.001)


def test_littles_law_lead_time():
    # Lead time reported = WIP / start rate. For M/M/1 (lambda 0.5, mu 1) the
    # time in queue and service is W = 1 / (mu - lambda) = 2 h; the unit chain
    # starts when the arrival step starts making the unit, adding its mean 2 h.
    results = simulate_text("""
        line: mm1 chain
        product: {item: done, energy: 1 kWh}
        run: {warmup: 500 h, horizon: 40000 h}
        steps:
          arrivals: {makes: {job: 1}, cycle: {dist: exponential, mean: 2 h}}
          server: {uses: {job: 1}, makes: {done: 1}, cycle: {dist: exponential, mean: 1 h}}
        """)
    assert_close(results.kpi("lead_time_h"), 2.0 + 2.0, 0.03)
    assert math.isclose(
        results.kpi("wip").mean, results.kpi("lead_time_h").mean * 0.5, rel_tol=0.03
    )


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

    parallel = """
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
    capacities = step_capacities(spec_from(parallel))
    assert capacities["a"].good_per_h == pytest.approx(30.0)
    assert capacities["p1"].good_per_h == pytest.approx(40.0)
    assert_close(simulate_text(parallel, replications=5).kpi("good_rate_per_h"), 30.0, 0.03)
    lot = """
        line: lot with setups
        product: {item: cell, energy: 1 kWh}
        run: {horizon: 200 h}
        steps:
          a: {makes: {cell: 1}, cycle: 1 min, lot: 10, setup: {every: 1, time: 10 min}}
        """
    assert line_capacity(spec_from(lot)) == (pytest.approx(30.0), "a")
    assert simulate_text(lot, replications=2).kpi("good_rate_per_h").mean == pytest.approx(30.0)
