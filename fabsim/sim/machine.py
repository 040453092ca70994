"""One machine of a step: take inputs, process, hand over; an event only per cycle.

A machine is driven by callbacks, not by a SimPy process: the end of its
cycle is the one SimPy event it schedules (one re-armed event per machine,
pushed on the queue directly). When it must wait, it registers with the
buffer it waits on, and the buffer calls it back the moment the units or the
room are there, with no event in between. Breakdowns are folded into the
cycle by counting time to failure down in operating time. State times are
accumulated lazily in plain floats from a *plan* of the current activity, so
the warm-up cut and the end of the run can split an activity exactly.

Example (machines are built and started by :class:`fabsim.sim.line.LineModel`):
    >>> STATES
    ('busy', 'starved', 'blocked', 'down', 'setup', 'off_shift')
"""

from __future__ import annotations

from heapq import heappush

from simpy.events import Event

from fabsim.sim.streams import Draws

STATES = ("busy", "starved", "blocked", "down", "setup", "off_shift")
BUSY, STARVED, BLOCKED, DOWN, SETUP, OFF_SHIFT = range(6)
_FOREVER = float("inf")


class StepCounters:
    """What one step did in the statistics window, summed over its machines."""

    __slots__ = (
        "cycles",
        "started",
        "made",
        "good",
        "scrapped",
        "detected",
        "defects_made",
        "in_cycle",
        "pending",
        "wip_area",
        "wip_last",
        "active",
        "station",
        "in_cycle_at_start",
        "pending_at_start",
        "put",
        "fill",
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
        # Machine.cycle, finish and hand_over write this update out inline:
        # it runs several times per cycle, where a method call costs ~5%.
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


class StepConfig:
    """What every machine of a step needs to know, resolved once per run."""

    __slots__ = (
        "inputs",
        "output",
        "per_unit",
        "size",
        "min_k",
        "max_wait",
        "yield_",
        "cycle_const",
        "cycle_draw",
        "failures",
        "setup_every",
        "setup_const",
        "setup_draw",
        "machines",
        "defect_new",
        "defect_detect",
        "defect_types",
        "per_unit_time",
    )


class Machine:
    """One machine: its state accounts and the callbacks that run it."""

    __slots__ = (
        "env",
        "queue",
        "event_ids",
        "step_id",
        "index",
        "counters",
        "station",
        "meter",
        "config",
        "acc",
        "acc_until",
        "plan_start",
        "plan",
        "waiting_on",
        "need",
        "timed",
        "wait_token",
        "cycle_done",
        "recipes",
        "carried",
        "holding",
        "holding_defects",
        "time_to_failure",
        "since_setup",
        "min_since",
        "yield_draws",
        "defect_rng",
        "failure_rng",
        "own_defects",
    )

    def __init__(
        self,
        env,
        meter,
        step_id: str,
        index: int,
        counters: StepCounters,
        config: StepConfig,
        streams: dict,
    ):
        self.env = env
        self.queue = env._queue  # pushed on directly: see cycle()
        self.event_ids = env._eid
        self.meter = meter
        self.step_id = step_id
        self.index = index
        self.counters = counters
        self.station = counters.station
        self.config = config
        self.acc = [0.0] * len(STATES)
        self.acc_until = 0.0
        self.plan_start = 0.0
        self.plan: int | list = BUSY  # one state, or [(state, hours), ...]
        self.waiting_on = None  # the buffer this machine waits on
        self.need = 0  # units (starved) or room (blocked) it waits for
        self.timed = False  # waiting with a batch timer that will end the wait
        self.wait_token = 0
        self.cycle_done = Event(env)
        self.cycle_done._ok, self.cycle_done._value = True, None  # succeeds like a Timeout
        self.recipes = 0  # recipe units in the current cycle
        self.carried = None  # of those, how many carry each latent defect
        self.holding = 0  # good units made and not yet handed over
        self.holding_defects = None
        self.yield_draws = Draws(streams["yield"])
        self.defect_rng = Draws(streams["defects"])
        self.failure_rng = streams["failure"]
        self.time_to_failure = [self.failure_rng.exponential(m) for m, _ in config.failures]
        self.since_setup = 0
        self.min_since = None
        # Defect bookkeeping costs draws; a step that neither makes nor finds
        # defects only needs it for defective units it is handed.
        self.own_defects = bool(config.defect_new or config.defect_detect)

    # --- time accounting ------------------------------------------------------

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
            acc[state] = 0.0

    def state_now(self) -> str:
        """The state the machine is in (for deadlock reports)."""
        plan = self.plan
        return STATES[plan if plan.__class__ is int else plan[-1][0]]

    def _wait(self, now: float, state: int, buffer, need: int, timed: bool) -> None:
        self.account(now)
        self.plan_start, self.plan = now, state
        counters = self.counters
        counters.active -= 1
        if counters.active == self.config.machines - 1:
            self.station.close_at(now, self.meter)
        self.waiting_on, self.need, self.timed = buffer, need, timed
        self.wait_token += 1

    def _resume(self) -> float:
        now = self.env._now
        self.account(now)
        self.plan_start, self.plan = now, BUSY
        counters = self.counters
        counters.active += 1
        if counters.active == self.config.machines:
            self.station.open_at(now)
        return now

    # --- the cycle ------------------------------------------------------------

    def start(self) -> None:
        """Begin a cycle if the inputs are there; else wait for them (starved)."""
        config = self.config
        size, min_k = config.size, config.min_k
        k = size
        inputs = config.inputs
        if inputs:
            short = None
            for buffer, per_recipe in inputs:
                available = buffer.level // per_recipe
                if available < k:
                    k, short, short_per = available, buffer, per_recipe
            if short is not None:
                now = self.env._now
                if k < min_k:
                    self.min_since = None
                    self._starve(now, short, min_k * short_per, None)
                    return
                if config.max_wait > 0:
                    if self.min_since is None:
                        self.min_since = now
                    timer = self.min_since + config.max_wait - now
                    if timer > 1e-12:
                        self._starve(now, short, size * short_per, timer)
                        return
        self.min_since = None
        self.cycle(k)

    def _starve(self, now: float, buffer, need: int, timer: float | None) -> None:
        """Wait on ``buffer`` for ``need`` units, or until a batch timer runs out."""
        self._wait(now, STARVED, buffer, need, timer is not None)
        buffer.getters.append(self)
        if timer is not None:
            token = self.wait_token
            self.env.timeout(timer).callbacks.append(lambda _event: self._timer_fired(token))
        if buffer.putters:  # a blocked maker may now hand over in part
            buffer.wake_putters()

    def inputs_arrived(self) -> None:
        """Called by a buffer: what this machine waited for is there."""
        self._resume()
        self.start()

    def _timer_fired(self, token: int) -> None:
        if self.wait_token != token or self.waiting_on is None:
            return  # that wait already ended
        buffer = self.waiting_on
        self.waiting_on = None
        buffer.getters.remove(self)
        self._resume()
        self.start()

    def cycle(self, k: int) -> None:
        """Take ``k`` recipe units and schedule the end of the cycle."""
        now = self.env._now
        config = self.config
        counters = self.counters
        carried = None
        defect_rng = self.defect_rng
        inputs = config.inputs
        for buffer, per_recipe in inputs:
            taken = buffer.take(k * per_recipe, now, defect_rng)
            if taken:
                carried = _carry(carried, taken, k)
        for buffer, _ in inputs:
            if buffer.putters:
                buffer.wake_putters()
        self.recipes, self.carried = k, carried
        counters.started += k
        counters.wip_area += (counters.in_cycle + counters.pending) * (now - counters.wip_last)
        counters.wip_last = now
        counters.in_cycle += k

        hours = config.cycle_const
        if hours is None:
            draw = config.cycle_draw
            hours = draw()
            if config.per_unit_time:  # a transfer lot: one cycle per unit
                for _ in range(k - 1):
                    hours += draw()
        elif config.per_unit_time:
            hours *= k
        plan = None
        if config.setup_every:
            self.since_setup += 1
            if self.since_setup > config.setup_every:
                self.since_setup = 1
                plan = [
                    (
                        SETUP,
                        config.setup_const if config.setup_draw is None else config.setup_draw(),
                    )
                ]
        if config.failures:
            ttf = self.time_to_failure
            if plan is None and min(ttf) > hours:  # no breakdown in this cycle
                for i in range(len(ttf)):
                    ttf[i] -= hours
            else:
                plan = _fold_failures(hours, ttf, config.failures, self.failure_rng, plan)
                hours = sum(segment for _, segment in plan)
        elif plan is not None:  # a setup, then the processing itself
            plan.append((BUSY, hours))
            hours += plan[0][1]
        if self.plan.__class__ is int:  # close the previous activity (inline account)
            done = self.acc_until
            if now > done:
                self.acc[self.plan] += now - done
                self.acc_until = now
        else:
            self.account(now)
        self.plan_start = now
        self.plan = BUSY if plan is None else plan
        event = self.cycle_done
        event.callbacks = [self.finish]
        heappush(self.queue, (now + hours, 1, next(self.event_ids), event))

    def finish(self, _event) -> None:
        """End of a cycle: apply the step's yield and defects, then hand over."""
        now = self.env._now
        config = self.config
        counters = self.counters
        k = self.recipes
        self.recipes = 0
        made = k * config.per_unit
        yield_ = config.yield_
        if self.carried or self.own_defects:
            good, scrapped, detected, self.holding_defects = _quality(
                made, self.carried, config, self.defect_rng, counters
            )
        else:
            if yield_ >= 1.0:
                good = made
            elif made == 1:
                good = 1 if self.yield_draws.uniform() < yield_ else 0
            else:
                good = int(self.yield_draws.rng.binomial(made, yield_))
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
        self.holding = good
        self.hand_over(now)

    def hand_over(self, now: float) -> None:
        """Put the good units downstream; a full buffer blocks (blocking after service)."""
        out = self.config.output
        counters = self.counters
        good = self.holding
        while good:
            room = out.capacity - out.level
            # Finished units leave together once there is room for all of them;
            # they go in parts, as room appears, when they could never fit at
            # once or when a user of the buffer is starved (else both would
            # wait on each other for good).
            need = good if good <= out.capacity else 1
            if room < need and not (room > 0 and out.getters):
                self.holding = good
                self._wait(now, BLOCKED, out, need, False)
                out.putters.append(self)
                return
            handed = good if room >= good else room
            moved = None
            if self.holding_defects:
                moved, self.holding_defects = _split_defects(self.holding_defects, good, handed)
            good -= handed
            self.holding = good
            counters.put += handed
            counters.wip_area += (counters.in_cycle + counters.pending) * (now - counters.wip_last)
            counters.wip_last = now
            counters.pending -= handed
            out.put(handed, moved, now)
        self.start()

    def room_freed(self) -> None:
        """Called by a buffer: there is room again for what this machine holds."""
        self.hand_over(self._resume())


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


def _carry(carried, taken, recipes):
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


def _quality(made, carried, config, draws, counters):
    """Good units, yield scrap, detected scrap and defects carried by good units."""
    yield_ = config.yield_
    defective = [n * config.per_unit for n in carried] if carried else [0] * config.defect_types
    detected = 0
    for d, p in config.defect_detect:
        if defective[d]:
            found = draws.binomial(defective[d], p)
            defective[d] -= found
            detected += found
    clean = made - detected - sum(defective)
    if yield_ < 1.0:
        good_clean = draws.binomial(clean, yield_)
        survivors = [draws.binomial(n, yield_) if n else 0 for n in defective]
    else:
        good_clean, survivors = clean, defective
    scrapped = (clean - good_clean) + sum(defective) - sum(survivors)
    for d, p in config.defect_new:
        if good_clean:
            new = draws.binomial(good_clean, p)
            good_clean -= new
            survivors[d] += new
            counters.defects_made += new
    good = good_clean + sum(survivors)
    return good, scrapped, detected, (survivors if any(survivors) else None)


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
