"""A counted FIFO buffer of one item: a level, never one object per unit.

A machine takes or puts many units in one call. Machines that must wait
register here and are called back (synchronously, no event) as soon as
what they need is there.

Latent defects ride along as *marks*: the place in the queue of each
defective unit held. Units leave oldest first, so a take of n units carries
exactly the marks among the next n places: a check of one number when no
defective unit is near the front, and no draw at all. A batch handed over
with defective units in it has them at random places within the batch
(sheets cut from one roll are not sorted by defect).

Example:
    >>> store = Buffer("stack", capacity=40, defect_types=0)
    >>> store.put(5, None, now=0.0); store.level
    5
"""

from __future__ import annotations

from collections import deque

UNLIMITED = float("inf")


class Buffer:
    """Units of one item waiting between the step that makes it and its users."""

    __slots__ = (
        "item",
        "capacity",
        "level",
        "defective",
        "getters",
        "putters",
        "sink",
        "area",
        "max_level",
        "arrivals",
        "arrivals_at_start",
        "level_at_start",
        "defective_at_start",
        "starved_state",
        "scrapped",
        "expired",
        "draws",
        "marks",
    )

    def __init__(
        self,
        item: str,
        capacity: float,
        defect_types: int,
        sink: bool = False,
        starved_state: int = 1,
        draws=None,
    ):
        self.item = item
        self.capacity = capacity
        self.level = 0
        self.defective = [0] * defect_types
        self.getters: deque = deque()  # machines waiting for units
        self.putters: deque = deque()  # machines blocked, waiting for room
        self.sink = sink  # the product: leaves the line, never full
        # Sum of (units out - units in) x time since the statistics start: with
        # the level then and now it gives the level's time integral, at one
        # update per put or take (see mean_level).
        self.area = 0.0
        self.max_level = 0
        self.arrivals = 0  # units that ever arrived, opening stock included
        self.arrivals_at_start = 0
        self.level_at_start = 0
        self.defective_at_start = list(self.defective)
        self.starved_state = starved_state  # the state a machine waiting here is in
        self.scrapped = 0  # units scrapped in the buffer by a disturbance
        self.expired = 0  # units scrapped for exceeding their dwell limit
        self.draws = draws  # where defective units go in a batch; which units a disturbance scraps
        # (place, defect type) of each defective unit held, in order. Units
        # are numbered by arrival: the oldest held is ``arrivals - level``.
        self.marks: deque = deque()

    @property
    def arrived(self) -> int:
        """Units that arrived in the statistics window."""
        return self.arrivals - self.arrivals_at_start

    def put(self, count: int, defective: list[int] | None, now: float) -> None:
        """Add ``count`` units (``defective[d]`` of them carrying defect d)."""
        self.area -= count * now
        level = self.level + count
        self.level = level
        first = self.arrivals
        self.arrivals = first + count
        if level > self.max_level:
            self.max_level = level
        if defective:
            self._mark(defective, count, first)
        if self.getters:
            self._wake_getters(now)

    def take(self, count: int, now: float) -> list[int] | None:
        """Remove the ``count`` oldest units; return how many of them carry each defect.

        Blocked machines are not called back here but by :meth:`wake_putters`,
        once the taker holds all its inputs (a call-back could otherwise start
        another machine that takes what this taker counted on).
        """
        self.area += count * now
        level = self.level - count
        self.level = level
        marks = self.marks
        if not marks:
            return None
        end = self.arrivals - level  # place of the oldest unit left
        return self._unmark(end) if marks[0][0] < end else None

    # Removal from the front, whatever the reason (a take, an expiry, a
    # disturbance taking all). Buffers that track more extend _remove and
    # take with it (``take = _remove`` in their class).
    _remove = take

    def _unmark(self, end: int) -> list[int]:
        """Drop the marks of the units before place ``end``; count them by defect."""
        marks, held = self.marks, self.defective
        taken = [0] * len(held)
        while marks and marks[0][0] < end:
            kind = marks.popleft()[1]
            taken[kind] += 1
            held[kind] -= 1
        return taken

    def _mark(self, defective: list[int], count: int, first: int) -> None:
        # Random distinct places among the ``count`` units arriving at place
        # ``first`` onwards (defective units are few: a draw each).
        held = self.defective
        taken: set[int] = set()
        placed = []
        for kind, n in enumerate(defective):
            held[kind] += n
            for _ in range(n):
                offset = int(self.draws.uniform() * count)
                while offset in taken:
                    offset = int(self.draws.uniform() * count)
                taken.add(offset)
                placed.append((first + offset, kind))
        placed.sort()
        self.marks.extend(placed)

    def scrap_share(self, share: float, now: float) -> int:
        """Scrap each unit held with probability ``share`` (a disturbance); return the count."""
        level = self.level
        if not level or share <= 0:
            return 0
        count = level if share >= 1.0 else self.draws.binomial(level, share)
        if not count:
            return 0
        if count == level:
            self._remove(count, now)
        else:
            self._scrap_at_random(count, now)
        self.scrapped += count
        if self.putters:  # room for a maker blocked on this buffer
            self.wake_putters(now)
        return count

    def _scrap_at_random(self, count: int, now: float) -> None:
        """Remove ``count`` units picked at random from all held (a disturbance).

        Each defective unit is picked with the conditional probability of a
        draw without replacement (exact for which defective units go). The
        places of the defective units that stay shrink with the queue: a
        unit keeps its share of the way to the back (an approximation, for
        an event far rarer than a cycle).
        """
        level = self.level
        self.area += count * now
        left = level - count
        held = self.defective
        oldest, head = self.arrivals - level, self.arrivals - left  # before and after
        kept, picked = [], 0
        for j, (place, kind) in enumerate(self.marks):
            if self.draws.uniform() * (level - j) < count - picked:
                picked += 1
                held[kind] -= 1
            else:
                kept.append((place, kind))
        marks: deque = deque()
        floor = head
        for i, (place, kind) in enumerate(kept):
            # share of the way to the back, kept in order and inside the queue
            new = head + int((place - oldest) * left / level)
            new = min(max(new, floor), head + left - (len(kept) - i))
            marks.append((new, kind))
            floor = new + 1
        self.marks = marks
        self.level = left

    def recheck(self, now: float) -> None:
        """Call back waiting machines whose need is met (after one left the queue)."""
        if self.getters:
            self._wake_getters(now)
        if self.putters:
            self.wake_putters(now)

    def direct_room(self) -> int:
        """Room in a buffer of capacity 0 (stations linked directly).

        Units pass only into the infeed of a station waiting for them: as
        many as the first waiting user still needs, none when no user waits.
        """
        getters = self.getters
        while getters and getters[0].waiting_on is not self:
            getters.popleft()
        return max(0, getters[0].need - self.level) if getters else 0

    def _wake_getters(self, now: float) -> None:
        # FIFO: call waiting machines back in turn while the level covers their
        # need. A machine called back takes its units at once, so the level is
        # read afresh each time round.
        getters = self.getters
        while getters:
            machine = getters[0]
            if machine.waiting_on is not self:
                getters.popleft()  # it stopped waiting here (a batch timer fired)
                continue
            if self.level < machine.need:
                break
            getters.popleft()
            machine.waiting_on = None
            machine.inputs_arrived(now)

    def wake_putters(self, now: float) -> None:
        """Call back blocked machines in turn while there is room."""
        putters = self.putters
        while putters:
            machine = putters[0]
            if machine.waiting_on is not self:
                putters.popleft()
                continue
            room = self.capacity - self.level if self.capacity else self.direct_room()
            if room < machine.need and not (room > 0 and self.getters):
                break  # FIFO: the first blocked machine goes first
            putters.popleft()
            machine.waiting_on = None
            machine.room_freed(now)

    def restart_statistics(self, now: float) -> None:
        """Forget everything before ``now`` (the end of warm-up)."""
        self.area = 0.0
        self.max_level = self.level
        self.arrivals_at_start = self.arrivals
        self.scrapped = 0
        self.expired = 0
        self.level_at_start = self.level
        self.defective_at_start = list(self.defective)

    def mean_level(self, now: float, since: float) -> float:
        """Time-average level over ``[since, now]``."""
        # integral of level dt = level(now) now - level(since) since - sum(dL t)
        area = self.area + self.level * now - self.level_at_start * since
        return area / (now - since) if now > since else float(self.level)


class DwellBuffer(Buffer):
    """A buffer whose units go bad after ``max_dwell`` hours (FIFO cohorts).

    Units leave oldest first. Arrivals are kept as ``[time, count]``
    cohorts; a timer at the oldest cohort's expiry scraps what is left of
    it, so there is at most one pending event per cohort.

    Example:
        >>> from fabsim.sim.clock import Clock
        >>> from fabsim.sim.streams import Draws, stream
        >>> clock = Clock()
        >>> store = DwellBuffer("se_sheet", 100, 0, clock=clock, max_dwell=1.0,
        ...                     draws=Draws(stream(1, 0, "b", 0, "scrap")))
        >>> store.put(10, None, now=0.0)
        >>> clock.run(until=2.0)
        >>> store.level, store.expired
        (0, 10)
    """

    __slots__ = ("cohorts", "max_dwell", "timer", "clock")

    def __init__(self, item, capacity, defect_types, *, clock, max_dwell, draws, **kwargs):
        super().__init__(item, capacity, defect_types, draws=draws, **kwargs)
        self.cohorts: deque = deque()
        self.max_dwell = max_dwell
        self.clock = clock
        self.timer = clock.timer()

    def put(self, count: int, defective: list[int] | None, now: float) -> None:
        cohorts = self.cohorts
        if cohorts and cohorts[-1][0] == now:
            cohorts[-1][1] += count
        else:
            cohorts.append([now, count])
        if self.timer.at is None:
            self.timer.arm(cohorts[0][0] + self.max_dwell, self._expire)
        super().put(count, defective, now)

    def _remove(self, count: int, now: float) -> list[int] | None:
        self._trim_cohorts(count)
        return Buffer.take(self, count, now)

    take = _remove

    def _trim_cohorts(self, count: int) -> None:
        cohorts = self.cohorts
        left = count
        while left:
            oldest = cohorts[0]
            if oldest[1] > left:
                oldest[1] -= left
                break
            left -= oldest[1]
            cohorts.popleft()

    def _scrap_at_random(self, count: int, now: float) -> None:
        # Cohorts lose the oldest units: which ones went is not tracked by age.
        self._trim_cohorts(count)
        super()._scrap_at_random(count, now)

    def _expire(self) -> None:
        timer = self.timer
        now, timer.at = timer.at, None
        cohorts = self.cohorts
        limit = now - self.max_dwell + 1e-9
        count = 0
        while cohorts and cohorts[0][0] <= limit:
            count += cohorts[0][1]
            cohorts.popleft()
        if count:
            Buffer._remove(self, count, now)
            self.expired += count
        if cohorts:
            timer.arm(cohorts[0][0] + self.max_dwell, self._expire)
        if count and self.putters:
            self.wake_putters(now)


class SupplyStore(Buffer):
    """The store of a bought-in item; counts the time it cannot serve a cycle.

    Stock-out: less in store than the smallest take of any step using it.
    """

    __slots__ = ("low_mark", "out_since", "out_hours")

    def __init__(self, item, capacity, defect_types, *, low_mark: int, initial: int = 0, **kwargs):
        super().__init__(item, capacity, defect_types, **kwargs)
        self.level = self.level_at_start = initial  # stock on hand at time zero
        self.arrivals = self.arrivals_at_start = initial  # numbered, not counted as arrived
        self.low_mark = low_mark
        self.out_since = 0.0 if initial < low_mark else None  # stock-out since; None in stock
        self.out_hours = 0.0

    def _track(self, now: float) -> None:
        out = self.level < self.low_mark
        if out and self.out_since is None:
            self.out_since = now
        elif not out and self.out_since is not None:
            self.out_hours += now - self.out_since
            self.out_since = None

    def deliver(self, count: int, now: float) -> int:
        """Add up to ``count`` units, what fits; return how many were taken in."""
        taken_in = int(min(count, self.capacity - self.level))
        if taken_in > 0:
            self.put(taken_in, None, now)
        return max(taken_in, 0)

    def put(self, count, defective, now):
        super().put(count, defective, now)
        self._track(now)

    def _remove(self, count, now):
        taken = Buffer.take(self, count, now)
        self._track(now)
        return taken

    take = _remove

    def _scrap_at_random(self, count, now):
        super()._scrap_at_random(count, now)
        self._track(now)

    def stockout_hours(self, now: float, since: float) -> float:
        """Hours out of stock in ``[since, now]``."""
        hours = self.out_hours
        if self.out_since is not None:
            hours += now - max(self.out_since, since)
        return hours

    def restart_statistics(self, now: float) -> None:
        super().restart_statistics(now)
        self.out_hours = 0.0
        if self.out_since is not None:
            self.out_since = now
