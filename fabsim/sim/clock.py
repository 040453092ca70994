"""The simulation clock: SimPy's environment behind the few calls the engine needs.

This is the one module that touches SimPy's private members, and why: a
machine's cycle end is one event per cycle, and SimPy's public way to wait
(``env.timeout``) builds a new event object and a generator step for every
cycle. A :class:`Timer` instead keeps one event per machine and pushes it on
SimPy's queue again each cycle, which halves the cost of an event. SimPy is
pinned below 5 in ``pyproject.toml`` because of this.

Everything that happens rarely (shift changes, disturbances, deliveries,
batch timers) goes through :meth:`Clock.at`, SimPy's public API.

Example:
    >>> clock = Clock()
    >>> seen = []
    >>> clock.at(2.0, lambda: seen.append(clock.now))
    >>> timer = clock.timer()
    >>> timer.arm(1.0, lambda _event: seen.append(clock.now))
    >>> clock.run(until=5.0)
    >>> seen
    [1.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappush

import simpy
from simpy.events import Event

_NORMAL = 1  # SimPy's priority of an ordinary event


class Clock:
    """Simulated time in hours, and the queue of what happens next."""

    def __init__(self):
        self.env = simpy.Environment()

    @property
    def now(self) -> float:
        return self.env.now

    def at(self, time: float, action: Callable[[], None]) -> None:
        """Call ``action()`` at ``time`` (hours; not before now)."""
        delay = max(0.0, time - self.env.now)
        self.env.timeout(delay).callbacks.append(lambda _event: action())

    def timer(self) -> Timer:
        """A re-armable timer for a callback that recurs (a machine's cycle end)."""
        return Timer(self.env)

    def run(self, until: float) -> None:
        self.env.run(until=until)

    def events_scheduled(self) -> int:
        """How many events were scheduled so far (a cost measure)."""
        return next(self.env._eid)  # SimPy's running event id


class Timer:
    """One pending callback at a time, on one event object re-pushed each time."""

    __slots__ = ("env", "queue", "ids", "event", "at")

    def __init__(self, env: simpy.Environment):
        self.env = env
        self.queue = env._queue
        self.ids = env._eid
        self.event = self._fresh_event()
        self.at = None  # when the pending callback runs; None when idle

    def _fresh_event(self) -> Event:
        event = Event(self.env)
        event._ok, event._value = True, None  # succeeds like a Timeout
        return event

    def arm(self, at: float, callback: Callable[[Event], None]) -> None:
        """Run ``callback(event)`` at time ``at``."""
        self.at = at
        event = self.event
        event.callbacks = [callback]
        heappush(self.queue, (at, _NORMAL, next(self.ids), event))

    def cancel(self) -> None:
        """Drop the pending callback: its queue entry stays, with nothing to call."""
        self.event.callbacks = []
        self.event = self._fresh_event()
        self.at = None
