"""A counted FIFO buffer of one item: a level, never one object per unit.

A machine takes or puts many units in one call. Machines that must wait
register here and are woken only when what they need is there, so no SimPy
event is spent where nothing waits. Latent defects ride along as a count of
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
        "item", "capacity", "level", "defective", "getters", "putters", "sink",
        "area", "last", "max_level", "arrived", "departed",
        "level_at_start", "defective_at_start",
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

    def take(self, count: int, now: float, rng) -> list[int] | None:
        """Remove ``count`` units; return how many of them carry each defect.

        Units are fungible, so which defective units leave is a draw without
        replacement (multivariate hypergeometric).
        """
        level = self.level
        self.area += level * (now - self.last)
        self.last = now
        taken = None
        held = self.defective
        if held and any(held):
            colours = [*held, level - sum(held)]
            drawn = rng.multivariate_hypergeometric(colours, count).tolist()
            taken = drawn[:-1]
            for d, n in enumerate(taken):
                held[d] -= n
        self.level = level - count
        self.departed += count
        if self.putters:
            self._wake_putters()
        return taken

    def _wake_getters(self) -> None:
        # FIFO: wake waiting machines in turn while the level covers their need.
        available = self.level
        getters = self.getters
        while getters:
            machine = getters[0]
            if machine.waiting_on is not self:
                getters.popleft()  # it stopped waiting here (a batch timer fired)
                continue
            if available < machine.need:
                break
            getters.popleft()
            available -= machine.need
            machine.waiting_on = None
            machine.wake.succeed()

    def _wake_putters(self) -> None:
        room = self.capacity - self.level
        putters = self.putters
        while putters and room > 0:
            machine = putters.popleft()
            if machine.waiting_on is not self:
                continue
            room -= machine.need
            machine.waiting_on = None
            machine.wake.succeed()

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
