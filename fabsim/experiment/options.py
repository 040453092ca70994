"""How an experiment runs each candidate line: replications, seed, window, and where.

Every candidate of a sweep, sensitivity study, break-even search or plan is
run with the same options, so candidates share their random numbers
(common random numbers) and differ only where their specs do.

Example:
    >>> options = RunOptions(replications=5, seed=1)
    >>> options.scheduler
    'processes'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fabsim.sim.results import ReplicationResult
from fabsim.spec.models import LineSpec


@dataclass(frozen=True)
class RunOptions:
    """Replications and seed of every candidate, its window (hours; None: the spec's), where."""

    replications: int
    seed: int
    horizon: float | None = None
    warmup: float | None = None
    workers: int | None = None
    scheduler: str = "processes"

    def tasks(self, specs: Sequence[LineSpec]) -> list[tuple]:
        """One task per replication of each spec, spec by spec."""
        return [
            (spec, r, self.seed, self.horizon, self.warmup)
            for spec in specs
            for r in range(self.replications)
        ]

    def run(
        self,
        specs: Sequence[LineSpec],
        progress: Callable[[ReplicationResult], None] | None = None,
    ) -> list[list[ReplicationResult]]:
        """Replications of each spec as one pool of tasks; results per spec, in order."""
        from fabsim.experiment.replications import run_tasks

        flat = run_tasks(self.tasks(specs), self.workers, progress, self.scheduler)
        n = self.replications
        return [flat[i * n : (i + 1) * n] for i in range(len(specs))]
