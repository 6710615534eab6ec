"""Random numbers by key and index: any candidate's draws without the draws of the others.

Daily arrivals are thinned from candidates (sim.engine.arrivals): most candidates
are rejected, and which ones depends on the run's state (who is a customer,
the defect levels, voice). Drawn from a sequential stream, every candidate
needs all its marks drawn so that the stream stays aligned between arms that
reject different candidates (common random numbers). A keyed draw needs no
alignment: the value of field `f` of candidate `i` under key `k` is a fixed
function of (k, i, f), so each candidate is drawn only as far as it survives
the tests before, and arms still share every surviving candidate's values.

The function is SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable
pseudorandom number generators", OOPSLA): its output mix applied to the
Weyl sequence `k + c * 0x9E3779B97F4A7C15` at counter c = i * FIELDS + f,
the generator that seeds xoshiro and passes BigCrush. The key of each day's
candidates is drawn from the subsystem's own stream, so everything still
follows from the run's seed.
"""

from __future__ import annotations

import numpy as np

FIELDS = 16  # fields per candidate: counters i * FIELDS + f never collide for f < FIELDS
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 2.0**-53
_TO_53_BITS = np.uint64(11)
_SHIFT1, _SHIFT2, _SHIFT3 = np.uint64(30), np.uint64(27), np.uint64(31)
# one candidate's step along the Weyl sequence (Python ints: numpy warns on scalar wrap)
_STRIDE = np.uint64(FIELDS * 0x9E3779B97F4A7C15 % 2**64)


def draw_key(rng: np.random.Generator) -> int:
    """A fresh key from a sequential stream (one draw, whatever follows)."""
    return int(rng.integers(0, 2**63))


class KeyedDraws:
    """Uniforms, integers and exponentials for (candidate index, field) under one key."""

    def __init__(self, key: int) -> None:
        self.key = np.uint64(key)

    def bits(self, index: np.ndarray, field: int | np.ndarray) -> np.ndarray:
        """64 random bits per index (uint64), the same for the same (key, index, field).

        With an array of fields, a column per field (one pass for all of them).
        """
        fields = np.asarray(field, dtype=np.uint64)
        if fields.size and not (fields < FIELDS).all():
            raise ValueError(f"fields must be in [0, {FIELDS}), got {field}")
        # (i * FIELDS + f) * GOLDEN + key, modulo 2**64, folded to one product and one sum
        offset = np.atleast_1d(fields) * _GOLDEN + self.key  # arrays wrap silently
        z = np.asarray(index).astype(np.uint64)  # a fresh array: the rest works in place
        z *= _STRIDE
        if fields.ndim:
            z = z[:, None] + offset  # a column per field
        else:
            z += offset[0]
        # in place, through one scratch array: fresh temporaries of a day's ~30,000
        # candidates cost more than the arithmetic (32,000 uniforms: ~190 -> ~100 us)
        scratch = np.empty_like(z)
        for shift, multiplier in ((_SHIFT1, _MIX1), (_SHIFT2, _MIX2)):
            np.right_shift(z, shift, out=scratch)
            z ^= scratch
            z *= multiplier
        np.right_shift(z, _SHIFT3, out=scratch)
        z ^= scratch
        return z

    def uniform(self, index: np.ndarray, field: int | np.ndarray) -> np.ndarray:
        """Uniform on [0, 1) with 53 random bits (a column per field for an array of them)."""
        z = self.bits(index, field)
        z >>= _TO_53_BITS
        # 53 bits fit a signed integer, whose conversion to float is faster (the same values)
        u = z.view(np.int64).astype(np.float64)
        u *= _TO_UNIT
        return u
