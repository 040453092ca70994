"""One replication of one line: build the SimPy model from a spec and run it.

Example:
    >>> from fabsim.spec import load_spec
    >>> spec = load_spec("process_specs/examples/three_step.yaml")   # doctest: +SKIP
    >>> result = run_replication(spec, replication=0, seed=1)        # doctest: +SKIP
    >>> result.finished > 0                                          # doctest: +SKIP
    True
"""

from __future__ import annotations

import sys

import simpy

from fabsim.sim.bottleneck import BottleneckMeter
from fabsim.sim.buffer import UNLIMITED, Buffer
from fabsim.sim.machine import STATES, Machine, StepConfig, StepCounters
from fabsim.sim.results import BufferResult, ReplicationResult, StepResult
from fabsim.sim.streams import (
    PURPOSES,
    constant_value,
    duration_sampler,
    one_at_a_time,
    stream,
)
from fabsim.spec.flow import Flow
from fabsim.spec.models import LineSpec


class MaterialBalanceError(RuntimeError):
    """Units appeared or vanished: a bug in the model, never a user error."""


class LineDeadlock(RuntimeError):
    """Every machine waits on another and nothing can ever move again."""


class LineModel:
    """The SimPy model of one line for one replication."""

    def __init__(self, spec: LineSpec, replication: int, seed: int, warmup: float):
        self.spec = spec
        self.flow = Flow(spec)
        self.env = simpy.Environment()
        self.warmup = warmup
        names = list(self.flow.order)
        self.meter = BottleneckMeter(names, start=0.0)
        self.defect_names = sorted({d for s in spec.steps.values() for d in s.defects})
        self.defect_index = {name: i for i, name in enumerate(self.defect_names)}
        types = len(self.defect_names)
        self.buffers = {
            item: Buffer(
                item, spec.buffers.get(item, UNLIMITED), types, sink=item == spec.product.item
            )
            for item in self.flow.makers
        }
        self.counters: dict[str, StepCounters] = {}
        self.machines: list[Machine] = []
        for index, step_id in enumerate(names):
            step = spec.steps[step_id]
            station = self.meter.stations[index]
            station.open_at(0.0)
            counters = StepCounters(step.machines, station)
            self.counters[step_id] = counters
            for m in range(step.machines):
                streams = {p: stream(seed, replication, step_id, m, p) for p in PURPOSES}
                config = self._config(step_id, streams)
                self.machines.append(
                    Machine(self.env, self.meter, step_id, m, counters, config, streams)
                )
        if warmup > 0:
            self.env.timeout(warmup).callbacks.append(lambda _: self._restart(warmup))

    def _config(self, step_id: str, streams: dict) -> StepConfig:
        step = self.spec.steps[step_id]
        config = StepConfig()
        config.inputs = tuple((self.buffers[item], n) for item, n in step.uses.items())
        config.output = self.buffers[step.output]
        config.per_unit = step.output_per_unit
        config.size = step.batch.size if step.batch else (step.lot or 1)
        config.min_k = step.smallest_take
        config.max_wait = step.batch.max_wait if step.batch else 0.0
        config.per_unit_time = step.lot is not None
        config.machines = step.machines
        config.yield_ = step.yield_
        config.cycle_const = constant_value(step.cycle)
        config.cycle_draw = (
            None
            if config.cycle_const is not None
            else one_at_a_time(duration_sampler(step.cycle, streams["cycle"]))
        )
        repair_rng = streams["repair"]
        config.failures = [(f.mtbf, _exponential(repair_rng, f.mttr)) for f in step.failures]
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
        return config

    def _restart(self, now: float) -> None:
        for machine in self.machines:
            machine.restart(now)
        for counters in self.counters.values():
            counters.restart(now)
        for buffer in self.buffers.values():
            buffer.restart_statistics(now)
        self.meter.restart(now)

    def run(self, horizon: float) -> None:
        """Simulate warm-up plus ``horizon`` hours."""
        end = self.warmup + horizon
        # Call-backs ripple upstream through nested calls (about 5 frames per
        # step when a whole line unblocks at once): room for 500 steps.
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
        for machine in self.machines:  # upstream first: sources start, users wait
            machine.start()
        self.env.run(until=end)
        if all(m.waiting_on is not None and not m.timed for m in self.machines):
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
            recipes_in = c.in_cycle_at_start + c.started - c.fill - c.in_cycle
            if recipes_in:
                problems.append(f"step {step_id}: {recipes_in} recipe units unaccounted")
            units = c.pending_at_start + c.good - c.put - c.pending
            if units or c.made != c.good + c.scrapped + c.detected:
                problems.append(f"step {step_id}: output units unaccounted")
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
            if not (
                0 <= buffer.level <= buffer.capacity
                and min(buffer.defective, default=0) >= 0
                and sum(buffer.defective) <= buffer.level
            ):
                problems.append(
                    f"buffer {item}: level {buffer.level} or defect counts "
                    f"{buffer.defective} impossible"
                )
            put = sum(self.counters[s].put for s in self.flow.makers[item])
            taken = sum(
                self.counters[s].started * self.spec.steps[s].uses[item]
                for s in self.flow.users.get(item, [])
            )
            if (
                buffer.arrived != put
                or buffer.departed != taken
                or (buffer.level_at_start + put - taken != buffer.level)
            ):
                problems.append(
                    f"buffer {item}: {buffer.level_at_start} + {put} in - {taken} "
                    f"out != {buffer.level} held"
                )
        if problems:
            raise MaterialBalanceError("material balance violated: " + "; ".join(problems))

    def result(self, replication: int, seed: int, horizon: float) -> ReplicationResult:
        """Collect the window's statistics into a :class:`ReplicationResult`."""
        end = self.warmup + horizon
        shares = self.meter.shares()
        active = self.meter.mean_active_period()
        result = ReplicationResult(replication, seed, self.warmup, horizon)
        for step_id, c in self.counters.items():
            states = dict.fromkeys(STATES, 0.0)
            for machine in self.machines:
                if machine.step_id == step_id:
                    for name, hours in zip(STATES, machine.acc, strict=True):
                        states[name] += hours
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
            result.buffers[item] = BufferResult(
                capacity=buffer.capacity,
                mean_level=buffer.mean_level(end, self.warmup),
                max_level=buffer.max_level,
                final_level=buffer.level,
            )
        chain = self.flow.unit_chain
        if chain:
            result.chain_started = self.counters[chain[0]].started
            inside = [self.spec.steps[s].output for s in chain[:-1]]
            result.chain_wip = sum(result.steps[s].wip for s in chain) + sum(
                result.buffers[i].mean_level for i in inside
            )
        result.events = next(self.env._eid)  # SimPy's running event id: events scheduled
        return result


def run_replication(
    spec: LineSpec,
    replication: int = 0,
    seed: int | None = None,
    horizon: float | None = None,
    warmup: float | None = None,
) -> ReplicationResult:
    """Simulate one replication of ``spec`` and return its statistics.

    ``horizon`` and ``warmup`` are hours (default: the spec's ``run`` block);
    the horizon is counted after the warm-up. Raises :class:`LineDeadlock` if
    the line stops for good, :class:`MaterialBalanceError` on a model bug.
    """
    seed = spec.run.seed if seed is None else seed
    horizon = spec.run.horizon if horizon is None else horizon
    warmup = spec.run.warmup if warmup is None else warmup
    model = LineModel(spec, replication, seed, warmup)
    model.run(horizon)
    model.check_balance()
    return model.result(replication, seed, horizon)


def _exponential(rng, mean: float):
    if mean <= 0:
        return lambda: 0.0
    return lambda: rng.exponential(mean)
