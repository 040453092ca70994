"""One replication of one line: build the discrete-event model from a spec and run it.

Example:
    >>> from fabsim.spec import load_spec
    >>> spec = load_spec("process_specs/examples/three_step.yaml")   # doctest: +SKIP
    >>> result = run_replication(spec, replication=0, seed=1)        # doctest: +SKIP
    >>> result.finished > 0                                          # doctest: +SKIP
    True
"""

from __future__ import annotations

import math
import sys

from fabsim.sim.bottleneck import BottleneckMeter
from fabsim.sim.buffer import Buffer, DwellBuffer, SupplyStore
from fabsim.sim.clock import Clock
from fabsim.sim.machine import (
    DISTURBED,
    DOWN,
    OFF_SHIFT,
    STATES,
    Machine,
    StepConfig,
    StepCounters,
)
from fabsim.sim.results import (
    BufferResult,
    DisturbanceResult,
    ReplicationResult,
    StepResult,
    SupplyResult,
)
from fabsim.sim.stops import (
    Alternation,
    Stop,
    follow_windows,
    maintenance_windows,
    off_shift_windows,
    staffed_hours,
)
from fabsim.sim.streams import (
    PURPOSES,
    Draws,
    Durations,
    constant_value,
    duration_sampler,
    one_at_a_time,
    stream,
)
from fabsim.sim.supply import Deliveries
from fabsim.spec.flow import Flow
from fabsim.spec.models import LineSpec

SERIES_BINS = 100
"""Bins of good output over time kept by default (bounded memory, any horizon)."""


class MaterialBalanceError(RuntimeError):
    """Units appeared or vanished: a bug in the model, never a user error."""


class LineDeadlock(RuntimeError):
    """Every machine waits on another and nothing can ever move again."""


class LineModel:
    """The discrete-event model of one line for one replication."""

    def __init__(
        self,
        spec: LineSpec,
        replication: int,
        seed: int,
        warmup: float,
        ramps: bool = False,
        series_every: float | None = None,
    ):
        self.spec = spec
        self.flow = Flow(spec)
        self.clock = Clock()
        self.seed, self.replication = seed, replication
        self.warmup = warmup
        self.ramps = ramps
        names = list(self.flow.order)
        self.meter = BottleneckMeter(names, start=0.0)
        self.defect_names = sorted({d for s in spec.steps.values() for d in s.defects})
        self.defect_index = {name: i for i, name in enumerate(self.defect_names)}
        self.supply_names = list(spec.supplies)
        self.buffers = {item: self._buffer(item) for item in self.flow.makers}
        for k, (name, supply) in enumerate(spec.supplies.items()):
            self.buffers[supply.item] = self._store(name, supply, len(STATES) + k)
        self.counters: dict[str, StepCounters] = {}
        self.machines: list[Machine] = []
        self.machines_of: dict[str, list[Machine]] = {}
        slots = len(STATES) + len(self.supply_names)
        for index, step_id in enumerate(names):
            step = spec.steps[step_id]
            station = self.meter.stations[index]
            station.open_at(0.0)
            counters = StepCounters(step.machines, station, step.output_per_unit)
            self.counters[step_id] = counters
            own = self.machines_of[step_id] = []
            for m in range(step.machines):
                streams = {p: stream(seed, replication, step_id, m, p) for p in PURPOSES}
                config = self._config(step_id, streams, counters)
                own.append(
                    Machine(self.clock, self.meter, step_id, m, counters, config, streams, slots)
                )
            self.machines.extend(own)
        self.disturbances: dict[str, Alternation] = {}
        self.disturbance_scrap: dict[str, dict[str, int]] = {}
        self.deliveries: dict[str, Deliveries] = {}
        self.finished_before = 0  # good units finished before the warm-up cut
        self.series_every = series_every
        self.series: list[int] = []
        if warmup > 0:
            self.clock.at(warmup, lambda: self._restart(warmup))

    def _draws(self, owner: str, purpose: str) -> Draws:
        return Draws(stream(self.seed, self.replication, owner, 0, purpose))

    def _buffer(self, item: str) -> Buffer:
        spec = self.spec
        entry = spec.buffers.get(item)
        types = len(self.defect_names)
        capacity = spec.buffer_capacity(item)
        dwell = entry is not None and entry.max_dwell is not None
        # Draws place defective units in a batch and pick which units a
        # disturbance scraps: only a line with defects or such a buffer needs them.
        scrapped = dwell or any(item in d.scraps for d in spec.disturbances.values())
        draws = self._draws(f"buffer:{item}", "scrap") if scrapped or types else None
        if dwell:
            return DwellBuffer(
                item, capacity, types, clock=self.clock, max_dwell=entry.max_dwell, draws=draws
            )
        return Buffer(item, capacity, types, sink=item == spec.product.item, draws=draws)

    def _store(self, name: str, supply, starved_state: int) -> SupplyStore:
        users = self.flow.users.get(supply.item, [])
        low_mark = min(
            self.spec.steps[s].uses[supply.item] * self.spec.steps[s].smallest_take for s in users
        )
        capacity = float("inf") if supply.capacity is None else supply.capacity
        return SupplyStore(
            supply.item,
            capacity,
            len(self.defect_names),
            low_mark=low_mark,
            initial=supply.initial,
            starved_state=starved_state,
            draws=self._draws(f"supply:{name}", "scrap"),
        )

    def _config(self, step_id: str, streams: dict, counters: StepCounters) -> StepConfig:
        step = self.spec.steps[step_id]
        config = StepConfig()
        config.inputs = tuple((self.buffers[item], n) for item, n in step.uses.items())
        config.output = self.buffers[step.output]
        config.per_unit = step.output_per_unit
        config.size = step.batch.size if step.batch else (step.lot or 1)
        config.takes = tuple((buffer, n * config.size) for buffer, n in config.inputs)
        config.made = config.size * config.per_unit  # by a full cycle
        config.min_k = step.smallest_take
        config.max_wait = step.batch.max_wait if step.batch else 0.0
        config.per_unit_time = step.lot is not None
        config.machines = step.machines
        config.yield_ = step.yield_
        config.cycle_const = constant_value(step.cycle)
        durations = (
            None
            if config.cycle_const is not None
            else Durations(duration_sampler(step.cycle, streams["cycle"]))
        )
        config.durations = durations
        config.cycle_draw = durations.one if durations else None
        repair_rng = streams["repair"]
        config.failures = [
            (f.mtbf, _exponential(repair_rng, f.mttr))
            for f in step.failures
            if f.clock == "operating"
        ]
        config.setup_every = step.setup.every if step.setup else 0
        config.setup_const = constant_value(step.setup.time) if step.setup else None
        config.setup_draw = (
            one_at_a_time(duration_sampler(step.setup.time, streams["setup"]))
            if step.setup and config.setup_const is None
            else None
        )
        index = self.defect_index
        config.defect_types = len(index)
        config.defect_new = [(index[d], p) for d, p in step.defects.items() if p > 0]
        config.defect_detect = [(index[d], p) for d, p in step.detects.items() if p > 0]
        if self.ramps and step.ramp is not None:
            _apply_ramp(config, step, counters)
        return config

    def _restart(self, now: float) -> None:
        for machine in self.machines:
            machine.restart(now)
        for counters in self.counters.values():
            counters.restart(now)
        product = self.buffers[self.spec.product.item]
        self.finished_before = product.arrived
        for buffer in self.buffers.values():
            buffer.restart_statistics(now)
        for driver in [*self.disturbances.values(), *self.deliveries.values()]:
            driver.restart(now)
        for scrapped in self.disturbance_scrap.values():
            scrapped.clear()
        self.meter.restart(now)

    def _start_outside_world(self) -> None:
        """Calendars, calendar-clock breakdowns, disturbances and deliveries."""
        spec = self.spec
        calendar = spec.calendar
        if calendar is not None:
            on_shift = [m for m in self.machines if spec.steps[m.step_id].calendar != "continuous"]
            follow_windows(
                self.clock, Stop(on_shift, OFF_SHIFT, calendar.policy), off_shift_windows(calendar)
            )
            follow_windows(
                self.clock,
                Stop(self.machines, OFF_SHIFT, calendar.policy),
                maintenance_windows(calendar),
            )
        for step_id, step in spec.steps.items():
            for mode, failure in enumerate(step.failures):
                if failure.clock != "calendar":
                    continue
                for machine in self.machines_of[step_id]:
                    owner = f"{step_id}:calendar_failure:{mode}"
                    rng = stream(self.seed, self.replication, owner, machine.index, "failure")
                    repair = stream(self.seed, self.replication, owner, machine.index, "repair")
                    Alternation(
                        self.clock,
                        Stop([machine], DOWN, "pause"),
                        _exponential(rng, failure.mtbf),
                        _exponential(repair, failure.mttr),
                    )
        for name, disturbance in spec.disturbances.items():
            stopped = [m for s in disturbance.stops for m in self.machines_of[s]]
            owner = f"disturbance:{name}"
            every = one_at_a_time(
                duration_sampler(
                    disturbance.every, stream(self.seed, self.replication, owner, 0, "cycle")
                )
            )
            length = one_at_a_time(
                duration_sampler(
                    disturbance.duration, stream(self.seed, self.replication, owner, 0, "repair")
                )
            )
            scrapped = self.disturbance_scrap[name] = {}

            def scrap(now, shares=disturbance.scraps, scrapped=scrapped):
                for item, share in shares.items():
                    count = self.buffers[item].scrap_share(share, now)
                    scrapped[item] = scrapped.get(item, 0) + count

            self.disturbances[name] = Alternation(
                self.clock, Stop(stopped, DISTURBED, disturbance.policy), every, length, scrap
            )
        for name, supply in spec.supplies.items():
            owner = f"supply:{name}"
            every = one_at_a_time(
                duration_sampler(
                    supply.every, stream(self.seed, self.replication, owner, 0, "cycle")
                )
            )
            disrupted = outage = None
            if supply.disruption is not None and supply.disruption.probability > 0:
                chance = Draws(stream(self.seed, self.replication, owner, 0, "failure"))
                p = supply.disruption.probability
                disrupted = lambda chance=chance, p=p: chance.uniform() < p  # noqa: E731
                outage = one_at_a_time(
                    duration_sampler(
                        supply.disruption.duration,
                        stream(self.seed, self.replication, owner, 0, "repair"),
                    )
                )
            self.deliveries[name] = Deliveries(
                self.clock, self.buffers[supply.item], supply.lot, every, disrupted, outage
            )
        if self.series_every:
            self._record_series()

    def _record_series(self) -> None:
        product = self.buffers[self.spec.product.item]
        total = [0]

        def record() -> None:
            finished = self.finished_before + product.arrived
            self.series.append(finished - total[0])
            total[0] = finished
            self.clock.at(self.clock.now + self.series_every, record)

        self.clock.at(self.series_every, record)

    def run(self, horizon: float) -> None:
        """Simulate warm-up plus ``horizon`` hours."""
        end = self.warmup + horizon
        # Call-backs ripple upstream through nested calls (about 5 frames per
        # step when a whole line unblocks at once): room for 500 steps.
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
        self._start_outside_world()  # a line off shift at time zero starts stopped
        for machine in self.machines:  # upstream first: sources start, users wait
            machine.start(0.0)
        self.clock.run(until=end)
        outside = self.spec.calendar or self.spec.disturbances or self.spec.supplies
        if not outside and all(m.waiting_on is not None and not m.timed for m in self.machines):
            raise LineDeadlock(self._deadlock_report())
        for machine in self.machines:
            machine.account(end)
        for counters in self.counters.values():
            counters.wip_changed(end, 0, 0)
        self.meter.finish(end)

    def _deadlock_report(self) -> str:
        since = max(m.plan_start for m in self.machines)
        waits = []
        for machine in self.machines:
            buffer = machine.waiting_on
            if buffer is None:
                continue
            state = machine.state_now()
            what = (
                f"needs {machine.need} {buffer.item}, {buffer.level} there"
                if state == "starved"
                else f"{buffer.item} buffer full ({buffer.level}/{buffer.capacity:g})"
            )
            waits.append(f"{machine.step_id}[{machine.index}] {state}: {what}")
        unique = list(dict.fromkeys(waits))
        return (
            f"the line deadlocked at {since:.1f} h: every machine waits and none can "
            "move again:\n  " + "\n  ".join(unique)
        )

    def check_balance(self) -> None:
        """Every unit is accounted for: started = finished + scrapped + in process."""
        problems = []
        for step_id, c in self.counters.items():
            # Counters against where the units physically are.
            machines = [m for m in self.machines if m.step_id == step_id]
            if c.in_cycle != sum(m.recipes for m in machines):
                problems.append(
                    f"step {step_id}: {c.in_cycle} recipe units counted in "
                    "process, not held by its machines"
                )
            if c.pending != sum(m.holding for m in machines):
                problems.append(
                    f"step {step_id}: {c.pending} finished units counted, not held by its machines"
                )
        for item, buffer in self.buffers.items():
            # A direct link (capacity 0) holds what sits in its user's infeed.
            infeed = 0 if buffer.capacity else self._largest_take(item)
            if not (
                0 <= buffer.level <= max(buffer.capacity, infeed)
                and min(buffer.defective, default=0) >= 0
                and sum(buffer.defective) <= buffer.level
            ):
                problems.append(
                    f"buffer {item}: level {buffer.level} or defect counts "
                    f"{buffer.defective} impossible"
                )
            if item in self.flow.makers:
                put = sum(self.counters[s].put for s in self.flow.makers[item])
            else:  # a supply's store: what the deliveries took in
                put = next(d.delivered for d in self.deliveries.values() if d.store is buffer)
            taken = sum(
                self.counters[s].started * self.spec.steps[s].uses[item]
                for s in self.flow.users.get(item, [])
            )
            lost = buffer.scrapped + buffer.expired
            if buffer.arrived != put or (
                buffer.level_at_start + put - taken - lost != buffer.level
            ):
                problems.append(
                    f"buffer {item}: {buffer.level_at_start} + {put} in - {taken} "
                    f"out - {lost} scrapped != {buffer.level} held"
                )
            cohorts = getattr(buffer, "cohorts", None)
            if cohorts is not None and sum(n for _, n in cohorts) != buffer.level:
                problems.append(f"buffer {item}: dwell cohorts do not add up to its level")
        if problems:
            raise MaterialBalanceError("material balance violated: " + "; ".join(problems))

    def _largest_take(self, item: str) -> int:
        return max(
            (
                self.spec.steps[s].uses[item]
                * (self.spec.steps[s].batch_size * (self.spec.steps[s].lot or 1))
                for s in self.flow.users.get(item, [])
            ),
            default=0,
        )

    def result(self, replication: int, seed: int, horizon: float) -> ReplicationResult:
        """Collect the window's statistics into a :class:`ReplicationResult`."""
        end = self.warmup + horizon
        shares = self.meter.shares()
        split = self.meter.sole_and_shared()
        active = self.meter.mean_active_period()
        result = ReplicationResult(replication, seed, self.warmup, horizon)
        for step_id, c in self.counters.items():
            states = dict.fromkeys(STATES, 0.0)
            starved_by = dict.fromkeys(self.supply_names, 0.0)
            for machine in self.machines_of[step_id]:
                for name, hours in zip(STATES, machine.acc, strict=False):
                    states[name] += hours
                for k, name in enumerate(self.supply_names):
                    starved_by[name] += machine.acc[len(STATES) + k]
            states["starved"] += sum(starved_by.values())
            result.steps[step_id] = StepResult(
                machines=self.spec.steps[step_id].machines,
                states=states,
                cycles=c.cycles,
                started=c.started,
                made=c.made,
                good=c.good,
                scrapped=c.scrapped,
                detected=c.detected,
                defects_made=c.defects_made,
                mean_fill=c.fill / c.cycles if c.cycles else 0.0,
                wip=c.wip_area / horizon,
                bottleneck_share=shares[step_id],
                mean_active_period_h=active[step_id],
                bottleneck_sole=split[step_id][0],
                bottleneck_shared=split[step_id][1],
                starved_by=starved_by,
            )
        product = self.spec.product.item
        for item, buffer in self.buffers.items():
            if item == product:
                result.finished = buffer.arrived
                result.escaped = {
                    name: buffer.defective[d] - buffer.defective_at_start[d]
                    for d, name in enumerate(self.defect_names)
                }
                continue
            if item in self.spec.supplied_items:
                continue
            result.buffers[item] = BufferResult(
                capacity=buffer.capacity,
                mean_level=buffer.mean_level(end, self.warmup),
                max_level=buffer.max_level,
                final_level=buffer.level,
                start_level=buffer.level_at_start,
                scrapped=buffer.scrapped,
                expired=buffer.expired,
            )
        for name, driver in self.disturbances.items():
            result.disturbances[name] = DisturbanceResult(
                events=driver.events,
                hours=driver.hours_until(end),
                scrapped=dict(self.disturbance_scrap[name]),
            )
        for name, supply in self.spec.supplies.items():
            store, deliveries = self.buffers[supply.item], self.deliveries[name]
            result.supplies[name] = SupplyResult(
                delivered=deliveries.delivered,
                turned_away=deliveries.turned_away,
                disruptions=deliveries.disruptions,
                disrupted_hours=deliveries.disrupted_until(end),
                mean_stock=store.mean_level(end, self.warmup),
                stockout_share=store.stockout_hours(end, self.warmup) / horizon,
            )
        result.staffed_h = staffed_hours(self.spec.calendar, self.warmup, end)
        result.bottleneck_shared = self.meter.shared_total / horizon
        if self.series_every:
            # The bin that ends at the end of the run is recorded here: the
            # clock stops before events due at that time.
            finished = self.finished_before + self.buffers[product].arrived
            result.series_h = self.series_every
            result.series = [*self.series, finished - sum(self.series)]
            if len(result.series) > math.ceil(end / self.series_every - 1e-9):
                result.series[-2] += result.series.pop()
        chain = self.flow.unit_chain
        if chain:
            result.chain_started = self.counters[chain[0]].started
            inside = [self.spec.steps[s].output for s in chain[:-1]]
            result.chain_wip = sum(result.steps[s].wip for s in chain) + sum(
                result.buffers[i].mean_level for i in inside
            )
        result.events = self.clock.events_scheduled()
        return result


def run_replication(
    spec: LineSpec,
    replication: int = 0,
    seed: int | None = None,
    horizon: float | None = None,
    warmup: float | None = None,
    ramps: bool = False,
    series_every: float | None = None,
) -> ReplicationResult:
    """Simulate one replication of ``spec`` and return its statistics.

    ``horizon`` and ``warmup`` are hours (default: the spec's ``run`` block);
    the horizon is counted after the warm-up. ``ramps`` applies the steps'
    ramp-up curves (a new line); ``series_every`` records good output per
    bin of that many hours from time zero (default: 100 bins over the run).
    Raises :class:`LineDeadlock` if the line stops for good,
    :class:`MaterialBalanceError` on a model bug.
    """
    seed = spec.run.seed if seed is None else seed
    horizon = spec.run.horizon if horizon is None else horizon
    warmup = spec.run.warmup if warmup is None else warmup
    if series_every is None:  # output over time in 100 bins, for the warm-up check
        series_every = _series_bin(spec, warmup + horizon)
    model = LineModel(spec, replication, seed, warmup, ramps, series_every)
    model.run(horizon)
    model.check_balance()
    return model.result(replication, seed, horizon)


def _series_bin(spec: LineSpec, total: float) -> float:
    """About 100 bins over the run; whole days or weeks when a calendar repeats.

    Output that follows shifts rises and falls every day (every week with
    days off); bins that do not line up with that rhythm would look like a
    line still settling.
    """
    width = total / SERIES_BINS
    calendar = spec.calendar
    if calendar is None or (not calendar.shifts and not calendar.days_off):
        return width
    period = 168.0 if calendar.days_off else 24.0
    return max(1, round(width / period)) * period


def _apply_ramp(config: StepConfig, step, counters: StepCounters) -> None:
    """Make the cycle draw also set this cycle's ramped yield and cycle factor.

    value(n) = mature - (mature - start) x 0.5^(n / halfway), n = units the
    step has processed so far (good and scrap).
    """
    yield_ramp, cycle_ramp = step.ramp.yield_, step.ramp.cycle
    mature_yield = step.yield_
    constant = config.cycle_const
    base = config.cycle_draw if constant is None else (lambda: constant)

    def draw() -> float:
        n = counters.made_before + counters.made
        if yield_ramp is not None:
            gap = (mature_yield - yield_ramp.start) * 0.5 ** (n / yield_ramp.halfway)
            config.yield_ = mature_yield - gap
        if cycle_ramp is None:
            return base()
        return base() * (1.0 + (cycle_ramp.start - 1.0) * 0.5 ** (n / cycle_ramp.halfway))

    config.cycle_const, config.cycle_draw, config.durations = None, draw, None


def _exponential(rng, mean: float):
    if mean <= 0:
        return lambda: 0.0
    return lambda: rng.exponential(mean)
