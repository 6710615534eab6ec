"""What one browser session of the app holds: its settings, their config, its own models.

A classroom shares one server, so nothing a session can change is module-level
state: each session builds a `Session` (and its models) of its own; only pure,
read-only results (whether a preset has a crisis protocol, a graph's sample
and layout) are kept for all sessions. Every control of the
page ends up as a Hydra override string given to `sim.load_config`, the same
path as the command line, so a bad value gets the CLI's one-line
`ConfigError` message rather than a new set of rules. No Solara here: the
logic can be tested and reused without a browser.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

import sim
from sim.config.schema import Config
from sim.engine.clock import HOURS_PER_DAY
from sim.engine.model import HubspokeModel
from sim.engine.summary import horizon_value
from sim.report.stats import t_quantile

# at 200,000 people +10 days shows in 0.30-0.85 s in the browser and Play runs 12 days
# a second (benchmarks/bench_app.py; 500,000 met both too, at twice the memory of each
# of the what-if's runs); below 1,000 the daily counts are mostly noise
POPULATION_RANGE = (1_000, 200_000)
DEFAULT_SCENARIO = "brand_attack_true"
DEFAULT_POPULATION = 10_000
PRESET = "preset"  # a control left at the strategy preset's (or scenario's) own value


@dataclass(frozen=True)
class Settings:
    """The page's controls, as typed by the student (strings: validation is load_config's)."""

    scenario: str = DEFAULT_SCENARIO
    strategy: str = "enterprise"
    stance: str = PRESET
    delay_hours: str = ""  # "" keeps the preset's value
    hub_staff: str = ""
    coverage_hours: str = ""
    population: str = str(DEFAULT_POPULATION)
    seed: str = "1"

    def overrides(self) -> list[str]:
        """The Hydra overrides these settings stand for (scenario aside)."""
        out = [f"strategy={self.strategy}"]
        if self.stance != PRESET:
            out.append(f"strategy.crisis.stance={self.stance}")
        for key, text in (
            ("strategy.crisis.delay_hours", self.delay_hours),
            ("team.hub.staff", self.hub_staff),
            ("team.hub.coverage_hours", self.coverage_hours),
            ("population.size", self.population),
            ("seed", self.seed),
        ):
            if text.strip():
                out.append(f"{key}={text.strip()}")
        return out

    def config(self) -> Config:
        """The run's config; raises `sim.ConfigError` (one line) on a bad value."""
        _check_population(self.population)
        return sim.load_config(self.scenario, self.overrides())


def _check_population(text: str) -> None:
    # the schema allows any size >= 2; the app bounds it so that a step stays fast
    try:
        size = int(text.strip())
    except ValueError:
        return  # not a number: load_config says so in its own words
    lo, hi = POPULATION_RANGE
    if not lo <= size <= hi:
        raise sim.ConfigError(
            f"population.size={text.strip()}: out of range for the app; "
            f"allowed: {lo:,} to {hi:,} people"
        )


class AppModel(HubspokeModel):
    """A HubspokeModel whose Mesa `step` is one simulated day.

    In Mesa 3.5 `model.step()` (what Mesa's own tools call, and `running`
    tells them when to stop) advances one time unit, an hour here; a day is
    what a student wants to see. Mesa wraps `step` in `Model.__init__`, so it
    is replaced afterwards.
    """

    def __init__(self, session: Session) -> None:
        super().__init__(session.config, seed=session.config.seed)
        self.step = self.step_day
        self.running = not self.finished
        self.horizon: dict[str, float] | None = None  # computed on demand: see `horizon`

    @property
    def finished(self) -> bool:
        return len(self.rows) >= self.config.days

    def step_day(self) -> None:
        """Advance one day (nothing once the run is over)."""
        if not self.finished:
            self.run_until(self.time + HOURS_PER_DAY)
        self.running = not self.finished

    def step_days(self, days: int) -> None:
        for _ in range(days):
            self.step_day()

    def run_to_end(self) -> None:
        self.step_days(self.config.days - len(self.rows))


def daily_csv(model: HubspokeModel) -> str:
    """The run's days so far as CSV, a row a day: the columns of a run's daily.parquet."""
    return pd.DataFrame(model.rows).to_csv(index=False)


def download_name(model: HubspokeModel, what: str, extension: str) -> str:
    """'brand_attack_true_enterprise_seed1_day30_loyalty.png': which run, which day, what."""
    cfg = model.config
    return (
        f"{cfg.scenario}_{cfg.strategy.name}_seed{cfg.seed}_day{len(model.rows)}_{what}.{extension}"
    )


def horizon(model: HubspokeModel) -> dict[str, float]:
    """`relationship_value_horizon` of the run so far, as `sim.results.collect` computes it.

    Computed on demand: the projection of today's customers to the horizon is
    the same whether the run is over or not, but it answers "what if the run
    stopped today", so the page shows it with the day it refers to.
    """
    if not model.rows:
        return {}
    cfg = model.config
    daily_discount = (1.0 + cfg.annual_discount_rate) ** (1.0 / 365.0) - 1.0
    value = horizon_value(model, pd.DataFrame(model.rows), daily_discount)
    return {**value, "day": float(len(model.rows))}


@dataclass(frozen=True)
class Arm:
    """One side of the what-if: a strategy preset and a crisis stance."""

    strategy: str
    stance: str = PRESET

    @property
    def label(self) -> str:
        return self.strategy if self.stance == PRESET else f"{self.strategy} / {self.stance}"


@dataclass
class Session:
    """One browser session: the settings in force, their config and the last error line."""

    settings: Settings = field(default_factory=Settings)
    error: str | None = None
    config: Config = field(init=False)
    whatif_arms: tuple[Arm, Arm] = field(
        default=(Arm("enterprise", "apologise"), Arm("enterprise", "deny"))
    )
    whatif: WhatIf | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.config = self.settings.config()  # the defaults are valid: fail loudly if not

    def apply(self, **changes: str) -> str | None:
        """Change some settings; the error line if they are invalid (then nothing changes)."""
        settings = replace(self.settings, **changes)
        try:
            config = settings.config()
        except sim.ConfigError as exc:
            self.error = str(exc)
            return self.error
        self.settings, self.config, self.error = settings, config, None
        self.whatif = None  # its runs were of the old settings: it starts again
        return None

    def new_model(self) -> AppModel:
        return AppModel(self)

    def network_sample(self, model: HubspokeModel, size: int = 300) -> NetworkSample:
        """A fixed sample of the follower graph of `model` (see `network_sample`)."""
        return network_sample(model, size)


# simulated people the what-if may step at once (both arms, every seed): ~0.1 s a day
WHATIF_PEOPLE = 200_000
WHATIF_SEEDS = (2, 5)  # fewest and most seeds a side


def whatif_seeds(size: int) -> int:
    """Seeds a side for a population of `size`: as many as WHATIF_PEOPLE allows, 2 to 5."""
    low, high = WHATIF_SEEDS
    return max(low, min(high, WHATIF_PEOPLE // (2 * size)))


class WhatIf:
    """Two strategies on the same scenario, each run on the same few seeds.

    Common random numbers: the model's random streams are keyed by the seed
    and by what they decide (sim.engine.streams), so on each seed the same
    people post the same incidents in both arms, and the paired difference B - A
    of that seed is the strategy's doing and that seed's luck. Over the seeds
    (the session's seed and the next ones) the mean difference comes with a 95 %
    interval, so a gap that luck could make is seen as such.
    """

    def __init__(self, session: Session, a: Arm, b: Arm, seeds: int | None = None) -> None:
        self.arms = (a, b)
        self.configs = tuple(
            replace(session.settings, strategy=arm.strategy, stance=arm.stance).config()
            for arm in self.arms
        )
        count = seeds if seeds is not None else whatif_seeds(self.configs[0].population.size)
        self.seeds = [self.configs[0].seed + i for i in range(count)]
        self.runs = [
            tuple(HubspokeModel(c, seed=seed) for c in self.configs) for seed in self.seeds
        ]

    @property
    def days(self) -> int:
        return len(self.runs[0][0].rows)

    @property
    def finished(self) -> bool:
        return self.days >= self.configs[0].days

    def step_days(self, days: int) -> None:
        for _ in range(min(days, self.configs[0].days - self.days)):
            for pair in self.runs:
                for model in pair:
                    model.run_until(model.time + HOURS_PER_DAY)

    def differences(self) -> dict[str, np.ndarray]:
        """B minus A, day by day, over the seeds: for loyalty, customers, cumulative in-window
        value and the accusation's reach, the mean (`<name>`) and the 95 % interval's ends
        (`<name>_low`, `<name>_high`; a Student t interval over the paired seeds)."""
        if not self.days:
            return {"day": np.array([])}
        frames = [[pd.DataFrame(m.rows) for m in pair] for pair in self.runs]
        value = lambda d: (d["revenue"] - d["cost_to_serve"]).cumsum()  # noqa: E731
        out = {"day": frames[0][0]["day"].to_numpy()}
        for name in ("loyalty_mean", "customers", "value", "attack_aware_share"):
            per_seed = np.array(
                [
                    (value(b) - value(a) if name == "value" else b[name] - a[name]).to_numpy()
                    for a, b in frames
                ]
            )  # seeds x days
            n = len(per_seed)
            mean = per_seed.mean(axis=0)
            half = t_quantile(n - 1) * per_seed.std(axis=0, ddof=1) / np.sqrt(n)
            out[name], out[f"{name}_low"], out[f"{name}_high"] = mean, mean - half, mean + half
        return out

    def last(self, name: str) -> tuple[float, float]:
        """Today's mean of `name` over the seeds, arm A and arm B."""
        a, b = (float(np.mean([pair[i].rows[-1][name] for pair in self.runs])) for i in (0, 1))
        return a, b


# ------------------------------------------------------------------ network sample
@dataclass(frozen=True)
class NetworkSample:
    """A few hundred people of the follower graph, their links and a fixed layout."""

    nodes: np.ndarray  # person ids
    edges: np.ndarray  # (k, 2) positions in `nodes`: follower, followee
    xy: np.ndarray  # (len(nodes), 2) layout
    complete: bool  # the graph is complete: links are not drawn

    def __post_init__(self) -> None:
        for array in (self.nodes, self.edges, self.xy):  # shared by sessions: read-only
            array.setflags(write=False)


# samples kept for every session: a layout costs ~0.17 s, and a class opens the same few
_SAMPLES: dict[tuple, NetworkSample] = {}
_SAMPLES_KEPT = 16


def network_sample(model: HubspokeModel, size: int = 300) -> NetworkSample:
    """`sample_network` of `model`, computed once per distinct graph and kept (read-only).

    The graph is a function of its size, its parameters and the seed; the sample
    starts from the influencers, whom the influencer settings pick.
    """
    cfg = model.config
    key = (cfg.population.size, repr(cfg.network), repr(cfg.influencers), model.seed, size)
    sample = _SAMPLES.get(key)
    if sample is None:
        sample = sample_network(model, size)
        if len(_SAMPLES) >= _SAMPLES_KEPT:  # the oldest goes (dicts keep insertion order)
            _SAMPLES.pop(next(iter(_SAMPLES)), None)
        _SAMPLES[key] = sample
    return sample


def sample_network(model: HubspokeModel, size: int = 300) -> NetworkSample:
    """The influencers and, breadth first, some of their audience: where a firestorm starts.

    A uniform sample of a sparse graph has almost no links between its
    members; following audiences outwards from the influencers keeps the
    paths the rumour travels. The sample and its layout use their own fixed
    generator, so they never touch the model's random streams.
    """
    import networkx as nx

    rng = np.random.default_rng(12_345)
    graph, n = model.graph, model.population.size
    size = min(size, n)
    if getattr(graph, "complete", False):
        nodes = np.sort(rng.choice(n, size, replace=False))
        angle = np.linspace(0.0, 2 * math.pi, size, endpoint=False)
        xy = np.column_stack([np.cos(angle), np.sin(angle)])
        return NetworkSample(nodes, np.zeros((0, 2), dtype=np.int64), xy, True)

    followers = graph.followers
    seeds = [i.node for i in model.influencers] or [int(np.argmax(graph.follower_counts))]
    chosen: dict[int, None] = dict.fromkeys(int(s) for s in seeds)
    frontier = list(chosen)
    while frontier and len(chosen) < size:
        nxt = []
        for person in frontier:
            audience = followers.indices[followers.indptr[person] : followers.indptr[person + 1]]
            take = rng.permutation(audience)[:8]
            for follower in take:
                if len(chosen) >= size:
                    break
                if int(follower) not in chosen:
                    chosen[int(follower)] = None
                    nxt.append(int(follower))
        frontier = nxt
    if len(chosen) < size:  # a small or disconnected graph: fill up at random
        rest = np.setdiff1d(np.arange(n), np.fromiter(chosen, dtype=np.int64))
        chosen.update(dict.fromkeys(int(p) for p in rng.permutation(rest)[: size - len(chosen)]))
    nodes = np.fromiter(chosen, dtype=np.int64)
    sub = followers[nodes][:, nodes].tocoo()  # row: followee, column: follower
    edges = np.column_stack([sub.col, sub.row]).astype(np.int64)
    g = nx.Graph()
    g.add_nodes_from(range(len(nodes)))
    g.add_edges_from(edges.tolist())
    layout = nx.spring_layout(g, seed=7, iterations=60)
    xy = np.array([layout[i] for i in range(len(nodes))])
    return NetworkSample(nodes, edges, xy, False)


@functools.lru_cache(maxsize=64)
def has_crisis_protocol(strategy: str) -> bool:
    """Whether the preset ever declares a crisis (without one, a stance does nothing)."""
    return sim.load_config(
        "baseline", [f"strategy={strategy}"], warn=False
    ).strategy.crisis.protocol


def run_events(model: HubspokeModel) -> list:
    """The crisis moments of the run so far, for the live figures' event markers."""
    from sim.report.plots import crisis_events

    storm = model.firestorm
    if storm is None:
        return []
    return crisis_events(
        model.config,
        {"attack_detected_h": storm.detected_at, "attack_responded_h": storm.responded_at},
    )
