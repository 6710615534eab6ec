"""Arrivals: a day's incidents, questions, praise and leads, drawn by thinning.

Arrivals are generated each day by thinning (Lewis & Shedler 1979): candidate
events are drawn at a fixed upper-bound rate that does not depend on the state
of the run, then accepted with probability rate/bound. The candidate stream is
therefore identical across strategies and staffing (common random numbers);
only acceptance depends on who is still a customer and how loyal they are.

The candidate rate follows the demand rhythm (`demand.hourly`, `demand.weekly`):
a non-homogeneous Poisson process whose intensity is constant within each hour
of the week. Its day count is Poisson with the weekday's weight, and each
candidate's time is drawn by inverting the day's piecewise-linear cumulative
intensity, one uniform per candidate: the exact process, without rejected
candidates, and still independent of the run's state. Day 0 is a Monday, hour
0 local midnight. The reach's voiced incidents are drawn in two parts of the
same process (sim.engine.voiced).
"""

from __future__ import annotations

import functools

import numpy as np

from sim.config.schema import POST_KINDS, Demand, Posts
from sim.engine import native
from sim.engine.clock import HOURS_PER_DAY
from sim.engine.keyed import KeyedDraws, draw_key
from sim.engine.population import CUSTOMER, PROSPECT
from sim.engine.posts import (
    _ACCEPT,
    _PART_FIELDS,
    _TOPIC,
    _VOICE,
    COMPLAINT,
    LEAD,
    PRAISE,
    QUESTION,
    Part,
    _marks_from,
)
from sim.engine.streams import category, category_bounds
from sim.engine.voiced import (
    COUNT_FIELD,
    MAX_POINTS_MEAN,
    POINT_BITS,
    loud_points,
    poisson_cdf,
    voice_bound,
)


class DailyRhythm:
    """When in the week inbound posts arrive: weekday volume and hour-of-day shape."""

    def __init__(self, cfg: Demand) -> None:
        weekly = np.asarray(cfg.weekly, dtype=np.float64)
        self.weekly = weekly / weekly.mean()
        hourly = np.asarray(cfg.hourly, dtype=np.float64)
        self.hour_share = hourly / hourly.sum()
        self.cumulative = np.concatenate([[0.0], np.cumsum(self.hour_share)])
        self.cumulative[-1] = 1.0

    def day_factor(self, day_start: float) -> float:
        """Volume of the day starting at `day_start` relative to an average day."""
        return float(self.weekly[int(day_start // HOURS_PER_DAY) % 7])

    def times(self, uniforms: np.ndarray) -> np.ndarray:
        """Hours after midnight by inverting the day's cumulative intensity (one uniform each)."""
        # np.minimum/np.maximum: np.clip's wrapper costs more than the work on a day's posts
        hour = np.minimum(np.searchsorted(self.cumulative, uniforms, side="right") - 1, 23)
        np.maximum(hour, 0, out=hour)
        within = (uniforms - self.cumulative[hour]) / np.maximum(self.hour_share[hour], 1e-300)
        return hour + np.minimum(np.maximum(within, 0.0), 1.0 - 1e-12)


class CandidateBuffers:
    """Where the compiled kernel `draw_candidates` writes a day's candidates' kinds and
    authors: kept between days (and between a generator's calls of a day: the thinning
    reads them before the next call writes them again), with their addresses."""

    def __init__(self) -> None:
        self._grow(1024)
        self.counts = np.empty(0, dtype=np.int64)
        self.key = np.zeros(1, dtype=np.uint64)
        self._key_address = native.address(self.key)

    def _grow(self, size: int) -> None:
        self.kind, self.author = np.empty(size, np.int8), np.empty(size, np.int64)
        self.addresses = (native.address(self.kind), native.address(self.author))

    @staticmethod
    def usable(size: int) -> bool:
        """Whether the kernel draws as numpy would for `size` people (checked once)."""
        return native.KERNELS is not None and 1 <= size < 2**32 - 1 and _draws_agree()

    def draw(
        self, rng: np.random.Generator, kinds: np.ndarray, expected: np.ndarray, size: int
    ) -> tuple[np.ndarray, np.ndarray, int] | None:
        """The candidates' kinds and authors (views of the buffers) and the key, as
        `Candidates` draws them with numpy from `rng` (`expected`: the Poisson means of
        `kinds`, int8); None, having drawn nothing, where numpy would raise."""
        kinds = np.ascontiguousarray(kinds, dtype=np.int8)
        expected = np.ascontiguousarray(expected, dtype=np.float64)
        if len(self.counts) != len(kinds):
            self.counts = np.empty(len(kinds), dtype=np.int64)
        bitgen = rng.bit_generator.ctypes.bit_generator
        head = (len(kinds), native.address(expected), native.address(kinds), size)
        with rng.bit_generator.lock:  # as numpy holds it while it draws
            n = native.KERNELS.draw_candidates(
                bitgen,
                *head,
                len(self.kind),
                native.address(self.counts),
                *self.addresses,
                self._key_address,
            )
            if n == -1:  # more candidates than room: the counts are drawn, the rest not
                n = int(self.counts.sum())
                self._grow(max(n, 2 * len(self.kind)))
                self.key[0] = native.KERNELS.draw_candidates_from_counts(
                    bitgen,
                    len(kinds),
                    native.address(self.counts),
                    native.address(kinds),
                    size,
                    *self.addresses,
                )
        if n == -2:
            return None
        return self.kind[:n], self.author[:n], int(self.key[0])


@functools.cache
def _draws_agree() -> bool:
    """Whether `draw_candidates` reproduces this numpy's draws (it follows numpy 2's
    Poisson and bounded integers; another could change them): compared once a process,
    values and the draws that follow, at sizes around the kernel's edges, means on
    both of numpy's Poisson methods, and counts beyond the buffers' first room."""
    buffers, agrees = CandidateBuffers(), True
    kinds = np.array([0, 1, 2, 3], dtype=np.int8)
    for size in (1, 2, 7, 10_001, 2**31 + 5):
        for expected in ([30.0, 0.0, 900.0, 9.99], [0.5, 10.0, 2_500.0, 1e-9]):
            ours, theirs = (np.random.default_rng([size, len(expected)]) for _ in range(2))
            drawn = buffers.draw(ours, kinds, np.array(expected), size)
            counts = theirs.poisson(expected)
            agrees &= drawn is not None
            if drawn is None:
                break
            kind, author, key = drawn
            agrees &= np.array_equal(kind, np.repeat(kinds, counts))
            agrees &= np.array_equal(author, theirs.integers(0, size, len(kind)))
            agrees &= key == draw_key(theirs)
            agrees &= ours.random() == theirs.random()
    return bool(agrees)


class Candidates:
    """A day's candidates of several kinds: Poisson counts at the bound rates, each drawn by key.

    Each thinning test narrows `index` (the surviving candidates) and draws only
    what it needs for them; `part` then draws the survivors' time and marks.
    The counts, every candidate's author and the key are the only draws from the
    sequential stream (none depends on the run's state), so the stream stays
    aligned whatever the run's state rejects. All kinds of the day go through
    one set of tests: the work per day is a few dozen array operations, not a
    few dozen per kind.
    """

    def __init__(
        self,
        rng: np.random.Generator,
        kinds: np.ndarray,
        expected: np.ndarray,
        size: int,
        buffers: CandidateBuffers | None = None,
    ) -> None:
        drawn = None
        # the compiled kernel only for int8 kinds (those of `PostGenerator._kinds`)
        if buffers is not None and kinds.dtype == np.int8 and buffers.usable(size):
            drawn = buffers.draw(rng, kinds, expected, size)
        if drawn is not None:
            self.kind, self.author, key = drawn
            self.addresses: tuple[int, int] | None = buffers.addresses
        else:
            counts = rng.poisson(expected)
            self.kind = np.repeat(kinds.astype(np.int8, copy=False), counts)
            # every candidate has an author: drawn in turn, the stream stays aligned all the same
            self.author = rng.integers(0, size, len(self.kind))
            key = draw_key(rng)
            self.addresses = None
        self.draws = KeyedDraws(key)
        # the survivors' positions among the candidates: set by the first test (`start` or
        # `select`), not before (the compiled thinning needs no array of all of them)
        self.index: np.ndarray | None = None
        self.extra: dict[str, np.ndarray] = {}  # fields drawn for the tests, kept in the part
        self.drawn: tuple[np.ndarray, np.ndarray] | None = None  # the part's uniforms and hours
        # each candidate's index for the keyed draws: its position, unless set
        self.key_index: np.ndarray | None = None
        # an incident's voice uniform is voice_low + voice_width x its keyed uniform: on
        # [0, 1), or on a part of it (sim.engine.voiced)
        self.voice_low, self.voice_width = 0.0, 1.0

    @classmethod
    def of_points(
        cls, author: np.ndarray, key_index: np.ndarray, key: int, voice_low: float
    ) -> Candidates:
        """Incident candidates at given authors and keyed indices, with their voice
        uniforms on [voice_low, 1) (the loud people's points: sim.engine.voiced)."""
        c = cls.__new__(cls)
        c.kind = np.full(len(author), COMPLAINT, dtype=np.int8)
        c.author, c.key_index, c.addresses = author, key_index, None
        c.draws = KeyedDraws(key)
        c.index, c.extra, c.drawn = None, {}, None
        c.voice_low, c.voice_width = voice_low, 1.0 - voice_low
        return c

    def keep(self, ok: np.ndarray) -> None:
        """Keep the candidates where `ok` (a mask over the current survivors)."""
        where = np.flatnonzero(ok)
        self.index, self.author, self.kind = self.index[where], self.author[where], self.kind[where]
        self.extra = {name: values[where] for name, values in self.extra.items()}

    def start(self) -> None:
        """Every candidate survives until the first test (numpy's tests narrow `index`)."""
        self.index = np.arange(len(self.kind), dtype=np.int64)

    def select(
        self, survivors: np.ndarray, author: np.ndarray, kind: np.ndarray, **extra: np.ndarray
    ) -> None:
        """The day's candidates are those at keyed indices `survivors`, by `author`, of
        `kind` (the compiled tests' result, all at once), with fields drawn for them."""
        self.index, self.author, self.kind = survivors, author, kind
        self.extra = extra

    def uniforms(self, *fields: int) -> np.ndarray:
        """The survivors' uniforms, a column per field (one pass for all of them)."""
        return self.draws.uniform(self._keyed(), np.array(fields, dtype=np.uint64))

    def _keyed(self) -> np.ndarray:
        """The survivors' indices for the keyed draws."""
        return self.index if self.key_index is None else self.key_index[self.index]

    def part(self, cfg: Posts, rhythm: DailyRhythm, start: float, *, raw: bool = False) -> Part:
        """The survivors as a part: kind, author, created, their drawn fields and marks;
        with `raw`, the marks' uniforms instead (`u`, a row each, for `assemble` to turn
        into marks once for a whole batch).

        The compiled thinning has drawn the survivors' uniforms and times of day already
        (`drawn`); otherwise they are drawn here, the same values."""
        if self.drawn is not None:
            u, hours = self.drawn
        else:
            u = self.draws.uniform(self._keyed(), _PART_FIELDS)
            hours = rhythm.times(u[:, 0])
        marks = {"u": u[:, 1:]} if raw else _marks_from(u[:, 1:], cfg)
        return {
            "kind": self.kind,
            "author": self.author,
            "created": start + hours,
            **self.extra,
            **marks,
        }


# the compiled thinning's room for the loud people's surviving points beyond the
# candidates (a few a day; more, and it makes room and runs again)
_LOUD_ROOM = 256
_NO_PEOPLE = np.empty(0, dtype=np.int64)
_NO_TABLE = np.ones(1)

# who may post each kind of the day's posts (incidents, as complaints, and chatter)
_POSTER = np.full(len(POST_KINDS), CUSTOMER, dtype=np.int8)
_POSTER[LEAD] = PROSPECT
DAILY_KINDS = (COMPLAINT, QUESTION, PRAISE, LEAD)


# plans kept at most (a year's seasons all differ: the store starts again when full)
_KEPT_PLANS = 64


class PostGenerator:
    """Daily arrivals of incidents, questions, praise and sales leads, by thinning."""

    def __init__(
        self, cfg: Posts, size: int, max_defect: np.ndarray, demand: Demand | None = None
    ) -> None:
        self.cfg = cfg
        self.size = size
        weights = np.array([t.weight for t in cfg.topics.values()], dtype=np.float64)
        self.topic_p = weights / weights.sum()
        # bound on each topic's defect level over the run (shocks included)
        self.max_defect = max_defect
        # incidents by topic at the bound, per person and day: their candidates' topic shares
        self.incident_bound = cfg.incident_rate_per_day * self.topic_p * self.max_defect
        total = float(self.incident_bound.sum())
        self.incident_p = (
            self.incident_bound / total if total > 0 else np.full(len(weights), 1 / len(weights))
        )
        self.topic_bounds = category_bounds(self.topic_p)
        self.incident_bounds = category_bounds(self.incident_p)
        # the same bounds and shares as contiguous arrays, for the compiled kernel
        self._kernel_inputs = tuple(
            np.ascontiguousarray(values, dtype=np.float64)
            for values in (self.topic_bounds, self.incident_bounds, self.max_defect)
        )
        self.rates = {
            COMPLAINT: total,
            QUESTION: cfg.question_rate_per_day,
            PRAISE: cfg.praise_rate_per_day,
            LEAD: cfg.lead_rate_per_day,
        }
        self.rhythm = DailyRhythm(demand if demand is not None else Demand())
        # the voice bound of the days with `voice` (1: every incident candidate drawn)
        self.voice_bound = 1.0
        self._kind_arrays: dict[tuple[int, ...], tuple[np.ndarray, ...]] = {}
        # the days' plans by what they depend on: a week's rhythm repeats them
        self._plans: dict[tuple, tuple] = {}
        self._forget_addresses()

    def _kinds(self, kinds: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`kinds` as an array, their rates a person and day, and which are incidents:
        made once per tuple of kinds."""
        made = self._kind_arrays.get(kinds)
        if made is None:
            kinds_array = np.array(kinds, dtype=np.int8)
            rates = np.array([self.rates[k] for k in kinds], dtype=np.float64)
            made = self._kind_arrays[kinds] = (kinds_array, rates, kinds_array == COMPLAINT)
        return made

    def bound_voice(self, voice: np.ndarray, people: float) -> float:
        """Set the voice bound of the days drawn with `voice` for `people` (the reach
        outside the sample), from these voices (sim.engine.voiced); returns it."""
        self.voice_bound = voice_bound(voice, self.rates[COMPLAINT] * people)
        return self.voice_bound

    def _forget_addresses(self) -> None:
        """Start the compiled thinning's kept addresses afresh (at creation, and in a copy:
        an address is the memory of one object in one process)."""
        self._scratch_arrays: tuple[np.ndarray, ...] = (np.empty(0, dtype=np.int64),)
        self._scratch_addresses: tuple[int, ...] = ()
        self._candidates = CandidateBuffers()
        # the kernel's fixed inputs by address, read once: an array's address costs ~1 us
        self._fixed_addresses = tuple(
            native.address(values)
            for values in (
                _POSTER,
                *self._kernel_inputs,
                _PART_FIELDS,
                self.rhythm.cumulative,
                self.rhythm.hour_share,
            )
        )
        self._held: dict[str, tuple[np.ndarray, int]] = {}
        self._copies: dict[str, np.ndarray] = {}

    def __getstate__(self) -> dict:
        kept = (
            *("_scratch_arrays", "_scratch_addresses", "_fixed_addresses", "_held", "_copies"),
            "_candidates",
        )
        return {name: value for name, value in self.__dict__.items() if name not in kept}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._forget_addresses()

    def day(
        self,
        rng: np.random.Generator,
        day_start: float,
        season: float,
        defect_level: np.ndarray,
        state: np.ndarray,
        loyalty: np.ndarray,
        *,
        people: float | None = None,
        voice: np.ndarray | None = None,
        loud: np.ndarray | None = None,
        kinds: tuple[int, ...] = DAILY_KINDS,
        raw: bool = False,
    ) -> Part:
        """Today's accepted candidates of `kinds`, one part with a `kind` column.

        COMPLAINT stands for incidents: every accepted incident, voiced in public
        or not, with `voice_u` (the author complains if it is below their voice);
        with `voice`, only the voiced ones are kept (the same draws, for when the
        silent ones do not matter). Questions and praise come from customers,
        praise accepted with probability loyalty^2; leads from prospects.

        `people` (default: the simulated population) sets the volume; authors are
        drawn from the simulated people either way, so with more people than
        simulated each author is a template for someone like them.

        With `voice` and a voice bound below 1 (`bound_voice`), the voiced incidents
        come from the candidates below the bound and the points of the people above
        it (sim.engine.voiced): `loud`, a superset of them, or found here.

        With `raw`, the part holds the marks' uniforms (`u`) instead of the marks
        (`Candidates.part`), for `assemble`.
        """
        kinds_array, expected, bound, band = self.plan(
            day_start, season, people=people, voice=voice, loud=loud, kinds=kinds
        )
        c = Candidates(rng, kinds_array, expected, self.size, self._candidates)
        c.voice_width = bound
        if band is not None and len(c.kind) >= 1 << POINT_BITS:
            raise ValueError(f"{len(c.kind):,} candidates in a day: more than the keys allow")
        if native.KERNELS is not None:
            self._thin_compiled(c, defect_level, state, loyalty, voice, band)
            return c.part(self.cfg, self.rhythm, day_start, raw=raw)
        self._thin(c, defect_level, state, loyalty, voice)
        part = c.part(self.cfg, self.rhythm, day_start, raw=raw)
        if band is None:
            return part
        author, key_index = loud_points(int(c.draws.key), *band)
        points = Candidates.of_points(author, key_index, int(c.draws.key), bound)
        self._thin(points, defect_level, state, loyalty, voice)
        above = points.part(self.cfg, self.rhythm, day_start, raw=raw)
        return {name: np.concatenate([values, above[name]]) for name, values in part.items()}

    def plan(
        self,
        day_start: float,
        season: float,
        *,
        people: float | None = None,
        voice: np.ndarray | None = None,
        loud: np.ndarray | None = None,
        kinds: tuple[int, ...] = DAILY_KINDS,
    ) -> tuple[np.ndarray, np.ndarray, float, tuple[np.ndarray, np.ndarray] | None]:
        """What `day` draws from: the kinds (int8), their expected candidates, the voice
        bound of the incidents' strip (1 without one) and the loud people's band (their
        list and Poisson table), or None."""
        people = self.size if people is None else people
        factor = self.rhythm.day_factor(day_start)
        key = (people, season, factor, kinds, self.voice_bound, voice is None)
        kept = self._plans.get(key)
        if kept is None:
            if len(self._plans) >= _KEPT_PLANS:
                self._plans.clear()
            kept = self._plans[key] = self._plan(people * season * factor, kinds, voice is not None)
        kinds_array, expected, bound, cdf = kept
        if cdf is None:
            return kinds_array, expected, bound, None
        loud = np.flatnonzero(voice > bound) if loud is None else loud
        return kinds_array, expected, bound, (loud, cdf)

    def _plan(
        self, scale: float, kinds: tuple[int, ...], voiced: bool
    ) -> tuple[np.ndarray, np.ndarray, float, np.ndarray | None]:
        """`plan` but the loud people: the kinds, their expected candidates, the voice
        bound and the band's Poisson table (or None). Kept by `plan` for the days alike
        (a week's rhythm repeats them), so their arrays are made read-only."""
        kinds_array, rates, incident = self._kinds(kinds)
        expected = rates * scale
        bound, cdf = 1.0, None
        if voiced and self.voice_bound < 1.0:
            points_mean = float(expected[incident].sum()) / self.size * (1.0 - self.voice_bound)
            if points_mean <= MAX_POINTS_MEAN:  # else every candidate today, as without
                bound = self.voice_bound
                expected = np.where(incident, expected * bound, expected)
                cdf = poisson_cdf(points_mean)
                cdf.flags.writeable = False
        expected.flags.writeable = False
        return kinds_array, expected, bound, cdf

    def _thin(
        self,
        c: Candidates,
        defect_level: np.ndarray,
        state: np.ndarray,
        loyalty: np.ndarray,
        voice: np.ndarray | None,
    ) -> None:
        """The day's thinning tests in numpy (the reference for `_thin_compiled`)."""
        c.start()
        # keyed draws do not depend on the order of the tests: the rarest goes first
        if voice is not None:  # most incidents are not voiced: that test alone, first
            c.extra = {"voice_u": c.voice_low + c.voice_width * c.uniforms(_VOICE)[:, 0]}
            c.keep((c.kind != COMPLAINT) | (c.extra["voice_u"] < voice[c.author]))
            c.keep(state[c.author] == _POSTER[c.kind])
            topic_u, accept_u = c.uniforms(_TOPIC, _ACCEPT).T
        else:
            c.keep(state[c.author] == _POSTER[c.kind])
            voice_u, topic_u, accept_u = c.uniforms(_VOICE, _TOPIC, _ACCEPT).T
            c.extra = {"voice_u": c.voice_low + c.voice_width * voice_u}
        incident = c.kind == COMPLAINT
        topic = category(topic_u, self.topic_bounds)
        accept = np.ones(len(topic), dtype=bool)
        if incident.any():
            t = category(topic_u[incident], self.incident_bounds)
            topic[incident] = t
            accept[incident] = accept_u[incident] * self.max_defect[t] < defect_level[t]
        praise = c.kind == PRAISE
        if praise.any():
            accept[praise] = accept_u[praise] < loyalty[c.author[praise]] ** 2
        c.extra["topic"] = topic
        c.keep(accept)

    def _thin_compiled(
        self,
        c: Candidates,
        defect_level: np.ndarray,
        state: np.ndarray,
        loyalty: np.ndarray,
        voice: np.ndarray | None,
        band: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        """`_thin` in one compiled pass (sim/engine/kernels.c): the same survivors and draws,
        then, with `band` (the loud people and their table), their points' survivors, as
        `day`'s numpy path makes them. The survivors' `index` is their keyed index."""
        count = len(c.kind)
        poster, topic_bounds, incident_bounds, max_defect, part_fields, cumulative, share = (
            self._fixed_addresses
        )
        # held here while the kernel runs: converted copies must outlive their addresses
        if c.addresses is not None:  # the kernel's own buffers, kinds and authors as it needs
            kind = author = None
            kind_address, author_address = c.addresses
        else:
            kind = np.ascontiguousarray(c.kind, dtype=np.int8)
            author = np.ascontiguousarray(c.author, dtype=np.int64)
            kind_address, author_address = native.address(kind), native.address(author)
        has_voice = voice is not None
        loud, cdf = band if band is not None else (_NO_PEOPLE, _NO_TABLE)
        # the population's list of loud people changes only when someone joins: kept
        loud_address = self._address("loud", loud, np.int64)
        arguments = (
            count,
            kind_address,
            author_address,
            int(c.draws.key),
            c.voice_low,
            c.voice_width,
            has_voice,
            # without voice the kernel reads none: any float64 array stands in
            self._address("voice", voice, np.float64) if has_voice else max_defect,
            self._address("state", state, np.int8),
            poster,
            topic_bounds,
            len(self.topic_bounds),
            incident_bounds,
            len(self.incident_bounds),
            max_defect,
            self._address("defect_level", defect_level, np.float64),
            self._address("loyalty", loyalty, np.float64),
            COMPLAINT,
            PRAISE,
            _VOICE,
            _TOPIC,
            _ACCEPT,
            part_fields,
            len(_PART_FIELDS),
            cumulative,
            share,
            loud_address,
            len(loud),
            native.address(cdf),
            len(cdf),
            COUNT_FIELD,
            POINT_BITS,
            c.voice_low + c.voice_width,  # the band starts where the strip ends
        )
        capacity = count + _LOUD_ROOM
        while True:
            self._scratch(capacity)
            kept = native.KERNELS.thin(*arguments, capacity, *self._scratch_addresses)
            if kept >= 0:
                break
            capacity *= 2  # more of the loud people's points passed than there was room for
        keys, authors, kinds, voice_u, topic, part_u, hours = self._scratch_arrays
        # copies: the scratch arrays are written again tomorrow
        c.select(
            keys[:kept].copy(),
            author=authors[:kept].copy(),
            kind=kinds[:kept].copy(),
            voice_u=voice_u[:kept].copy(),
            topic=topic[:kept].copy(),
        )
        width = len(_PART_FIELDS)
        c.drawn = (part_u[: kept * width].reshape(kept, width).copy(), hours[:kept].copy())

    def _scratch(self, count: int) -> None:
        """The compiled thinning's output arrays for `count` survivors at most, kept
        between days (fresh arrays of a day's ~33,000 candidates cost more than the
        kernel's work)."""
        if len(self._scratch_arrays) < 7 or len(self._scratch_arrays[0]) < count:
            size = max(count, 2 * len(self._scratch_arrays[0]))
            self._scratch_arrays = (
                np.empty(size, dtype=np.int64),
                np.empty(size, dtype=np.int64),
                np.empty(size, dtype=np.int8),
                np.empty(size, dtype=np.float64),
                np.empty(size, dtype=np.int64),
                np.empty(size * len(_PART_FIELDS), dtype=np.float64),
                np.empty(size, dtype=np.float64),
            )
            self._scratch_addresses = tuple(
                native.address(values) for values in self._scratch_arrays
            )

    def _address(self, name: str, values: np.ndarray, dtype: type) -> int:
        """The address of `values` as contiguous `dtype`, for the kernel's next call.

        The run's arrays (state, loyalty, voice, the defect levels) are the same objects
        day after day: their address is read once and kept while the object is. An array
        that needs converting is copied afresh at every call (a copy kept for later would
        not see the run's writes), and the copy is held until the next call."""
        held = self._held.get(name)
        if held is not None and held[0] is values:
            return held[1]
        converted = np.ascontiguousarray(values, dtype=dtype)
        address = native.address(converted)
        if converted is values:
            self._held[name] = (values, address)
        else:
            self._held.pop(name, None)
            self._copies[name] = converted
        return address
