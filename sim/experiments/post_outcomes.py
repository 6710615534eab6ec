"""Outcomes read from a run's posts: the service a manager promises, by kind of post.

`answered_within_Nh` is the share of inbound posts (addressed to the brand; mentions
are found only by listening and are not inbound) whose first reply came within N
hours, a post never answered counting as not; `answered_within_Nh@KIND` the same
for one kind (complaint, question, praise, lead, attack). With N the strategy's
`sla_hours` and no kind it equals the summary's `sla_attainment` (tested).
Staffing targets take them (`targets.answered_within_1h@complaint.at_least=0.8`);
a run asked for them keeps its post log to compute them. A period ends the name:
`.peak` counts only the posts made during the scenario's seasonal peaks
(events.seasons), `.each_week` is the worst week's share (the target must hold
every week).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config import ConfigError
from sim.config.schema import POST_KINDS

PATTERN = re.compile(r"answered_within_(\d+(?:\.\d+)?)h(?:@(\w+))?(?:\.(peak|each_week))?")
# when the share is counted: the whole run (default), the days of the scenario's
# seasonal peaks (events.seasons), or every week (the worst week's share)
PERIODS = ("peak", "each_week")
INBOUND_KINDS = tuple(k for k in POST_KINDS if k != "mention")


@dataclass(frozen=True)
class PostOutcome:
    name: str
    hours: float
    kind: str | None
    period: str | None = None  # None: the whole run; "peak" or "each_week"

    def of(self, log: pd.DataFrame, peaks: Sequence[tuple[float, float]] = ()) -> float:
        """The share in one run's post log (`output.posts`); NaN when no such post came.

        `peaks`: the (start, end) hours of the scenario's seasonal peaks, for `.peak`.
        """
        from sim.engine.clock import DAYS_PER_WEEK, HOURS_PER_DAY

        inbound = log["addressed"] & (log["kind"] != "mention")
        if self.kind is not None:
            inbound &= log["kind"] == self.kind
        created = log["created_h"]
        if self.period == "peak":
            during = np.zeros(len(log), dtype=bool)
            for start, end in peaks:
                during |= ((created >= start) & (created < end)).to_numpy()
            inbound &= during
        answered = log["response_time_h"] <= self.hours
        if self.period == "each_week":
            week = (created // (HOURS_PER_DAY * DAYS_PER_WEEK)).astype(int)
            frame = pd.DataFrame({"week": week[inbound], "hit": answered[inbound]})
            if frame.empty:
                return math.nan
            return float(frame.groupby("week")["hit"].mean().min())
        n = int(inbound.sum())
        if n == 0:
            return math.nan
        return float(answered[inbound].sum() / n)


def is_post_outcome(name: str) -> bool:
    return name.startswith("answered_within_")


def parse(name: str) -> PostOutcome:
    match = PATTERN.fullmatch(name)
    if match is None:
        raise ConfigError(
            f"{name}: write answered_within_Nh, or answered_within_Nh@KIND with KIND one of "
            f"{', '.join(INBOUND_KINDS)}, optionally ending in .peak or .each_week"
        )
    hours, kind, period = float(match.group(1)), match.group(2), match.group(3)
    if kind is not None and kind not in INBOUND_KINDS:
        raise ConfigError(
            f"{name}: {kind} is not an inbound kind; allowed: {', '.join(INBOUND_KINDS)}"
        )
    if hours <= 0:
        raise ConfigError(f"{name}: the window must be more than 0 hours")
    return PostOutcome(name, hours, kind, period)


def by_hour_of_week(
    log: pd.DataFrame, hours: float, kind: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(share answered within `hours`, inbound posts) by weekday (rows, Monday first) and
    hour of the day the post was made (columns), from one run's post log; NaN where no
    post came."""
    from sim.engine.clock import DAYS_PER_WEEK, HOURS_PER_DAY

    inbound = log["addressed"] & (log["kind"] != "mention")
    if kind is not None:
        inbound &= log["kind"] == kind
    created = log.loc[inbound, "created_h"].to_numpy()
    answered = (log.loc[inbound, "response_time_h"] <= hours).to_numpy()
    weekday = (created // HOURS_PER_DAY).astype(int) % DAYS_PER_WEEK
    hour = (created % HOURS_PER_DAY).astype(int)
    cell = weekday * 24 + hour
    posts = np.bincount(cell, minlength=168).reshape(7, 24)
    hits = np.bincount(cell, weights=answered, minlength=168).reshape(7, 24)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(posts > 0, hits / np.maximum(posts, 1), np.nan)
    return share, posts
