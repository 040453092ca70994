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

from bisect import bisect_right

import numpy as np

_TIE_H = 1e-9  # active periods this close in length are a tie (hours)
_SWEEP_EVERY = 20_000  # closed periods kept before a sweep is tried
_FORCE_AT = 200_000  # kept periods that force a sweep with lower bounds
_CHUNK = 50_000  # elementary intervals attributed at a time (bounds memory)


class Station:
    """Activity of one step: counts its active machines and its active periods.

    Closed periods are kept as two sorted lists (starts, stops): they are
    disjoint and closed in time order.
    """

    __slots__ = ("index", "open_start", "starts", "stops", "length_sum", "count")
    # length_sum and count (the window's part of each period, for the mean
    # active period) are added up as periods are attributed and forgotten.

    def __init__(self, index: int):
        self.index = index
        self.open_start: float | None = None
        self.starts: list[float] = []
        self.stops: list[float] = []
        self.length_sum = 0.0
        self.count = 0

    def open_at(self, now: float, meter: BottleneckMeter | None = None) -> None:
        stops = self.stops
        if meter is not None and stops and stops[-1] >= now:
            # Idle for no time at all (a unit handed over the instant the last
            # one left): the active period goes on uninterrupted.
            start = self.starts.pop()
            stops.pop()
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
            self.starts.append(start)
            self.stops.append(now)
            meter.kept += 1
            if meter.kept >= meter.next_sweep:
                meter.sweep(now)

    def forget_until(self, time: float) -> None:
        """Drop the closed periods that ended at or before ``time``."""
        keep = bisect_right(self.stops, time)
        del self.starts[:keep], self.stops[:keep]


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
            station.forget_until(now)
            station.length_sum, station.count = 0.0, 0
        self.kept = sum(len(s.stops) for s in self.stations)

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
        # Vectorised over the elementary intervals between period ends: per
        # station, the length of its period covering each interval (or -inf).
        since = self.since
        rows = []
        cuts = [np.array([begin, end])]
        for station in self.stations:
            starts = np.array(station.starts)
            stops = np.array(station.stops)
            ended = stops <= end  # attributed now, then forgotten: count their lengths
            station.length_sum += float((stops[ended] - np.maximum(starts[ended], since)).sum())
            station.count += int(ended.sum())
            if with_open and station.open_start is not None and station.open_start < end:
                starts = np.append(starts, station.open_start)
                stops = np.append(stops, np.inf)
            keep = (stops > begin) & (starts < end)
            starts, stops = starts[keep], stops[keep]
            lengths = np.minimum(stops, now) - np.maximum(starts, since)
            starts, stops = np.maximum(starts, begin), np.minimum(stops, end)
            rows.append((starts, stops, lengths))
            cuts += [starts, stops]
        edges = np.unique(np.concatenate(cuts))
        edges = edges[(edges >= begin) & (edges <= end)]
        for first in range(0, len(edges) - 1, _CHUNK):
            self._attribute_edges(rows, edges[first : first + _CHUNK + 1])
        self.done_until = end
        for station in self.stations:
            station.forget_until(end)
        self.kept = sum(len(s.stops) for s in self.stations)

    def _attribute_edges(self, rows, edges) -> None:
        left = edges[:-1]
        spans = np.diff(edges)
        lengths = np.full((len(rows), len(left)), -np.inf)
        for i, (starts, stops, period_lengths) in enumerate(rows):
            if not len(starts):
                continue
            at = np.searchsorted(starts, left, side="right") - 1
            inside = at >= 0
            at = np.where(inside, at, 0)
            inside &= stops[at] > left
            lengths[i] = np.where(inside, period_lengths[at], -np.inf)
        longest = lengths.max(axis=0)
        tied = (lengths >= longest - _TIE_H) & (longest > -np.inf)
        ties = tied.sum(axis=0)
        sole_spans = np.where(ties == 1, spans, 0.0)
        shared_spans = np.where(ties > 1, spans, 0.0)
        for i in range(len(rows)):
            self.share_time[i] += float(sole_spans[tied[i]].sum())
            self.shared_time[i] += float(shared_spans[tied[i]].sum())
        self.shared_total += float(shared_spans.sum())

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
