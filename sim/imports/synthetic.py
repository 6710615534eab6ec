"""A synthetic post log from known rates and rhythm: the example, and the import's test.

Clearly not a real brand's data: every row comes from the rates below, the
default hour-of-day and weekday shape (sim.config.schema.Demand), exponential
handling times and response times, and a fixed seed. `hubspoke import-log`
should recover the rates within their sampling error (tests/imports).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from sim.config.schema import Demand
from sim.engine.clock import HOURS_PER_DAY


@dataclass
class SyntheticLog:
    """What the synthetic log is drawn from (the truth an import should recover)."""

    per_day: Mapping[str, float] = field(
        default_factory=lambda: {"complaint": 40.0, "question": 25.0, "praise": 15.0, "lead": 5.0}
    )
    handle_minutes: Mapping[str, float] = field(
        default_factory=lambda: {"complaint": 9.0, "question": 5.0, "praise": 2.0, "lead": 6.0}
    )
    reply_share: Mapping[str, float] = field(
        default_factory=lambda: {"complaint": 0.8, "question": 0.9, "praise": 0.3, "lead": 0.95}
    )
    response_mean_hours: float = 3.0
    tagged_share: float = 0.75  # of complaints and praise; the rest are mentions
    hourly: list[float] = field(default_factory=lambda: list(Demand().hourly))
    weekly: list[float] = field(default_factory=lambda: list(Demand().weekly))
    start: str = "2026-03-02"  # a Monday
    days: int = 56
    timezone: str = "Europe/Amsterdam"
    labels: Mapping[str, str] = field(
        default_factory=lambda: {
            "complaint": "Complaint",
            "question": "Question",
            "praise": "Praise",
            "lead": "Sales lead",
        }
    )
    # the topics of complaints and questions (praise and leads have none), as exported
    topic_share: Mapping[str, float] = field(
        default_factory=lambda: {"service": 0.5, "product": 0.25, "billing": 0.2, "fraud": 0.05}
    )
    topic_labels: Mapping[str, str] = field(
        default_factory=lambda: {
            "service": "Service",
            "product": "Product",
            "billing": "Payments",  # a label of the tool's own: topic_map.Payments=billing
            "fraud": "Fraud",
        }
    )


def synthetic_log(truth: SyntheticLog | None = None, seed: int = 0) -> pd.DataFrame:
    """Rows of a post log (strings, as a CSV export has them), in time order."""
    truth = truth or SyntheticLog()
    rng = np.random.default_rng(seed)
    weekly = np.asarray(truth.weekly, dtype=np.float64)
    weekly = weekly / weekly.mean()
    hourly = np.asarray(truth.hourly, dtype=np.float64)
    hourly = hourly / hourly.sum()
    zone = ZoneInfo(truth.timezone)
    first = datetime.fromisoformat(truth.start)
    rows = []
    for day in range(truth.days):
        date = first + timedelta(days=day)
        factor = weekly[date.weekday()]
        for kind, rate in truth.per_day.items():
            count = rng.poisson(rate * factor)
            hours = rng.choice(int(HOURS_PER_DAY), size=count, p=hourly) + rng.random(count)
            for hour in hours:
                wall = (date + timedelta(hours=float(hour))).replace(tzinfo=zone)
                # through UTC: a wall time in the spring-forward gap becomes a real instant
                rows.append((wall.astimezone(UTC).astimezone(zone), kind))
    rows.sort(key=lambda r: r[0])
    n = len(rows)
    kinds = np.array([k for _, k in rows])
    created = [t for t, _ in rows]
    handle = rng.exponential(1.0, n) * np.array([truth.handle_minutes[k] for k in kinds])
    replied = rng.random(n) < np.array([truth.reply_share[k] for k in kinds])
    wait = rng.exponential(truth.response_mean_hours, n)
    tagged = (rng.random(n) < truth.tagged_share) | ~np.isin(kinds, ["complaint", "praise"])
    # topics from a stream of their own: the other columns are as they were without them
    names = list(truth.topic_share)
    shares = np.array([truth.topic_share[t] for t in names])
    drawn = np.random.default_rng([seed, 1]).choice(len(names), size=n, p=shares / shares.sum())
    topic = np.where(
        np.isin(kinds, ["complaint", "question"]),
        np.array([truth.topic_labels[t] for t in names], dtype=object)[drawn],
        "",
    )
    return pd.DataFrame(
        {
            "created_at": [t.isoformat(timespec="seconds") for t in created],
            "kind": [truth.labels[k] for k in kinds],
            "first_response_at": [
                # waits are elapsed time: added in UTC, shown in local time
                (t.astimezone(UTC) + timedelta(hours=float(w)))
                .astimezone(zone)
                .isoformat(timespec="seconds")
                if r
                else ""
                for t, w, r in zip(created, wait, replied, strict=True)
            ],
            "handle_minutes": np.round(handle, 2),
            "author_followers": rng.geometric(0.002, n),
            "tagged": tagged,
            "topic": topic,
        }
    )
