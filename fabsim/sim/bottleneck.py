"""The shifting bottleneck by the active-period method (Roser et al., 2001/2002).

A station is *active* while it has no idle capacity: all of its machines are
busy, in setup or down (not starved, not blocked). At any moment the
bottleneck is the station whose current uninterrupted active period is the
longest; its share of time as the bottleneck is what the report shows.

Periods are swept as the run goes, so memory stays bounded whatever the
horizon: only periods that may still matter for unswept time are kept.

Example:
    >>> meter = BottleneckMeter(["a", "b"], start=0.0)
    >>> meter.stations[0].open_at(0.0); meter.stations[1].open_at(0.0)
    >>> meter.stations[1].close_at(2.0, meter); meter.finish(10.0)
    >>> meter.shares()
    {'a': 1.0, 'b': 0.0}
"""

from __future__ import annotations

_TIE_H = 1e-9  # active periods this close in length are a tie (hours)
_SWEEP_EVERY = 20_000  # closed periods kept before a sweep is tried
_FORCE_AT = 200_000  # kept periods that force a sweep with lower bounds


class Station:
    """Activity of one step: counts its active machines and its active periods."""

    __slots__ = ("index", "open_start", "closed", "length_sum", "count")

    def __init__(self, index: int):
        self.index = index
        self.open_start: float | None = None
        self.closed: list[tuple[float, float]] = []
        self.length_sum = 0.0
        self.count = 0

    def open_at(self, now: float, meter: BottleneckMeter | None = None) -> None:
        closed = self.closed
        if meter is not None and closed and closed[-1][1] >= now:
            # Idle for no time at all (a unit handed over the instant the last
            # one left): the active period goes on uninterrupted.
            start, stop = closed.pop()
            self.length_sum -= stop - max(start, meter.since)
            self.count -= 1
            meter.kept -= 1
            self.open_start = start
            return
        self.open_start = now

    def close_at(self, now: float, meter: BottleneckMeter) -> None:
        start = self.open_start
        self.open_start = None
        if start is None or now <= start:
            return
        if now > meter.since:
            self.closed.append((start, now))
            self.length_sum += now - max(start, meter.since)  # the window's part only
            self.count += 1
            meter.kept += 1
            if meter.kept >= meter.next_sweep:
                meter.sweep(now)


class BottleneckMeter:
    """Accumulates, per station, the time it was the momentary bottleneck."""

    def __init__(self, names: list[str], start: float):
        self.names = names
        self.stations = [Station(i) for i in range(len(names))]
        self.share_time = [0.0] * len(names)  # sole bottleneck
        self.shared_time = [0.0] * len(names)  # bottleneck together with others
        self.shared_total = 0.0  # time the bottleneck was shared at all
        self.since = start  # statistics start (end of warm-up)
        self.done_until = start
        self.kept = 0
        self.next_sweep = _SWEEP_EVERY

    def restart(self, now: float) -> None:
        """Forget everything before ``now`` (the end of warm-up)."""
        self.since = self.done_until = now
        self.share_time = [0.0] * len(self.names)
        self.shared_time = [0.0] * len(self.names)
        self.shared_total = 0.0
        for station in self.stations:
            station.closed = [p for p in station.closed if p[1] > now]
            station.length_sum, station.count = 0.0, 0
        self.kept = sum(len(s.closed) for s in self.stations)

    def sweep(self, now: float) -> None:
        """Attribute time up to the earliest still-open period (or now)."""
        opens = [s.open_start for s in self.stations if s.open_start is not None]
        safe = min(opens, default=now)
        if safe > self.done_until:
            self._attribute(self.done_until, safe, now, with_open=False)
        elif self.kept >= _FORCE_AT:
            # A station active for very long blocks exact sweeping; bound
            # memory by using its length so far, a lower bound of the true one.
            self._attribute(self.done_until, now, now, with_open=True)
        self.next_sweep = self.kept + _SWEEP_EVERY

    def finish(self, end: float) -> None:
        """Close every open period at ``end`` and attribute the rest of the run."""
        for station in self.stations:
            if station.open_start is not None:
                station.close_at(end, self)
        if end > self.done_until:
            self._attribute(self.done_until, end, end, with_open=False)

    def _attribute(self, begin: float, end: float, now: float, with_open: bool) -> None:
        # Periods compete by their length inside the statistics window, so two
        # steps that were both active all window long tie, and share the time.
        since = self.since
        periods = []
        for station in self.stations:
            for start, stop in station.closed:
                if stop > begin and start < end:
                    length = stop - max(start, since)
                    periods.append((max(start, begin), min(stop, end), length, station.index))
            if with_open and station.open_start is not None and station.open_start < end:
                start = station.open_start
                periods.append((max(start, begin), end, now - max(start, since), station.index))
        periods.sort()
        # A station has at most one period under way at a time: ``live`` maps
        # station -> (length, stop) for those covering the current instant.
        live: dict[int, tuple[float, float]] = {}
        sole, shared = self.share_time, self.shared_time
        t, j, n = begin, 0, len(periods)
        while t < end:
            while j < n and periods[j][0] <= t:
                _, stop, length, index = periods[j]
                live[index] = (length, stop)
                j += 1
            for index in [i for i, (_, stop) in live.items() if stop <= t]:
                del live[index]
            upcoming = periods[j][0] if j < n else end
            if not live:
                t = min(upcoming, end)
                continue
            longest = max(length for length, _ in live.values())
            tied = [i for i, (length, _) in live.items() if length >= longest - _TIE_H]
            step_to = min(upcoming, end, *(stop for _, stop in live.values()))
            if len(tied) == 1:
                sole[tied[0]] += step_to - t
            else:
                for i in tied:
                    shared[i] += step_to - t
                self.shared_total += step_to - t
            t = step_to
        self.done_until = end
        for station in self.stations:
            station.closed = [p for p in station.closed if p[1] > end]
        self.kept = sum(len(s.closed) for s in self.stations)

    def shares(self) -> dict[str, float]:
        """Share of the statistics window each station was the bottleneck, alone or shared."""
        total = self.done_until - self.since
        return {
            name: ((self.share_time[i] + self.shared_time[i]) / total if total > 0 else 0.0)
            for i, name in enumerate(self.names)
        }

    def sole_and_shared(self) -> dict[str, tuple[float, float]]:
        """Per station, the window's share it was the sole bottleneck, and shared one."""
        total = self.done_until - self.since
        if total <= 0:
            return {name: (0.0, 0.0) for name in self.names}
        return {
            name: (self.share_time[i] / total, self.shared_time[i] / total)
            for i, name in enumerate(self.names)
        }

    def mean_active_period(self) -> dict[str, float]:
        """Mean length (h) of each station's active periods that ended in the window."""
        return {
            name: (s.length_sum / s.count if s.count else 0.0)
            for name, s in zip(self.names, self.stations, strict=True)
        }
