cdef class Buffer:
    cdef public object item, capacity
    cdef public long long level
    cdef public object defective, getters, putters, sink
    cdef public double area
    cdef public long long max_level, arrivals
    cdef public object arrivals_at_start, level_at_start, defective_at_start, starved_state
    cdef public object scrapped, expired, draws, marks

cdef class DwellBuffer(Buffer):
    cdef public object cohorts, max_dwell, timer, clock

cdef class SupplyStore(Buffer):
    cdef public object low_mark, out_since, out_hours
