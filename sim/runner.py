"""`run(config, seed)`: build the model, run it, collect the results."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.config.schema import Config
from sim.engine.horizon import project
from sim.engine.metrics import post_log, summarise
from sim.engine.model import HubspokeModel
from sim.engine.posts import KIND, OUTCOME
from sim.results import Result, provenance


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
    summary.update(horizon_value(model, daily, daily_discount))
    last = daily["day"] > cfg.days - 30
    summary["complaints_last_30_days"] = float(
        daily.loc[last, ["posts_complaint", "negative_mentions"]].to_numpy().sum()
    )
    summary.update(team_summary(model, daily))
    summary.update(pattern_summary(model, daily))
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


def team_summary(model: HubspokeModel, daily: pd.DataFrame) -> dict:
    """Utilisation, spoke load and the population's flows over the run."""
    pop, posts = model.population, model.posts

    def ratio(num: str, den: str) -> float:
        total = float(daily[den].sum())
        return float(daily[num].sum()) / total if total > 0 else float("nan")

    routed = (posts.routed_to >= 0) & (posts.kind != KIND["lead"])
    resolved = routed & (posts.outcome == OUTCOME["resolved"])
    hours = (posts.resolved_at - posts.created)[resolved]
    return {
        "hub_utilisation": ratio("hub_busy_h", "hub_staffed_h"),
        "spoke_utilisation": ratio("spoke_busy_h", "spoke_slot_h"),
        "spoke_backlog_final": float(daily["spoke_backlog"].iloc[-1]),
        "spoke_resolution_p90_h": float(np.quantile(hours, 0.9)) if len(hours) else float("nan"),
        "root_cause_fixes_total": float(daily["root_cause_fix_count"].sum()),
        "root_cause_fix_cost_total": float(daily["root_cause_fixes"].sum()),
        "defected_total": float(pop.defected_total),
        "entered_total": float(pop.entered_total),
        "competitor_final": float(daily["competitor"].iloc[-1]),
    }


FAST_REPLY_H, SLOW_REPLY_H, IGNORED_AFTER_H = 0.1, 1.0, 72.0


def pattern_summary(model: HubspokeModel, daily: pd.DataFrame) -> dict:
    """Measurements that published studies report, so a run can be set against them.

    reply uplift: the relative rise in a customer's revenue per day that a reply
    gave (Twitter & Applied Marketing Science 2016 measured willingness to pay),
    for all replies, those within 6 minutes and those after more than an hour;
    unanswered within 72 h (Sprout Social Index 2015); mean first response
    (Sprout 2016); churn per customer-year; and the net loyalty change of a
    fixed complaint from just before the incident to just after the fix
    (de Matos et al. 2007: no recovery paradox for repurchase).
    """
    p = model.posts
    nan = float("nan")

    def mean(values: np.ndarray) -> float:
        values = values[~np.isnan(values)]
        return float(values.mean()) if len(values) else nan

    frt = p.first_response - p.created
    replied = ~np.isnan(p.reply_uplift)
    fast = mean(p.reply_uplift[replied & (frt <= FAST_REPLY_H)])
    slow = mean(p.reply_uplift[replied & (frt > SLOW_REPLY_H)])
    inbound = p.addressed & (p.kind != KIND["mention"])
    settled = inbound & (p.created <= model.time - IGNORED_AFTER_H)
    late = settled & ~(frt <= IGNORED_AFTER_H)
    customer_years = float(daily["customers"].sum()) / 365.0
    fixed = ~np.isnan(p.loyalty_after_fix) & ~np.isnan(p.loyalty_before)
    return {
        "reply_uplift_mean": mean(p.reply_uplift),
        "reply_uplift_fast": fast,
        "reply_uplift_slow": slow,
        "reply_speed_gradient": fast / slow if slow > 0 else nan,
        "unanswered_72h_share": float(late.sum() / settled.sum()) if settled.any() else nan,
        "first_response_mean_h": mean(frt),
        "churn_per_customer_year": float(daily["churned"].sum()) / customer_years
        if customer_years > 0
        else nan,
        "recovery_net_loyalty": mean(p.loyalty_after_fix[fixed] - p.loyalty_before[fixed]),
    }


def horizon_value(model: HubspokeModel, daily: pd.DataFrame, daily_discount: float) -> dict:
    """In-window value discounted to the start, plus the projected value beyond the window.

    `relationship_value_horizon` counts days 1..horizon: the window's revenue
    minus cost to serve, then the expected margins of the customers at the end
    of the run projected to the horizon with the model's own slow dynamics
    (sim.engine.horizon), with no further service and no further cost.
    `customer_equity_final` is that projected part, valued at the end of the run.
    """
    horizon = model.config.value.horizon_days
    days = np.arange(1, len(daily) + 1)
    within = days <= horizon
    discount = (1.0 + daily_discount) ** -days[within].astype(np.float64)
    net = (daily["revenue"] - daily["cost_to_serve"]).to_numpy()[within]
    window = float((net * discount).sum())
    tail = project(model.population, horizon - len(daily), daily_discount)
    at_end = (1.0 + daily_discount) ** -float(len(daily))
    return {
        "relationship_value_window_discounted": window,
        "relationship_value_horizon": window + at_end * tail.value,
        "customer_equity_final": tail.value,
        "horizon_days": float(horizon),
    }


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
