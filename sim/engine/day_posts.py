"""A day's posts in one compiled pass: generation, the incidents' hit, the book.

`HubspokeModel._open_day` makes a day's posts in some hundred numpy and ctypes
calls: the sample's part (`PostGenerator.day`: the candidates' draws and their
thinning), its incidents' hit on their authors, the voiced ones kept, the part of
the reach outside the sample, then the batch into the book (`PostBook.extend_parts`).
Each call is cheap alone; together, run between the other steps of a day, they
were most of a day's post generation. The kernel `day_posts` (sim/engine/kernels.c)
does the same steps, with the same draws in the same order and the same arithmetic,
in one call, and `day_book` writes its posts into the book: whole runs are the same
to the last bit either way (tests/engine/test_native.py compares them). The numpy
steps stay the reference, and the way taken without the kernels.
"""

from __future__ import annotations

import ctypes
import weakref

import numpy as np

from sim.config.schema import Posts
from sim.engine import native
from sim.engine.arrivals import _PART_FIELDS, CandidateBuffers, PostGenerator
from sim.engine.population import Population
from sim.engine.posts import _ACCEPT, _TOPIC, _VOICE, COMPLAINT, PRAISE, PostBook, book_constants
from sim.engine.voiced import COUNT_FIELD, POINT_BITS

_P, _I64, _F64 = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double


class _Constants(ctypes.Structure):
    """kernels.c DayConstants: the generator's fixed inputs."""

    _fields_ = [
        ("poster", _P),
        ("topic_bounds", _P),
        ("topic_count", _I64),
        ("incident_bounds", _P),
        ("incident_count", _I64),
        ("max_defect", _P),
        ("part_fields", _P),
        ("part_count", _I64),
        ("cumulative", _P),
        ("hour_share", _P),
        ("complaint", _I64),
        ("praise", _I64),
        ("field_voice", _I64),
        ("field_topic", _I64),
        ("field_accept", _I64),
        ("count_field", _I64),
        ("point_bits", _I64),
    ]


class _Part(ctypes.Structure):
    """kernels.c DayPart: one part of a day, as `PostGenerator.plan` makes it."""

    _fields_ = [
        ("bitgen", _P),
        ("kinds", _I64),
        ("expected", _P),
        ("kind_of", _P),
        ("size", _I64),
        ("voice_width", _F64),
        ("has_band", _I64),
        ("voice", _P),
        ("loud", _P),
        ("loud_count", _I64),
        ("cdf", _P),
        ("cdf_count", _I64),
    ]


class CompiledDay:
    """The kernel's buffers for one model's days, and what it reads of the generator."""

    def __init__(self, generator: PostGenerator) -> None:
        self.generator = generator
        self._start()

    def _start(self) -> None:
        generator = self.generator
        poster, topic_bounds, incident_bounds, max_defect, part_fields, cumulative, share = (
            generator._fixed_addresses
        )
        self._constants = _Constants(
            poster,
            topic_bounds,
            len(generator.topic_bounds),
            incident_bounds,
            len(generator.incident_bounds),
            max_defect,
            part_fields,
            len(_PART_FIELDS),
            cumulative,
            share,
            COMPLAINT,
            PRAISE,
            _VOICE,
            _TOPIC,
            _ACCEPT,
            COUNT_FIELD,
            POINT_BITS,
        )
        self._parts = (_Part(), _Part())
        # the addresses of the arrays read day after day: the generator's plans (a week's
        # rhythm repeats them), the population's arrays, the followers' counts
        self._addresses = native.Addresses()
        self._held: list[np.ndarray] = []  # the arrays the parts point at, until the next day
        kernels = native.KERNELS
        self._day = kernels.day_new()
        if not self._day:
            raise MemoryError("the compiled day's buffers")
        # freed by the library that made it, whatever native.KERNELS is by then
        weakref.finalize(self, kernels.day_free, self._day)

    def __getstate__(self) -> dict:
        # the buffers and addresses are this process's and these arrays': a copy starts anew
        return {"generator": self.generator}

    def __setstate__(self, state: dict) -> None:
        self.generator = state["generator"]
        self._start()

    @staticmethod
    def usable(population: Population, follower_counts: np.ndarray) -> bool:
        """Whether the kernel can make this model's days: its arrays of the types it
        reads, and the candidates' draws numpy's (`CandidateBuffers.usable`)."""
        pop = population
        typed = (
            (pop.state, np.int8),
            (pop.loyalty, np.float64),
            (pop.voice, np.float64),
            (pop.open_issues, np.int32),
            (pop.platform, np.int8),
            (follower_counts, np.int64),
        )
        return (
            native.KERNELS is not None
            and CandidateBuffers.usable(pop.size)
            and all(a.dtype == t and a.flags.c_contiguous and a.flags.writeable for a, t in typed)
        )

    def _set(
        self,
        part: _Part,
        rng: np.random.Generator,
        plan: tuple[np.ndarray, np.ndarray, float, tuple[np.ndarray, np.ndarray] | None],
        size: int,
        voice: np.ndarray | None,
    ) -> None:
        kinds, expected, bound, band = plan
        expected = np.ascontiguousarray(expected, dtype=np.float64)
        self._held.append(expected)
        at = self._addresses.of
        part.bitgen = rng.bit_generator.ctypes.bit_generator.value
        part.kinds = len(kinds)
        part.expected = at(expected)
        part.kind_of = at(kinds)
        part.size = size
        part.voice_width = bound
        part.voice = at(voice) if voice is not None else None
        if band is not None:
            loud = np.ascontiguousarray(band[0], dtype=np.int64)
            self._held.append(loud)
            # the loud people's list changes as voices rise: not kept (it may be long)
            part.has_band, part.loud, part.loud_count = 1, native.address(loud), len(loud)
            part.cdf, part.cdf_count = at(band[1]), len(band[1])
        else:
            part.has_band, part.loud, part.loud_count = 0, None, 0
            part.cdf, part.cdf_count = None, 0

    def posts(
        self,
        *,
        start: float,
        season: float,
        scale: float,
        sample_rng: np.random.Generator,
        background_rng: np.random.Generator,
        population: Population,
        defect_level: np.ndarray,
        hit: float,
        book: PostBook,
        follower_counts: np.ndarray,
        marks_cfg: Posts,
    ) -> np.ndarray:
        """The day's posts written to `book` (their ids), as `_open_day`'s numpy steps
        write them, the population's loyalty and open issues moved as they move them."""
        generator, pop = self.generator, population
        defect_level = np.ascontiguousarray(defect_level, dtype=np.float64)
        self._held = [defect_level]
        sample, outside = self._parts
        plans = [generator.plan(start, season)]
        self._set(sample, sample_rng, plans[0], pop.size, None)
        has_background = scale > 1.0
        if has_background:
            plans.append(
                generator.plan(
                    start, season, people=(scale - 1.0) * pop.size, voice=pop.voice, loud=pop.loud
                )
            )
            self._set(outside, background_rng, plans[1], pop.size, pop.voice)
        with sample_rng.bit_generator.lock, background_rng.bit_generator.lock:
            count = native.KERNELS.day_posts(
                self._day,
                ctypes.byref(self._constants),
                ctypes.byref(sample),
                ctypes.byref(outside) if has_background else None,
                start,
                native.address(defect_level),
                *map(self._addresses.of, (pop.state, pop.loyalty, pop.open_issues, pop.voice)),
                -hit,
                bool(pop.freeze_loyalty),
            )
        if count == -2:  # numpy's own error for the expected counts it refuses
            for plan in plans:
                np.random.default_rng(0).poisson(plan[1])
            raise ValueError("an expected number of candidates numpy's Poisson refuses")
        if count == -3:
            candidates = native.KERNELS.day_candidates(self._day)
            raise ValueError(f"{candidates:,} candidates in a day: more than the keys allow")
        if count == -4:
            raise ValueError(f"{len(plans[0][0])} kinds of post a day: the compiled day draws 16")
        if count < 0:
            raise MemoryError("the day's posts")

        constants = book_constants(marks_cfg, follower_counts, pop.platform, self._addresses.of)

        def write(at: int, table: int) -> int:
            return native.KERNELS.day_book(self._day, *constants, at, table)

        ids = book.write_compiled(count, write, marks_cfg)
        if ids is None:
            raise RuntimeError("the day's posts' authors outside the people")  # never drawn
        return ids
