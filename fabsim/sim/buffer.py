"""A counted FIFO buffer of one item: a level, never one object per unit.

A machine takes or puts many units in one call. Machines that must wait
register here and are called back (synchronously, no SimPy event) as soon as
what they need is there. Latent defects ride along as a count of
defective units per defect type.

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
        "last",
        "max_level",
        "arrived",
        "departed",
        "level_at_start",
        "defective_at_start",
    )

    def __init__(self, item: str, capacity: float, defect_types: int, sink: bool = False):
        self.item = item
        self.capacity = capacity
        self.level = 0
        self.defective = [0] * defect_types
        self.getters: deque = deque()  # machines waiting for units
        self.putters: deque = deque()  # machines blocked, waiting for room
        self.sink = sink  # the product: leaves the line, never full
        self.area = 0.0  # integral of level over time, for the mean level
        self.last = 0.0
        self.max_level = 0
        self.arrived = 0
        self.departed = 0
        self.level_at_start = 0
        self.defective_at_start = list(self.defective)

    def put(self, count: int, defective: list[int] | None, now: float) -> None:
        """Add ``count`` units (``defective[d]`` of them carrying defect d)."""
        level = self.level
        self.area += level * (now - self.last)
        self.last = now
        level += count
        self.level = level
        self.arrived += count
        if level > self.max_level:
            self.max_level = level
        if defective:
            held = self.defective
            for d, n in enumerate(defective):
                held[d] += n
        if self.getters:
            self._wake_getters()

    def take(self, count: int, now: float, draws) -> list[int] | None:
        """Remove ``count`` units; return how many of them carry each defect.

        Blocked machines are not called back here but by :meth:`wake_putters`,
        once the taker holds all its inputs (a call-back could otherwise start
        another machine that takes what this taker counted on).

        Units are fungible, so which defective units leave is a draw without
        replacement (multivariate hypergeometric).
        """
        level = self.level
        self.area += level * (now - self.last)
        self.last = now
        taken = None
        held = self.defective
        if held and any(held):
            taken = _draw_defective(held, level, count, draws)
            if any(taken):
                for d, n in enumerate(taken):
                    held[d] -= n
            else:
                taken = None
        self.level = level - count
        self.departed += count
        return taken

    def _wake_getters(self) -> None:
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
            machine.inputs_arrived()

    def wake_putters(self) -> None:
        """Call back blocked machines in turn while there is room."""
        putters = self.putters
        while putters:
            machine = putters[0]
            if machine.waiting_on is not self:
                putters.popleft()
                continue
            room = self.capacity - self.level
            if room < machine.need and not (room > 0 and self.getters):
                break  # FIFO: the first blocked machine goes first
            putters.popleft()
            machine.waiting_on = None
            machine.room_freed()

    def restart_statistics(self, now: float) -> None:
        """Forget everything before ``now`` (the end of warm-up)."""
        self.area = 0.0
        self.last = now
        self.max_level = self.level
        self.arrived = 0
        self.departed = 0
        self.level_at_start = self.level
        self.defective_at_start = list(self.defective)

    def mean_level(self, now: float, since: float) -> float:
        """Time-average level over ``[since, now]``."""
        area = self.area + self.level * (now - self.last)
        return area / (now - since) if now > since else float(self.level)


def _draw_defective(held: list[int], level: int, count: int, draws) -> list[int]:
    """How many of ``count`` units drawn from ``level`` carry each defect."""
    if count == level:
        return list(held)
    taken = [0] * len(held)
    if count == 1:  # one unit: one uniform picks its kind
        pick = draws.uniform() * level
        for d, n in enumerate(held):
            if pick < n:
                taken[d] = 1
                break
            pick -= n
        return taken
    left, remaining = count, level
    for d, n in enumerate(held):  # conditional hypergeometric draws, kind by kind
        if n and left:
            got = draws.hypergeometric(n, remaining - n, left)
            taken[d] = got
            left -= got
        remaining -= n
    return taken
