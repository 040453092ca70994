"""Run several lines with the same seeds: common random numbers for fair comparisons.

Replication ``r`` of every line uses the streams keyed by ``(seed, r, step,
machine, purpose)``: steps that two lines share draw the same numbers, so
the paired difference between lines carries less noise than the lines do.
All replications of all lines are one pool of tasks.

Example:
    >>> runs = run_lines([semi, solid], replications=5, seed=1)   # doctest: +SKIP
    >>> len(runs), len(runs[0])                                   # doctest: +SKIP
    (2, 5)
"""

from __future__ import annotations

from fabsim.experiment.options import RunOptions
from fabsim.experiment.replications import Progress
from fabsim.sim.results import ReplicationResult
from fabsim.spec.models import LineSpec


def run_lines(
    specs: list[LineSpec],
    replications: int,
    seed: int,
    horizon: float | None = None,
    warmup: float | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    scheduler: str = "processes",
) -> list[list[ReplicationResult]]:
    """Replications ``0..N-1`` of each line with one seed; results per line, in order."""
    options = RunOptions(replications, seed, horizon, warmup, workers, scheduler)
    return options.run(specs, progress)
