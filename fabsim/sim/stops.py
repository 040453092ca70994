"""What stops machines from outside: calendars, calendar-clock breakdowns, disturbances.

Each of these is a :class:`Stop` (a group of machines, a reason, a policy
for the cycle in progress) driven over time by a schedule: the calendar's
fixed off-shift and maintenance windows, or random alternating up and down
times. All of them act through one seam, :meth:`Machine.suspend` and
:meth:`Machine.resume`; none of them touches a machine's cycle.

Example:
    >>> from fabsim.spec.models import Calendar
    >>> week = Calendar(shifts=["06:00-14:00", "14:00-22:00"], days_off=["sat", "sun"])
    >>> windows = off_shift_windows(week)
    >>> [next(windows) for _ in range(2)]
    [(0.0, 6.0), (22.0, 30.0)]
    >>> staffed_hours(week, 0.0, 168.0)
    80.0
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from fabsim.spec.models import DAYS, Calendar

WEEK = 168.0


class Stop:
    """Stops a group of machines for one reason, and lets them run again.

    Example:
        >>> from fabsim.sim.machine import OFF_SHIFT
        >>> stop = Stop([], OFF_SHIFT, "pause")
        >>> stop.begin(1.0); stop.end(2.0)
    """

    def __init__(self, machines: list, reason: int, policy: str):
        self.machines = machines
        self.reason = reason
        self.policy = policy

    def begin(self, now: float) -> None:
        left = set()
        for machine in self.machines:
            buffer = machine.suspend(now, self.reason, self.policy)
            if buffer is not None:
                left.add(buffer)
        # Once all are stopped: a machine queued behind a stopped one may go.
        for buffer in sorted(left, key=lambda b: b.item):
            buffer.recheck(now)

    def end(self, now: float) -> None:
        for machine in self.machines:
            machine.resume(now, self.reason)


def _staffed_week(calendar: Calendar) -> list[tuple[float, float]]:
    """Staffed spans of one week in [0, 168), merged; a Sunday night shift wraps."""
    spans = []
    for day, name in enumerate(DAYS):
        if name in calendar.days_off:
            continue
        for start, end in calendar.windows:
            start, end = start + 24 * day, end + 24 * day
            if end > WEEK:
                spans += [(start, WEEK), (0.0, end - WEEK)]
            else:
                spans.append((start, end))
    merged: list[list[float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def _off_week(calendar: Calendar) -> list[tuple[float, float]]:
    off, position = [], 0.0
    for start, end in _staffed_week(calendar):
        if start > position:
            off.append((position, start))
        position = max(position, end)
    if position < WEEK:
        off.append((position, WEEK))
    return off


def off_shift_windows(calendar: Calendar) -> Iterator[tuple[float, float]]:
    """Off-shift windows (start, end) in hours from Monday 00:00, for ever.

    Windows that meet across a week's end are joined into one.
    """
    week = _off_week(calendar)
    if not week:
        return
    number = 0
    pending = None
    while True:
        for start, end in week:
            start, end = start + WEEK * number, end + WEEK * number
            if pending is not None and start <= pending[1]:
                pending = (pending[0], end)
                continue
            if pending is not None:
                yield pending
            pending = (start, end)
        number += 1


def maintenance_windows(calendar: Calendar) -> Iterator[tuple[float, float]]:
    """Planned maintenance stops (start, end), all kinds merged in time order."""
    if not calendar.maintenance:
        return
    upcoming = [(m.first_start, i) for i, m in enumerate(calendar.maintenance)]
    while True:
        start, i = min(upcoming)
        plan = calendar.maintenance[i]
        upcoming[i] = (start + plan.every, i)
        yield start, start + plan.length


def staffed_hours(calendar: Calendar | None, since: float, until: float) -> float:
    """Hours of ``[since, until]`` inside shift windows (all of them without a calendar)."""
    total = until - since
    if calendar is None:
        return total
    for start, end in off_shift_windows(calendar):
        if start >= until:
            break
        total -= max(0.0, min(end, until) - max(start, since))
    return total


def follow_windows(clock, stop: Stop, windows: Iterator[tuple[float, float]]) -> None:
    """Apply ``stop`` over each (start, end) window in turn, scheduling one at a time."""

    def next_window() -> None:
        window = next(windows, None)
        if window is None:
            return
        start, end = window
        if start <= clock.now:  # already under way (a calendar off at time zero)
            stop.begin(clock.now)
        else:
            clock.at(start, lambda: stop.begin(clock.now))

        def finished() -> None:
            stop.end(clock.now)
            next_window()

        clock.at(end, finished)

    next_window()


class Alternation:
    """Random up and down times: up for ``gap()`` hours, then stopped for ``length()``.

    Counts the events that begin and the stopped hours inside the statistics
    window. ``on_begin(now)`` runs at each onset, after the machines stop.
    """

    def __init__(
        self,
        clock,
        stop: Stop,
        gap: Callable[[], float],
        length: Callable[[], float],
        on_begin: Callable[[float], None] | None = None,
    ):
        self.clock, self.stop, self.gap, self.length = clock, stop, gap, length
        self.on_begin = on_begin
        self.events = 0
        self.hours = 0.0
        self.since = 0.0  # start of the statistics window
        self.onset: float | None = None
        clock.at(clock.now + gap(), self._begin)

    def _begin(self) -> None:
        now = self.clock.now
        self.onset = now
        self.events += 1
        self.stop.begin(now)
        if self.on_begin is not None:
            self.on_begin(now)
        self.clock.at(now + self.length(), self._end)

    def _end(self) -> None:
        now = self.clock.now
        self.hours += now - max(self.onset, self.since)
        self.onset = None
        self.stop.end(now)
        self.clock.at(now + self.gap(), self._begin)

    def restart(self, now: float) -> None:
        self.events, self.hours, self.since = 0, 0.0, now

    def hours_until(self, now: float) -> float:
        """Stopped hours in the window up to ``now`` (an event in progress counts)."""
        if self.onset is None:
            return self.hours
        return self.hours + now - max(self.onset, self.since)
