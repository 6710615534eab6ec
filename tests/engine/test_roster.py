"""team.hub.roster: shifts as a strategist writes them, and night and weekend pay."""

from __future__ import annotations

import pytest

import sim
from sim.config.inert import InertSettingWarning
from sim.engine.model import HubspokeModel
from sim.engine.shifts import Shift
from sim.engine.team import hub_shifts

ROSTER = [
    "team.hub.roster=[{start_hour: 7, hours: 8, days: [mon, tue, wed, thu, fri], staff: 2},"
    " {start_hour: 22, hours: 9, days: [sat, sun], staff: 1}]",
]


def test_the_roster_is_the_hubs_shifts():
    cfg = sim.load_config("baseline", ROSTER)
    shifts = hub_shifts(cfg.team.hub)
    assert len(shifts) == 3
    weekday, night = shifts[0], shifts[2]
    assert weekday.hours_in(0) == 8.0 and weekday.hours_in(5) == 0.0  # Monday, Saturday
    # the weekend night shift starts Saturday 22:00 and runs into Sunday 07:00
    assert night.hours_in(5) == 2.0 and night.hours_in(6) == 7.0 + 2.0
    assert night.hours_in(0) == 7.0  # from Sunday's start into Monday
    assert night.available_from(5 * 24 + 12.0) == 5 * 24 + 22.0
    assert weekday.available_from(4 * 24 + 16.0) == 7 * 24 + 7.0  # Friday 16:00: next Monday


def test_staffed_hours_and_wages_follow_the_roster_with_premiums():
    overrides = [*ROSTER, "population.size=2000", "days=7", "strategy=hub_and_spoke"]
    plain = HubspokeModel(sim.load_config("baseline", overrides), 1)
    paid = HubspokeModel(
        sim.load_config(
            "baseline", [*overrides, "team.hub.night_premium=0.5", "team.hub.weekend_premium=0.25"]
        ),
        1,
    )
    week = sum(plain.team.staffed_hours(d) for d in range(7))
    # two people 5 x 8 h; the night shift's hours inside days 0-6: Monday 00-07 (the
    # shift that started the Sunday before day 0), Saturday 22-24, Sunday 00-07 and 22-24
    assert week == pytest.approx(2 * 5 * 8 + 7 + 2 + 9)
    wage = plain.config.team.hub.wage_per_hour
    sunday_plain = sum(m.wages(6) for m in plain.team.staff)
    sunday_paid = sum(m.wages(6) for m in paid.team.staff)
    # Sunday: 00:00-07:00 and 22:00-24:00 of the night shift, all night hours, all weekend
    night = 6.0 + 2.0  # 00:00-06:00 and 22:00-24:00 are night hours
    assert sunday_plain == pytest.approx(9.0 * wage)
    assert sunday_paid == pytest.approx((9.0 + 0.5 * night + 0.25 * 9.0) * wage)


def test_the_keys_the_roster_replaces_are_said_to_do_nothing():
    with pytest.warns(InertSettingWarning, match="team.hub.staff: team.hub.roster sets"):
        sim.load_config("baseline", [*ROSTER, "team.hub.staff=5"])


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "team.hub.roster=[{start_hour: 8, hours: 8, days: [monday], staff: 1}]",
            "team.hub.roster.0.days=['monday']: must name weekdays",
        ),
        (
            "team.hub.roster=[{start_hour: 8, hours: 0, days: [mon], staff: 1}]",
            "team.hub.roster.0.hours=0: a staffed shift needs hours",
        ),
        (
            "team.hub.roster=[{start_hour: 8, hours: 8, days: [mon], staff: -1}]",
            "staff=-1",
        ),
    ],
)
def test_a_bad_roster_is_one_line(override, message):
    with pytest.raises(sim.ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        sim.load_config("baseline", [override])


def test_a_rotated_shift_works_as_before():
    """The weekday set leaves the rotation of days_per_week unchanged."""
    shift = Shift(8.0, 8.0, 5, rotation=2)
    assert [shift.works_on(d) for d in range(7)] == [(d + 2) % 7 < 5 for d in range(7)]


def test_temps_on_their_own_shift_work_only_in_their_window():
    overrides = [
        "population.size=2000",
        "days=21",
        "strategy=hub_and_spoke",
        "team.hub.staff=0",
        "team.hub.temps=[{start_day: 7, days: 7, staff: 2,"
        " shift: {start_hour: 18, hours: 6, days: [mon, tue, wed, thu, fri]}}]",
    ]
    model = HubspokeModel(sim.load_config("baseline", overrides), 1)
    hours = [model.team.staffed_hours(d) for d in range(21)]
    assert hours[:7] == [0.0] * 7 and hours[14:] == [0.0] * 7
    # days 7-13 are Monday to Sunday: two people 18:00-24:00 on the five weekdays
    assert hours[7:14] == [12.0] * 5 + [0.0, 0.0]


def test_a_temps_shift_with_a_bad_day_is_one_line():
    with pytest.raises(sim.ConfigError, match=r"team.hub.temps.0.shift.days"):
        sim.load_config(
            "baseline",
            ["team.hub.temps=[{start_day: 7, days: 7, staff: 1, shift: {days: [someday]}}]"],
        )
