"""The run summary, assembled in one place: one float per metric (NaN where undefined).

`summarise_run(model)` reads a finished model: the daily rows, the post book, the
team and the population. `summarise` holds the counts any post book and daily
frame give; the rest (team load, pattern measurements, the horizon value, the
attack and hidden-problem keys) needs the model.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.engine.clock import HOURS_PER_DAY
from sim.engine.horizon import project_value
from sim.engine.metrics import _quantile, inbound_mask
from sim.engine.model import HubspokeModel
from sim.engine.posts import KIND, NEGATIVE, OUTCOME, PostBook, is_problem


def daily_discount(annual_rate: float) -> float:
    """The daily rate that compounds to `annual_rate` over 365 days."""
    return (1.0 + annual_rate) ** (1.0 / 365.0) - 1.0


def discounted(values: np.ndarray, rate: float, horizon: float) -> float:
    """Day-by-day amounts (day 1 first) discounted to the start, the days <= `horizon`."""
    days = np.arange(1, len(values) + 1)
    within = days <= horizon
    return float((np.asarray(values)[within] * (1.0 + rate) ** -days[within].astype(float)).sum())


def summarise_run(model: HubspokeModel) -> tuple[pd.DataFrame, dict[str, float]]:
    """The daily frame and the summary of a model that has run."""
    cfg = model.config
    daily = pd.DataFrame(model.rows)
    storm = model.firestorm
    rate = daily_discount(cfg.annual_discount_rate)
    summary = summarise(
        daily,
        model.posts,
        model.brand(model.population.customers_at_start),
        model.brand(model.population.churned_total),
        cfg.strategy.sla_hours,
        model.population.size,
        storm.ever_aware / model.population.size if storm else 0.0,
        rate,
    )
    summary.update(horizon_value(model, daily, rate))
    last = daily["day"] > cfg.days - 30
    summary["complaints_last_30_days"] = float(
        daily.loc[last, ["posts_complaint", "negative_mentions"]].to_numpy().sum()
    )
    summary.update(team_summary(model, daily))
    summary.update(pattern_summary(model, daily))
    for i, topic in enumerate(model.topics):
        if model.defects.hidden_growth[i] > 0:
            summary[f"recognised_day_{topic}"] = float(
                model.defects.recognised_at[i] / HOURS_PER_DAY
            )
    if storm is not None:
        summary["attack_peak_spreaders"] = float(model.brand(storm.peak_spreaders))
        summary["attack_detected_h"] = storm.detected_at
        summary["attack_responded_h"] = storm.responded_at
        summary["attack_recovery_days"] = recovery_days(daily, cfg.attack.start_day)
    return daily, summary


def summarise(
    daily: pd.DataFrame,
    posts: PostBook,
    customers_at_start: int,
    churned_total: int,
    sla_hours: float,
    population_size: int,
    attack_reach: float,
    discount_per_day: float,
) -> dict[str, float]:
    """The run summary: one float per metric (NaN where undefined, e.g. no responses)."""
    last = daily.iloc[-1]
    inbound = inbound_mask(posts)
    frt = posts.first_response - posts.created
    answered = inbound & ~np.isnan(frt)
    n_inbound = int(inbound.sum())
    frt_answered = frt[~np.isnan(frt)]  # every post the hub answered, mentions included
    complaints = is_problem(posts.kind, posts.negativity)
    revenue = float(daily["revenue"].sum())
    cost = float(daily["cost_to_serve"].sum())
    days = len(daily)
    active_days = float(daily["customers"].sum())
    churn_per_day = float(daily["churned"].sum()) / active_days if active_days else math.nan
    r = 1.0 - churn_per_day
    margin = revenue / active_days if active_days else math.nan
    # with no churn and no discounting the infinite-horizon value is unbounded: undefined
    spread = 1.0 + discount_per_day - r
    clv = margin * r / spread if active_days and spread > 0 else math.nan
    resolved = posts.outcome == OUTCOME["resolved"]
    res_hours = (posts.resolved_at - posts.created)[
        resolved & (posts.routed_to >= 0) & (posts.kind != KIND["lead"])
    ]
    not_lead = posts.kind != KIND["lead"]
    routed = (posts.routed_to >= 0) & not_lead  # leads go to sales: counted as leads_closed
    summary = {
        "days": float(days),
        "customers_start": float(customers_at_start),
        "customers_final": float(last["customers"]),
        "prospects_final": float(last["prospects"]),
        "lapsed_final": float(last["lapsed"]),
        "churned_total": float(churned_total),
        "churn_rate": churned_total / customers_at_start if customers_at_start else math.nan,
        "converted_total": float(daily["converted"].sum()),
        "loyalty_mean_final": float(last["loyalty_mean"]),
        "loyalty_p10_final": float(last["loyalty_p10"]),
        "loyalty_p90_final": float(last["loyalty_p90"]),
        "nps_like_final": float(last["nps_like"]),
        "revenue_total": revenue,
        "cost_to_serve_total": cost,
        "relationship_value_total": revenue - cost,
        "wages_total": float(daily["wages_hub"].sum() + daily["wages_spokes"].sum()),
        "clv_estimate": clv,
        "posts_total": float(len(posts)),
        "inbound_total": float(n_inbound),
        "complaints_total": float(complaints.sum()),
        "negative_share": float((posts.negativity >= NEGATIVE).mean()) if len(posts) else math.nan,
        "first_response_median_h": _quantile(frt_answered, 0.5),
        "first_response_p90_h": _quantile(frt_answered, 0.9),
        "sla_attainment": float((frt[inbound] <= sla_hours).sum() / n_inbound)
        if n_inbound
        else math.nan,
        "unanswered_share": float(1.0 - answered.sum() / n_inbound) if n_inbound else math.nan,
        "backlog_final": float(last["backlog"]),
        "resolved_total": float((resolved & not_lead).sum()),  # leads closed are counted apart
        "spoke_resolution_rate": float((resolved & routed).sum() / routed.sum())
        if routed.any()
        else math.nan,
        "spoke_resolution_median_h": _quantile(res_hours, 0.5),
        "attack_reach": attack_reach,
        "reshare_reach_total": float(daily["reshares"].sum()),
    }
    for column in daily.columns:
        if column.startswith("defect_"):
            summary[f"{column}_final"] = float(last[column])
    summary["population_size"] = float(population_size)
    return summary


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
        "defected_total": float(model.brand(pop.defected_total)),
        "entered_total": float(model.brand(pop.entered_total)),
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
    (de Matos et al. 2007: no recovery paradox for repurchase); the reply uplift of
    complaints (tagged or found by listening) and of questions apart; the share of
    tagged complaints answered at all, and the rank correlation of an answered
    author's followers with the time to the first response (Gunarathne, Rui &
    Seidmann 2018: fewer than half answered; more followers, faster replies).
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
    problem = is_problem(p.kind, p.negativity)
    # Gunarathne et al. (2018): airlines answered fewer than half of the complaints tagged
    # to them, and answered users with more followers more and faster
    tagged = settled & (p.kind == KIND["complaint"])
    answered_complaints = ~np.isnan(p.first_response[tagged])
    inbound_answered = inbound & ~np.isnan(frt)
    tagged_complaints = int((inbound & (p.kind == KIND["complaint"])).sum())
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
        # volume per customer against published per-brand contact rates (shared SOURCES),
        # and the share of it that asks for an answer or a fix (Sprout 2015: about 4 in 10)
        "inbound_per_customer_year": float(inbound.sum()) / customer_years
        if customer_years > 0
        else nan,
        "inbound_needing_response_share": float(
            (inbound & (problem | (p.kind == KIND["question"]) | (p.kind == KIND["lead"]))).sum()
            / inbound.sum()
        )
        if inbound.any()
        else nan,
        # Southwest (2017): about a third questions and a third problems
        "questions_per_complaint": float(
            (inbound & (p.kind == KIND["question"])).sum() / tagged_complaints
        )
        if tagged_complaints
        else nan,
        "reply_uplift_complaints": mean(p.reply_uplift[problem]),
        "reply_uplift_questions": mean(p.reply_uplift[p.kind == KIND["question"]]),
        "complaints_answered_share": float(answered_complaints.mean())
        if len(answered_complaints)
        else nan,
        "followers_response_correlation": _rank_correlation(
            p.followers[inbound_answered], frt[inbound_answered]
        ),
    }


def _rank_correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation (NaN with fewer than 3 pairs or no spread).

    Pearson's correlation of the average ranks, as scipy.stats.spearmanr computes it;
    written here because importing scipy.stats costs ~0.9 s in every fresh worker.
    """
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    # sums of products by einsum: np.corrcoef's matrix product goes to BLAS (test_no_blas)
    rx, ry = _average_ranks(x), _average_ranks(y)
    rx -= rx.mean()
    ry -= ry.mean()
    covariance = np.einsum("i,i", rx, ry)
    return float(covariance / np.sqrt(np.einsum("i,i", rx, rx) * np.einsum("i,i", ry, ry)))


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties given the mean of the ranks they span."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    starts = np.flatnonzero(first)
    sizes = np.diff(np.r_[starts, len(values)])
    ranks = np.empty(len(values))
    ranks[order] = np.repeat(starts + (sizes + 1) / 2.0, sizes)
    return ranks


def horizon_value(model: HubspokeModel, daily: pd.DataFrame, rate: float) -> dict:
    """In-window value discounted to the start, plus the projected value beyond the window.

    `relationship_value_horizon` counts days 1..horizon: the window's revenue
    minus cost to serve, then the expected margins of the customers at the end
    of the run projected to the horizon with the model's own slow dynamics
    (sim.engine.horizon), with no further service and no further cost.
    `customer_equity_final` is that projected part, valued at the end of the run.
    """
    horizon = model.config.value.horizon_days
    net = (daily["revenue"] - daily["cost_to_serve"]).to_numpy()
    window = discounted(net, rate, horizon)
    equity = model.brand(project_value(model.population, horizon - len(daily), rate))
    at_end = (1.0 + rate) ** -float(len(daily))
    return {
        "relationship_value_window_discounted": window,
        "relationship_value_horizon": window + at_end * equity,
        "customer_equity_final": equity,
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
