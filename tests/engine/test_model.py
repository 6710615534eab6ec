"""sim.engine.model.HubspokeModel: the clock, events (seasons, shocks, attacks), influencers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from support import SMALL, SMALL_DAYS

import sim
from sim.engine.model import HubspokeModel
from sim.engine.posts import KIND, OUTCOME


def test_model_exposes_its_parts(simulate):
    model, _ = simulate("baseline", SMALL, 0)
    assert model.population.size == 2000
    assert model.graph.size == 2000
    assert len(model.rows) == SMALL_DAYS
    assert model.time == 24.0 * SMALL_DAYS
    assert model.day == SMALL_DAYS
    assert len(model.posts) > 0
    assert model.team.staff


def test_days_one_and_many():
    for days in (1, 3):
        model = HubspokeModel(
            sim.load_config("baseline", ["population.size=300", f"days={days}"]), 0
        )
        model.run()
        assert [row["day"] for row in model.rows] == list(range(1, days + 1))
        assert (model.posts.created < 24.0 * days).all()


def test_seasonal_peak_multiplies_arrivals(simulate):
    """Questions arrive at rate q * season * customers: Poisson counts, theory tolerances."""
    q = 0.02
    overrides = (
        *SMALL,
        f"posts.question_rate_per_day={q}",
        "population.reach=0",
        "events.seasons=[{start_day:10,days:8,multiplier:3}]",
    )
    model, result = simulate("baseline", overrides, 0)
    assert [model.season(d) for d in (9, 10, 17, 18)] == [1.0, 3.0, 3.0, 1.0]
    d = result.daily
    # customers when each day opens: the previous day's closing count
    opening = np.concatenate([[model.population.customers_at_start], d["customers"][:-1]])
    season = np.array([model.season(day) for day in range(SMALL_DAYS)])
    expected = q * season * opening
    observed = d["posts_question"].to_numpy()
    for days in (season > 1, season == 1):
        mean = expected[days].sum()
        assert abs(observed[days].sum() - mean) < 5 * math.sqrt(mean)
    # and without the peak the count would have been a third: far outside the tolerance
    peak = expected[season > 1].sum()
    assert abs(observed[season > 1].sum() - peak / 3) > 5 * math.sqrt(peak)


def test_defect_shock_raises_its_topic_share(simulate):
    """A shock x4 on product: its share of complaints goes from 0.30 to 0.30*4 / (0.30*4 + 0.70)."""
    overrides = (
        *SMALL,
        "posts.incident_rate_per_day=0.05",
        "events.defects=[{topic:product,start_day:10,multiplier:4}]",
    )
    model, result = simulate("baseline", overrides, 0)
    d = result.daily
    before = d["time_h"] < 240.0
    assert (d.loc[before, "defect_product"] == 1.0).all()
    assert (d.loc[~before, "defect_product"] == 4.0).all()
    assert (d["defect_service"] == 1.0).all()
    p = model.posts
    negative = np.isin(p.kind, [KIND["complaint"], KIND["mention"]]) & (p.negativity > 0.5)
    product = model.topics.index("product")
    weights = np.array([t.weight for t in model.config.posts.topics.values()])
    share = weights[product] / weights.sum()
    for window, level in ((p.created < 240.0, 1.0), (p.created >= 240.0, 4.0)):
        chosen = negative & window
        n = int(chosen.sum())
        expected = share * level / (share * level + 1.0 - share)
        observed = (p.topic[chosen] == product).mean()
        assert abs(observed - expected) < 5 * math.sqrt(expected * (1 - expected) / n), level


def test_hidden_problem_grows_until_recognised(simulate):
    overrides = (
        *SMALL,
        "strategy=silence",
        "posts.topics.fraud.hidden_growth_per_day=0.1",
        "posts.topics.fraud.hidden_cap=5",
    )
    _, result = simulate("baseline", overrides, 0)
    # nobody routes anything under silence: the problem grows 10% a day up to its cap
    day = result.daily["day"].to_numpy()
    np.testing.assert_allclose(result.daily["defect_fraud"], np.minimum(1.1**day, 5.0), rtol=1e-9)
    assert math.isnan(result.summary["recognised_day_fraud"])


def test_hidden_problem_is_recognised_by_its_department(simulate):
    overrides = (
        *SMALL,
        "posts.topics.fraud.weight=0.3",
        "posts.topics.fraud.hidden_growth_per_day=0.1",
        "posts.topics.fraud.recognised_after=1",
    )
    model, result = simulate("baseline", overrides, 0)
    p = model.posts
    fraud = model.topics.index("fraud")
    fixed = (
        (p.topic == fraud)
        & (p.routed_to >= 0)
        & (p.outcome == OUTCOME["resolved"])
        & np.isin(p.kind, [KIND["complaint"], KIND["mention"]])
        & (p.negativity > 0)
    )
    assert fixed.any()
    recognised = float(p.resolved_at[fixed].min())  # the first fix by the department
    assert result.summary["recognised_day_fraud"] == pytest.approx(recognised / 24.0)
    d = result.daily
    before = d["time_h"] < recognised
    np.testing.assert_allclose(
        d.loc[before, "defect_fraud"], np.minimum(1.1 ** d.loc[before, "day"], 10.0), rtol=1e-9
    )
    assert (d.loc[~before, "defect_fraud"] == 1.0).all()


def test_attack_starts_on_its_day(simulate):
    overrides = ("population.size=2000", "days=40", "output.plots=false")
    model, result = simulate("brand_attack_false", overrides, 1)
    d = result.daily
    start = 24.0 * model.config.attack.start_day
    assert (d.loc[d["time_h"] < start, "attack_aware_share"] == 0).all()
    assert (d.loc[d["time_h"] < start, "posts_attack"] == 0).all()
    assert (d.loc[d["time_h"] >= start, "attack_aware_share"] > 0).all()
    assert d["posts_attack"].sum() > 0
    assert result.summary["attack_reach"] == pytest.approx(d["attack_aware_share"].iloc[-1])
    attack_posts = model.posts.kind == KIND["attack"]
    assert (model.posts.created[attack_posts] >= start).all()
    # the attack starts from an influencer (origin: influencer)
    nodes = {i.node for i in model.influencers}
    first = np.argmin(np.where(attack_posts, model.posts.created, np.inf))
    assert model.posts.author[first] in nodes


def test_no_attack_without_the_scenario(simulate):
    _, result = simulate("baseline", SMALL, 0)
    assert result.summary["attack_reach"] == 0.0
    assert (result.daily["posts_attack"] == 0).all()
    assert "attack_detected_h" not in result.summary


def test_enterprise_engages_influencers_after_detection(simulate):
    overrides = ("population.size=2000", "days=40", "output.plots=false", "strategy=enterprise")
    model, result = simulate("brand_attack_false", overrides, 2)
    responded = result.summary["attack_responded_h"]
    assert not math.isnan(responded)
    assert responded == pytest.approx(
        result.summary["attack_detected_h"] + model.config.strategy.crisis.delay_hours
    )
    # outreach wins over every influencer but the accusation's origin and (by chance)
    # those already spreading it
    origin = [i for i in model.influencers if i.node in model.attack_origins]
    assert len(origin) == 1 and not origin[0].engaged
    engaged = [i for i in model.influencers if i.engaged]
    assert len(engaged) >= 1
    d = result.daily
    per_day = model.config.team.outreach_cost_per_influencer_day * len(engaged)
    assert (d.loc[d["time_h"] <= responded, "outreach"] == 0).all()
    assert (d.loc[d["time_h"] > responded + 24.0, "outreach"] == per_day).all()


def test_influencers_are_the_most_followed(simulate):
    model, _ = simulate("baseline", SMALL, 0)
    counts = model.graph.follower_counts
    nodes = [i.node for i in model.influencers]
    assert len(nodes) == model.config.influencers.count
    assert min(counts[nodes]) >= np.sort(counts)[-len(nodes)]
    assert not any(i.engaged for i in model.influencers)


def test_an_influencer_that_sees_no_complaint_passes_none_on_and_draws_nothing():
    """The day's spread skips the influencers on a day without complaints among the
    sampled posts; that keeps the draws only while an influencer seeing none draws none."""
    from sim.engine.influencers import Influencer

    model = HubspokeModel(sim.load_config("baseline", [*SMALL, "days=2"]), 1)
    influencer = Influencer(model, node=0, followers=10)
    rng = np.random.default_rng(3)
    before = rng.bit_generator.state
    assert influencer.amplify(0, model.config.influencers, rng) == 0
    assert rng.bit_generator.state == before


def test_daily_negative_share_agrees_with_summary(simulate):
    overrides = ("population.size=2000", "days=40", "output.plots=false")
    model, result = simulate("brand_attack_false", overrides, 1)
    d = result.daily
    kinds = [c for c in d.columns if c.startswith("posts_")]
    totals = d[kinds].sum(axis=1)
    negative_daily = (d["negative_share"].fillna(0) * totals).sum()
    summary = result.summary["negative_share"] * result.summary["posts_total"]
    assert negative_daily == pytest.approx(summary)
    assert summary == pytest.approx((model.posts.negativity >= 0.5).sum(), rel=1e-12)


def test_the_day_close_runs_every_step_of_the_contract_in_order():
    from sim.engine.clock import DAY_CLOSE

    model = HubspokeModel(sim.load_config("brand_attack_true", ["population.size=1500", "days=3"]))
    names = [name for name, _ in DAY_CLOSE]
    assert len(model._day_close) == len(names) == len(set(names))
    assert names.index("rumour") < names.index("queues") < names.index("ignored_complaints")
    assert names.index("record") < names.index("next_day") == len(names) - 1
    model.run()
    assert len(model.rows) == 3


def test_influencers_engaged_before_the_crisis_vouch_at_the_declaration():
    """Outreach at the declaration: every engaged influencer but the origin vouches once,
    whether it was won over then or engaged from day 0 (strategy.engage_influencers)."""
    overrides = ["population.size=2000", "days=40", "strategy=enterprise"]
    vouched = {}
    for before in (False, True):
        config = sim.load_config(
            "influencer_outreach", [*overrides, f"strategy.engage_influencers={before}"]
        )
        model = HubspokeModel(config, 3)
        model.run_until(24.0 * config.attack.start_day)  # the attack is about to start
        model.attack_origins = {model.influencers[0].node}  # as if it started it
        model.ledger.positive_weight[:] = 0.0
        model._engage_influencers()
        weight = model.ledger.positive_weight
        others = [i.node for i in model.influencers[1:]]
        vouched[before] = int((weight[others] == 1.0).sum())
        assert weight[model.influencers[0].node] == 0.0  # the origin never vouches
    assert vouched[True] == vouched[False] == len(model.influencers) - 1


def test_a_day_is_its_scheduled_events_only():
    """Mesa's default step every time unit (an hour here) is stopped: a run of two days
    executes its own events and no empty hourly step, and still ends at its last hour."""
    cfg = sim.load_config("baseline", [*SMALL, "days=2"])
    model = HubspokeModel(cfg, 0)
    model.run()
    assert model.steps == 0
    assert model.time == 48 and len(model.rows) == 2
