"""What one replication returns: plain numbers, cheap to pickle and compare.

Example:
    >>> r = ReplicationResult(replication=0, seed=1, warmup_h=0.0, horizon_h=1.0)
    >>> r.finished
    0
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class StepResult:
    """One step over the statistics window (sums over its machines)."""

    machines: int
    states: dict[str, float]  # machine-hours per state
    cycles: int
    started: int  # recipe units taken in
    made: int  # output units made, good or not
    good: int
    scrapped: int  # failed by the step's yield
    detected: int  # scrapped because a latent defect was found
    defects_made: int
    mean_fill: float  # mean recipe units per cycle (batch fill)
    wip: float  # time-average units inside the step's machines
    bottleneck_share: float  # share of the window it was the bottleneck (alone or shared)
    mean_active_period_h: float
    bottleneck_sole: float = 0.0  # share of the window it alone was the bottleneck
    bottleneck_shared: float = 0.0  # share it was the bottleneck together with others
    starved_by: dict[str, float] = field(default_factory=dict)  # machine-hours per supply


@dataclass
class BufferResult:
    """One buffer over the statistics window."""

    capacity: float
    mean_level: float
    max_level: int
    final_level: int
    start_level: int = 0  # level when the statistics window began
    scrapped: int = 0  # scrapped inside the buffer by disturbances
    expired: int = 0  # scrapped for exceeding max_dwell


@dataclass
class DisturbanceResult:
    """One shared disturbance over the statistics window."""

    events: int  # onsets in the window
    hours: float  # hours it lasted inside the window
    scrapped: dict[str, int]  # units scrapped at onsets, per buffer item


@dataclass
class SupplyResult:
    """One supply over the statistics window."""

    delivered: int
    turned_away: int  # did not fit in the store
    disruptions: int
    disrupted_hours: float
    mean_stock: float
    stockout_share: float  # share of the window with less than one cycle's take


@dataclass
class ReplicationResult:
    """Everything measured in one replication of one line."""

    replication: int
    seed: int
    warmup_h: float
    horizon_h: float
    finished: int = 0  # good product units leaving the line
    escaped: dict[str, int] = field(default_factory=dict)  # of those, carrying a defect
    chain_started: int = 0  # units started by the first step of the unit chain
    chain_wip: float = 0.0  # time-average units between chain start and finish
    steps: dict[str, StepResult] = field(default_factory=dict)
    buffers: dict[str, BufferResult] = field(default_factory=dict)
    events: int = 0  # events scheduled (a cost measure, not a statistic)
    staffed_h: float = 0.0  # hours of the window inside shift windows
    bottleneck_shared: float = 0.0  # share of the window the bottleneck was shared
    disturbances: dict[str, DisturbanceResult] = field(default_factory=dict)
    supplies: dict[str, SupplyResult] = field(default_factory=dict)
    series_h: float = 0.0  # width of one bin of ``series``
    series: list[int] = field(default_factory=list)  # good units finished per bin since 0


def to_plain(result: ReplicationResult) -> dict:
    """A replication's numbers as plain dicts and lists (for JSON), nothing lost.

    Example:
        >>> result = ReplicationResult(0, 1, 2.0, 3.0, finished=7)
        >>> from_plain(to_plain(result)) == result
        True
    """
    from dataclasses import asdict

    return asdict(result)


def from_plain(data: dict) -> ReplicationResult:
    """The :class:`ReplicationResult` that :func:`to_plain` wrote."""
    fields = dict(data)
    fields["steps"] = {k: StepResult(**v) for k, v in data.get("steps", {}).items()}
    fields["buffers"] = {k: BufferResult(**v) for k, v in data.get("buffers", {}).items()}
    fields["disturbances"] = {
        k: DisturbanceResult(**v) for k, v in data.get("disturbances", {}).items()
    }
    fields["supplies"] = {k: SupplyResult(**v) for k, v in data.get("supplies", {}).items()}
    return ReplicationResult(**fields)
