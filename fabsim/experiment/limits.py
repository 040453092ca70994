"""Limits that protect the machine from a run that would never end.

A mistyped horizon (``30000 d`` for ``30 d``) should be refused in a second
with a clear message, not discovered an hour later. The estimate is the
number of machine cycles a replication would take if no machine ever
waited: an upper bound of the real count.

Example:
    >>> MAX_REPLICATIONS
    1000
"""

from __future__ import annotations

from fabsim.spec.models import LineSpec

MAX_REPLICATIONS = 1000
MAX_CYCLES = 100_000_000
"""Machine cycles one replication may need (roughly 10 minutes of CPU)."""


class RunTooLarge(ValueError):
    """The run asked for exceeds a documented limit."""


def cycles_upper_bound(spec: LineSpec, hours: float) -> float:
    """Machine cycles in ``hours`` if every machine worked without a pause."""
    total = 0.0
    for step in spec.steps.values():
        per_cycle = step.cycle.mean_hours * (step.lot or 1)
        if per_cycle <= 0:
            continue
        total += step.machines * hours / per_cycle
    return total


def check_run_size(
    spec: LineSpec, replications: int, horizon: float | None, warmup: float | None
) -> None:
    """Raise :class:`RunTooLarge` when a run would exceed the limits."""
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise RunTooLarge(
            f"--replications must be between 1 and {MAX_REPLICATIONS}, got {replications}"
        )
    hours = (spec.run.horizon if horizon is None else horizon) + (
        spec.run.warmup if warmup is None else warmup
    )
    cycles = cycles_upper_bound(spec, hours)
    if cycles > MAX_CYCLES:
        raise RunTooLarge(
            f"{spec.line}: warm-up + horizon of {hours / 24:,.0f} d means up to "
            f"{cycles:,.0f} machine cycles per replication, over the limit of "
            f"{MAX_CYCLES:,} (about 10 minutes each); shorten --horizon or --warmup"
        )
