"""Working hours: when a team member is on shift, and how many hours that is per day."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.engine.clock import HOURS_PER_DAY

INF = float("inf")


@dataclass(frozen=True)
class Shift:
    """Daily shift of `hours` from `start_hour`, on `days_per_week` days (rotated by `rotation`).

    Day 0 is the first day of the run. `active_from`/`active_until` bound the
    whole employment (surge staff are hired for a few days only).
    """

    start_hour: float
    hours: float
    days_per_week: int = 7
    rotation: int = 0
    active_from: float = 0.0
    active_until: float = INF
    # the weekdays it starts on (0 Monday ... 6 Sunday), instead of days_per_week
    weekdays: frozenset[int] | None = None

    def __post_init__(self) -> None:
        # asked once per queue event: the answers that need no search are kept
        works = [self.works_on(d) for d in range(7)]
        object.__setattr__(self, "_works", tuple(works))
        object.__setattr__(self, "_never", self.hours <= 0 or not any(works))
        object.__setattr__(self, "_always", self.always)
        # the on-shift interval found last: most questions fall inside it
        object.__setattr__(self, "_within", (INF, -INF))

    @property
    def always(self) -> bool:
        return self.hours >= HOURS_PER_DAY and all(self.works_on(d) for d in range(7))

    def works_on(self, day: int) -> bool:
        if self.weekdays is not None:
            return day % 7 in self.weekdays
        return (day + self.rotation) % 7 < self.days_per_week

    def available_from(self, time: float) -> float:
        """Earliest time >= `time` on shift (inf if none before `active_until`)."""
        if time < self.active_from:
            time = self.active_from
        if time >= self.active_until or self._never:
            return INF
        if self._always:
            return time
        lo, hi = self._within
        if lo <= time < hi:  # on shift: the search below would answer `time` itself
            return time
        day = math.floor(time / HOURS_PER_DAY)
        works = self._works
        for d in range(day - 1, day + 9):
            if not works[d % 7]:
                continue
            start = d * HOURS_PER_DAY + self.start_hour
            if time < start + self.hours:
                object.__setattr__(self, "_within", (start, start + self.hours))
                found = time if time > start else start
                return found if found < self.active_until else INF
        return INF

    def hours_in(self, day: int) -> float:
        """Hours on shift within day `day` (for wages)."""
        lo, hi = day * HOURS_PER_DAY, day * HOURS_PER_DAY + HOURS_PER_DAY
        lo, hi = max(lo, self.active_from), min(hi, self.active_until)
        if hi <= lo:
            return 0.0
        if self.always:
            return hi - lo
        total = 0.0
        for d in (day - 1, day):
            if self.works_on(d):
                start = d * HOURS_PER_DAY + self.start_hour
                total += max(0.0, min(hi, start + self.hours) - max(lo, start))
        return total

    def premium_hours(self, day: int) -> tuple[float, float]:
        """Hours within day `day` at night (22:00-06:00) and at the weekend (Sat, Sun)."""
        lo = day * HOURS_PER_DAY
        night = self.on_shift_hours(lo, lo + 6.0) + self.on_shift_hours(lo + 22.0, lo + 24.0)
        weekend = self.hours_in(day) if day % 7 >= 5 else 0.0
        return night, weekend

    def on_shift_hours(self, start: float, end: float) -> float:
        """Hours of [start, end] that fall on this shift."""
        if end <= start:
            return 0.0
        first, last = math.floor(start / HOURS_PER_DAY), math.floor(end / HOURS_PER_DAY)
        total = 0.0
        works = self._works  # works_on by weekday, kept (asked at every spoke case's end)
        for d in range(first - 1, last + 1):
            if not works[d % 7]:
                continue
            lo = max(start, d * HOURS_PER_DAY + self.start_hour, self.active_from)
            hi = min(end, d * HOURS_PER_DAY + self.start_hour + self.hours, self.active_until)
            total += max(0.0, hi - lo)
        return total


def staggered_starts(staff: int, coverage_start: float, coverage_hours: float, shift_hours: float):
    """Shift start hours spreading `staff` people evenly over the coverage window."""
    spread = max(coverage_hours - shift_hours, 0.0)
    if staff <= 1 or spread == 0.0:
        return [coverage_start] * staff
    return [coverage_start + spread * i / (staff - 1) for i in range(staff)]
