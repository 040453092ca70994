"""Ramp-up of a new line: weekly output from empty with the steps' learning curves.

Each replication runs twice with the same streams: once as a new line
(``ramp`` curves applied, no warm-up, output recorded per week) and once
mature (no ramps, the spec's own warm-up and window), so the weekly rate
can be read against the mature rate of the same line.

Example:
    >>> from fabsim.spec import load_spec
    >>> spec = load_spec("process_specs/examples/three_step.yaml")      # doctest: +SKIP
    >>> new, mature = run_rampup(spec, replications=3, seed=1, horizon=26 * 168.0)  # doctest: +SKIP
    >>> len(new[0].series)                                              # doctest: +SKIP
    26
"""

from __future__ import annotations

import math

from fabsim.experiment.replications import Progress, run_tasks
from fabsim.sim.results import ReplicationResult
from fabsim.spec.models import LineSpec

WEEK_H = 168.0


def run_rampup(
    spec: LineSpec,
    replications: int,
    seed: int,
    horizon: float,
    workers: int | None = None,
    progress: Progress | None = None,
    scheduler: str = "processes",
) -> tuple[list[ReplicationResult], list[ReplicationResult]]:
    """New-line runs (ramps on, from empty) and mature runs, in replication order.

    ``horizon`` is rounded up to whole weeks.
    """
    horizon = math.ceil(horizon / WEEK_H - 1e-9) * WEEK_H
    new = [(spec, r, seed, horizon, 0.0, True, WEEK_H) for r in range(replications)]
    # The mature window in whole weeks from a Monday, so a calendar with days
    # off weighs each weekday as the new line's weeks do.
    weeks = math.ceil(spec.run.horizon / WEEK_H - 1e-9) * WEEK_H
    settle = math.ceil(spec.run.warmup / WEEK_H - 1e-9) * WEEK_H
    mature = [(spec, r, seed, weeks, settle) for r in range(replications)]
    results = run_tasks(new + mature, workers, progress, scheduler)
    return results[:replications], results[replications:]
