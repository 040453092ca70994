"""Deliveries of a bought-in item (Li2S, SE powder) into its store, with disruptions.

A lot arrives every ``every`` hours. At each due delivery the supplier may
be disrupted (with the disruption's probability): the due lot then arrives
late, when the disruption ends, and the rhythm goes on from there. A lot
that does not fit in the store is delivered in part; the rest is turned
away and counted.

Example:
    >>> from fabsim.sim.buffer import SupplyStore
    >>> from fabsim.sim.clock import Clock
    >>> clock = Clock()
    >>> store = SupplyStore("li2s", 1000, 0, low_mark=1)
    >>> deliveries = Deliveries(clock, store, lot=100, every=lambda: 10.0)
    >>> clock.run(until=35.0)
    >>> store.level, deliveries.delivered
    (300, 300)
"""

from __future__ import annotations

from collections.abc import Callable


class Deliveries:
    """The delivery rhythm of one supply, and what it delivered in the window."""

    def __init__(
        self,
        clock,
        store,
        lot: int,
        every: Callable[[], float],
        disrupted: Callable[[], bool] | None = None,
        outage: Callable[[], float] | None = None,
    ):
        self.clock, self.store, self.lot = clock, store, lot
        self.every, self.disrupted, self.outage = every, disrupted, outage
        self.delivered = 0
        self.turned_away = 0
        self.disruptions = 0
        self.disrupted_hours = 0.0
        self.outage_end = 0.0  # end of the latest disruption
        self.since = 0.0
        clock.at(clock.now + every(), self._due)

    def _due(self) -> None:
        now = self.clock.now
        if self.disrupted is not None and self.disrupted():
            self.disruptions += 1
            end = now + self.outage()
            self.disrupted_hours += end - max(now, self.since)
            self.outage_end = end
            self.clock.at(end, self._deliver)
            return
        self._deliver()

    def _deliver(self) -> None:
        now = self.clock.now
        taken_in = self.store.deliver(self.lot, now)
        self.delivered += taken_in
        self.turned_away += self.lot - taken_in
        self.clock.at(now + self.every(), self._due)

    def restart(self, now: float) -> None:
        """Start the statistics window; an outage under way counts from ``now``."""
        self.delivered = self.turned_away = 0
        self.disruptions = 1 if self.outage_end > now else 0  # one under way counts
        self.disrupted_hours = max(0.0, self.outage_end - now)
        self.since = now

    def disrupted_until(self, end: float) -> float:
        """Disrupted hours inside the window up to ``end``."""
        return self.disrupted_hours - max(0.0, self.outage_end - end)
