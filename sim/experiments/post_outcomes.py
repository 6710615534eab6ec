"""Outcomes read from a run's posts: the service a manager promises, by kind of post.

`answered_within_Nh` is the share of inbound posts (addressed to the brand; mentions
are found only by listening and are not inbound) whose first reply came within N
hours, a post never answered counting as not; `answered_within_Nh@KIND` the same
for one kind (complaint, question, praise, lead, attack). With N the strategy's
`sla_hours` and no kind it equals the summary's `sla_attainment` (tested).

`first_response_pNN_h` is the NN-th percentile (any NN in (0, 100)) of the hours to
the first reply of the posts the hub answered, `first_response_median_h` the 50th;
`@KIND` takes the answered posts of one kind. Without a kind or a period, p90 and
the median are the summary's own (equal, tested), so only the others are read from
the posts.

`unanswered_share@KIND` is the share of inbound posts of that kind never answered
(without a kind or period, the summary's `unanswered_share`; equal, tested).

Staffing targets take them (`targets.answered_within_1h@complaint.at_least=0.8`,
`targets.first_response_p80_h@question=4`); a run asked for them keeps its post log
to compute them. A period ends the name: `.peak` counts only the posts made during
the scenario's seasonal peaks (events.seasons), `.each_week` is the worst week's
value (the target must hold every week).
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
QUANTILE_PATTERN = re.compile(
    r"first_response_(?:p(\d+(?:\.\d+)?)|median)_h(?:@(\w+))?(?:\.(peak|each_week))?"
)
UNANSWERED_PATTERN = re.compile(r"unanswered_share(?:@(\w+))?(?:\.(peak|each_week))?")
# the response-time quantiles every run's summary reports (over all answered posts)
SUMMARY_QUANTILES = frozenset({"first_response_median_h", "first_response_p90_h"})
# the summary's own metrics of these forms: read from the summary, not the posts
SUMMARY_OWN = SUMMARY_QUANTILES | {"unanswered_share"}
# when the share is counted: the whole run (default), the days of the scenario's
# seasonal peaks (events.seasons), or every week (the worst week's share)
PERIODS = ("peak", "each_week")
INBOUND_KINDS = tuple(k for k in POST_KINDS if k != "mention")


@dataclass(frozen=True)
class PostOutcome:
    """A share answered within `hours`, (with `quantile`) a response-time quantile, or
    (with `unanswered`) the share never answered."""

    name: str
    hours: float  # the window of a share; NaN for the others
    kind: str | None
    period: str | None = None  # None: the whole run; "peak" or "each_week"
    quantile: float | None = None  # in (0, 1): the quantile of the answered posts' hours
    unanswered: bool = False

    @property
    def lower_is_better(self) -> bool:
        return self.quantile is not None or self.unanswered

    def of(self, log: pd.DataFrame, peaks: Sequence[tuple[float, float]] = ()) -> float:
        """The value in one run's post log (`output.posts`); NaN when no such post came.

        `peaks`: the (start, end) hours of the scenario's seasonal peaks, for `.peak`.
        """
        from sim.engine.clock import DAYS_PER_WEEK, HOURS_PER_DAY

        if self.unanswered:
            counted = log["addressed"] & (log["kind"] != "mention")
            value = log["response_time_h"].isna()
        elif self.quantile is None:
            counted = log["addressed"] & (log["kind"] != "mention")
            value = log["response_time_h"] <= self.hours
        else:  # every answered post, as the summary's quantiles count them
            counted = log["response_time_h"].notna()
            value = log["response_time_h"]
        if self.kind is not None:
            counted &= log["kind"] == self.kind
        created = log["created_h"]
        if self.period == "peak":
            during = np.zeros(len(log), dtype=bool)
            for start, end in peaks:
                during |= ((created >= start) & (created < end)).to_numpy()
            counted &= during
        if not counted.any():
            return math.nan
        if self.period == "each_week":
            week = (created // (HOURS_PER_DAY * DAYS_PER_WEEK)).astype(int)
            weekly = pd.Series(value[counted].to_numpy(), index=week[counted].to_numpy())
            by_week = weekly.groupby(level=0)
            if self.unanswered:
                return float(by_week.mean().max())  # the worst week
            if self.quantile is None:
                return float(by_week.mean().min())
            return float(by_week.quantile(self.quantile).max())
        if self.quantile is None:
            return float(value[counted].sum() / int(counted.sum()))
        return float(np.quantile(value[counted].to_numpy(), self.quantile))


def is_post_outcome(name: str) -> bool:
    """Whether `name` is read from a run's posts (not one of the summary's own metrics)."""
    if name.startswith("answered_within_"):
        return True
    if name in SUMMARY_OWN:
        return False
    return bool(QUANTILE_PATTERN.fullmatch(name) or UNANSWERED_PATTERN.fullmatch(name))


def lower_is_better(name: str) -> bool:
    """The natural direction of a metric, post outcomes included (response times: lower)."""
    from sim.engine.metrics import LOWER_IS_BETTER

    if is_post_outcome(name):
        return parse(name).lower_is_better
    return name in LOWER_IS_BETTER


def parse(name: str) -> PostOutcome:
    if name.startswith("first_response_"):
        return _parse_quantile(name)
    if name.startswith("unanswered_share"):
        match = UNANSWERED_PATTERN.fullmatch(name)
        if match is None:
            raise ConfigError(
                f"{name}: write unanswered_share, optionally @KIND with KIND one of "
                f"{', '.join(INBOUND_KINDS)}, and .peak or .each_week"
            )
        _check_kind(name, match.group(1))
        return PostOutcome(name, math.nan, match.group(1), match.group(2), unanswered=True)
    match = PATTERN.fullmatch(name)
    if match is None:
        raise ConfigError(
            f"{name}: write answered_within_Nh, or answered_within_Nh@KIND with KIND one of "
            f"{', '.join(INBOUND_KINDS)}, optionally ending in .peak or .each_week"
        )
    hours, kind, period = float(match.group(1)), match.group(2), match.group(3)
    _check_kind(name, kind)
    if hours <= 0:
        raise ConfigError(f"{name}: the window must be more than 0 hours")
    return PostOutcome(name, hours, kind, period)


def _parse_quantile(name: str) -> PostOutcome:
    match = QUANTILE_PATTERN.fullmatch(name)
    if match is None:
        raise ConfigError(
            f"{name}: write first_response_pNN_h (NN in 1-99) or first_response_median_h, "
            f"optionally @KIND with KIND one of {', '.join(INBOUND_KINDS)}, and .peak or "
            ".each_week"
        )
    percent = 50.0 if match.group(1) is None else float(match.group(1))
    if not 0 < percent < 100:
        raise ConfigError(f"{name}: the percentile must be between 0 and 100 (p1-p99)")
    kind, period = match.group(2), match.group(3)
    _check_kind(name, kind)
    return PostOutcome(name, math.nan, kind, period, percent / 100.0)


def _check_kind(name: str, kind: str | None) -> None:
    if kind is not None and kind not in INBOUND_KINDS:
        raise ConfigError(
            f"{name}: {kind} is not an inbound kind; allowed: {', '.join(INBOUND_KINDS)}"
        )


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
