"""The roster planner: Erlang A against Erlang C, the integer program against brute force,
the throughput rule against a hand-computed backlog, and the 1 h / 24 h contrast."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import sim
from sim.experiments.roster.erlang import answered_within, servers_needed
from sim.experiments.roster.plan import (
    HOURS,
    QUEUE,
    THROUGHPUT,
    Demand,
    ShiftOptions,
    candidates,
    cheapest,
    demand_of,
    fluid_backlog,
    plan,
    rule_for,
)
from sim.experiments.staffing import read_targets

WAGE = 40.0


def _erlang_c(servers: int, load: float) -> float:
    top = load**servers / math.factorial(servers) * servers / (servers - load)
    return top / (sum(load**k / math.factorial(k) for k in range(servers)) + top)


@pytest.mark.parametrize(
    ("arrivals", "handle", "servers", "window"),
    [(20.0, 0.1, 3, 0.05), (5.0, 0.2, 2, 0.5), (60.0, 0.1, 8, 0.1), (1.0, 0.5, 1, 1.0)],
)
def test_without_patience_erlang_a_is_erlang_c(arrivals, handle, servers, window):
    load = arrivals * handle
    expected = 1 - _erlang_c(servers, load) * math.exp(-(servers / handle - arrivals) * window)
    assert answered_within(arrivals, handle, 0.0, servers, window) == pytest.approx(
        expected, rel=1e-9
    )


def test_erlang_a_moves_the_right_way():
    shares = [answered_within(30.0, 0.15, 7.0, c, 1.0) for c in range(1, 9)]
    assert all(b >= a for a, b in itertools.pairwise(shares))  # more agents answer more
    assert answered_within(30.0, 0.15, 7.0, 0, 1.0) == 0.0
    # an overloaded queue without patience answers nobody in time; with it, some
    assert answered_within(30.0, 0.15, 0.0, 2, 1.0) == 0.0
    assert 0 < answered_within(30.0, 0.15, 7.0, 2, 1.0) < 1
    c = servers_needed(30.0, 0.15, 7.0, 1.0, 0.8)
    assert answered_within(30.0, 0.15, 7.0, c, 1.0) >= 0.8
    assert answered_within(30.0, 0.15, 7.0, c - 1, 1.0) < 0.8


def test_the_integer_program_is_optimal_by_brute_force():
    """Fourteen 12-hour shifts with night and weekend premiums; every 0/1 choice tried."""
    options = ShiftOptions(
        lengths=(12.0,), starts=(0, 12), wage_per_hour=WAGE, night_premium=0.5,
        weekend_premium=0.25,
    )  # fmt: skip
    shifts = candidates(options)
    cover = np.array([c.cover for c in shifts])
    cost = np.array([c.cost for c in shifts])
    rng = np.random.default_rng(7)
    requirement = (rng.random(HOURS) < 0.3).astype(float)
    staff = cheapest(shifts, requirement)
    choices = np.array(list(itertools.product((0, 1), repeat=len(shifts))))
    feasible = ((choices @ cover) >= requirement).all(axis=1)
    best = (choices[feasible] @ cost).min()
    assert staff @ cost == pytest.approx(best)
    assert ((staff @ cover) >= requirement).all()


def test_the_throughput_rule_matches_a_hand_computed_backlog():
    """4 staff hours of work arrive on Monday 00:00-01:00. Within 3 hours one person
    clears 3 of them (hours 0, 1, 2): two are needed. Within 24 hours one is enough."""
    options = ShiftOptions(lengths=(8.0,), starts=(0, 8, 16), wage_per_hour=WAGE)
    shifts = candidates(options)
    work = np.zeros(HOURS)
    work[0] = 4.0
    zero = np.zeros(HOURS)
    tight = cheapest(shifts, zero, work, window=3)
    loose = cheapest(shifts, zero, work, window=24)
    cost = np.array([c.cost for c in shifts])
    assert tight @ cost == pytest.approx(2 * 8 * WAGE)
    assert loose @ cost == pytest.approx(8 * WAGE)
    cover = np.array([c.cover for c in shifts]).T
    # hand-computed fluid backlog of the tight plan: 4 - 2, 2 - 2, then 0
    backlog = fluid_backlog(work, cover @ tight)
    assert backlog[0] == pytest.approx(2.0) and backlog[1] == pytest.approx(0.0)
    # the loose plan leaves a backlog, gone within the day
    backlog = fluid_backlog(work, cover @ loose)
    assert backlog.max() > 0 and backlog[23] == pytest.approx(0.0)


@pytest.fixture(scope="module")
def peak_demand() -> Demand:
    """seasonal_peak with authors who wait (patience 0: nobody gives up), as for messages
    that may be answered within a day."""
    config = sim.load_config("seasonal_peak", ["population.size=5000", "posts.patience_hours=0"])
    return demand_of(config)


def test_a_24h_target_leaves_hours_unstaffed_that_a_1h_target_staffs_for_less(peak_demand):
    options = ShiftOptions(wage_per_hour=WAGE)
    within = {"answered_within_1h@complaint": {"at_least": 0.8}}
    hour = plan(peak_demand, read_targets(within), options)
    within = {"answered_within_24h@complaint": {"at_least": 0.95}}
    day = plan(peak_demand, read_targets(within), options)
    assert [r.rule for r in hour.rules] == [QUEUE] and [r.rule for r in day.rules] == [THROUGHPUT]
    unstaffed = day.staffed_by_hour_of_week == 0
    assert unstaffed.any() and (hour.staffed_by_hour_of_week[unstaffed] > 0).any()
    assert day.weekly_cost < hour.weekly_cost
    # the 24 h plan clears every hour's work within the day (fluid backlog)
    backlog = fluid_backlog(peak_demand.work(), day.staffed_by_hour_of_week)
    ahead = np.concatenate([peak_demand.work()] * 2)
    allowed = np.array([ahead[t + HOURS - 22 : t + HOURS + 1].sum() for t in range(HOURS)])
    assert (backlog <= allowed + 1e-6).all()
    # and the 1 h plan has at least the Erlang A agents in every hour
    assert (hour.staffed_by_hour_of_week >= hour.requirement_by_hour_of_week).all()
    assert hour.roster() and all(
        set(s) == {"start_hour", "hours", "days", "staff"} for s in hour.roster()
    )


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        ({"answered_within_1h": {"at_most": 0.8}}, "planned as at_least"),
        ({"churn_rate": 0.1}, "plans answered_within_Nh"),
        ({"first_response_p90_h": {"at_least": 1}}, "planned as at_most"),
        ({"answered_within_2h": 1.5}, "a share must be in"),
        ({"first_response_p100_h": 2}, "between 0 and 100"),
        ({"unanswered_share@complaint": 0.1}, "plans answered_within_Nh"),
        ({"first_response_p80_h@mention": 2}, "not an inbound kind"),
    ],
)
def test_targets_the_planner_cannot_plan_are_one_line(targets, message):
    with pytest.raises(sim.ConfigError, match=message):
        rule_for(read_targets(targets)[0])


def test_any_response_time_quantile_of_a_kind_plans_as_a_share_answered_in_time(peak_demand):
    rule = rule_for(read_targets({"first_response_p80_h@complaint": 1})[0], 7.0)
    assert (rule.rule, rule.window_h, rule.share, rule.kind) == (QUEUE, 1.0, 0.8, "complaint")
    median = rule_for(read_targets({"first_response_median_h.peak": 0.5})[0])
    assert (median.share, median.kind, median.period) == (0.5, None, "peak")
    with pytest.raises(sim.ConfigError, match="does not answer praise posts"):
        plan(peak_demand, read_targets({"first_response_p90_h@praise": 4}), ShiftOptions())


def test_authors_who_give_up_make_a_long_window_a_queue():
    rule = rule_for(read_targets({"answered_within_24h": {"at_least": 0.9}})[0], 7.0)
    assert rule.rule == QUEUE and "give up after 7 h" in rule.why
    rule = rule_for(read_targets({"answered_within_24h": {"at_least": 0.9}})[0], 0.0)
    assert rule.rule == THROUGHPUT


def test_a_target_over_posts_the_strategy_never_answers_is_refused(peak_demand):
    # hub_and_spoke answers no praise: over every inbound kind, at most ~61 % can be answered
    with pytest.raises(sim.ConfigError, match="does not answer praise"):
        plan(peak_demand, read_targets({"answered_within_24h": 0.95}), ShiftOptions())
    with pytest.raises(sim.ConfigError, match="does not answer praise posts"):
        plan(peak_demand, read_targets({"answered_within_24h@praise": 0.5}), ShiftOptions())


def test_an_impossible_target_names_the_hour(peak_demand):
    """Every post answered within a window needs every post to find a free agent at
    once: no finite team does that."""
    with pytest.raises(sim.ConfigError, match="cannot be covered"):
        plan(
            peak_demand,
            read_targets({"answered_within_0.01h@complaint": {"at_least": 1.0}}),
            ShiftOptions(),
        )


def test_hours_no_allowed_shift_covers_are_named(peak_demand):
    office = ShiftOptions(lengths=(8.0,), starts=(9,))
    with pytest.raises(sim.ConfigError, match=r"no allowed shift covers \(mon 00:00"):
        plan(peak_demand, read_targets({"answered_within_1h@complaint": 0.8}), office)


def test_people_work_at_most_their_hours_with_rest_between_shifts():
    from sim.experiments.roster.plan import REST_HOURS, assign_people

    # one agent around the clock: 21 shifts of 8 h a week
    shifts = [
        {"weekday": d, "start_hour": h, "hours": 8.0, "staff": 1}
        for d in range(7)
        for h in (0, 8, 16)
    ]
    shifts.append({"weekday": 0, "start_hour": 4, "hours": 8.0, "staff": 1})  # overlaps two
    assignment = assign_people(shifts, 40.0)
    people = assignment.people
    assert sum(len(p) for p in people) == 22  # every shift has someone
    assert assignment.lower_bound == math.ceil(176 / 40)
    assert len(people) == assignment.lower_bound and assignment.fewest
    for worked in people:
        assert sum(s["hours"] for s in worked) <= 40.0
        starts = sorted(s["weekday"] * 24 + s["start_hour"] for s in worked)
        # consecutive shifts (the week repeating) leave at least the rest between them
        for a, b in zip(starts, [*starts[1:], starts[0] + HOURS], strict=True):
            assert b - a >= 8.0 + REST_HOURS


def _clash(a, b):
    """Two shifts (start hour of the week, hours) one person cannot both work."""
    from sim.experiments.roster.plan import HOURS, REST_HOURS

    (start, hours), (other, length) = a, b
    after, before = (start - (other + length)) % HOURS, (other - (start + hours)) % HOURS
    overlap = (start - other) % HOURS < length or (other - start) % HOURS < hours
    return overlap or min(after, before) < REST_HOURS


def _fewest_by_brute_force(shifts, max_hours):
    import itertools

    n = len(shifts)
    for k in range(1, n + 1):
        for who in itertools.product(range(k), repeat=n - 1):
            who = (0, *who)  # the first shift's person is person 0
            teams = [[shifts[i] for i in range(n) if who[i] == p] for p in range(k)]
            if all(
                team
                and sum(h for _, h in team) <= max_hours
                and not any(_clash(a, b) for a, b in itertools.combinations(team, 2))
                for team in teams
            ):
                return k
    return n


def test_the_head_count_is_the_fewest_by_brute_force():
    """Seven random shifts, 24 h a week each: the program's head count is the exhaustive
    search's, also where a first fit in order of the week needs one more."""
    import random

    from sim.experiments.roster.plan import assign_people

    rng = random.Random(3)
    for _ in range(25):
        drawn = [
            (rng.randrange(7), rng.choice([0, 6, 8, 12, 14, 16, 20]), rng.choice([6.0, 8.0, 10.0]))
            for _ in range(7)
        ]
        shifts = [{"weekday": d, "start_hour": h, "hours": x, "staff": 1} for d, h, x in drawn]
        week = [(d * 24 + h, x) for d, h, x in drawn]
        assignment = assign_people(shifts, 24.0)
        assert len(assignment.people) == _fewest_by_brute_force(week, 24.0), drawn
        assert assignment.fewest
    # a first fit in order of the week takes four people here; three suffice
    week = [(32, 10.0), (78, 8.0), (104, 10.0), (108, 10.0), (116, 8.0), (132, 10.0), (152, 8.0)]
    first_fit: list[list] = []
    for shift in week:
        for team in first_fit:
            if sum(h for _, h in team) + shift[1] <= 24 and not any(_clash(shift, o) for o in team):
                team.append(shift)
                break
        else:
            first_fit.append([shift])
    shifts = [{"weekday": t // 24, "start_hour": t % 24, "hours": x, "staff": 1} for t, x in week]
    assert len(first_fit) == 4
    assert len(assign_people(shifts, 24.0).people) == _fewest_by_brute_force(week, 24.0) == 3


def test_a_shift_longer_than_the_week_allows_is_one_line():
    from sim.experiments.roster.plan import assign_people

    with pytest.raises(sim.ConfigError, match="max_weekly_hours=6: shorter than a planned"):
        assign_people([{"weekday": 0, "start_hour": 8, "hours": 8.0, "staff": 1}], 6.0)
