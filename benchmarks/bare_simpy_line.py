"""Baseline benchmark: the five-station line written by hand in plain SimPy.

This module is the *reference* that fabsim's own engine is timed against. It is
deliberately written the way a competent SimPy user would write it by hand, with
no tricks and nothing made slow on purpose, so the comparison is fair:

* one SimPy process per machine; ``simpy.Store(capacity=5)`` buffers between stations;
* ``env.timeout`` for processing; blocking after service (``yield store.put(part)``);
* a ``random.Random`` per (station, purpose), one call per sample
  (``expovariate``, ``random``): what SimPy's own examples use, and the
  cheapest per-sample draw in plain Python. ``--rng numpy`` draws from a numpy
  ``Generator`` per (station, purpose) instead, one call per sample, a slower
  variant kept for comparison.

The line: S1..S5 in series, one machine each. S1 never starves, S5 never blocks.
Processing times are exponential with means 1.0, 1.1, 0.9, 1.2, 1.0 min. Every
station scraps a finished part with probability 0.02. S4 fails after an
exponential time to failure (mean 100 min) counted in *operating (busy) time*
only, and is repaired in an exponential time (mean 10 min).

Failures: the classic machine-shop pattern (a breakdown process that interrupts
the machine) counts calendar time; making it count busy time only needs extra
bookkeeping between the two processes. The plainer idiom is used instead: the
machine keeps ``remaining_ttf`` and, while processing a part, runs up to the
failure, sits through the repair and then finishes the part. It also schedules
fewer events than the interrupt version, so the baseline is not handicapped.

Random streams: ``random.Random(seed * 100 + station_index * 10 + purpose)`` (or
``numpy.random.default_rng([seed, station_index, purpose])``) with station_index
0..4 for S1..S5 and purpose 0=processing, 1=scrap, 2=failure, 3=repair.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from functools import partial

import simpy

PROC_MEANS = (1.0, 1.1, 0.9, 1.2, 1.0)  # minutes, S1..S5
BUFFER_CAPACITY = 5
P_SCRAP = 0.02
FAILING_STATION = 3  # S4 (0-based index)
MTTF = 100.0  # minutes of operating time
MTTR = 10.0  # minutes
PROCESSING, SCRAP, FAILURE, REPAIR = range(4)


def _streams(rng: str, seed: int, idx: int) -> list:
    if rng == "numpy":
        import numpy as np  # only for this variant: its import alone costs ~0.1 s

        return [np.random.default_rng([seed, idx, p]) for p in range(4)]
    return [random.Random(seed * 100 + idx * 10 + p) for p in range(4)]


def machine(env, seed, idx, inbox, outbox, stats, rng="random"):
    """One machine: take a part, process it (with operating-time failures), pass it on."""
    proc, scrap, fail, repair = _streams(rng, seed, idx)
    mean = PROC_MEANS[idx]
    # Bound once: no attribute lookup or Python-level wrapper per sample.
    if rng == "numpy":
        work_time = partial(proc.exponential, mean)
        ttf, repair_time = partial(fail.exponential, MTTF), partial(repair.exponential, MTTR)
    else:
        work_time = partial(proc.expovariate, 1.0 / mean)
        ttf = partial(fail.expovariate, 1 / MTTF)
        repair_time = partial(repair.expovariate, 1 / MTTR)
    scrapped = scrap.random
    fails = idx == FAILING_STATION
    remaining_ttf = ttf() if fails else math.inf
    timeout = env.timeout
    part = None
    while True:
        if inbox is not None:  # S1 has unlimited raw material
            part = yield inbox.get()
        stats["cycles"] += 1
        work = work_time()
        while work >= remaining_ttf:  # fails before this part is done
            yield timeout(remaining_ttf)
            work -= remaining_ttf
            yield timeout(repair_time())
            remaining_ttf = ttf()
        yield timeout(work)
        remaining_ttf -= work
        if scrapped() < P_SCRAP:
            continue
        if outbox is None:  # S5 feeds an unlimited sink
            stats["good"] += 1
        else:
            yield outbox.put(part)  # blocking after service


def run(seed: int = 1, horizon_min: float = 200_000.0, rng: str = "random") -> dict:
    """Run the baseline line once.

    Returns {'good': int, 'throughput_per_min': float, 'cycles': int, 'events': int}.

    ``events`` is the number of events SimPy scheduled: ``env._eid`` is SimPy's
    private event-id counter (an ``itertools.count`` incremented once per
    ``Environment.schedule`` call), so ``next(env._eid)`` at the end equals it.
    """
    env = simpy.Environment()
    stats = {"good": 0, "cycles": 0}
    n = len(PROC_MEANS)
    buffers = [simpy.Store(env, capacity=BUFFER_CAPACITY) for _ in range(n - 1)]
    for idx in range(n):
        inbox = buffers[idx - 1] if idx > 0 else None
        outbox = buffers[idx] if idx < n - 1 else None
        env.process(machine(env, seed, idx, inbox, outbox, stats, rng))
    env.run(until=horizon_min)
    return {
        "good": stats["good"],
        "throughput_per_min": stats["good"] / horizon_min,
        "cycles": stats["cycles"],
        "events": next(env._eid),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--horizon", type=float, default=200_000.0, help="minutes")
    parser.add_argument("--rng", choices=("random", "numpy"), default="random")
    args = parser.parse_args()
    t0 = time.perf_counter()
    result = run(seed=args.seed, horizon_min=args.horizon, rng=args.rng)
    wall = time.perf_counter() - t0
    print(result)
    print(f"wall time: {wall:.3f} s  events/cycle: {result['events'] / result['cycles']:.3f}")
