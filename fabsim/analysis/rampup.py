"""Ramp-up statistics: good output per week with 95% CIs, and time to 90% of mature.

The mature rate is the mean good rate of the mature runs (the line without
its ramps, after its warm-up). A replication reaches 90% in the first week
whose good output per hour is at least 90% of that rate; the time reported
is the end of that week, in hours from the start of the new line.

Example:
    >>> from fabsim.sim.results import ReplicationResult
    >>> new = ReplicationResult(0, 1, 0.0, 336.0, series_h=168.0, series=[840, 1680])
    >>> mature = ReplicationResult(0, 1, 0.0, 100.0, finished=1000)
    >>> RampupResults("demo", [new], [mature], seed=1).to_dict()["time_to_90pct_h"]
    {'mean': 336.0, 'ci95': [None, None], 'reached_in': 1}
"""

from __future__ import annotations

from fabsim.analysis.stats import estimate
from fabsim.sim.results import ReplicationResult

TARGET = 0.9


class RampupResults:
    """New-line and mature replications of one line."""

    def __init__(
        self,
        line: str,
        new: list[ReplicationResult],
        mature: list[ReplicationResult],
        seed: int,
    ):
        self.line, self.new, self.mature, self.seed = line, new, mature, seed

    @property
    def weeks(self) -> int:
        return min(len(r.series) for r in self.new)

    def mature_rate(self):
        """Good units/h of the mature line (mean and 95% CI)."""
        return estimate(r.finished / r.horizon_h for r in self.mature)

    def week(self, number: int):
        """Good units made in week ``number`` (1-based), mean and 95% CI."""
        return estimate(r.series[number - 1] for r in self.new)

    def week_rate(self, number: int):
        """Good units per hour in week ``number`` (1-based), mean and 95% CI."""
        return estimate(r.series[number - 1] / r.series_h for r in self.new)

    def time_to_target(self) -> list[float]:
        """Hours until the weekly rate first reaches 90% of mature, for each replication
        that reached it (fewer entries than replications when some did not)."""
        target = TARGET * (self.mature_rate().mean or 0.0)
        times = []
        for run in self.new:
            for index, good in enumerate(run.series[: self.weeks]):
                if good / run.series_h >= target:
                    times.append((index + 1) * run.series_h)
                    break
        return times

    def to_dict(self) -> dict:
        """The ``--json`` object of ``fabsim rampup``."""
        times = self.time_to_target()
        reached = (
            {**estimate(times).to_dict(), "reached_in": len(times)}
            if len(times) == len(self.new)
            else {"mean": None, "ci95": [None, None], "reached_in": len(times)}
        )
        weeks = []
        for number in range(1, self.weeks + 1):
            good = self.week(number)
            rate = self.week_rate(number)
            weeks.append(
                {"week": number, "good": good.to_dict(), "good_rate_per_h": rate.to_dict()}
            )
        return {
            "line": self.line,
            "seed": self.seed,
            "replications": len(self.new),
            "mature_rate_per_h": self.mature_rate().to_dict(),
            "weeks": weeks,
            "time_to_90pct_h": reached,
        }
