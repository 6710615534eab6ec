"""`run(config, seed)`: build the model, run it, collect the results."""

from __future__ import annotations

import pandas as pd

from sim.metrics import post_log, summarise
from sim.model import HubspokeModel
from sim.results import Result, provenance
from sim.schema import Config


def run(config: Config, seed: int | None = None) -> Result:
    """Run one scenario under one strategy; `seed` defaults to `config.seed`."""
    seed = config.seed if seed is None else int(seed)
    model = HubspokeModel(config, seed)
    model.run()
    return collect(model)


def collect(model: HubspokeModel) -> Result:
    cfg = model.config
    daily = pd.DataFrame(model.rows)
    storm = model.firestorm
    summary = summarise(
        daily,
        model.posts,
        model.population.customers_at_start,
        model.population.churned_total,
        cfg.strategy.sla_hours,
        model.population.size,
        storm.ever_aware / model.population.size if storm else 0.0,
        (1.0 + cfg.annual_discount_rate) ** (1.0 / 365.0) - 1.0,
    )
    daily_discount = (1.0 + cfg.annual_discount_rate) ** (1.0 / 365.0) - 1.0
    summary["customer_equity_final"] = model.population.expected_equity(daily_discount)
    last = daily["day"] > cfg.days - 30
    summary["complaints_last_30_days"] = float(
        daily.loc[last, ["posts_complaint", "negative_mentions"]].to_numpy().sum()
    )
    for i, topic in enumerate(model.topics):
        if model.hidden_growth[i] > 0:
            summary[f"recognised_day_{topic}"] = float(model.recognised_at[i] / 24.0)
    if storm is not None:
        summary["attack_peak_spreaders"] = float(storm.peak_spreaders)
        summary["attack_detected_h"] = storm.detected_at
        summary["attack_responded_h"] = storm.responded_at
        summary["attack_recovery_days"] = recovery_days(daily, cfg.attack.start_day)
    posts = None
    if cfg.output.posts:
        posts = post_log(
            model.posts, model.topics, model.team.departments, model.population.platform_names
        )
    return Result(cfg, model.seed, summary, daily, posts, provenance(cfg, model.seed))


def recovery_days(daily: pd.DataFrame, start_day: float, tolerance: float = 0.005) -> float:
    """Days from the attack until customers' mean loyalty is back within `tolerance` of before."""
    before = daily.loc[daily["day"] < start_day, "loyalty_mean"]
    after = daily.loc[daily["day"] > start_day]
    if before.empty or after.empty:
        return float("nan")
    level = float(before.iloc[-1])
    low = after["loyalty_mean"].idxmin()
    back = after.loc[low:]
    back = back[back["loyalty_mean"] >= level - tolerance]
    return float(back["day"].iloc[0] - start_day) if len(back) else float("nan")
