"""sim.engine.shifts: when a team member is on shift, and for how many hours a day."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.engine.shifts import INF, Shift, staggered_starts


def test_day_shift_available_from():
    shift = Shift(start_hour=8.0, hours=8.0)
    assert shift.available_from(0.0) == 8.0
    assert shift.available_from(8.0) == 8.0
    assert shift.available_from(10.5) == 10.5
    assert shift.available_from(15.999) == 15.999
    # the shift ends at 16:00 (exclusive): next one starts the following morning
    assert shift.available_from(16.0) == 32.0
    assert shift.available_from(23.0) == 32.0
    assert shift.available_from(24.0 * 5 + 3.0) == 24.0 * 5 + 8.0


def test_overnight_shift_spans_midnight():
    shift = Shift(start_hour=22.0, hours=4.0)  # 22:00-02:00
    assert shift.available_from(1.0) == 1.0  # still inside the shift that began the day before
    assert shift.available_from(2.0) == 22.0
    assert shift.available_from(23.5) == 23.5
    assert shift.available_from(24.0 + 1.5) == 25.5
    assert shift.hours_in(0) == pytest.approx(2.0 + 2.0)  # 00-02 (from day -1) and 22-24
    assert shift.hours_in(3) == pytest.approx(4.0)


def test_days_per_week_and_rotation():
    weekdays = Shift(start_hour=9.0, hours=8.0, days_per_week=5)
    assert [weekdays.works_on(d) for d in range(8)] == [True] * 5 + [False, False] + [True]
    # Friday (day 4) after hours -> next Monday (day 7)
    assert weekdays.available_from(4 * 24.0 + 18.0) == 7 * 24.0 + 9.0
    assert weekdays.available_from(5 * 24.0 + 10.0) == 7 * 24.0 + 9.0
    assert weekdays.hours_in(5) == 0.0
    assert weekdays.hours_in(6) == 0.0
    assert weekdays.hours_in(2) == 8.0
    rotated = Shift(start_hour=9.0, hours=8.0, days_per_week=5, rotation=2)
    # rotation 2: days 3 and 4 are off
    assert [rotated.works_on(d) for d in range(7)] == [True, True, True, False, False, True, True]
    assert rotated.available_from(3 * 24.0) == 5 * 24.0 + 9.0


def test_always_on_shift():
    shift = Shift(start_hour=0.0, hours=24.0, days_per_week=7)
    assert shift.always
    for t in (0.0, 3.3, 17.0, 1000.25):
        assert shift.available_from(t) == t
    assert shift.hours_in(4) == 24.0


def test_no_shift_means_never_available():
    assert Shift(start_hour=8.0, hours=0.0).available_from(0.0) == INF
    assert Shift(start_hour=8.0, hours=8.0, days_per_week=0).available_from(0.0) == INF
    assert Shift(start_hour=8.0, hours=0.0).hours_in(0) == 0.0
    assert Shift(start_hour=8.0, hours=8.0, days_per_week=0).hours_in(0) == 0.0


def test_employment_window_bounds_availability_and_hours():
    surge = Shift(start_hour=8.0, hours=8.0, active_from=30.0, active_until=60.0)
    assert surge.available_from(0.0) == 32.0  # first shift after hiring
    assert surge.available_from(57.0) == 57.0
    assert surge.available_from(60.0) == INF  # contract over
    assert surge.available_from(62.0) == INF
    assert surge.hours_in(0) == 0.0
    assert surge.hours_in(1) == 8.0  # 32-40
    assert surge.hours_in(2) == pytest.approx(4.0)  # 56-60 only
    assert surge.hours_in(3) == 0.0
    # hired in the middle of a shift: only the remaining hours count
    midshift = Shift(start_hour=8.0, hours=8.0, active_from=12.0)
    assert midshift.available_from(0.0) == 12.0
    assert midshift.hours_in(0) == pytest.approx(4.0)


@pytest.mark.parametrize(
    ("start", "hours", "days", "rotation"),
    [(8.0, 8.0, 7, 0), (12.0, 8.0, 5, 1), (20.0, 10.0, 4, 3), (0.0, 12.0, 7, 0), (9.0, 8.0, 5, 6)],
)
def test_available_from_is_the_earliest_on_shift_time(start, hours, days, rotation):
    """Brute force on a fine grid: available_from(t) is on shift, and nothing earlier is."""
    shift = Shift(start, hours, days, rotation)
    step = 0.25
    grid = np.arange(0.0, 24.0 * 21, step)

    def on_shift(t: float) -> bool:
        for d in (math.floor(t / 24.0) - 1, math.floor(t / 24.0)):
            if shift.works_on(d) and d * 24 + start <= t < d * 24 + start + hours:
                return True
        return False

    on = np.array([on_shift(t) for t in grid])
    for i in range(0, len(grid) - 24 * 9 * 4, 7):
        t = grid[i]
        found = shift.available_from(t)
        assert found >= t
        assert on_shift(found)
        # every grid point strictly between t and found is off shift
        between = (grid > t) & (grid < found)
        assert not on[between].any()
    # hours_in agrees with the grid
    for day in range(14):
        in_day = (grid >= day * 24) & (grid < day * 24 + 24)
        assert shift.hours_in(day) == pytest.approx(on[in_day].sum() * step)


@pytest.mark.parametrize(
    "shift",
    [
        Shift(8.0, 8.0, 5, 1),
        Shift(20.0, 10.0, 4, 3),
        Shift(22.0, 8.0, weekdays=frozenset({0, 4})),
        Shift(6.0, 9.0, 7, active_from=30.0, active_until=200.0),
    ],
)
def test_available_from_remembers_nothing_that_changes_its_answer(shift):
    """The shift keeps the on-shift interval it found last: asked in any order, it
    answers as a fresh shift that never answered before."""
    # half hours in order (every shift's end asked right after a time inside it), then
    # random times in any order
    ordered = np.arange(0.0, 24.0 * 30, 0.5)
    times = np.concatenate([ordered, np.random.default_rng(4).uniform(0.0, 24.0 * 30, 1000)])
    for t in times:
        fresh = Shift(**{f: getattr(shift, f) for f in shift.__dataclass_fields__})
        assert shift.available_from(float(t)) == fresh.available_from(float(t))


def test_staggered_starts():
    assert staggered_starts(0, 8.0, 12.0, 8.0) == []
    assert staggered_starts(1, 8.0, 12.0, 8.0) == [8.0]
    assert staggered_starts(2, 8.0, 12.0, 8.0) == [8.0, 12.0]
    assert staggered_starts(3, 8.0, 12.0, 8.0) == [8.0, 10.0, 12.0]
    # shift as long as the coverage window: everybody starts together
    assert staggered_starts(3, 8.0, 8.0, 8.0) == [8.0, 8.0, 8.0]
    # the last shift ends exactly when the coverage window closes
    starts = staggered_starts(5, 6.0, 16.0, 8.0)
    assert starts[0] == 6.0
    assert starts[-1] + 8.0 == pytest.approx(6.0 + 16.0)
