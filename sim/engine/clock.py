"""The model's clock: the calendar, and the one event-order contract.

Time is in hours from the start of day 0, a Monday at local midnight. Every
module that turns hours into days, weekdays or hours of the day uses these
definitions, so the demand rhythm, shifts and the daily records agree.

Mesa's event list is the one clock: it fires the day close every 24 h, the
defect shocks and the attack launch. Two processes keep exact times inside a
day on their own time-ordered queues, the rumour (`crisis.Firestorm`) and the
hub and spoke queues (`queueing.ServerPool`); they are advanced, up to the
close, by the day close in the order `DAY_CLOSE` fixes. `HubspokeModel` maps
each step to one method and runs them in this order, nothing else does.
"""

from __future__ import annotations

HOURS_PER_DAY = 24.0
DAYS_PER_WEEK = 7
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def weekday(day: int) -> int:
    """0 = Monday for day `day` of a run (day 0 is a Monday)."""
    return day % DAYS_PER_WEEK


# The day close, in order. Each step reads only what the steps before it settled.
DAY_CLOSE: tuple[tuple[str, str], ...] = (
    (
        "rumour",
        "the rumour advances to the close; each new attack post joins the hub queue at its own "
        "time (the queue has not advanced yet), and its detection may add surge staff and win "
        "influencers over from that instant",
    ),
    ("queues", "the hub, then every spoke, serve their queues up to the close"),
    (
        "ignored_complaints",
        "complaints whose reply window ended are settled (the queues have answered what they "
        "could): the ignored ones may defect",
    ),
    (
        "slow_dynamics",
        "bystander exposure, loyalty drift, issue expiry, churn, conversion, win-back, turnover",
    ),
    ("hidden_problems", "hidden product problems grow"),
    ("record", "the day's row (money included) is recorded from the settled state"),
    ("next_day", "the ledger is reset and the next day's posts and reshare cascades are made"),
)
