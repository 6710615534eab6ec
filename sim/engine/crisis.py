"""Brand attacks (firestorms): a Maki-Thompson rumour on the follower graph.

Continuous time: each spreader runs their own Poisson process of contacts at
rate `contact_rate_per_hour`, each with one random follower. An unaware
contact hears it with probability `transmission` and becomes a spreader (and
may post about it to the brand); a contact who already knows makes the
spreader stop with probability `stifling`. The superposition of the spreaders'
processes is the usual aggregate Gillespie process (next contact after
Exp(rate * spreaders), by a uniformly chosen spreader), so the law of the
rumour is unchanged. With transmission = stifling = 1 on the complete graph
this is exactly Maki & Thompson (1973), whose final never-aware share solves
theta = exp(-2 (1 - theta)) (~0.203).

Common random numbers: the k-th contact of person p (its waiting time, the
follower it reaches, and the uniforms deciding transmission, stifling and the
post) is a counter-based hash of (run key, p, k) and nothing else; the run key
is drawn once from the attack stream. Two runs that differ only in strategy
therefore replay the same contacts for everyone who spreads in both, even
after a public response changes transmission and stifling, so paired
differences of attack metrics keep a small variance. (One shared generator
consumed in event order would de-align both runs from the response on.)

The company's response changes the process from the moment it is public
(detection + delay) through the (stance, truth) effects table in the config:
transmission and stifling multipliers, a one-off restoration (or further loss)
of the loyalty the attack has cost, and a multiplier on the hit suffered by
those who hear the accusation afterwards.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from sim.config.schema import Attack, Crisis, StanceEffect
from sim.engine.clock import HOURS_PER_DAY
from sim.engine.population import SPREADING, STIFLED, UNAWARE, Population
from sim.engine.strategy import effective_stance

# ------------------------------------------------------- counter-based uniforms
# splitmix64 (Steele, Lea & Flood 2014): a Weyl sequence through Stafford's
# "Mix13" finaliser. Evaluated at a counter it is a stateless hash, so a draw
# depends on its coordinates only, not on how many draws came before it. The
# draws are pure Python ints: one contact needs five, and a scalar hash (~0.4 us
# each) is cheaper than numpy's per-call overhead on the few contacts a typical
# spreader makes before stopping.
_GOLDEN = 0x9E3779B97F4A7C15
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB
_MASK = (1 << 64) - 1
_UNIT = 2.0**-53
# the uniforms of one contact, at counter FIELDS * k + field
FIELDS = 5
WAIT, FOLLOWER, TRANSMIT, STIFLE, POST = range(FIELDS)


def _hash(counter: int) -> int:
    z = counter & _MASK
    z = ((z ^ (z >> 30)) * _MIX1) & _MASK
    z = ((z ^ (z >> 27)) * _MIX2) & _MASK
    return z ^ (z >> 31)


def person_seed(key: int, person: int) -> int:
    """The 64-bit seed of `person`'s contact stream in the run with `key`.

    Hashing (rather than offsetting) the person into the seed scatters the
    people's streams over the 2^64 Weyl cycle, so no two overlap in practice.
    """
    return _hash(key + (person + 1) * _GOLDEN)


def uniform(seed: int, counter: int) -> float:
    """Uniform on [0, 1) (53 bits) at position `counter` of the stream `seed`."""
    z = (seed + (counter + 1) * _GOLDEN) & _MASK  # _hash inlined: this is the hot path
    z = ((z ^ (z >> 30)) * _MIX1) & _MASK
    z = ((z ^ (z >> 27)) * _MIX2) & _MASK
    return ((z ^ (z >> 31)) >> 11) * _UNIT


class ContactDraw(NamedTuple):
    """The randomness of one contact: the wait before it (hours) and four uniforms."""

    wait: float
    follower: float
    transmission: float
    stifling: float
    post: float


class Contact(NamedTuple):
    """One executed contact (recorded when `Firestorm.trace` is a list)."""

    speaker: int
    k: int  # the speaker's k-th contact, from 0
    time: float
    offset: float  # hours since the speaker started spreading
    listener: int  # -1: the speaker has no followers


def follower_picker(graph: object) -> Callable[[int, float], int]:
    """`pick(node, u)`: the follower of `node` that a uniform `u` selects, -1 if none.

    The graph's own `random_follower` draws from a Generator; the rumour needs
    the choice as a function of a counter-based uniform instead. Followers are
    equally likely: index floor(u * degree) into the node's CSR row, or on the
    implicit complete graph floor(u * (n - 1)) skipping the node itself.
    """
    if getattr(graph, "complete", False):
        others = int(graph.size) - 1

        def pick_complete(node: int, u: float) -> int:
            if others < 1:
                return -1
            other = min(int(u * others), others - 1)  # min: guards rounding of u * n up to n
            return other + (other >= node)

        return pick_complete
    indptr, indices = graph.followers.indptr, graph.followers.indices

    def pick_sparse(node: int, u: float) -> int:
        start = int(indptr[node])
        degree = int(indptr[node + 1]) - start
        if degree == 0:
            return -1
        return int(indices[start + min(int(u * degree), degree - 1)])

    return pick_sparse


@dataclass
class AttackPost:
    author: int
    time: float


@dataclass
class Firestorm:
    """State of one brand attack."""

    cfg: Attack
    protocol: Crisis
    graph: object
    population: Population
    rng: np.random.Generator
    stance: str = "silence"
    start: float = 0.0
    launched: bool = False
    detected_at: float = float("nan")
    responded_at: float = float("nan")
    seen_posts: int = 0
    peak_spreaders: int = 0
    ever_aware: int = 0
    contacts: int = 0  # contacts made so far (diagnostics and cost measurements)
    clock: float = 0.0
    transmission: float = 0.0
    stifling: float = 0.0
    hit_factor: float = 1.0
    resistant: np.ndarray | None = None  # people who hear it but do not pass it on
    spreaders: list[int] = field(default_factory=list)
    position: dict[int, int] = field(default_factory=dict)
    # the run key of the contact streams; None: drawn from `rng` at construction
    key: int | None = None
    trace: list[Contact] | None = None  # a list: every contact is recorded in it
    # pending contacts of the spreaders: (time, person, k, seed, started, offset);
    # entries of people stifled since are skipped when they come up (lazy deletion)
    _queue: list[tuple[float, int, int, int, float, float]] = field(
        default_factory=list, init=False, repr=False
    )

    def __post_init__(self) -> None:
        self.start = HOURS_PER_DAY * self.cfg.start_day
        self.transmission = self.cfg.transmission
        self.stifling = self.cfg.stifling
        self.stance = (
            effective_stance(self.protocol.stance, self.cfg.is_true)
            if self.protocol.protocol
            else "silence"
        )
        if self.key is None:
            # drawn at construction, before anything strategy-dependent touches the stream
            self.key = int(self.rng.integers(0, 2**64, dtype=np.uint64))
        self._pick = follower_picker(self.graph)

    @property
    def effect(self) -> StanceEffect:
        return self.cfg.effects[self.stance]["true" if self.cfg.is_true else "false"]

    @property
    def response_time(self) -> float:
        if np.isnan(self.detected_at) or self.stance == "silence":
            return float("inf")
        return self.detected_at + self.protocol.delay_hours

    # ---------------------------------------------------------------- draws
    def contact_draws(self, person: int, k: int) -> ContactDraw:
        """The randomness of `person`'s k-th contact: a function of (key, person, k) only."""
        seed = person_seed(self.key, person)
        base = FIELDS * k
        u = [uniform(seed, base + f) for f in range(FIELDS)]
        return ContactDraw(-math.log1p(-u[WAIT]) / self.cfg.contact_rate_per_hour, *u[1:])

    # ---------------------------------------------------------------- seeding
    def launch(self, origins: np.ndarray) -> list[AttackPost]:
        """The accusation goes out from `origins` at the attack's start time."""
        self.launched = True
        self.clock = self.start
        posts = []
        for person in origins.tolist():
            if self.population.crisis[person] == UNAWARE:
                self._hear(person)
                self._start_spreading(person, self.start)
                posts.append(AttackPost(person, self.start))
        return posts

    def _hear(self, person: int) -> None:
        pop = self.population
        hit = self.cfg.loyalty_hit * self.hit_factor
        if self.cfg.is_true:
            hit *= self.cfg.true_hit_factor
        before = pop.loyalty[person]
        pop.shift_loyalty(np.array([person]), -hit)
        pop.attack_damage[person] += before - pop.loyalty[person]
        self.ever_aware += 1

    def _start_spreading(self, person: int, time: float) -> None:
        self.population.crisis[person] = SPREADING
        self.position[person] = len(self.spreaders)
        self.spreaders.append(person)
        self.peak_spreaders = max(self.peak_spreaders, len(self.spreaders))
        seed = person_seed(self.key, person)
        offset = -math.log1p(-uniform(seed, WAIT)) / self.cfg.contact_rate_per_hour
        heapq.heappush(self._queue, (time + offset, person, 0, seed, time, offset))

    def stifle(self, person: int) -> None:
        """A spreader stops spreading (swap-remove; their pending contact is dropped lazily)."""
        if self.population.crisis[person] != SPREADING:
            self.population.crisis[person] = STIFLED
            return
        index = self.position.pop(person)
        last = self.spreaders.pop()
        if last != person:
            self.spreaders[index] = last
            self.position[last] = index
        self.population.crisis[person] = STIFLED

    # ---------------------------------------------------------------- response
    def notice(self, time: float, seen: bool) -> None:
        """An attack post was published at `time`; the team counts those it sees."""
        if not seen or not self.protocol.protocol or not np.isnan(self.detected_at):
            return
        self.seen_posts += 1
        if self.seen_posts >= self.protocol.detection_threshold:
            self.detected_at = time

    def _respond(self) -> None:
        effect = self.effect
        self.responded_at = self.response_time
        self.transmission = min(1.0, self.transmission * effect.transmission)
        self.stifling = min(1.0, self.stifling * effect.stifling)
        self.hit_factor = effect.hit_factor
        pop = self.population
        aware = np.flatnonzero(pop.attack_damage > 0)
        share = effect.loyalty_shift
        if share > 0:  # a late statement restores less (stealing thunder)
            share *= np.exp(-(self.responded_at - self.start) / self.cfg.response_decay_hours)
        shift = share * pop.attack_damage[aware]
        pop.shift_loyalty(aware, shift)
        pop.attack_damage[aware] -= shift

    def _pending_response(self) -> float:
        """When the response still to be applied takes effect (inf: none is due)."""
        return self.response_time if np.isnan(self.responded_at) else math.inf

    # ---------------------------------------------------------------- engine
    def advance(self, until: float, on_post: Callable[[int, float], object]) -> None:
        """Run the rumour up to `until`; `on_post(person, time)` for each new attack post.

        Contacts are processed in time order from the queue. `on_post` may
        detect the attack (`notice`) or `stifle` anyone: nothing here iterates
        over the spreaders, and a stifled spreader's queued contact is skipped.
        """
        if not self.launched:
            return
        queue, state, pick, trace = self._queue, self.population.crisis, self._pick, self.trace
        rate, post_prob = self.cfg.contact_rate_per_hour, self.cfg.post_prob
        respond_at = self._pending_response()
        while queue and queue[0][0] <= until:
            time, person, k, seed, started, offset = heapq.heappop(queue)
            if state[person] != SPREADING:
                continue  # stifled since this contact was scheduled
            if time >= respond_at:
                self._respond()  # effects apply from the instant the response is public
                respond_at = math.inf
            self.clock = time
            self.contacts += 1
            base = FIELDS * k
            listener = pick(person, uniform(seed, base + FOLLOWER))
            if trace is not None:
                trace.append(Contact(person, k, time, offset, listener))
            if listener < 0:
                self.stifle(person)
                continue
            if state[listener] == UNAWARE:
                if uniform(seed, base + TRANSMIT) < self.transmission:
                    self._hear(listener)
                    # read afresh: crisis outreach in `on_post` makes influencers resistant
                    if self.resistant is not None and self.resistant[listener]:
                        state[listener] = STIFLED  # checks with the brand, does not spread
                    else:
                        self._start_spreading(listener, time)
                        if uniform(seed, base + POST) < post_prob:
                            on_post(listener, time)
                            respond_at = self._pending_response()  # may have detected it
            elif uniform(seed, base + STIFLE) < self.stifling:
                self.stifle(person)
            if state[person] == SPREADING:  # on_post may have stifled the speaker
                # accumulate the offset, not the time: it stays bit-identical across arms
                offset += -math.log1p(-uniform(seed, base + FIELDS + WAIT)) / rate
                heapq.heappush(queue, (started + offset, person, k + 1, seed, started, offset))
        self.clock = max(self.clock, until)
        if self._pending_response() <= until:
            self._respond()
