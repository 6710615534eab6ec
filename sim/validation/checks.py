"""The engine in limiting cases, measured the way theory states its results.

Every check builds a normal config (`sim.load_config`) with overrides that
switch off whatever the theory does not contain, runs the real
:class:`~sim.engine.model.HubspokeModel`, and reads the quantity theory predicts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.config import load_config
from sim.config.schema import Config
from sim.engine.diffusion import cascades, share_probability
from sim.engine.model import HubspokeModel
from sim.engine.posts import OUTCOME

SEGMENTS = ("basic", "standard", "premium")

# a world with nothing in it: no incidents, no chatter, no churn, no attack, no influencers
QUIET = (
    "strategy=silence",
    "population.reach=0",  # a closed world: the simulated people are everyone
    "posts.incident_rate_per_day=0",
    "posts.question_rate_per_day=0",
    "posts.praise_rate_per_day=0",
    "posts.lead_rate_per_day=0",
    "posts.reshare.share_prob=0",
    "influencers.count=0",
    "population.conversion.innovation_per_day=0",
    "population.conversion.imitation_per_day=0",
    "population.conversion.content_per_post=0",
    "population.initial_customer_share=1",
    "population.initial_lapsed_share=0",
    "population.conversion.winback_per_day=0",
    "population.conversion.competitor_winback_per_day=0",
    "population.turnover_per_day=0",
    "population.ignored_defect_prob=0",
    # homogeneous Poisson arrivals, as the closed forms assume
    "demand.hourly=[" + ",".join(["1"] * 24) + "]",
    "demand.weekly=[1,1,1,1,1,1,1]",
    *(f"population.segments.{s}.churn_per_year=0" for s in SEGMENTS),
)


def limiting_config(overrides: Sequence[str]) -> Config:
    """The baseline scenario with everything switched off, then `overrides`."""
    return load_config("baseline", [*QUIET, *overrides])


def replicate_seeds(seed: int, replications: int) -> list[int]:
    return [int(s) for s in np.random.SeedSequence(seed).generate_state(replications)]


# ---------------------------------------------------------------- queue
def queue_config(
    arrivals_per_hour: float,
    handle_minutes: float,
    staff: int,
    patience_minutes: float | None,
    hours: float,
    customers: int = 1000,
) -> Config:
    """One kind of post (questions, all addressed to the brand), Poisson arrivals, exponential
    handling, `staff` always on shift, first come first served, no spokes."""
    days = math.ceil(hours / 24.0)
    patience = 0.0 if patience_minutes is None else patience_minutes / 60.0
    return limiting_config(
        [
            f"population.size={customers}",
            f"days={days}",
            "network.kind=random",
            "network.follows_per_person=1",
            f"posts.question_rate_per_day={arrivals_per_hour * 24.0 / customers!r}",
            f"posts.handle_minutes.question={handle_minutes!r}",
            f"posts.patience_hours={patience!r}",
            "strategy.answers=[question]",
            "strategy.priority=fifo",
            "strategy.routing=hub_only",
            f"team.hub.staff={staff}",
            "team.hub.shift_hours=24",
            "team.hub.coverage_hours=24",
            "team.hub.days_per_week=7",
            "output.plots=false",
        ]
    )


def _queue_once(config: Config, seed: int, warmup_hours: float, staff: int) -> dict[str, float]:
    model = HubspokeModel(config, seed)
    model.run()
    end = 24.0 * config.days
    posts = model.posts
    created = posts.created
    patience_h = config.posts.patience_hours
    # posts whose fate is settled by the end: created after warm-up and early enough
    tail = 2.0 if patience_h == 0 else max(2.0, 10 * patience_h)
    window = (created >= warmup_hours) & (created <= end - tail)
    wait = posts.service_start[window] - created[window]
    abandoned = posts.outcome[window] == OUTCOME["abandoned"]
    served = ~np.isnan(wait)
    n = int(window.sum())
    return {
        "p_wait": float(((wait > 0) | abandoned).sum() / n),
        "asa_seconds": float(3600.0 * wait[served].mean()),
        "service_level_20s": float((wait[served] <= 20.0 / 3600.0).sum() / n),
        "p_abandon": float(abandoned.sum() / n),
        "utilisation": model.team.hub.busy_hours / (staff * end),
        "arrivals": float(n),
    }


def queue(
    arrivals_per_hour: float,
    handle_minutes: float,
    staff: int,
    patience_minutes: float | None = None,
    hours: float = 24.0 * 7,
    seed: int = 0,
    replications: int = 20,
    warmup_hours: float = 12.0,
) -> dict[str, float]:
    """The engine's hub as an M/M/N (or M/M/N+M) queue, averaged over replications.

    Returns p_wait, asa_seconds (mean wait of those served), service_level_20s
    (share of all arrivals answered within 20 s), p_abandon, utilisation, and
    for each a standard error `se_<name>` from the independent replications.
    """
    config = queue_config(arrivals_per_hour, handle_minutes, staff, patience_minutes, hours)
    runs = pd.DataFrame(
        [_queue_once(config, s, warmup_hours, staff) for s in replicate_seeds(seed, replications)]
    )
    out: dict[str, float] = {}
    for name in ("p_wait", "asa_seconds", "service_level_20s", "p_abandon", "utilisation"):
        out[name] = float(runs[name].mean())
        out[f"se_{name}"] = float(runs[name].std(ddof=1) / math.sqrt(len(runs)))
    out["replications"] = float(len(runs))
    out["arrivals"] = float(runs["arrivals"].sum())
    return out


# ---------------------------------------------------------------- Bass
def bass(
    p: float, q: float, size: int, days: int, seed: int = 0, replications: int = 1
) -> pd.Series:
    """Adopted share at the end of each day (index = day) on the complete graph, nothing else.

    With `replications` > 1, the mean over that many independent runs (seeds from
    `replicate_seeds(seed, replications)`): its standard error is a single run's
    divided by the square root of `replications`.
    """
    if replications > 1:
        runs = [bass(p, q, size, days, s) for s in replicate_seeds(seed, replications)]
        return pd.concat(runs, axis=1).mean(axis=1).rename("adopted")
    config = limiting_config(
        [
            f"population.size={size}",
            f"days={days}",
            "network.kind=complete",
            "population.initial_customer_share=0",
            f"population.conversion.innovation_per_day={p!r}",
            f"population.conversion.imitation_per_day={q!r}",
            "output.plots=false",
        ]
    )
    model = HubspokeModel(config, seed)
    model.run()
    daily = pd.DataFrame(model.rows)
    return pd.Series(
        (daily["customers"] / size).to_numpy(), index=daily["day"].to_numpy(), name="adopted"
    )


# ---------------------------------------------------------------- rumour
def rumour_config(size: int) -> Config:
    """Maki-Thompson: complete graph, every contact transmits or stifles, no company response."""
    return limiting_config(
        [
            f"population.size={size}",
            "days=30",
            "network.kind=complete",
            "attack.enabled=true",
            "attack.start_day=0",
            "attack.origin=random",
            "attack.initial_spreaders=1",
            "attack.transmission=1",
            "attack.stifling=1",
            "attack.post_prob=0",
            "output.plots=false",
        ]
    )


def rumour(size: int, seed: int = 0) -> float:
    """Final share of the population never aware of the attack (one run)."""
    model = HubspokeModel(rumour_config(size), seed)
    model.run()
    storm = model.firestorm
    if storm.spreaders:
        raise RuntimeError("rumour still spreading at the end of the run; lengthen `days`")
    return 1.0 - storm.ever_aware / size


# ---------------------------------------------------------------- lifetime value
def clv(
    margin_per_period: float,
    retention: float,
    discount_rate: float,
    customers: int = 10_000,
    periods: int = 2000,
    seed: int = 0,
) -> dict[str, float]:
    """Discounted revenue per initial customer from the engine (period = one day).

    Loyalty is frozen and revenue does not depend on it; every segment has the
    same margin and the annual churn that gives daily retention `retention`.
    Timing: churn at the start of a day, revenue from those still there at its
    end, discounted by (1 + i)^-t; compare with m r (1 - x^T)/(1 + i - r).
    """
    from sim.validation import theory

    annual_churn = 1.0 - retention**365
    annual_discount = (1.0 + discount_rate) ** 365 - 1.0
    segment = [
        item
        for s in SEGMENTS
        for item in (
            f"population.segments.{s}.margin_per_day={margin_per_period!r}",
            f"population.segments.{s}.churn_per_year={annual_churn!r}",
        )
    ]
    config = limiting_config(
        [
            f"population.size={customers}",
            f"days={periods}",
            "network.kind=random",
            "network.follows_per_person=1",
            "population.freeze_loyalty=true",
            "population.revenue_loyalty_floor=1",
            "population.churn_loyalty_sensitivity=0",
            f"annual_discount_rate={annual_discount!r}",
            *segment,
        ]
    )
    model = HubspokeModel(config, seed)
    model.run()
    daily = pd.DataFrame(model.rows)
    discount = (1.0 + discount_rate) ** -daily["day"].to_numpy(dtype=np.float64)
    simulated = float((daily["revenue"].to_numpy() * discount).sum()) / customers
    return {
        "simulated": simulated,
        "analytic": theory.clv(margin_per_period, retention, discount_rate, periods),
        "analytic_infinite": theory.clv(margin_per_period, retention, discount_rate),
        "se": theory.clv_sd(margin_per_period, retention, discount_rate, periods)
        / math.sqrt(customers),
    }


# ---------------------------------------------------------------- cascades
def cascade(
    size: int, mean_offspring: float, seed: int = 0, cascades_run: int = 400
) -> dict[str, float]:
    """Independent reshare cascades on the complete graph with p = c/(n-1).

    Returns the share of cascades that become major (reach more than sqrt(n)
    people) and the mean final share of the major ones.
    """
    config = limiting_config(
        [
            f"population.size={size}",
            "days=1",
            "network.kind=complete",
            f"posts.reshare.share_prob={mean_offspring / (size - 1)!r}",
            "posts.reshare.negativity_boost=0",
            f"posts.reshare.max_generations={10 * size}",
            "output.plots=false",
        ]
    )
    model = HubspokeModel(config, seed)
    rng = model.streams.posts
    authors = rng.integers(0, size, cascades_run)
    prob = share_probability(config.posts.reshare, np.zeros(cascades_run))
    post, _ = cascades(model.graph, authors, prob, rng, config.posts.reshare.max_generations)
    sizes = (1 + np.bincount(post, minlength=cascades_run)) / size
    major = sizes * size > math.sqrt(size)
    return {
        "p_major": float(major.mean()),
        "size_major": float(sizes[major].mean()) if major.any() else 0.0,
        "cascades": float(cascades_run),
        "majors": float(major.sum()),
    }
