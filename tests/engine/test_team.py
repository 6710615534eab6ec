"""sim.engine.team: hub staff and liaisons at work in a run: shifts, wages, triage, routing."""

from __future__ import annotations

import numpy as np
import pytest
from support import SMALL, SMALL_DAYS

import sim
from sim.config.schema import POST_KINDS
from sim.engine.posts import ATTACK, KIND, LEAD, OUTCOME
from sim.engine.shifts import staggered_starts
from sim.engine.team import HubStaff, Liaison

DAYS = SMALL_DAYS


def _outcome(posts, name):
    return posts.outcome == OUTCOME[name]


@pytest.fixture(scope="module")
def hub_and_spoke(simulate):
    return simulate("baseline", SMALL, 0)


def test_hub_is_staffed_per_config(hub_and_spoke):
    model, _ = hub_and_spoke
    hub = model.config.team.hub
    assert len(model.team.staff) == hub.staff
    assert all(isinstance(s, HubStaff) for s in model.team.staff)
    starts = sorted(s.shift.start_hour for s in model.team.staff)
    expected = staggered_starts(
        hub.staff, hub.coverage_start_hour, hub.coverage_hours, hub.shift_hours
    )
    assert starts == sorted(h % 24.0 for h in expected)
    assert all(s.shift.hours == hub.shift_hours for s in model.team.staff)
    spokes = model.config.team.spokes
    assert len(model.team.liaisons) == sum(s.liaisons for s in spokes.values())
    assert all(isinstance(li, Liaison) for li in model.team.liaisons)


def test_daily_wages_follow_shifts(hub_and_spoke):
    model, result = hub_and_spoke
    cfg = model.config.team
    hub = cfg.hub.staff * cfg.hub.shift_hours * cfg.hub.wage_per_hour  # 7 days a week
    standing = sum(s.liaisons * s.hours_per_day * s.wage_per_hour for s in cfg.spokes.values())
    daily = result.daily
    np.testing.assert_allclose(daily["wages_hub"], hub)
    workday = (np.arange(len(daily)) % 7) < cfg.spoke_days_per_week
    # liaisons are paid for watching the queue on business days plus each case's effort
    p = model.posts
    started = ~np.isnan(p.spoke_start)
    spoke = [cfg.spokes[d] for d in model.team.departments]
    case_pay = np.array([s.effort_hours * s.wage_per_hour for s in spoke])[p.routed_to[started]]
    day = np.floor(p.spoke_start[started] / 24.0).astype(int)
    cases = np.bincount(day, weights=case_pay, minlength=len(daily))[: len(daily)]
    assert cases.sum() > 0
    np.testing.assert_allclose(daily["wages_spokes"], np.where(workday, standing, 0.0) + cases)


def test_services_start_on_shift_and_after_arrival(hub_and_spoke):
    model, _ = hub_and_spoke
    p = model.posts
    served = ~np.isnan(p.service_start)
    assert served.sum() > 50
    assert (p.service_start[served] >= p.created[served]).all()
    hour = p.service_start[served] % 24.0
    hub = model.config.team.hub
    assert (hour >= hub.coverage_start_hour).all()
    assert (hour < hub.coverage_start_hour + hub.coverage_hours).all()
    # the reply comes exactly one handling time after the service started
    handle = np.array([model.config.posts.handle_minutes[k] / 60.0 for k in POST_KINDS])
    np.testing.assert_allclose(
        p.first_response[served] - p.service_start[served],
        p.handle_work[served] * handle[p.kind[served]],
        rtol=1e-9,
        atol=1e-12,
    )
    # posts whose service started are answered, unless the run ended mid-service
    answered = ~np.isnan(p.first_response)
    assert (answered <= served).all()
    assert (
        (p.service_start + p.handle_work * handle[p.kind])[served & ~answered] > DAYS * 24
    ).all()


def test_outcomes_are_consistent(hub_and_spoke):
    model, _ = hub_and_spoke
    p = model.posts
    end = DAYS * 24.0
    assert (_outcome(p, "unanswered") == ~p.queued).all()
    answered = ~np.isnan(p.first_response)
    waiting = p.queued & ~answered
    assert (_outcome(p, "pending") | _outcome(p, "abandoned") | ~waiting).all()
    # abandoned: queued, never started, and the author's patience ran out within the run
    gave_up = _outcome(p, "abandoned")
    assert np.isnan(p.service_start[gave_up]).all()
    assert (p.created[gave_up] + p.patience[gave_up] <= end).all()
    pending = _outcome(p, "pending") & np.isnan(p.service_start)
    assert (p.created[pending] + p.patience[pending] > end).all()
    routed = p.routed_to >= 0
    assert (_outcome(p, "routed") | _outcome(p, "resolved") | _outcome(p, "broken_promise"))[
        routed
    ].all()
    assert answered[routed].all()
    resolved = _outcome(p, "resolved")
    assert (p.resolved_at[resolved] >= p.first_response[resolved]).all()
    assert answered[resolved].all()


def test_ledger_matches_post_log(hub_and_spoke):
    model, result = hub_and_spoke
    p, daily = model.posts, result.daily
    assert daily["responses"].sum() == (~np.isnan(p.first_response)).sum()
    assert daily["routed"].sum() == (p.routed_to >= 0).sum()
    assert daily["broken_promises"].sum() == _outcome(p, "broken_promise").sum()
    assert daily["abandoned"].sum() == _outcome(p, "abandoned").sum()
    # the hub's own resolutions and the spokes' follow-through (sales leads are closed, not fixed)
    fixed = _outcome(p, "resolved") & (p.kind != LEAD)
    assert daily["resolved"].sum() == fixed.sum()
    assert daily["root_cause_fix_count"].sum() == 0  # the preset does not close the loop


def test_abandonment_is_recorded_on_the_day_patience_runs_out(hub_and_spoke):
    model, result = hub_and_spoke
    p = model.posts
    gave_up = p.queued & np.isnan(p.service_start) & (p.created + p.patience <= DAYS * 24.0)
    day = np.floor((p.created + p.patience)[gave_up] / 24.0).astype(int)
    expected = np.bincount(day, minlength=DAYS)
    np.testing.assert_array_equal(result.daily["abandoned"].to_numpy(), expected)


def test_routing_goes_to_the_topic_department(hub_and_spoke):
    model, _ = hub_and_spoke
    p = model.posts
    departments = model.team.departments
    topics = list(model.config.posts.topics)
    routed = np.flatnonzero(p.routed_to >= 0)
    assert len(routed) > 10
    for post in routed:
        if p.kind[post] == LEAD:
            assert departments[p.routed_to[post]] == "sales"
        else:
            topic = topics[p.topic[post]]
            assert departments[p.routed_to[post]] == model.config.posts.topics[topic].department
    # praise and attacks are never routed
    assert not (p.routed_to[(p.kind == KIND["praise"]) | (p.kind == ATTACK)] >= 0).any()


def test_hub_only_routes_nothing(simulate):
    model, result = simulate("baseline", (*SMALL, "strategy=reactive_fifo"), 0)
    assert (model.posts.routed_to == -1).all()
    assert model.team.liaisons == []
    assert (result.daily["wages_spokes"] == 0).all()
    assert result.summary["resolved_total"] > 0  # the hub fixes some problems itself


def test_pr_only_replies_but_never_fixes(simulate):
    model, result = simulate("baseline", (*SMALL, "strategy=pr_spin"), 0)
    p = model.posts
    assert result.summary["resolved_total"] == 0
    assert (p.routed_to == -1).all()
    answered = ~np.isnan(p.first_response)
    assert answered.sum() > 0
    assert (_outcome(p, "replied") == answered).all()


def test_silence_has_no_team_and_no_cost(simulate):
    model, result = simulate("baseline", (*SMALL, "strategy=silence"), 0)
    assert model.team.staff == []
    assert model.team.liaisons == []
    assert not model.posts.queued.any()
    assert (model.posts.outcome == OUTCOME["unanswered"]).all()
    daily = result.daily
    assert (daily["cost_to_serve"] == 0).all()
    np.testing.assert_array_equal(daily["relationship_value"], daily["revenue"])
    assert (daily["responses"] == 0).all()


def test_closing_the_loop_lowers_defects_geometrically(simulate):
    # below the everyday level (default floor 1: nothing to fix without a shock)
    model, result = simulate(
        "baseline", (*SMALL, "strategy=enterprise", "strategy.defect_floor=0.5"), 0
    )
    p = model.posts
    strategy = model.config.strategy
    fix = strategy.fix_per_resolution
    initial = np.array([t.defect_level for t in model.config.posts.topics.values()])
    floor = strategy.defect_floor * initial
    # only problems a department fixed (complaints, tagged or found by listening) are
    # root-cause fixes; the hub's own fixes and answers to questions are not
    problem = (p.kind == KIND["complaint"]) | ((p.kind == KIND["mention"]) & (p.negativity > 0))
    fixes = _outcome(p, "resolved") & problem & (p.routed_to >= 0)
    applied = 0
    for i, topic in enumerate(model.topics):
        level = initial[i]
        for _ in range(int((fixes & (p.topic == i)).sum())):
            if level > floor[i] + 0.01 * initial[i]:  # nothing material left below that
                level = floor[i] + (level - floor[i]) * (1.0 - fix)
                applied += 1
        assert result.summary[f"defect_{topic}_final"] == pytest.approx(level, rel=1e-9)
        assert level >= floor[i]
    levels = result.daily[[f"defect_{t}" for t in model.topics]].to_numpy()
    assert (np.diff(levels, axis=0) <= 0).all()
    assert (levels[-1] < initial).any()
    # each fix made is paid for
    assert result.summary["root_cause_fixes_total"] == applied > 0
    assert result.summary["root_cause_fix_cost_total"] == pytest.approx(
        applied * model.config.team.root_cause_fix_cost
    )


def test_defects_stay_put_without_closing_the_loop(hub_and_spoke):
    _, result = hub_and_spoke
    for column in result.daily.columns:
        if column.startswith("defect_"):
            assert (result.daily[column] == 1.0).all()


def test_no_hub_staff_answers_nothing(simulate):
    model, result = simulate("baseline", (*SMALL, "team.hub.staff=0"), 0)
    p = model.posts
    assert p.queued.any()
    assert np.isnan(p.first_response).all()
    assert result.summary["unanswered_share"] == 1.0
    assert (result.daily["wages_hub"] == 0).all()
    expired = p.queued & (p.created + p.patience <= DAYS * 24.0)
    assert result.daily["abandoned"].sum() == expired.sum()
    assert result.summary["backlog_final"] == (p.queued & ~expired).sum()


def test_crisis_surge_adds_temporary_staff(simulate):
    overrides = ("population.size=2000", "days=40", "output.plots=false", "strategy=enterprise")
    model, result = simulate("brand_attack_false", overrides, 0)
    crisis = model.config.strategy.crisis
    hub = model.config.team.hub
    detected = result.summary["attack_detected_h"]
    assert not np.isnan(detected)
    assert len(model.team.staff) == hub.staff + crisis.surge_staff
    surge = model.team.staff[hub.staff :]
    for member in surge:
        assert member.shift.active_from == detected
        assert member.shift.active_until == pytest.approx(detected + 24.0 * crisis.surge_days)
    regular = hub.staff * hub.shift_hours * hub.wage_per_hour
    wages = result.daily["wages_hub"].to_numpy()
    first, last = int(detected // 24), int((detected + 24 * crisis.surge_days) // 24)
    np.testing.assert_allclose(wages[:first], regular)
    np.testing.assert_allclose(wages[last + 1 :], regular)
    full = [d for d in range(first + 1, last)]
    assert full
    np.testing.assert_allclose(
        wages[full], (hub.staff + crisis.surge_staff) * hub.shift_hours * hub.wage_per_hour
    )


def test_no_lead_closes_when_close_rate_is_zero(simulate):
    """Sales closes a routed lead with probability posts.lead_close_rate, whatever follow_u."""
    overrides = (*SMALL, "posts.lead_close_rate=0", "posts.lead_rate_per_day=0.0003")
    model, result = simulate("baseline", overrides, 3)
    routed_leads = (model.posts.kind == LEAD) & (model.posts.routed_to >= 0)
    assert routed_leads.sum() > 50
    assert result.daily["leads_closed"].sum() == 0


def test_closing_the_loop_stops_at_the_everyday_level(simulate):
    """After a shock, root-cause fixes bring the level back to the pre-shock level, not below."""
    model, result = simulate(
        "product_defect",
        ("population.size=4000", "days=80", "output.plots=false", "strategy=enterprise"),
        1,
    )
    level = result.daily["defect_product"]
    everyday = model.config.posts.topics["product"].defect_level
    assert level.max() > 2.0 * everyday  # the shock happened
    assert level.iloc[-1] < 0.5 * level.max()  # and was largely fixed
    assert (level >= everyday * model.config.strategy.defect_floor - 1e-12).all()


def test_a_spoke_case_held_over_days_counts_on_each_day():
    """Slots hold cases only on shift, so no day's spoke utilisation exceeds 1. Counted
    on the day a case ended (before), the seasonal peak here had two days above 1."""
    config = sim.load_config("seasonal_peak", ["population.size=5000", "days=65"])
    daily = sim.run(config, seed=1).daily
    working = daily["spoke_slot_h"] > 0
    assert (daily["spoke_busy_h"][working] > 0).sum() > 30
    assert (daily["spoke_utilisation"][working] <= 1.0 + 1e-12).all()
    assert (daily["spoke_busy_h"][~working].abs() < 1e-9).all()  # none held off shift
