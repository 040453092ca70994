# Declarations for the compiled copy of machine.py (hatch_build.py): C fields
# for the classes, C types for the locals of the methods run every cycle.
# machine.py is the definition; this file only types it.
cimport cython

from fabsim.sim.buffer cimport Buffer
from fabsim.sim.clock cimport Timer
from fabsim.sim.streams cimport Draws, Durations


cdef class StepCounters:
    cdef public long long cycles, good, fill
    cdef public object detected, defects_made, in_cycle, pending, wip_area, wip_last
    cdef public object active, station, in_cycle_at_start, pending_at_start
    cdef public object made_before, per_unit


cdef class StepConfig:
    cdef public object inputs, takes, output, size, min_k, max_wait
    cdef public long long made, per_unit
    cdef public double yield_
    cdef public object cycle_const, cycle_draw, durations, failures, setup_every, setup_const
    cdef public object setup_draw, machines, defect_new, defect_detect, defect_types, per_unit_time


cdef class Machine:
    cdef public object clock
    cdef public Timer timer
    cdef public object step_id, index
    cdef public StepCounters counters
    cdef public object station, meter
    cdef public StepConfig config
    cdef public object acc, plan, waiting_on, need, timed, wait_token
    cdef public double acc_until, plan_start
    cdef public long long recipes
    cdef public object carried, holding, holding_defects, time_to_failure, since_setup
    cdef public object min_since
    cdef public Draws yield_draws, defect_rng
    cdef public object defect_gaps, failure_rng, own_defects, stops, paused, stopped_idle, active
    cdef public object cycle_end

    @cython.locals(done=double, acc=list, position=double, end=double, low=double, high=double)
    cpdef account(self, until)

    @cython.locals(counters=StepCounters)
    cpdef _deactivate(self, now, state)

    @cython.locals(counters=StepCounters)
    cpdef _activate(self, now)

    @cython.locals(config=StepConfig, buffer=Buffer)
    cpdef start(self, now)

    cpdef inputs_arrived(self, now)

    @cython.locals(config=StepConfig, counters=StepCounters, buffer=Buffer)
    cpdef cycle(self, k, now)

    @cython.locals(config=StepConfig, timer=Timer, durations=Durations, block=list, ttf=list,
                   entry=list, at=double)
    cpdef _schedule(self, k, now)

    @cython.locals(timer=Timer, config=StepConfig, counters=StepCounters, out=Buffer, buffer=Buffer,
                   draws=Draws, durations=Durations, now=double, at=double, k=cython.longlong,
                   level=cython.longlong, good=cython.longlong, count=cython.longlong, i=Py_ssize_t,
                   yield_=double, block=list, ttf=list, entry=list, room=cython.longlong)
    cpdef finish_fast(self)

    # gap and new stay Python ints: a gap is ~1/p units, past 2**63 for a
    # defect rate below ~1e-19, which a spec may give.
    @cython.locals(config=StepConfig, draws=Draws, yield_=double, detected=cython.longlong,
                   dirty=cython.longlong, clean=cython.longlong, good_clean=cython.longlong,
                   j=Py_ssize_t, d=Py_ssize_t, p=double, gaps=list)
    cpdef tuple _quality(self, made)

    @cython.locals(out=Buffer, counters=StepCounters)
    cpdef hand_over(self, now)

    cpdef room_freed(self, now)
