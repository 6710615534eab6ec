"""The model's calendar: time is in hours from the start of day 0, a Monday at local midnight.

Every module that turns hours into days, weekdays or hours of the day uses
these definitions, so the demand rhythm, shifts and the daily records agree.
"""

from __future__ import annotations

HOURS_PER_DAY = 24.0
DAYS_PER_WEEK = 7
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def weekday(day: int) -> int:
    """0 = Monday for day `day` of a run (day 0 is a Monday)."""
    return day % DAYS_PER_WEEK
