"""Brand attacks (firestorms): a Maki-Thompson rumour on the follower graph.

Continuous time (Gillespie): each spreader contacts one random follower at
rate `contact_rate_per_hour`. An unaware contact hears it with probability
`transmission` and becomes a spreader (and may post about it to the brand); a
contact who already knows makes the spreader stop with probability
`stifling`. With transmission = stifling = 1 on the complete graph this is
exactly Maki & Thompson (1973), whose final never-aware share solves
theta = exp(-2 (1 - theta)) (~0.203).

The company's response changes the process from the moment it is public
(detection + delay) through the (stance, truth) effects table in the config:
transmission and stifling multipliers, a one-off restoration (or further loss)
of the loyalty the attack has cost, and a multiplier on the hit suffered by
those who hear the accusation afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.population import SPREADING, STIFLED, UNAWARE, Population
from sim.schema import Attack, Crisis, StanceEffect
from sim.strategy import effective_stance


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
    clock: float = 0.0
    transmission: float = 0.0
    stifling: float = 0.0
    hit_factor: float = 1.0
    resistant: np.ndarray | None = None  # people who hear it but do not pass it on
    spreaders: list[int] = field(default_factory=list)
    position: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.start = 24.0 * self.cfg.start_day
        self.transmission = self.cfg.transmission
        self.stifling = self.cfg.stifling
        self.stance = (
            effective_stance(self.protocol.stance, self.cfg.is_true)
            if self.protocol.protocol
            else "silence"
        )

    @property
    def effect(self) -> StanceEffect:
        return self.cfg.effects[self.stance]["true" if self.cfg.is_true else "false"]

    @property
    def response_time(self) -> float:
        if np.isnan(self.detected_at) or self.stance == "silence":
            return float("inf")
        return self.detected_at + self.protocol.delay_hours

    # ---------------------------------------------------------------- seeding
    def launch(self, origins: np.ndarray) -> list[AttackPost]:
        """The accusation goes out from `origins` at the attack's start time."""
        self.launched = True
        self.clock = self.start
        posts = []
        for person in origins.tolist():
            if self.population.crisis[person] == UNAWARE:
                self._hear(person)
                self._start_spreading(person)
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

    def _start_spreading(self, person: int) -> None:
        self.population.crisis[person] = SPREADING
        self.position[person] = len(self.spreaders)
        self.spreaders.append(person)
        self.peak_spreaders = max(self.peak_spreaders, len(self.spreaders))

    def stifle(self, person: int) -> None:
        """A spreader stops spreading (swap-remove from the spreader list)."""
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

    # ---------------------------------------------------------------- engine
    def advance(self, until: float, on_post) -> None:
        """Run the rumour up to `until`; `on_post(person, time)` for each new attack post."""
        if not self.launched:
            return
        rng, graph, state = self.rng, self.graph, self.population.crisis
        rate = self.cfg.contact_rate_per_hour
        while self.spreaders:
            if np.isnan(self.responded_at) and self.response_time <= min(until, self.clock):
                self._respond()
            wait = rng.exponential(1.0 / (rate * len(self.spreaders)))
            horizon = until
            if np.isnan(self.responded_at) and self.clock < self.response_time < until:
                horizon = self.response_time
            if self.clock + wait > horizon:
                # memoryless: restart the clock at the horizon
                self.clock = horizon
                if horizon == until:
                    break
                continue
            self.clock += wait
            speaker = self.spreaders[int(rng.integers(len(self.spreaders)))]
            listener = graph.random_follower(speaker, rng)
            if listener < 0:
                self.stifle(speaker)
                continue
            u = rng.random()
            if state[listener] == UNAWARE:
                if u < self.transmission:
                    self._hear(listener)
                    posts = rng.random() < self.cfg.post_prob  # drawn always: same stream use
                    if self.resistant is not None and self.resistant[listener]:
                        state[listener] = STIFLED  # checks with the brand, does not spread
                        continue
                    self._start_spreading(listener)
                    if posts:
                        on_post(listener, self.clock)
            elif u < self.stifling:
                self.stifle(speaker)
        self.clock = max(self.clock, until)
        if np.isnan(self.responded_at) and self.response_time <= until:
            self._respond()
