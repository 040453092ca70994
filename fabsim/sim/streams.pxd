cimport cython
cdef class Durations:
    cdef public object next_block
    cdef public list block
    cpdef one(self)

cdef class Draws:
    cdef public object rng
    cdef public list block
    cdef public Py_ssize_t i
    cpdef double uniform(self)
    @cython.locals(i=Py_ssize_t, hits=cython.longlong, u=double)
    cpdef binomial(self, n, double p)
    cpdef geometric(self, double p)
