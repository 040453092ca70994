"""One machine of a step as a SimPy process: take inputs, process, hand over.

The loop spends a SimPy event only where the machine must wait: inputs and
room are checked directly, and the cycle (setup, processing and any
breakdowns during it) is a single timeout. Breakdowns are folded into the
cycle by counting time to failure down in operating time. State times are
accumulated lazily in plain floats from a *plan* of the current activity, so
the warm-up cut and the end of the run can split an activity exactly.

Example (the loop is driven by :class:`fabsim.sim.line.LineModel`):
    >>> STATES
    ('busy', 'starved', 'blocked', 'down', 'setup', 'off_shift')
"""

from __future__ import annotations

from heapq import heappush

from simpy.events import Event

STATES = ("busy", "starved", "blocked", "down", "setup", "off_shift")
BUSY, STARVED, BLOCKED, DOWN, SETUP, OFF_SHIFT = range(6)
_FOREVER = float("inf")


class StepCounters:
    """What one step did in the statistics window, summed over its machines."""

    __slots__ = (
        "cycles", "started", "made", "good", "scrapped", "detected", "defects_made",
        "in_cycle", "pending", "wip_area", "wip_last", "active", "station",
        "started_total", "in_cycle_at_start", "pending_at_start", "put", "fill",
    )

    def __init__(self, machines: int, station):
        self.cycles = 0  # cycles finished
        self.started = 0  # recipe units taken in
        self.made = 0  # output units made, good or not
        self.good = 0  # output units that passed the step
        self.scrapped = 0  # output units failed by the step's yield
        self.detected = 0  # output units scrapped because a latent defect was found
        self.defects_made = 0  # latent defects introduced here
        self.put = 0  # output units handed to the next buffer
        self.fill = 0  # sum over cycles of recipe units per cycle (batch fill)
        self.in_cycle = 0  # recipe units inside machines now
        self.pending = 0  # finished good units held by blocked machines now
        self.wip_area = 0.0
        self.wip_last = 0.0
        self.active = machines  # machines not starved and not blocked
        self.station = station
        self.in_cycle_at_start = 0
        self.pending_at_start = 0

    def wip_changed(self, now: float, in_cycle: int, pending: int) -> None:
        self.wip_area += (self.in_cycle + self.pending) * (now - self.wip_last)
        self.wip_last = now
        self.in_cycle += in_cycle
        self.pending += pending

    def restart(self, now: float) -> None:
        self.wip_changed(now, 0, 0)
        self.wip_area = 0.0
        self.cycles = self.started = self.made = self.good = self.put = self.fill = 0
        self.scrapped = self.detected = self.defects_made = 0
        self.in_cycle_at_start, self.pending_at_start = self.in_cycle, self.pending


class Machine:
    """One machine: its state accounts and the SimPy process that runs it."""

    __slots__ = (
        "model", "step_id", "index", "counters", "acc", "acc_until", "plan_start", "plan",
        "wake", "waiting_on", "need", "timed",
    )

    def __init__(self, model, step_id: str, index: int, counters: StepCounters):
        self.model = model
        self.step_id = step_id
        self.index = index
        self.counters = counters
        self.acc = [0.0] * len(STATES)
        self.acc_until = 0.0
        self.plan_start = 0.0
        self.plan: int | list = BUSY  # one state, or [(state, hours), ...]
        self.wake = None
        self.waiting_on = None
        self.need = 0
        self.timed = False  # waiting with a batch timer that will end the wait

    def account(self, until: float) -> None:
        """Add the time up to ``until`` to the states of the current plan."""
        done = self.acc_until
        if until <= done:
            return
        plan = self.plan
        if plan.__class__ is int:
            self.acc[plan] += until - done
        else:
            acc = self.acc
            position = self.plan_start
            last = len(plan) - 1
            for i, (state, hours) in enumerate(plan):
                end = _FOREVER if i == last else position + hours
                if end > done:
                    low = done if done > position else position
                    high = end if end < until else until
                    if high > low:
                        acc[state] += high - low
                    if end >= until:
                        break
                position = end
        self.acc_until = until

    def restart(self, now: float) -> None:
        self.account(now)
        acc = self.acc
        for state in range(len(acc)):
            acc[state] = 0.0  # in place: the running process holds this list

    def state_now(self) -> str:
        """The state the machine is in (for deadlock reports)."""
        plan = self.plan
        return STATES[plan if plan.__class__ is int else plan[-1][0]]


class StepConfig:
    """What every machine of a step needs to know, resolved once per run."""

    __slots__ = (
        "inputs", "output", "per_unit", "size", "min_k", "max_wait", "yield_",
        "cycle_const", "cycle_draw", "failures", "setup_every", "setup_const",
        "setup_draw", "machines", "defect_new", "defect_detect", "defect_types",
    )


def operate(machine: Machine, config: StepConfig, streams: dict):
    """The SimPy process of one machine (a generator; see the module doc).

    This is the hot path of every run, so it keeps what it needs in local
    variables and, for the cycle itself, re-arms one SimPy event per machine
    and pushes it on the event queue directly (what ``env.timeout`` does,
    without building a new object each cycle).
    """
    env = machine.model.env
    queue = env._queue
    event_ids = env._eid
    cycle_done = Event(env)
    cycle_done._ok, cycle_done._value = True, None  # as a Timeout: succeeds with None
    counters = machine.counters
    station = counters.station
    meter = machine.model.meter
    acc = machine.acc
    inputs = config.inputs
    out = config.output
    per_unit = config.per_unit
    size, min_k, max_wait = config.size, config.min_k, config.max_wait
    machines = config.machines
    yield_ = config.yield_
    yield_rng = streams["yield"]
    defect_rng = streams["defects"]
    with_defects = config.defect_types > 0
    cycle_const = config.cycle_const
    cycle_draw = config.cycle_draw
    cycle_block: list[float] = []
    ci = 0
    uniforms: list[float] = []
    ui = 0
    failures = config.failures  # [(mtbf, repair sampler)]
    failure_rng = streams["failure"]
    time_to_failure = [failure_rng.exponential(mtbf) for mtbf, _ in failures]
    setup_every = config.setup_every
    cycles_since_setup = 0
    min_since = None
    pending_defects = None

    while True:
        # 1. Inputs: take at once when there; wait (starved) only when not.
        k = size
        while inputs:
            k = size
            short = None
            for buffer, per_recipe in inputs:
                available = buffer.level // per_recipe
                if available < k:
                    k, short, short_per = available, buffer, per_recipe
            if short is None:
                break
            now = env._now
            timer = None
            if k >= min_k:
                if max_wait <= 0:
                    break
                if min_since is None:
                    min_since = now
                timer = min_since + max_wait - now
                if timer <= 1e-12:
                    break
                need = size * short_per
            else:
                min_since = None
                need = min_k * short_per
            machine.account(now)
            machine.plan_start, machine.plan = now, STARVED
            counters.active -= 1
            if counters.active == machines - 1:
                station.close_at(now, meter)
            machine.waiting_on, machine.need, machine.timed = short, need, timer is not None
            machine.wake = wake = env.event()
            short.getters.append(machine)
            if timer is None:
                yield wake
            else:
                yield wake | env.timeout(timer)
                if machine.waiting_on is short:  # the timer fired first
                    machine.waiting_on = None
                    short.getters.remove(machine)
            now = env._now
            machine.account(now)
            machine.plan_start, machine.plan = now, BUSY
            counters.active += 1
            if counters.active == machines:
                station.open_at(now)
        min_since = None
        now = env._now
        carried = None
        for buffer, per_recipe in inputs:
            taken = buffer.take(k * per_recipe, now, defect_rng)
            if taken:
                carried = _carry(carried, taken, per_recipe, k)
        counters.started += k
        counters.wip_area += (counters.in_cycle + counters.pending) * (now - counters.wip_last)
        counters.wip_last = now
        counters.in_cycle += k

        # 2. The cycle: setup, processing and breakdowns folded into one wait.
        if cycle_const is None:
            if ci == len(cycle_block):
                cycle_block, ci = cycle_draw(), 0
            hours = cycle_block[ci]
            ci += 1
        else:
            hours = cycle_const
        plan = None
        if setup_every:
            cycles_since_setup += 1
            if cycles_since_setup > setup_every:
                cycles_since_setup = 1
                plan = [(SETUP, config.setup_const if config.setup_draw is None
                         else config.setup_draw())]
        if failures:
            plan = _fold_failures(hours, time_to_failure, failures, failure_rng, plan)
            hours = sum(segment for _, segment in plan)
        if machine.plan.__class__ is int:  # close the previous activity (inline account)
            done = machine.acc_until
            if now > done:
                acc[machine.plan] += now - done
                machine.acc_until = now
        else:
            machine.account(now)
        machine.plan_start = now
        machine.plan = BUSY if plan is None else plan
        cycle_done.callbacks = []
        heappush(queue, (now + hours, 1, next(event_ids), cycle_done))
        yield cycle_done

        # 3. Quality: the step's yield, latent defects found or made here.
        now = env._now
        made = k * per_unit
        if with_defects:
            good, scrapped, detected, pending_defects = _quality(
                made, carried, per_unit, yield_, config, defect_rng, counters)
        else:
            if yield_ >= 1.0:
                good = made
            elif made == 1:
                if ui == len(uniforms):
                    uniforms, ui = yield_rng.random(1024).tolist(), 0
                good = 1 if uniforms[ui] < yield_ else 0
                ui += 1
            else:
                good = int(yield_rng.binomial(made, yield_))
            scrapped, detected = made - good, 0
        counters.cycles += 1
        counters.fill += k
        counters.made += made
        counters.good += good
        counters.scrapped += scrapped
        counters.detected += detected
        counters.wip_area += (counters.in_cycle + counters.pending) * (now - counters.wip_last)
        counters.wip_last = now
        counters.in_cycle -= k
        counters.pending += good

        # 4. Hand over; a full buffer blocks the machine (blocking after service).
        while good:
            room = out.capacity - out.level
            if room >= good:
                handed = good
            elif room > 0:
                handed = room
            else:
                machine.account(now)
                machine.plan_start, machine.plan = now, BLOCKED
                counters.active -= 1
                if counters.active == machines - 1:
                    station.close_at(now, meter)
                machine.waiting_on, machine.need, machine.timed = out, good, False
                machine.wake = wake = env.event()
                out.putters.append(machine)
                yield wake
                now = env._now
                machine.account(now)
                machine.plan_start, machine.plan = now, BUSY
                counters.active += 1
                if counters.active == machines:
                    station.open_at(now)
                continue
            moved = None
            if pending_defects:
                moved, pending_defects = _split_defects(pending_defects, good, handed)
            out.put(handed, moved, now)
            counters.put += handed
            counters.wip_area += (counters.in_cycle + counters.pending) * (now - counters.wip_last)
            counters.wip_last = now
            counters.pending -= handed
            good -= handed


def _fold_failures(busy, time_to_failure, failures, rng, plan):
    """Split ``busy`` hours into busy/down segments for breakdowns during it."""
    segments = plan or []
    left = busy
    while True:
        first = min(range(len(failures)), key=time_to_failure.__getitem__)
        until_failure = time_to_failure[first]
        if until_failure >= left:
            for i in range(len(failures)):
                time_to_failure[i] -= left
            segments.append((BUSY, left))
            return segments
        for i in range(len(failures)):
            time_to_failure[i] -= until_failure
        segments.append((BUSY, until_failure))
        left -= until_failure
        mtbf, repair = failures[first]
        segments.append((DOWN, repair()))
        time_to_failure[first] = rng.exponential(mtbf)


def _carry(carried, taken, per_recipe, recipes):
    # Recipe units affected by defective inputs. A unit carries at most one
    # defect type; two defective inputs are assumed to land in different
    # recipe units (exact for one-to-one steps, a slight overcount otherwise).
    carried = carried or [0] * len(taken)
    free = recipes - sum(carried)
    for d, n in enumerate(taken):
        hit = min(n, free)
        carried[d] += hit
        free -= hit
    return carried


def _quality(made, carried, per_unit, yield_, config, rng, counters):
    """Good units, yield scrap, detected scrap and defects carried by good units."""
    types = config.defect_types
    defective = [n * per_unit for n in carried] if carried else [0] * types
    detected = 0
    for d, p in config.defect_detect:
        if defective[d]:
            found = int(rng.binomial(defective[d], p))
            defective[d] -= found
            detected += found
    clean = made - detected - sum(defective)
    if yield_ < 1.0:
        good_clean = int(rng.binomial(clean, yield_))
        survivors = [int(rng.binomial(n, yield_)) if n else 0 for n in defective]
    else:
        good_clean, survivors = clean, defective
    scrapped = (clean - good_clean) + sum(defective) - sum(survivors)
    for d, p in config.defect_new:
        if good_clean:
            new = int(rng.binomial(good_clean, p))
            good_clean -= new
            survivors[d] += new
            counters.defects_made += new
    good = good_clean + sum(survivors)
    return good, scrapped, detected, survivors


def _split_defects(defective, good, handed):
    # Hand over clean units first; defective ones leave with the last units.
    clean = good - sum(defective)
    moved = [0] * len(defective)
    extra = handed - clean
    rest = list(defective)
    for d in range(len(rest)):
        if extra <= 0:
            break
        n = min(extra, rest[d])
        moved[d] += n
        rest[d] -= n
        extra -= n
    return moved, (rest if any(rest) else None)
