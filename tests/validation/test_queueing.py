"""Simulated numbers against queueing theory: Jackson tandems, M/M/c, finite buffers,
unreliable two-machine lines (an exact Markov chain), Little's law and yield arithmetic.

Every case is a function that runs fabsim and returns :class:`Check` rows: the
quantity, its exact theoretical value (formula and source in the case's comments),
fabsim's estimate over independent replications and the check's resolution. The
pass rule (``tests/validation/checks.py``): |mean - theory| <= t(1 - 1e-5/2; n - 1)
x SE + a stated model tolerance, so the whole validation suite fails a correct
model with probability below 1e-3 at any seed; the suite runs at seed 1.

``benchmarks/validation_table.py`` prints every check as a table,
``benchmarks/seeds.py`` reruns them at 20 seeds and ``benchmarks/coverage.py``
measures how often their 95% CIs cover the exact values (they import ``CASES``);
``docs/validation.md`` shows the results.

Model tolerances are zero unless a case says otherwise. Every stochastic case warms
up for at least 200 h, seven or more relaxation times of its slowest part (42 h for
the M/M/1 at rho = 0.75, 1/(mu (1 - sqrt(rho))^2)), so the initial-transient bias of
its window averages is of order e^-7 of one relaxation time over a 5,000 h or longer
window: far below 1e-3 of a standard error. Ratios of two window counts (a rate
over a rate, a total time over a number of periods) carry a bias of order 1/count,
about 1e-4 relative here, also two orders below the SE.

fabsim's unit chain starts at the source step, so its ``lead_time_h`` (WIP /
start rate, Little's law) includes the source's own making time, mean 1/lambda
for a Poisson source: the lead-time checks add it to the sojourn time.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np
import pytest

from fabsim.analysis.line_results import LineResults
from fabsim.analysis.stats import Estimate, estimate
from fabsim.sim.line import LineModel
from tests.conftest import simulate_text, spec_from
from tests.validation.checks import RUN, Check, assert_checks, variance_estimate

pytestmark = pytest.mark.validation


def over_runs(results: LineResults, value: Callable) -> Estimate:
    """Estimate of ``value(run, kpis)`` over replications; ``kpis[step_id]`` = step KPIs."""
    return estimate(
        value(run, {step: results.step_values[step][i] for step in results.step_values})
        for i, run in enumerate(results.runs)
    )


def arrival_rate(run, step_id: str) -> float:
    """Units a step took in per hour in one replication."""
    return run.steps[step_id].started / run.horizon_h


# --- 1. Tandem M/M/1 stations (Jackson network) --------------------------------------

TANDEM_ARRIVAL_MEAN_H = 1.0
TANDEM_SERVICE_MEANS_H = (0.5, 0.75, 0.6)
RES_UTIL = {"s1": 0.05, "s2": 0.04, "s3": 0.04}
RES_L = {"s1": 0.12, "s2": 0.25, "s3": 0.12}


def case_tandem_mm1() -> list[Check]:
    # Poisson source into three exponential single machines in series, unlimited
    # buffers. Burke's output theorem and Jackson's theorem (Jackson 1957; Kleinrock,
    # Queueing Systems I, 1975, sec. 4.8; Gross & Harris, Fundamentals of Queueing
    # Theory, sec. 4.1): each station is an independent M/M/1 with arrival rate
    # lambda: rho_i = lambda/mu_i, L_i = rho_i/(1 - rho_i), W_i = 1/(mu_i - lambda),
    # and the line's throughput is lambda.
    case = "tandem M/M/1 x3 (Jackson)"
    lam = 1 / TANDEM_ARRIVAL_MEAN_H
    stations = [f"s{i + 1}" for i in range(len(TANDEM_SERVICE_MEANS_H))]
    queues = [f"q{i + 1}" for i in range(len(stations))]
    outputs = [*queues[1:], "done"]
    steps = "".join(
        f"\n  {s}: {{uses: {{{q}: 1}}, makes: {{{o}: 1}}, "
        f"cycle: {{dist: exponential, mean: {mean} h}}}}"
        for s, q, o, mean in zip(stations, queues, outputs, TANDEM_SERVICE_MEANS_H, strict=True)
    )
    results = simulate_text(
        "line: tandem\n"
        "product: {item: done, energy: 1 kWh}\n"
        "run: {warmup: 300 h, horizon: 10000 h}\n"
        "steps:\n"
        f"  arrivals: {{makes: {{q1: 1}}, "
        f"cycle: {{dist: exponential, mean: {TANDEM_ARRIVAL_MEAN_H} h}}}}" + steps,
        replications=RUN.replications,
        seed=RUN.seed,
        workers=RUN.workers,
    )
    # Resolutions (the widest bound each check may have, relative): at least twice
    # the typical bound at 20 replications of 10,000 h (see checks.py).
    # Throughput = lambda (a Poisson count of ~10,000 per replication).
    checks = [Check(case, "throughput /h", lam, results.kpi("good_rate_per_h"), 0.03)]
    sojourn = 0.0
    for step_id, queue, mean in zip(stations, queues, TANDEM_SERVICE_MEANS_H, strict=True):
        mu = 1 / mean
        rho = lam / mu
        sojourn += 1 / (mu - lam)
        # In service: the single machine's utilization = rho.
        utilization = results.step(step_id, "utilization")
        checks.append(
            Check(case, f"{step_id} utilization = rho", rho, utilization, RES_UTIL[step_id])
        )
        # L_i = queue (mean level of the input buffer) + in service (utilization).
        # At rho = 0.75 the number in system is slow to settle (relaxation time
        # ~ 1/(mu (1 - sqrt(rho))^2) = 42 h), hence its wider resolution.
        number = over_runs(
            results,
            lambda run, kpis, s=step_id, q=queue: (
                run.buffers[q].mean_level + kpis[s]["utilization"]
            ),
        )
        checks.append(
            Check(case, f"{step_id} L = rho/(1-rho)", rho / (1 - rho), number, RES_L[step_id])
        )
    # Sojourn time sum_i 1/(mu_i - lambda). fabsim's lead time starts when the source
    # starts making the unit, so it adds the source's mean making time 1/lambda.
    lead_time = results.kpi("lead_time_h")
    checks.append(
        Check(case, "lead time = 1/lam + sum W_i (h)", 1 / lam + sojourn, lead_time, 0.12)
    )
    return checks


# --- 2. M/M/c station (Erlang C) ------------------------------------------------------

MMC_CASES = {2: (1 / 1.5, 1.0), 3: (0.5, 1.0)}  # servers: (arrival mean h, service mean h)
# servers: resolutions of utilization, P(wait), Lq and Wq, all-busy period
MMC_RESOLUTIONS = {2: (0.03, 0.05, 0.25, 0.15), 3: (0.03, 0.06, 0.25, 0.10)}


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arrival waits in M/M/c with offered load a = lambda/mu."""
    rho = load / servers
    top = load**servers / math.factorial(servers) / (1 - rho)
    return top / (sum(load**k / math.factorial(k) for k in range(servers)) + top)


def _replication_with_full_share(spec, replication: int, seed: int, step_id: str):
    model = LineModel(spec, replication, seed, spec.run.warmup)
    model.run(spec.run.horizon)
    model.check_balance()
    station = model.meter.stations[model.flow.order.index(step_id)]
    return model.result(replication, seed, spec.run.horizon), station.length_sum / spec.run.horizon


def simulate_with_full_share(
    yaml_text: str, step_id: str, replications: int, seed: int, workers: int = 1
):
    """Like ``simulate_text``, also returning, per replication, the share of the window
    in which all of ``step_id``'s machines were active: the sum of the step's active
    periods kept by the Roser bottleneck meter (an internal of :class:`LineModel`),
    which counts only the window's part of a period that straddles its start or end.
    """
    spec = spec_from(yaml_text)
    tasks = [(spec, r, seed, step_id) for r in range(replications)]
    if workers > 1:
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            pairs = list(pool.map(_replication_with_full_share, *zip(*tasks, strict=True)))
    else:
        pairs = [_replication_with_full_share(*task) for task in tasks]
    return LineResults(spec, [run for run, _ in pairs], seed), [share for _, share in pairs]


def case_mmc(servers: int) -> list[Check]:
    # M/M/c (Erlang 1917; Gross & Harris sec. 2.3; Kleinrock I sec. 3.5): with
    # a = lambda/mu and rho = a/c, the probability of waiting is Erlang's C formula
    # C(c, a) = [a^c/c! /(1-rho)] / [sum_{k<c} a^k/k! + a^c/c! /(1-rho)],
    # Lq = C rho/(1 - rho), Wq = Lq/lambda = C/(c mu - lambda), utilization = rho.
    # A period with all c machines busy is an M/M/1 busy period at rate c mu:
    # mean 1/(c mu - lambda).
    arrival_mean, service_mean = MMC_CASES[servers]
    lam, mu = 1 / arrival_mean, 1 / service_mean
    load = lam / mu
    rho = load / servers
    wait_probability = erlang_c(servers, load)
    lq = wait_probability * rho / (1 - rho)
    case = f"M/M/{servers}, rho = {rho:.3g}"
    results, full_shares = simulate_with_full_share(
        f"""
        line: mmc
        product: {{item: done, energy: 1 kWh}}
        run: {{warmup: 300 h, horizon: 10000 h}}
        steps:
          arrivals: {{makes: {{job: 1}}, cycle: {{dist: exponential, mean: {arrival_mean} h}}}}
          server:
            uses: {{job: 1}}
            makes: {{done: 1}}
            machines: {servers}
            cycle: {{dist: exponential, mean: {service_mean} h}}
        """,
        "server",
        replications=RUN.replications,
        seed=RUN.seed,
        workers=RUN.workers,
    )
    queue = over_runs(results, lambda run, _kpis: run.buffers["job"].mean_level)
    # Wq by Little's law on the queue: Lq / lambda, lambda measured per replication.
    wait = over_runs(
        results, lambda run, _kpis: run.buffers["job"].mean_level / arrival_rate(run, "server")
    )
    # PASTA: the share of time all c machines are busy is the probability of waiting.
    # The mean all-busy period is total all-busy time / periods ended in the window
    # (the first and last cut at the window's edges): a ratio, bias ~ 1/count.
    # Resolutions: at least twice the typical bound at 20 replications of 10,000 h;
    # the queue at rho = 0.75 is slow to settle, hence Lq's and Wq's wider ones.
    res = MMC_RESOLUTIONS[servers]
    return [
        Check(case, "utilization = rho", rho, results.step("server", "utilization"), res[0]),
        Check(case, "P(wait) = Erlang C", wait_probability, estimate(full_shares), res[1]),
        Check(case, "Lq = C rho/(1-rho)", lq, queue, res[2]),
        Check(case, "Wq = Lq/lam (h)", lq / lam, wait, res[2]),
        Check(
            case,
            "all-busy period = 1/(c mu - lam) (h)",
            1 / (servers * mu - lam),
            results.step("server", "mean_active_period_h"),
            res[3],
        ),
    ]


# --- 3. Two exponential stations, finite buffer, blocking after service ---------------

# (buffer size B, rho = mu1/mu2); M1 always has mean 1 h.
FINITE_BUFFER_GRID = [(b, rho) for b in (1, 4, 10) for rho in (0.5, 1.0, 1.5)]


def two_station_throughput(mu1: float, mu2: float, buffer: int) -> float:
    """Throughput of M1 -> buffer -> M2, M1 never starved, M2 never blocked.

    Blocking after service makes the number of parts past M1 (buffer, in M2 and
    held by a blocked M1) a birth-death chain on 0..K, K = B + 2, births mu1 and
    deaths mu2 (Buzacott & Shanthikumar, Stochastic Models of Manufacturing
    Systems, 1993, two-stage flow line; Gershwin, Manufacturing Systems
    Engineering, 1994, ch. 3): throughput = mu1 (1 - rho^K)/(1 - rho^(K+1)), rho = mu1/mu2,
    and its limit mu1 K/(K + 1) at rho = 1.
    """
    rho, places = mu1 / mu2, buffer + 2
    if math.isclose(rho, 1.0):
        return mu1 * places / (places + 1)
    return mu1 * (1 - rho**places) / (1 - rho ** (places + 1))


def case_finite_buffer(buffer: int, rho: float) -> list[Check]:
    mean1, mean2 = 1.0, rho  # rho = mu1/mu2 = mean2/mean1
    results = simulate_text(
        f"""
        line: two stations
        product: {{item: done, energy: 1 kWh}}
        run: {{warmup: 200 h, horizon: 5000 h}}
        buffers: {{part: {buffer}}}
        steps:
          m1: {{makes: {{part: 1}}, cycle: {{dist: exponential, mean: {mean1} h}}}}
          m2:
            uses: {{part: 1}}
            makes: {{done: 1}}
            cycle: {{dist: exponential, mean: {mean2} h}}
        """,
        replications=RUN.replications,
        seed=RUN.seed,
        workers=RUN.workers,
    )
    theory = two_station_throughput(1 / mean1, 1 / mean2, buffer)
    case = f"2 stations, B = {buffer}, rho = {rho:g}"
    # Resolution 6%, at least twice the typical bound (1.5% to 2.4% over the grid): a
    # replication's rate varies by ~1.7% (5,000 h, ~3,000 departures at rho = 1.5).
    return [Check(case, "throughput /h", theory, results.kpi("good_rate_per_h"), 0.06)]


# --- 4. Two unreliable machines, finite buffer: the exact Markov chain ----------------


@dataclass(frozen=True)
class UnreliableLine:
    buffer: int
    mean1_h: float  # processing time means (exponential)
    mean2_h: float
    mtbf1_h: float  # operating time between failures (exponential)
    mttr1_h: float  # repair time (exponential)
    mtbf2_h: float
    mttr2_h: float


UNRELIABLE_LINES = {
    "A": UnreliableLine(2, 1.0, 0.8, 10.0, 1.0, 8.0, 2.0),
    "B": UnreliableLine(6, 0.5, 0.5, 5.0, 0.5, 20.0, 2.0),
    "C": UnreliableLine(15, 0.8, 1.0, 40.0, 4.0, 30.0, 1.0),
}
# Resolutions of throughput, buffer level, M1 blocked, M1 down, M2 starved, M2 busy.
UNRELIABLE_RESOLUTIONS = {
    "A": (0.03, 0.08, 0.12, 0.12, 0.08, 0.03),
    "B": (0.02, 0.06, 0.15, 0.10, 0.12, 0.02),
    "C": (0.025, 0.08, 0.20, 0.25, 0.60, 0.015),
}


def unreliable_line_chain(line: UnreliableLine) -> dict[str, float]:
    """Exact long-run measures of M1 -> buffer B -> M2 with operation-dependent failures.

    The continuous-time Markov chain (the exponential two-machine line with
    unreliable machines of Buzacott & Shanthikumar, Stochastic Models of
    Manufacturing Systems, 1993, and Gershwin, Manufacturing Systems Engineering,
    1994, ch. 3, written here in fabsim's conventions) has states (n, d1, d2):

    * n = parts finished by M1 and not yet by M2, in 0..K, K = B + 2. In fabsim M2
      takes its part out of the buffer when it starts, and a finished part that
      finds the buffer full stays in M1 (blocking after service), in neither. So
      n = 0: M2 starved, buffer empty; 1 <= n <= B + 1: M2 holds a part and the
      buffer holds n - 1; n = K: buffer full (B), M2 holds one, M1 is blocked.
    * d_i = 1 when machine i is down. A machine fails only while processing
      (fabsim counts time to failure in operating time), so M1 can fail only when
      up and n < K, M2 only when up and n >= 1; a down machine keeps its part.

    Rates: M1 finishes (n -> n + 1) at mu1 when up and n < K, and fails at p1 = 1/MTBF1;
    M2 finishes (n -> n - 1) at mu2 when up and n >= 1, and fails at p2; repairs at
    r_i = 1/MTTR_i. States (K, down, .) and (0, ., down) have no way in and get
    probability zero. Solve pi Q = 0 with sum(pi) = 1.

    fabsim draws each processing time when the cycle starts and folds breakdowns
    into it (the work left resumes after the repair). With exponential processing
    times, exponential times to failure counted in operating time and exponential
    repairs, the work left at any moment is again exponential(mu) and independent
    of the past (memorylessness), so (n, d1, d2) evolves exactly as this chain.
    """
    mu1, mu2 = 1 / line.mean1_h, 1 / line.mean2_h
    p1, p2 = 1 / line.mtbf1_h, 1 / line.mtbf2_h
    r1, r2 = 1 / line.mttr1_h, 1 / line.mttr2_h
    top = line.buffer + 2
    states = [(n, d1, d2) for n in range(top + 1) for d1 in (0, 1) for d2 in (0, 1)]
    index = {state: i for i, state in enumerate(states)}
    q = np.zeros((len(states), len(states)))
    for (n, d1, d2), i in index.items():
        moves = []
        if d1 == 0 and n < top:
            moves += [((n + 1, d1, d2), mu1), ((n, 1, d2), p1)]
        if d1 == 1:
            moves.append(((n, 0, d2), r1))
        if d2 == 0 and n >= 1:
            moves += [((n - 1, d1, d2), mu2), ((n, d1, 1), p2)]
        if d2 == 1:
            moves.append(((n, d1, 0), r2))
        for target, rate in moves:
            q[i, index[target]] += rate
            q[i, i] -= rate
    system = np.vstack([q.T, np.ones(len(states))])
    rhs = np.zeros(len(states) + 1)
    rhs[-1] = 1.0
    pi = np.linalg.lstsq(system, rhs, rcond=None)[0]
    assert np.abs(pi @ q).max() <= 1e-9 * np.abs(q).max() and math.isclose(pi.sum(), 1.0)

    def prob(condition) -> float:
        return float(
            sum(p for (n, d1, d2), p in zip(states, pi, strict=True) if condition(n, d1, d2))
        )

    return {
        "throughput": mu2 * prob(lambda n, d1, d2: n >= 1 and d2 == 0),
        "buffer": float(
            sum(
                p * min(max(n - 1, 0), line.buffer) for (n, _, _), p in zip(states, pi, strict=True)
            )
        ),
        "m1_blocked": prob(lambda n, d1, d2: n == top),
        "m1_down": prob(lambda n, d1, d2: d1 == 1),
        "m2_starved": prob(lambda n, d1, d2: n == 0),
        "m2_busy": prob(lambda n, d1, d2: n >= 1 and d2 == 0),
    }


def case_unreliable_line(name: str) -> list[Check]:
    line = UNRELIABLE_LINES[name]
    exact = unreliable_line_chain(line)
    results = simulate_text(
        f"""
        line: two unreliable machines
        product: {{item: done, energy: 1 kWh}}
        run: {{warmup: 300 h, horizon: 15000 h}}
        buffers: {{part: {line.buffer}}}
        steps:
          m1:
            makes: {{part: 1}}
            cycle: {{dist: exponential, mean: {line.mean1_h} h}}
            failures: [{{mtbf: {line.mtbf1_h} h, mttr: {line.mttr1_h} h}}]
          m2:
            uses: {{part: 1}}
            makes: {{done: 1}}
            cycle: {{dist: exponential, mean: {line.mean2_h} h}}
            failures: [{{mtbf: {line.mtbf2_h} h, mttr: {line.mttr2_h} h}}]
        """,
        replications=RUN.replications,
        seed=RUN.seed,
        workers=RUN.workers,
    )
    case = f"unreliable 2-machine line {name} (B = {line.buffer})"
    buffer = over_runs(results, lambda run, _kpis: run.buffers["part"].mean_level)
    # Resolutions: at least twice the typical bound at 20 replications of 15,000 h.
    # The mean buffer level and M1's blocked share move slowly with the up/down
    # cycles, M1's down share with 4-h repairs in line C, and M2's starved share is
    # 2.4% of the time in line C (a small count of long episodes): their resolutions
    # are wider.
    res = UNRELIABLE_RESOLUTIONS[name]
    return [
        Check(case, "throughput /h", exact["throughput"], results.kpi("good_rate_per_h"), res[0]),
        Check(case, "mean buffer level", exact["buffer"], buffer, res[1]),
        Check(
            case,
            "M1 blocked share",
            exact["m1_blocked"],
            results.step("m1", "states.blocked"),
            res[2],
        ),
        Check(case, "M1 down share", exact["m1_down"], results.step("m1", "states.down"), res[3]),
        Check(
            case,
            "M2 starved share",
            exact["m2_starved"],
            results.step("m2", "states.starved"),
            res[4],
        ),
        Check(case, "M2 busy share", exact["m2_busy"], results.step("m2", "utilization"), res[5]),
    ]


# --- 5. Little's law: L = lambda W ---------------------------------------------------

LITTLE_LINE = """
    line: little
    product: {item: done, energy: 1 kWh}
    run: {warmup: 300 h, horizon: 2500 h}
    buffers: {x: 3, y: 2}
    steps:
      a: {makes: {x: 1}, cycle: {dist: lognormal, mean: 1 h, cv: 0.7}}
      b:
        uses: {x: 1}
        makes: {y: 1}
        machines: 2
        cycle: {dist: exponential, mean: 1.6 h}
        failures: [{mtbf: 20 h, mttr: 1 h}]
      c: {uses: {y: 1}, makes: {done: 1}, cycle: {dist: uniform, low: 0.4 h, high: 1.2 h}}
    """


def case_little_variable_line() -> list[Check]:
    # Little's law L = lambda W (Little 1961; Gross & Harris sec. 1.4) on a line with
    # lognormal, exponential and uniform cycles, breakdowns, two parallel machines and
    # finite buffers. fabsim's lead time is WIP / start rate, so checking
    # WIP = throughput x lead time would restate its own formula; instead its WIP is
    # rebuilt independently in each replication: every one-unit machine holds a unit
    # unless it is starved (busy, down and blocked machines hold one), so
    # WIP = sum over steps of machines x (1 - starved share) (from the machines' state
    # times, not from fabsim's WIP counters) + the mean levels of the buffers between
    # the steps. The two are accumulated separately over the same window, so their
    # ratio is 1 in every replication up to float rounding: model tolerance 1e-9.
    # The resolution (1e-6) is what makes this an identity check: a machine state
    # booked wrongly for a fraction of the window moves the ratio far more.
    case = "Little, variable line"
    results = simulate_text(
        LITTLE_LINE, replications=RUN.replications, seed=RUN.seed, workers=RUN.workers
    )
    ratio = over_runs(
        results,
        lambda run, kpis: (
            run.chain_wip
            / (
                sum(run.steps[s].machines * (1 - kpis[s]["states.starved"]) for s in "abc")
                + run.buffers["x"].mean_level
                + run.buffers["y"].mean_level
            )
        ),
    )
    return [
        Check(
            case,
            "WIP / (machines not starved + buffers)",
            1.0,
            ratio,
            1e-6,
            model_tolerance=1e-9,
            sampling=False,
        ),
    ]


def case_little_traced_line() -> list[Check]:
    # Constant cycles 50 s, 80 s, 30 s, buffers a: 2 and b: 2; the 80-s step paces the
    # line (45 units/h). Traced by hand, in steady state a unit starting at s1 at t:
    # made by t + 50 s, blocked (buffer a full) until s2 next takes a unit at t + 80,
    # enters a behind 2 units, enters s2 two s2 cycles later (t + 240), leaves s2 at
    # t + 320 into an empty buffer b, and s3 finishes it at t + 350: W = 350 s.
    # WIP: s1 always holds one (busy or blocked), a is full (2), s2 holds one, b is
    # empty, s3 holds one 30 of every 80 s: L = 4.375 = 45/h x 350 s (Little).
    # Deterministic (no random draws): the SE is zero and the bound is the model
    # tolerance alone, the edge effect of a 100-h window on an 80-s periodic pattern:
    # the unit count is off by at most one (1/4,500 of it), the WIP's time average by
    # at most one unit over one period (80 s / 100 h = 2.2e-4 of a unit), and the lead
    # time (WIP / start rate) by the sum of two such relative errors: 2 x 80 s / 100 h
    # = 4.4e-4 relative covers all three. Resolution 0.1%.
    case = "Little, traced deterministic line"
    results = simulate_text(
        """
        line: traced
        product: {item: c, energy: 1 kWh}
        run: {warmup: 1 h, horizon: 100 h}
        buffers: {a: 2, b: 2}
        steps:
          s1: {makes: {a: 1}, cycle: 50 s}
          s2: {uses: {a: 1}, makes: {b: 1}, cycle: 80 s}
          s3: {uses: {b: 1}, makes: {c: 1}, cycle: 30 s}
        """,
        replications=2,
        seed=RUN.seed,
    )
    edge = 2 * 80 / (100 * 3600)
    return [
        Check(case, quantity, theory, results.kpi(kpi), 0.001, edge * theory, sampling=False)
        for quantity, kpi, theory in (
            ("throughput /h", "good_rate_per_h", 45.0),
            ("WIP", "wip", 4.375),
            ("lead time (h), traced", "lead_time_h", 350 / 3600),
        )
    ]


# --- 6. Yield arithmetic: the good count is Binomial(n, RTY) --------------------------

BINOMIAL_YIELDS = (0.9, 0.95, 0.8)
BINOMIAL_BATCHES = 30
BINOMIAL_REPLICATIONS = 1000


def case_binomial_good_count() -> list[Check]:
    # A batch press (10 units per 10-min cycle, always fed: raw material is
    # unlimited) then two 30-s steps, yields 0.9, 0.95, 0.8: each unit survives each
    # step independently, so the good count of n units is Binomial(n, RTY),
    # RTY = 0.9 x 0.95 x 0.8 = 0.684: mean n RTY, variance n RTY (1 - RTY).
    # n by hand, no warm-up: batch j ends at 10j min; its <= 10 good units take 30 s
    # each at b and at c, so the last leaves c by 10j + 5.5 min, before the next
    # batch ends. The horizon, 10 x 30 + 8 = 308 min, lets batches 1..30 finish and
    # stops batch 31 (ends at 310 min) inside the press: n = 300.
    # Resolutions: 1.5% on the mean (SE 0.12%, bound ~0.55%) and 50% on the variance
    # (SE ~4.5% at 1,000 replications, bound ~20%); a yield drawn per batch instead of
    # per unit would multiply the variance by up to 10, one applied as a fraction
    # would make it zero. The sample variance is skewed (chi-square like): at this
    # bound its two-sided tail is ~1.5e-5 rather than 1e-5, within the budget's slack
    # (the suite holds ~70 checks, not 100).
    case = f"yields + batch, {BINOMIAL_REPLICATIONS} replications"
    press, b, c = BINOMIAL_YIELDS
    results = simulate_text(
        f"""
        line: binomial
        product: {{item: z, energy: 1 kWh}}
        run: {{warmup: 0 h, horizon: {10 * BINOMIAL_BATCHES + 8} min}}
        steps:
          press: {{makes: {{x: 1}}, batch: {{size: 10}}, cycle: 10 min, yield: {press}}}
          b: {{uses: {{x: 1}}, makes: {{y: 1}}, cycle: 30 s, yield: {b}}}
          c: {{uses: {{y: 1}}, makes: {{z: 1}}, cycle: 30 s, yield: {c}}}
        """,
        replications=BINOMIAL_REPLICATIONS,
        seed=RUN.seed,
        workers=RUN.workers,
    )
    n = 10 * BINOMIAL_BATCHES
    rty = press * b * c
    good = [run.finished for run in results.runs]
    return [
        Check(case, "good count mean = n RTY", n * rty, estimate(good), 0.015),
        Check(
            case,
            "good count variance = n RTY (1-RTY)",
            n * rty * (1 - rty),
            variance_estimate(good),
            0.50,
        ),
    ]


# --- The cases, for the tests and for the benchmarks (validation_table, seeds, coverage)

CASES: list[tuple[str, Callable[[], list[Check]]]] = [
    ("tandem_mm1", case_tandem_mm1),
    *[(f"mmc_{c}", partial(case_mmc, c)) for c in sorted(MMC_CASES)],
    *[
        (f"finite_buffer_{b}_{r:g}", partial(case_finite_buffer, b, r))
        for b, r in FINITE_BUFFER_GRID
    ],
    *[(f"unreliable_{name}", partial(case_unreliable_line, name)) for name in UNRELIABLE_LINES],
    ("little_variable", case_little_variable_line),
    ("little_traced", case_little_traced_line),
    ("binomial_yields", case_binomial_good_count),
]


def test_tandem_mm1_stations_match_jackson():
    assert_checks(case_tandem_mm1())


@pytest.mark.parametrize("servers", sorted(MMC_CASES))
def test_mmc_station_matches_erlang_c(servers):
    assert_checks(case_mmc(servers))


@pytest.mark.parametrize(("buffer", "rho"), FINITE_BUFFER_GRID)
def test_two_stations_with_finite_buffer_grid(buffer, rho):
    assert_checks(case_finite_buffer(buffer, rho))


def test_chain_without_failures_is_the_birth_death_formula():
    # Sanity check of the chain itself (no simulation): with failures vanishingly
    # rare it must give the finite-buffer formula of case 3.
    for buffer, rho in FINITE_BUFFER_GRID:
        line = UnreliableLine(buffer, 1.0, rho, 1e9, 1e-3, 1e9, 1e-3)
        exact = unreliable_line_chain(line)
        expected = two_station_throughput(1.0, 1 / rho, buffer)
        assert exact["throughput"] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("name", sorted(UNRELIABLE_LINES))
def test_unreliable_two_machine_line_matches_markov_chain(name):
    assert_checks(case_unreliable_line(name))


def test_littles_law_on_a_variable_line():
    assert_checks(case_little_variable_line())


def test_littles_law_against_a_traced_lead_time():
    assert_checks(case_little_traced_line())


def test_good_count_is_binomial_in_rolled_throughput_yield():
    assert_checks(case_binomial_good_count())
