cimport cython
cdef class Clock:
    cdef public double now
    cdef public list queue
    cdef public object ids
    @cython.locals(queue=list, entry=list)
    cpdef run(self, double until)

cdef class Timer:
    cdef public list queue
    cdef public object ids, entry, at
