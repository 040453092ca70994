"""One machine of a step: take inputs, process, hand over; an event only per cycle.

A machine is driven by callbacks, not by a process: the end of its
cycle is the one event it schedules (a :class:`~fabsim.sim.clock.Timer`).
When it must wait, it registers with the buffer it waits on, and the buffer
calls it back the moment the units or the room are there, with no event in
between. Operating-time breakdowns are folded into the cycle by counting
time to failure down in operating time. State times are accumulated lazily
in plain floats from a *plan* of the current activity, so the warm-up cut
and the end of the run can split an activity exactly.

Anything that stops a machine from outside (a shift end, planned
maintenance, a calendar-clock breakdown, a dry-room excursion) goes through
one seam: :meth:`Machine.suspend` and :meth:`Machine.resume`, with a reason
and a policy for the cycle in progress (``pause`` or ``finish``).

Example (machines are built and started by :class:`fabsim.sim.line.LineModel`):
    >>> STATES
    ('busy', 'starved', 'blocked', 'down', 'setup', 'off_shift', 'disturbed')
"""

from __future__ import annotations

from heapq import heappush

from fabsim.sim.buffer import Buffer
from fabsim.sim.streams import Draws

STATES = ("busy", "starved", "blocked", "down", "setup", "off_shift", "disturbed")
BUSY, STARVED, BLOCKED, DOWN, SETUP, OFF_SHIFT, DISTURBED = range(7)
# When several stops overlap, time goes to the first of these that applies:
# planned time off is not lost to a disturbance or a breakdown.
_STOP_PRIORITY = (OFF_SHIFT, DISTURBED, DOWN)
_FOREVER = float("inf")


class StepCounters:
    """What one step did in the statistics window, summed over its machines.

    Only what cannot be derived is counted as the run goes (each count costs
    time in every cycle); units made, scrapped, started and handed over follow
    from these (see the properties).
    """

    __slots__ = (
        "cycles",
        "good",
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
        "fill",
        "made_before",
        "per_unit",
    )

    def __init__(self, machines: int, station, per_unit: int = 1):
        self.cycles = 0  # cycles finished
        self.good = 0  # output units that passed the step
        self.detected = 0  # output units scrapped because a latent defect was found
        self.defects_made = 0  # latent defects introduced here
        self.fill = 0  # sum over finished cycles of recipe units per cycle (batch fill)
        self.made_before = 0  # made before the warm-up cut (ramps count from time zero)
        self.in_cycle = 0  # recipe units inside machines now
        self.pending = 0  # finished good units held by blocked machines now
        self.wip_area = 0.0
        self.wip_last = 0.0
        self.active = machines  # machines not starved and not blocked
        self.station = station
        self.in_cycle_at_start = 0
        self.pending_at_start = 0
        self.per_unit = per_unit  # output units per recipe unit

    @property
    def made(self) -> int:
        """Output units made in the window, good or not."""
        return self.fill * self.per_unit

    @property
    def scrapped(self) -> int:
        """Output units failed by the step's yield."""
        return self.made - self.good - self.detected

    @property
    def started(self) -> int:
        """Recipe units taken in during the window."""
        return self.fill + self.in_cycle - self.in_cycle_at_start

    @property
    def put(self) -> int:
        """Output units handed to the next buffer in the window."""
        return self.pending_at_start + self.good - self.pending

    def wip_changed(self, now: float, in_cycle: int, pending: int) -> None:
        # Machine.cycle, finish and hand_over write this update out inline:
        # it runs several times per cycle, where a method call costs ~5%
        # (finish_fast needs none: a fast cycle leaves the content as it was).
        self.wip_area += (self.in_cycle + self.pending) * (now - self.wip_last)
        self.wip_last = now
        self.in_cycle += in_cycle
        self.pending += pending

    def restart(self, now: float) -> None:
        self.wip_changed(now, 0, 0)
        self.wip_area = 0.0
        self.made_before += self.made
        self.cycles = self.good = self.fill = 0
        self.detected = self.defects_made = 0
        self.in_cycle_at_start, self.pending_at_start = self.in_cycle, self.pending


class StepConfig:
    """What every machine of a step needs to know, resolved once per run."""

    __slots__ = (
        "inputs",
        "takes",
        "made",
        "output",
        "per_unit",
        "size",
        "min_k",
        "max_wait",
        "yield_",
        "cycle_const",
        "cycle_draw",
        "durations",
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
        "clock",
        "timer",
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
        "recipes",
        "carried",
        "holding",
        "holding_defects",
        "time_to_failure",
        "since_setup",
        "min_since",
        "yield_draws",
        "defect_rng",
        "defect_gaps",
        "failure_rng",
        "own_defects",
        "stops",
        "paused",
        "stopped_idle",
        "active",
        "cycle_end",
    )

    def __init__(
        self,
        clock,
        meter,
        step_id: str,
        index: int,
        counters: StepCounters,
        config: StepConfig,
        streams: dict,
        slots: int = len(STATES),
    ):
        self.clock = clock
        self.timer = clock.timer()  # the end of the current cycle
        self.meter = meter
        self.step_id = step_id
        self.index = index
        self.counters = counters
        self.station = counters.station
        self.config = config
        # One slot per state, then one per supply: starved time is split by
        # what the machine waits for.
        self.acc = [0.0] * slots
        self.acc_until = 0.0
        self.plan_start = 0.0
        self.plan: int | list = BUSY  # one state, or [(state, hours), ...]
        self.waiting_on = None  # the buffer this machine waits on
        self.need = 0  # units (starved) or room (blocked) it waits for
        self.timed = False  # waiting with a batch timer that will end the wait
        self.wait_token = 0
        self.recipes = 0  # recipe units in the current cycle
        self.carried = None  # of those, how many carry each latent defect
        self.holding = 0  # good units made and not yet handed over
        self.holding_defects = None
        self.yield_draws = Draws(streams["yield"])
        self.defect_rng = Draws(streams["defects"])
        # Units until the next new defect of each kind this step makes: a
        # count down per cycle, and a draw only when a defect is made.
        self.defect_gaps = [self.defect_rng.geometric(p) for _, p in config.defect_new]
        self.failure_rng = streams["failure"]
        self.time_to_failure = [self.failure_rng.exponential(m) for m, _ in config.failures]
        self.since_setup = 0
        self.min_since = None
        # Defect bookkeeping costs time: a step that makes no defects needs it
        # only for a cycle of defective units (finding defects needs some).
        self.own_defects = bool(config.defect_new)
        self.stops: list[int] = []  # reasons it is stopped for now (a multiset)
        self.paused = None  # the rest of a paused cycle's plan
        self.stopped_idle = False  # stopped with no cycle in progress
        # Active in the active-period sense: not starved, blocked or stopped,
        # except that a machine down for repair counts as active (Roser).
        self.active = True
        # What the timer calls at the end of a cycle: the fast path unless
        # the step always needs the general one (see _fast).
        self.cycle_end = self.finish_fast if _fast(config) else self.finish

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
        state = plan if plan.__class__ is int else plan[-1][0]
        return STATES[state] if state < len(STATES) else "starved"

    def _book(self, now: float, plan) -> None:
        self.account(now)
        self.plan_start, self.plan = now, plan

    def _set_active(self, now: float, active: bool) -> None:
        if self.active == active:
            return
        self.active = active
        counters = self.counters
        if active:
            counters.active += 1
            if counters.active == self.config.machines:
                self.station.open_at(now, self.meter)
        else:
            counters.active -= 1
            if counters.active == self.config.machines - 1:
                self.station.close_at(now, self.meter)

    def _deactivate(self, now: float, state: int) -> None:
        """Stop counting as active (starved, blocked or stopped from now on)."""
        self.account(now)
        self.plan_start, self.plan = now, state
        if state == DOWN:  # down for repair counts as active (Roser)
            self._set_active(now, True)
        elif self.active:  # written out: this runs at every wait
            self.active = False
            counters = self.counters
            counters.active -= 1
            if counters.active == self.config.machines - 1:
                self.station.close_at(now, self.meter)

    def _activate(self, now: float) -> None:
        self.account(now)
        self.plan_start, self.plan = now, BUSY
        if not self.active:
            self.active = True
            counters = self.counters
            counters.active += 1
            if counters.active == self.config.machines:
                self.station.open_at(now, self.meter)

    def _wait(self, now: float, state: int, buffer, need: int, timed: bool) -> None:
        self._deactivate(now, state)
        self.waiting_on, self.need, self.timed = buffer, need, timed
        self.wait_token += 1

    # --- the cycle ------------------------------------------------------------

    def start(self, now: float) -> None:
        """Begin a cycle if the inputs are there; else wait for them (starved)."""
        if self.stops:
            self._stop_idle(now)
            return
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
        self.cycle(k, now)

    def _starve(self, now: float, buffer, need: int, timer: float | None) -> None:
        """Wait on ``buffer`` for ``need`` units, or until a batch timer runs out."""
        self._wait(now, buffer.starved_state, buffer, need, timer is not None)
        buffer.getters.append(self)
        if timer is not None:
            token = self.wait_token
            self.clock.at(now + timer, lambda: self._timer_fired(token))
        if buffer.putters:  # a blocked maker may now hand over in part
            buffer.wake_putters(now)

    def inputs_arrived(self, now: float) -> None:
        """Called by a buffer: what this machine waited for is there."""
        self._activate(now)
        self.start(now)

    def _timer_fired(self, token: int) -> None:
        if self.wait_token != token or self.waiting_on is None:
            return  # that wait already ended
        buffer = self.waiting_on
        self.waiting_on = None
        buffer.getters.remove(self)
        now = self.clock.now
        self._activate(now)
        self.start(now)
        buffer.recheck(now)  # the machine behind it in the queue may need less

    def cycle(self, k: int, now: float) -> None:
        """Take ``k`` recipe units and schedule the end of the cycle."""
        config = self.config
        counters = self.counters
        carried = None
        inputs = config.inputs
        for buffer, per_recipe in inputs:
            taken = buffer.take(k * per_recipe, now)
            if taken:
                carried = _carry(carried, taken, k)
        for buffer, _ in inputs:
            if buffer.putters:
                buffer.wake_putters(now)
        self.recipes, self.carried = k, carried
        counters.wip_area += (counters.in_cycle + counters.pending) * (now - counters.wip_last)
        counters.wip_last = now
        counters.in_cycle += k
        self._schedule(k, now)

    def _schedule(self, k: int, now: float) -> None:
        """Draw the cycle's time (setup and breakdowns included) and arm its end."""
        config = self.config
        hours = config.cycle_const
        if hours is None:
            durations = config.durations
            if durations is None:  # a ramped draw
                hours = config.cycle_draw()
                if config.per_unit_time:  # a transfer lot: one cycle per unit
                    for _ in range(k - 1):
                        hours += config.cycle_draw()
            elif config.per_unit_time and k > 1:
                hours = durations.sum(k)
            else:
                block = durations.block  # Durations.one written out
                hours = block.pop() if block else durations.one()
        elif config.per_unit_time:
            hours *= k
        plan = None
        if config.setup_every:
            since = self.since_setup + 1
            if since <= config.setup_every:
                self.since_setup = since
            else:
                plan = self._setup_due()
        if config.failures:
            ttf = self.time_to_failure
            if plan is None and min(ttf) > hours:  # no breakdown in this cycle
                for i in range(len(ttf)):
                    ttf[i] -= hours
            else:
                plan = _fold_failures(hours, ttf, config.failures, self.failure_rng, plan)
                hours = sum([segment for _, segment in plan])  # a list: see machine.pxd
        elif plan is not None:  # a setup, then the processing itself
            plan.append((BUSY, hours))
            hours += plan[0][1]
        # Busy after busy needs no accounting now: the time since acc_until
        # is booked to busy whenever the plan next changes.
        if plan is not None or self.plan != BUSY:
            self.account(now)
            self.plan_start = now
            self.plan = BUSY if plan is None else plan
        timer = self.timer
        at = now + hours
        timer.at = at
        entry = timer.entry = [at, next(timer.ids), self.cycle_end]
        heappush(timer.queue, entry)

    def _setup_due(self) -> list | None:
        # Called when the setup is due: cycle() counts the cycles in between.
        config = self.config
        self.since_setup = 1
        setup = config.setup_const if config.setup_draw is None else config.setup_draw()
        return [(SETUP, setup)]

    def finish(self) -> None:
        """End of a cycle: apply the step's yield and defects, then hand over."""
        timer = self.timer
        now, timer.at = timer.at, None
        config = self.config
        counters = self.counters
        k = self.recipes
        self.recipes = 0
        made = k * config.per_unit
        yield_ = config.yield_
        if self.carried or self.own_defects:
            good, detected, self.holding_defects = self._quality(made)
        else:
            if yield_ >= 1.0:
                good = made
            elif made == 1:
                good = 1 if self.yield_draws.uniform() < yield_ else 0
            else:
                good = int(self.yield_draws.rng.binomial(made, yield_))
            detected = 0
        counters.cycles += 1
        counters.fill += k
        counters.good += good
        counters.detected += detected
        counters.wip_area += (counters.in_cycle + counters.pending) * (now - counters.wip_last)
        counters.wip_last = now
        counters.in_cycle -= k
        counters.pending += good
        self.holding = good
        self.hand_over(now)

    def finish_fast(self) -> None:
        """:meth:`finish`, :meth:`hand_over`, :meth:`start` and :meth:`cycle` in one.

        The common case written out: the units made fit downstream at once,
        no stop holds the machine and every input holds a full recipe. It
        takes the same decisions in the same order as the general methods,
        with the same draws, so the simulation is the same; anything else
        falls back to them. This path is most of a line's work, so calls
        are written out here (each is a few percent of a run, issue 12).

        The step's content (recipes in machines, units held) is the same after
        such a cycle as before: the units leave as the next recipe comes in,
        so its counters and its WIP area change only when the path falls back.
        """
        timer = self.timer
        now, timer.at = timer.at, None
        config = self.config
        counters = self.counters
        k = self.recipes
        made = config.made
        if self.carried or self.own_defects:
            good, detected, defective = self._quality(made)
            if detected:
                counters.detected += detected
            if defective:  # rare: units handed over one defect mark at a time
                counters.cycles += 1
                counters.fill += k
                counters.good += good
                self._settle(now, k, good)
                self.holding_defects = defective
                self.hand_over(now)
                return
        else:
            yield_ = config.yield_
            if yield_ >= 1.0:
                good = made
            elif made == 1:
                draws = self.yield_draws
                i = draws.i
                if i == len(draws.block):
                    draws.block = draws.rng.random(1024).tolist()
                    i = 0
                draws.i = i + 1
                good = 1 if draws.block[i] < yield_ else 0
            else:
                good = int(self.yield_draws.rng.binomial(made, yield_))
        counters.cycles += 1
        counters.fill += k
        counters.good += good
        if good:
            out = config.output
            level = out.level
            if out.capacity - level < good:
                self._settle(now, k, good)
                self.hand_over(now)
                return
            if out.__class__ is Buffer:  # Buffer.put written out
                out.area -= good * now
                level += good
                out.level = level
                out.arrivals += good
                if level > out.max_level:
                    out.max_level = level
                if out.getters:
                    out._wake_getters(now)
            else:
                out.put(good, None, now)
        inputs = config.inputs
        if self.stops:
            self._settle(now, k, 0)
            self._stop_idle(now)
            return
        takes = config.takes
        for buffer, count in takes:
            if buffer.level < count:
                self._settle(now, k, 0)
                self.start(now)
                return
        carried = None
        for buffer, count in takes:
            if buffer.__class__ is Buffer:  # Buffer.take written out
                buffer.area += count * now
                level = buffer.level - count
                buffer.level = level
                marks = buffer.marks
                if marks and marks[0][0] < buffer.arrivals - level:
                    carried = _carry(carried, buffer._unmark(buffer.arrivals - level), k)
            else:
                taken = buffer.take(count, now)
                if taken:
                    carried = _carry(carried, taken, k)
        self.carried = carried
        for buffer, _ in inputs:
            putters = buffer.putters
            if putters:
                # The first test of wake_putters, written out: most calls
                # would find the first blocked maker still without room.
                first = putters[0]
                room = buffer.capacity - buffer.level
                if (
                    first.waiting_on is not buffer
                    or room >= first.need
                    or (room > 0 and buffer.getters)
                    or not buffer.capacity
                ):
                    buffer.wake_putters(now)
        # _schedule written out (7% of a run; tests/test_model.py checks that
        # this path and the general one give the same numbers).
        hours = config.cycle_const
        if hours is None:
            durations = config.durations
            if durations is None:  # a ramped draw
                hours = config.cycle_draw()
                if config.per_unit_time:  # a transfer lot: one cycle per unit
                    for _ in range(k - 1):
                        hours += config.cycle_draw()
            elif config.per_unit_time and k > 1:
                hours = durations.sum(k)
            else:
                block = durations.block  # Durations.one written out
                hours = block.pop() if block else durations.one()
        elif config.per_unit_time:
            hours *= k
        plan = None
        if config.setup_every:
            since = self.since_setup + 1
            if since <= config.setup_every:
                self.since_setup = since
            else:
                plan = self._setup_due()
        if config.failures:
            ttf = self.time_to_failure
            if plan is None and min(ttf) > hours:  # no breakdown in this cycle
                for i in range(len(ttf)):
                    ttf[i] -= hours
            else:
                plan = _fold_failures(hours, ttf, config.failures, self.failure_rng, plan)
                hours = sum([segment for _, segment in plan])  # a list: see machine.pxd
        elif plan is not None:  # a setup, then the processing itself
            plan.append((BUSY, hours))
            hours += plan[0][1]
        # Busy after busy needs no accounting now: the time since acc_until
        # is booked to busy whenever the plan next changes.
        if plan is not None or self.plan != BUSY:
            self.account(now)
            self.plan_start = now
            self.plan = BUSY if plan is None else plan
        at = now + hours
        timer.at = at
        entry = timer.entry = [at, next(timer.ids), self.cycle_end]
        heappush(timer.queue, entry)

    def _settle(self, now: float, recipes: int, holding: int) -> None:
        """Leave the plain path: the cycle's recipes are done, ``holding`` units held."""
        self.counters.wip_changed(now, -recipes, holding)
        self.recipes = 0
        self.holding = holding

    def _quality(self, made: int) -> tuple[int, int, list[int] | None]:
        """Good units, detected scrap and the defects carried by good units.

        The rest of ``made`` is yield scrap (see ``StepCounters.scrapped``).
        """
        config, draws = self.config, self.defect_rng
        yield_ = config.yield_
        detected = dirty = 0
        defective = None
        if self.carried:
            defective = [n * config.per_unit for n in self.carried]
            for d, p in config.defect_detect:
                if defective[d]:
                    found = draws.binomial(defective[d], p)
                    defective[d] -= found
                    detected += found
            dirty = sum(defective)
        clean = made - detected - dirty
        if yield_ < 1.0:
            good_clean = draws.binomial(clean, yield_)
            if defective:
                defective = [draws.binomial(n, yield_) if n else 0 for n in defective]
        else:
            good_clean = clean
        survivors = defective
        gaps = self.defect_gaps
        for j, (d, p) in enumerate(config.defect_new):
            gap = gaps[j]
            if gap > good_clean:  # the next defect comes in a later cycle
                gaps[j] = gap - good_clean
                continue
            new = 0
            while gap <= good_clean:  # the gap-th clean unit of this cycle is defective
                new += 1
                gap += draws.geometric(p)
            gaps[j] = gap - good_clean
            good_clean -= new
            if survivors is None:
                survivors = [0] * config.defect_types
            survivors[d] += new
            self.counters.defects_made += new
        if survivors is None:
            return good_clean, detected, None
        carried = sum(survivors)
        return good_clean + carried, detected, (survivors if carried else None)

    def hand_over(self, now: float) -> None:
        """Put the good units downstream; a full buffer blocks (blocking after service)."""
        out = self.config.output
        counters = self.counters
        good = self.holding
        while good:
            room = out.capacity - out.level if out.capacity else out.direct_room()
            # Finished units leave together once there is room for all of them;
            # they go in parts, as room appears, when they could never fit at
            # once or when a user of the buffer is starved (else both would
            # wait on each other for good).
            need = good if good <= out.capacity else 1
            if room < need and not (room > 0 and out.getters):
                self.holding = good
                if self.stops:  # a finished cycle under a stop: wait stopped, not blocked
                    self._stop_idle(now)
                    return
                self._wait(now, BLOCKED, out, need, False)
                out.putters.append(self)
                return
            handed = good if room >= good else room
            moved = None
            if self.holding_defects:
                moved, self.holding_defects = _split_defects(self.holding_defects, good, handed)
            good -= handed
            self.holding = good
            counters.wip_area += (counters.in_cycle + counters.pending) * (now - counters.wip_last)
            counters.wip_last = now
            counters.pending -= handed
            out.put(handed, moved, now)
        self.start(now)

    def room_freed(self, now: float) -> None:
        """Called by a buffer: there is room again for what this machine holds."""
        self._activate(now)
        self.hand_over(now)

    # --- stops from outside: the one seam for calendars, breakdowns, disturbances

    def suspend(self, now: float, reason: int, policy: str = "pause") -> object:
        """Stop this machine for ``reason`` (OFF_SHIFT, DOWN or DISTURBED).

        A waiting machine stops waiting; a cycle in progress is paused (its
        remaining time resumes later) or, with ``policy="finish"``, completed
        first. Stops nest: the machine runs again once every reason has ended.
        Returns the buffer it stopped waiting on (its queue needs a new look),
        else None.
        """
        stops = self.stops
        stops.append(reason)
        if self.stopped_idle or self.paused is not None:
            self._deactivate(now, _ruling(stops))  # book to the ruling reason
            return None
        if self.waiting_on is not None:
            buffer = self.waiting_on
            self.waiting_on = None
            self.wait_token += 1  # a pending batch timer no longer applies
            self.min_since = None  # a partial batch's wait starts again after the stop
            queue = buffer.putters if self.plan == BLOCKED else buffer.getters
            queue.remove(self)
            self.stopped_idle = True
            self._deactivate(now, _ruling(stops))
            return buffer
        if self.timer.at is not None and policy == "pause":
            # Paused now, also when an earlier stop let the cycle finish.
            self.paused = self._rest_of_cycle(now)
            self.timer.cancel()
            self._deactivate(now, _ruling(stops))
        return None  # policy finish: start() or hand_over() stops it after the cycle

    def resume(self, now: float, reason: int) -> None:
        """End one stop for ``reason``; run again if no other stop remains."""
        stops = self.stops
        stops.remove(reason)
        if stops:
            if self.stopped_idle or self.paused is not None:
                self._deactivate(now, _ruling(stops))
            return
        if self.paused is not None:
            plan, self.paused = self.paused, None
            self._activate(now)
            self.plan = plan if len(plan) > 1 else plan[0][0]
            self.timer.arm(now + sum(hours for _, hours in plan), self.cycle_end)
        elif self.stopped_idle:
            self.stopped_idle = False
            self._activate(now)
            if self.holding:
                self.hand_over(now)
            else:
                self.start(now)

    def _stop_idle(self, now: float) -> None:
        # Reached with no cycle in progress while a stop holds (the cycle was
        # finished under the ``finish`` policy).
        self.stopped_idle = True
        self._deactivate(now, _ruling(self.stops))

    def _rest_of_cycle(self, now: float) -> list[tuple[int, float]]:
        """The segments of the current cycle still to run after ``now``."""
        plan, end = self.plan, self.timer.at
        if plan.__class__ is int:
            return [(plan, end - now)]
        rest = []
        position = self.plan_start
        for state, hours in plan:
            segment_end = position + hours
            if segment_end > now:
                rest.append((state, segment_end - max(position, now)))
            position = segment_end
        return rest or [(BUSY, max(0.0, end - now))]


def _fast(config: StepConfig) -> bool:
    """Whether a machine of this step can take :meth:`Machine.finish_fast`.

    Not for a step whose batch may start part-full (its start decides how
    many recipes to take), nor one linked directly to the next station.
    Every cycle of such a step takes ``config.takes`` and makes ``config.made``.
    """
    return config.min_k == config.size and config.max_wait == 0 and config.output.capacity > 0


def _ruling(stops: list[int]) -> int:
    for state in _STOP_PRIORITY:
        if state in stops:
            return state
    return stops[0]


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
