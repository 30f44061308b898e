# Counter-based random numbers for the Cython kernels, as inline C.
#
# What lives where (scikit-learn layering, see kernels/reference.py):
#   kernels/_rng.pxd        (this file) SplitMix64: mix64, hash_draw, uniform; inline,
#                           noexcept nogil, no state. cimported by the .pyx kernels; it
#                           has no .pyx of its own and builds no module.
#   kernels/_matching.pyx   the matching loops;
#   kernels/_retraining.pyx the retraining loops;
#   kernels/_vacancies.pyx  the vacancy table's skill draws;
#   kernels/reference.py    the same in NumPy, plus stream_key (the key of one stream stays
#                           in Python and comes into the kernels as a uint64).
#
# A draw is a pure function of (key, agent id, draw number): bit for bit the same as
# reference.uniform / reference.tiebreak. Signed ids and draw numbers are reinterpreted
# as uint64 (modulo 2**64), as NumPy's ``astype(np.uint64)`` of an int64 does: callers
# cast with ``<uint64_t>``. Arithmetic on uint64_t wraps modulo 2**64 in C, as in NumPy.

from libc.stdint cimport uint64_t


cdef inline uint64_t mix64(uint64_t x) noexcept nogil:
    """SplitMix64 finaliser (reference.mix64)."""
    x = x + <uint64_t>0x9E3779B97F4A7C15ULL
    x = (x ^ (x >> 30)) * <uint64_t>0xBF58476D1CE4E5B9ULL
    x = (x ^ (x >> 27)) * <uint64_t>0x94D049BB133111EBULL
    return x ^ (x >> 31)


cdef inline uint64_t hash_draw(uint64_t key, uint64_t agent, uint64_t draw) noexcept nogil:
    """mix64(mix64(key ^ agent) ^ draw): reference.tiebreak for one (agent, draw)."""
    return mix64(mix64(key ^ agent) ^ draw)


cdef inline double uniform(uint64_t key, uint64_t agent, uint64_t draw) noexcept nogil:
    """Uniform [0, 1) from the top 53 bits of the hash (reference.uniform); exact."""
    return <double>(hash_draw(key, agent, draw) >> 11) * (1.0 / 9007199254740992.0)


cdef inline uint64_t agent_stream(uint64_t key, uint64_t agent) noexcept nogil:
    """mix64(key ^ agent): the first half of every draw of one agent, computed once when
    a loop makes many draws for the same agent."""
    return mix64(key ^ agent)


cdef inline double uniform_in(uint64_t stream, uint64_t draw) noexcept nogil:
    """uniform(key, agent, draw) given ``stream = agent_stream(key, agent)``: the same
    number, one mix64 instead of two."""
    return <double>(mix64(stream ^ draw) >> 11) * (1.0 / 9007199254740992.0)
