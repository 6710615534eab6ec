"""Outcomes read from a run's daily table rather than its summary.

A daily outcome is written `COLUMN@WHEN`: a column of `daily.parquet` and what
to take of it,

* `@dayN`: its value on day N (loyalty_mean@day30);
* `@sum`: its sum over the days, the area under a daily count (backlog@sum:
  post-days waited at the day's ends);
* `@mean`, `@max`, `@min`, `@last`: over the days.

Discovery (`hubspoke discover outcome=loyalty_mean@day30`, on a sweep run with
`save_runs=true`) and the EMA Workbench model (`sim.ema.model(outcomes=[...])`)
take them where they take a summary metric.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config import ConfigError

REDUCERS = ("sum", "mean", "max", "min", "last")


@dataclass(frozen=True)
class DailyOutcome:
    name: str  # as written: backlog@sum
    column: str
    when: str  # a reducer, or "day"
    day: int = 0

    def of(self, daily: pd.DataFrame) -> float:
        """The outcome of one run's daily table (NaN when the day is past its end)."""
        values = daily[self.column].to_numpy(dtype=float)
        if self.when == "day":
            rows = np.flatnonzero(daily["day"].to_numpy() == self.day)
            return float(values[rows[0]]) if len(rows) else float("nan")
        if self.when == "last":
            return float(values[-1])
        return float(getattr(np, f"nan{self.when}")(values))


def is_daily(name: str) -> bool:
    return "@" in name


def parse(name: str, columns: list[str] | None = None, days: int | None = None) -> DailyOutcome:
    """`COLUMN@WHEN` checked: the column (against `columns`, when known), the reducer or
    day (against the run's `days`, when known)."""
    column, _, when = name.partition("@")
    if columns is not None and column not in columns:
        raise ConfigError(f"{name}: {column} is not a daily column (docs/model.md, daily.parquet)")
    if when in REDUCERS:
        return DailyOutcome(name, column, when)
    match = re.fullmatch(r"day(\d+)", when)
    if not match:
        raise ConfigError(
            f"{name}: after @ give dayN or one of {', '.join(REDUCERS)} (e.g. backlog@sum)"
        )
    day = int(match.group(1))
    if day < 1 or (days is not None and day > days):
        raise ConfigError(f"{name}: day {day} is outside the run's days 1 to {days or '...'}")
    return DailyOutcome(name, column, "day", day)


def daily_columns(scenario: str, overrides: list[str]) -> tuple[list[str], int]:
    """The daily columns a run of `scenario` writes, and its number of days (a short run)."""
    import sim

    config = sim.load_config(scenario, [*overrides, "days=1", "population.size=200"])
    days = sim.load_config(scenario, overrides).days
    return list(sim.run(config).daily.columns), days


def per_run(days: pd.DataFrame, outcome: DailyOutcome) -> pd.Series:
    """The outcome of every run in a stacked daily frame (`load_daily`), by run_id."""
    return days.groupby("run_id", sort=False).apply(outcome.of, include_groups=False)
