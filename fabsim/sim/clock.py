"""The simulation clock: a time-ordered queue of callbacks, and nothing else.

fabsim's machines are callbacks, not processes (see :mod:`fabsim.sim.machine`),
so the engine needs only "call this at that time". SimPy's ``Environment``
gives that at the price of an event object, a callback list and a success
check for every event; this queue holds ``[time, sequence, callback]``
entries and calls them in order, ties broken first come, first served,
exactly as SimPy orders events of equal priority. A machine's cycle end is
one entry per cycle.

Example:
    >>> clock = Clock()
    >>> seen = []
    >>> clock.at(2.0, lambda: seen.append(clock.now))
    >>> timer = clock.timer()
    >>> timer.arm(1.0, lambda: seen.append(clock.now))
    >>> clock.run(until=5.0)
    >>> seen, clock.now
    ([1.0, 2.0], 5.0)
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from itertools import count


def _nothing() -> None:
    """What a cancelled entry calls."""


class _Until(Exception):
    """Raised by the stop entry that ends :meth:`Clock.run`."""


def _stop() -> None:
    raise _Until


class Clock:
    """Simulated time in hours, and the queue of what happens next."""

    __slots__ = ("now", "queue", "ids")

    def __init__(self):
        self.now = 0.0
        self.queue: list[list] = []
        self.ids = count()

    def at(self, time: float, action: Callable[[], None]) -> None:
        """Call ``action()`` at ``time`` (hours; not before now)."""
        now = self.now
        # now + delay, not time itself: the same float a delay-based queue
        # (SimPy's timeout) would give, so results do not move by an ulp.
        heappush(self.queue, [now + max(0.0, time - now), next(self.ids), action])

    def timer(self) -> Timer:
        """A re-armable timer for a callback that recurs (a machine's cycle end)."""
        return Timer(self)

    def run(self, until: float) -> None:
        """Call every action due before ``until``, in order; then stand at ``until``."""
        queue = self.queue
        # A stop entry at ``until`` sorts before anything else due then (its
        # sequence is -1), so the loop needs no test per event.
        heappush(queue, [until, -1, _stop])
        pop = heappop
        try:
            while True:
                entry = pop(queue)
                self.now = entry[0]
                entry[2]()
        except _Until:
            pass
        self.now = until

    def events_scheduled(self) -> int:
        """How many events were scheduled so far (a cost measure)."""
        return next(self.ids)


class Timer:
    """One pending callback at a time (a machine's cycle end, a dwell expiry)."""

    __slots__ = ("queue", "ids", "entry", "at")

    def __init__(self, clock: Clock):
        self.queue = clock.queue
        self.ids = clock.ids
        self.entry = None
        self.at = None  # when the pending callback runs; None when idle

    def arm(self, at: float, callback: Callable[[], None]) -> None:
        """Run ``callback()`` at time ``at``."""
        self.at = at
        entry = self.entry = [at, next(self.ids), callback]
        heappush(self.queue, entry)

    def cancel(self) -> None:
        """Drop the pending callback: its queue entry stays, calling nothing."""
        if self.entry is not None:
            self.entry[2] = _nothing
            self.entry = None
        self.at = None
