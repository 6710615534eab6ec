"""Staffing targets as a manager writes them: explicit direction, nothing added unasked."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from sim.cli import main
from sim.config import ConfigError
from sim.experiments.specs import load_spec
from sim.experiments.staffing import AT_LEAST, AT_MOST, Target, read_targets, recommend


def test_a_bare_number_takes_the_metrics_natural_direction():
    targets = read_targets(
        {"first_response_p90_h": 1, "sla_attainment": 0.8, "churn_rate": {"at_least": 0.01}}
    )
    assert targets == [
        Target("first_response_p90_h", AT_MOST, 1.0),
        Target("sla_attainment", AT_LEAST, 0.8),  # better higher: at least, not at most
        Target("churn_rate", AT_LEAST, 0.01),  # explicit wins
    ]


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ({"hub_utilisation": 0.85}, "say the direction"),
        ({"sla_attainment": {"at_least": 0.8, "at_most": 0.9}}, "one of at_least or at_most"),
        ({"sla_attainment": {"above": 0.8}}, "one of at_least or at_most"),
        ({"sla_attainment": "most"}, "targets.sla_attainment"),
    ],
)
def test_bad_targets_are_one_line(raw, fragment):
    with pytest.raises(ConfigError) as caught:
        read_targets(raw)
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


def test_an_at_least_target_is_met_by_the_lower_end_of_the_interval():
    rows = []
    for staff, sla in ((1, 0.70), (2, 0.82), (3, 0.95)):
        for rep, noise in enumerate((-0.01, 0.0, 0.01)):
            rows.append(
                {"team.hub.staff": staff, "replication": rep, "status": "ok",
                 "cost_to_serve_total": 100.0 * staff, "sla_attainment": sla + noise,
                 "relationship_value_total": 0.0, "relationship_value_horizon": 0.0}
            )  # fmt: skip
    result = recommend(pd.DataFrame(rows), ["team.hub.staff"], {"sla_attainment": 0.8})
    # staff 2's mean 0.82 is above 0.8 but its interval (t, 2 df: +-0.025) reaches below
    assert list(result.points["meets"]) == [False, False, True]
    assert result.recommended["team.hub.staff"] == 3
    assert "`sla_attainment` lower" in result.text() and "< 80.0 %" in result.text()


def test_a_spec_gets_no_target_it_did_not_write(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("kind: staffing\nscenario: baseline\nstaff: [1, 2]\n"
                    "targets:\n  sla_attainment: 0.8\n")  # fmt: skip
    assert load_spec(str(path), "staffing").targets == {"sla_attainment": 0.8}


def test_targets_and_staff_on_the_command_line(tmp_path, capsys):
    path = tmp_path / "plain.yaml"
    path.write_text("kind: staffing\nscenario: baseline\nstaff: [4, 5]\nreplications: 2\n")
    out = tmp_path / "out"
    code = main(["staff", f"experiment={path}", "staff=[0,2]", "targets.sla_attainment=0.2",
                 "targets.hub_utilisation.at_most=0.99", "population.size=600", "days=6",
                 "jobs=1", f"out={out}"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    record = json.loads((out / "staffing.json").read_text())
    assert record["targets"] == {
        "sla_attainment": {"at_least": 0.2},
        "hub_utilisation": {"at_most": 0.99},
    }
    assert record["targets_assumed"] is False
    assert sorted(o["team.hub.staff"] for o in record["options"]) == [0, 2]
    code = main(["staff", f"experiment={path}", "population.size=600", "days=6", "jobs=1",
                 "staff=[1]", f"out={tmp_path / 'assumed'}"])  # fmt: skip
    assert code == 0
    text = (tmp_path / "assumed" / "staffing.md").read_text()
    assert "No target was given: the default, p90 first response at most 1 h, was assumed" in text
    capsys.readouterr()
    code = main(["staff", f"experiment={path}", "targets.sla_attainment=most",
                 f"out={tmp_path / 'bad'}"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "targets.sla_attainment=most: must be a number" in err


def test_answered_within_the_sla_is_the_summarys_sla_attainment():
    from sim.experiments.runs import RunSpec, perform

    record = perform(
        RunSpec("baseline", 3, ("population.size=800", "days=10", "strategy.sla_hours=2")),
        post_outcomes=("answered_within_2h", "answered_within_2h@complaint"),
    )
    assert record.summary["answered_within_2h"] == record.summary["sla_attainment"]
    assert 0 < record.summary["answered_within_2h@complaint"] <= 1
    nobody = perform(
        RunSpec("baseline", 3, ("population.size=800", "days=10", "team.hub.staff=0")),
        post_outcomes=("answered_within_24h@complaint",),
    )
    assert nobody.summary["answered_within_24h@complaint"] == 0.0  # no hub: nobody answers


@pytest.mark.parametrize(
    "name, fragment",
    [("answered_within_xh", "write answered_within_Nh"), ("answered_within_1h@mention",
     "not an inbound kind"), ("answered_within_0h", "more than 0 hours"),
     ("first_response_pxx_h", "write first_response_pNN_h"), ("first_response_p0_h",
     "between 0 and 100"), ("first_response_p90_h@mention", "not an inbound kind"),
     ("first_response_p90_h.daily", "write first_response_pNN_h"),
     ("unanswered_share@lead.monthly", "write unanswered_share"),
     ("unanswered_share@mention", "not an inbound kind")],
)  # fmt: skip
def test_bad_post_outcomes_are_one_line(name, fragment):
    from sim.experiments.post_outcomes import parse

    with pytest.raises(ConfigError, match=fragment):
        parse(name)


def test_a_complaint_service_target_staffs_the_hub(tmp_path):
    from sim.experiments.staffing import staffing

    result = staffing(
        "baseline", staff=[0, 3], targets={"answered_within_4h@complaint": 0.5},
        replications=4, out=tmp_path, jobs=1, overrides=["population.size=800", "days=8"],
    )  # fmt: skip
    assert list(result.points["meets"]) == [False, True]  # nobody answers without a hub
    assert result.points["answered_within_4h@complaint"].iloc[0] == 0.0
    assert "`answered_within_4h@complaint` >= 50.0 %" in result.text()
    # service by hour is shown for the target's kind and window
    assert (result.service.kind, result.service.hours) == ("complaint", 4.0)
    assert "the share of complaint posts answered within 4 h" in result.text()


def test_service_by_hour_of_week_adds_up_to_the_runs_share():
    import numpy as np

    import sim
    from sim.experiments.post_outcomes import by_hour_of_week, parse

    result = sim.run(
        sim.load_config("baseline", ["population.size=1500", "days=14", "output.posts=true"]),
        seed=1,
    )
    log = result.posts
    # read from the posts, p90, the median and the unanswered share are the summary's own
    for name in ("first_response_p90_h", "first_response_median_h", "unanswered_share"):
        assert parse(name).of(log) == pytest.approx(result.summary[name], rel=1e-12)
    share, posts = by_hour_of_week(log, 1.0)
    assert (
        posts.shape == (7, 24)
        and posts.sum() == (log["addressed"] & (log["kind"] != "mention")).sum()
    )
    overall = np.nansum(share * posts) / posts.sum()
    assert overall == pytest.approx(parse("answered_within_1h").of(log), rel=1e-12)
    assert np.nanmax(share[:, :6]) == 0.0  # the default hub is off shift at night


def test_the_report_says_whether_staff_change_revenue_or_only_cost():
    from sim.experiments.staffing import _carries
    from sim.report.headline import short

    steps = pd.DataFrame(
        {"from_staff": [1, 2], "to_staff": [2, 3], "d_cost": [19_200.0, 19_200.0],
         "d_revenue_low": [-500.0, -300.0], "d_revenue_high": [800.0, 400.0]}
    )  # fmt: skip
    assert "ranks the options by their cost" in _carries(steps, short)
    assert "$19,200, $19,200" in _carries(steps, short)
    steps.loc[0, ["d_revenue_low", "d_revenue_high"]] = [2_000.0, 9_000.0]
    moved = _carries(steps, short)
    assert "from 1 to 2 hub staff" in moved and "moves what customers spend" in moved


def _log(created, response, kind="complaint"):
    n = len(created)
    return pd.DataFrame(
        {
            "addressed": [True] * n,
            "kind": [kind] * n,
            "created_h": created,
            "response_time_h": response,
        }
    )


def test_a_peak_target_counts_the_posts_of_the_peak_only():
    from sim.experiments.post_outcomes import parse

    # days 0-1 answered in time, days 2-3 (the peak, hours 48-96) half of them late
    log = _log([1.0, 25.0, 49.0, 50.0, 73.0, 74.0], [0.5, 0.5, 0.5, 3.0, 0.5, 3.0])
    assert parse("answered_within_1h@complaint").of(log) == pytest.approx(4 / 6)
    peak = parse("answered_within_1h@complaint.peak")
    assert peak.of(log, [(48.0, 96.0)]) == pytest.approx(2 / 4)
    assert math.isnan(peak.of(log, []))  # no peak: no posts to count


def test_an_each_week_target_is_the_worst_weeks_share():
    from sim.experiments.post_outcomes import parse

    week = 168.0
    # week 0: 3 of 4 in time; week 1: 1 of 2
    log = _log([1.0, 2.0, 3.0, 4.0, week + 1, week + 2], [0.5, 0.5, 0.5, 2.0, 0.5, 2.0])
    assert parse("answered_within_1h.each_week").of(log) == pytest.approx(0.5)
    assert parse("answered_within_1h").of(log) == pytest.approx(4 / 6)


def test_a_peak_target_plans_temps_for_the_peak_at_its_volume():
    from dataclasses import replace

    import numpy as np

    import sim
    from sim.experiments.roster.plan import ShiftOptions, demand_of, plan

    demand = demand_of(sim.load_config("seasonal_peak", ["population.size=5000"]))
    assert demand.peak == 2.0 and demand.peak_days == [(30.0, 30.0)]
    plain, peak = "answered_within_1h@complaint", "answered_within_1h@complaint.peak"
    usual = plan(demand, read_targets({plain: 0.8}), ShiftOptions())
    doubled = replace(demand, posts={k: 2 * v for k, v in demand.posts.items()})
    at_peak = plan(doubled, read_targets({plain: 0.8}), ShiftOptions())
    # only a peak target: the scenario's own hub off-peak, temps for the peak's weeks
    only = plan(demand, read_targets({peak: 0.8}), ShiftOptions())
    assert only.keeps_current and not only.shifts
    np.testing.assert_array_equal(only.staffed_by_hour_of_week, demand.current)
    assert only.temps and only.temps_weekly_cost > 0
    assert all((t["start_day"], t["days"]) == (30.0, 30.0) for t in only.temps_config())
    np.testing.assert_array_equal(
        only.peak_requirement_by_hour_of_week, at_peak.requirement_by_hour_of_week
    )
    assert (only.peak_staffed_by_hour_of_week >= at_peak.requirement_by_hour_of_week).all()
    # both: the roster meets the usual target; temps top it up to the peak's need
    both = plan(demand, read_targets({plain: 0.8, peak: 0.8}), ShiftOptions())
    np.testing.assert_array_equal(both.staffed_by_hour_of_week, usual.staffed_by_hour_of_week)
    assert (both.peak_staffed_by_hour_of_week >= at_peak.requirement_by_hour_of_week).all()
    # roster plus temps is one way to staff a peak week: never cheaper than the best way
    assert both.weekly_cost + both.temps_weekly_cost >= at_peak.weekly_cost - 1e-6
    flat = demand_of(sim.load_config("baseline", ["population.size=5000"]))
    with pytest.raises(ConfigError, match="no seasonal peak"):
        plan(flat, read_targets({peak: 0.8}), ShiftOptions())
    # the scenario's own temps stay beside the planned ones
    from sim.experiments.roster.job import settings_of

    own = "team.hub.temps=[{start_day: 2, days: 3, staff: 1}]"
    mine = demand_of(sim.load_config("seasonal_peak", ["population.size=5000", own]))
    settings = settings_of(plan(mine, read_targets({peak: 0.8}), ShiftOptions()))
    temps = sim.load_config("seasonal_peak", settings).team.hub.temps
    assert (temps[0].start_day, temps[0].days, temps[0].shift) == (2.0, 3.0, None)
    assert len(temps) == 1 + len(only.temps_config()) and temps[1].start_day == 30.0


def test_a_response_time_quantile_of_a_kind_period_and_week():
    from sim.experiments.post_outcomes import is_post_outcome, parse
    from sim.experiments.staffing import AT_MOST, read_targets

    week = 168.0
    log = pd.concat(
        [
            _log([1.0, 2.0, 3.0, 4.0, week + 1, week + 2], [1.0, 2.0, 3.0, 4.0, 10.0, 20.0]),
            _log([5.0], [100.0], kind="question"),
            _log([6.0], [float("nan")]),  # never answered: not in a response-time quantile
        ],
        ignore_index=True,
    )
    assert parse("first_response_median_h@complaint").of(log) == pytest.approx(3.5)
    assert parse("first_response_p90_h@question").of(log) == pytest.approx(100.0)
    # numpy's linear quantile over the answered complaints: 1, 2, 3, 4, 10, 20
    assert parse("first_response_p80_h@complaint").of(log) == pytest.approx(10.0)
    # the worst week: week 1's median of 10 and 20
    assert parse("first_response_median_h@complaint.each_week").of(log) == pytest.approx(15.0)
    peak = parse("first_response_p50_h@complaint.peak")
    assert peak.of(log, [(0.0, 3.5)]) == pytest.approx(2.0)
    assert math.isnan(parse("first_response_p50_h@lead").of(log))
    # the complaint never answered: 1 of 7; the worst week of them 1 of 5 (week 0)
    assert parse("unanswered_share@complaint").of(log) == pytest.approx(1 / 7)
    assert parse("unanswered_share@complaint.each_week").of(log) == pytest.approx(1 / 5)
    assert parse("unanswered_share@question").of(log) == 0.0
    assert is_post_outcome("unanswered_share@complaint") and not is_post_outcome("unanswered_share")
    assert read_targets({"unanswered_share@complaint": 0.1})[0].direction == AT_MOST
    # the summary's own two are read from the summary; the rest from the posts
    assert not is_post_outcome("first_response_p90_h")
    assert is_post_outcome("first_response_p90_h@complaint")
    assert is_post_outcome("first_response_p75_h")
    # a bare number takes the natural direction: a response time at most
    (target,) = read_targets({"first_response_p75_h@question": 4})
    assert target.direction == AT_MOST
