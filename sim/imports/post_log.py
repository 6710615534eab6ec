"""A brand's own post log in, a scenario out: volume, rhythm, handling time, service.

`import_log(path, out)` reads a CSV or Parquet export, one row per inbound
post, and estimates what the engine needs to face the same demand:

- tagged posts a day by kind on an average day (`demand.inbound_per_day`),
  over the calendar days the log covers;
- the weekday rhythm (`demand.weekly`: each weekday's posts over how many of
  it the log covers) and the hour-of-day shape (`demand.hourly`), in the
  brand's local time;
- the handling time by kind (`posts.handle_minutes`), when the log has it;
- the share of complaints and praise that tag the brand (`posts.addressed_share`),
  when the log says which do;
- the brand's current service (reply share, median and p90 first response)
  as a target set for `hubspoke calibrate`, with each figure's sampling error;
- the weekly trend over at least eight weeks (reported, not imposed);
- each topic's share of the complaints (`posts.topics.T.weight`: which department
  gets the work), when the log has a `topic` column; labels are the scenario's
  topic names or mapped with `topic_map.LABEL=TOPIC`.

Columns: `created_at` (required; ISO 8601 with a UTC offset, or without one
and `timezone=Area/City`), `kind` (labels mapped by `kind_map`), and the
optional `first_response_at`, `handle_minutes`, `author_followers`, `tagged`,
`topic`. Every problem with the file is one line naming the column, the row
and what is allowed (ConfigError).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timezone as fixed_zone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from sim.config import ConfigError
from sim.config.compose import INBOUND_KINDS
from sim.config.schema import Posts

# the scenario's topics: an imported scenario composes over the baseline's
TOPICS = tuple(Posts().topics)

MIN_DAYS = 7  # a weekday rhythm needs every weekday at least once
TREND_WEEKS = 8  # a trend over fewer whole weeks is mostly the weekly noise
YEARLY_DAYS = 730  # each calendar month twice: a yearly pattern apart from one odd month
IGNORE = "ignore"  # kind_map.LABEL=ignore drops the label's rows
_OFFSET = re.compile(r"(Z|[+-]\d\d:?\d\d)$")
_HAS_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$")
HOURS_PER_WEEK = 168


@dataclass
class LogFit:
    """What the log says, and what the scenario takes from it."""

    source: str
    rows: int
    dropped: int
    first: pd.Timestamp
    last: pd.Timestamp
    days: int
    timezone: str
    inbound_per_day: dict[str, float]
    inbound_se: dict[str, float]
    weekly: list[float]
    hourly: list[float]
    handle_minutes: dict[str, float] = field(default_factory=dict)
    addressed_share: float | None = None
    service: dict[str, float] = field(default_factory=dict)
    service_se: dict[str, float] = field(default_factory=dict)
    trend_per_week: tuple[float, float, float] | None = None  # share a week, 95 % CI
    monthly: list[float] | None = None  # volume a day by calendar month, mean 1 (two years+)
    not_estimated: list[str] = field(default_factory=list)
    observed: np.ndarray = field(default_factory=lambda: np.zeros((7, 24)))
    fitted: np.ndarray = field(default_factory=lambda: np.zeros((7, 24)))
    by_hour_of_week: pd.DataFrame | None = None
    topic_share: dict[str, float] = field(default_factory=dict)  # of complaints with one
    topic_se: dict[str, float] = field(default_factory=dict)


# ------------------------------------------------------------------ reading
def read_log(path: str | Path) -> pd.DataFrame:
    """The log's rows as strings and numbers (CSV or Parquet, by the file's extension)."""
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"path={path}: no such file")
    suffix = file.suffix.lower()
    try:
        if suffix == ".csv":
            frame = pd.read_csv(file, dtype={"created_at": str, "first_response_at": str})
        elif suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(file)
        else:
            raise ConfigError(f"path={path}: not a .csv or .parquet file")
    except ConfigError:
        raise
    except pd.errors.EmptyDataError:
        raise ConfigError(f"path={path}: the file is empty; one row per inbound post") from None
    except Exception as exc:  # pandas and pyarrow raise many types for unreadable files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"path={path}: cannot be read ({reason})") from None
    if "created_at" not in frame.columns:
        shown = ", ".join(map(str, frame.columns[:8])) or "none"
        raise ConfigError(f"path={path}: no created_at column (one time per post); has {shown}")
    if frame.empty:
        raise ConfigError(f"path={path}: no rows; one row per inbound post")
    return frame


def _zone(timezone: str | None) -> ZoneInfo | None:
    if timezone is None:
        return None
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"timezone={timezone}: unknown; use an IANA name such as Europe/Amsterdam"
        ) from None


def local_times(column: pd.Series, timezone: str | None, name: str = "created_at") -> pd.Series:
    """Times in the brand's local time (tz-aware), or NaT where the cell is empty.

    With `timezone`, offsets are converted to it and times without one are read
    in it; without, every time needs the same UTC offset (a mixed log, e.g. across
    a change to summer time, needs the zone to say which local hour each is).
    """
    zone = _zone(timezone)
    if pd.api.types.is_datetime64_any_dtype(column):  # Parquet timestamps
        times = column
        if times.dt.tz is None:
            if zone is None:
                raise ConfigError(
                    f"{name}: times without a UTC offset; give timezone=Area/City "
                    "(the brand's local time)"
                )
            return times.dt.tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward")
        return times.dt.tz_convert(zone) if zone is not None else times
    text = column.astype("string").str.strip()
    present = text.notna() & (text != "")
    parsed = pd.to_datetime(text.where(present), utc=True, errors="coerce", format="ISO8601")
    bad = present & parsed.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ConfigError(
            f"{name}: row {row + 1} ('{text.iloc[row]}') is not a time; "
            "use ISO 8601, e.g. 2026-03-02T09:15:00+01:00"
        )
    has_offset = text.where(present).str.contains(_HAS_OFFSET, na=False)
    if zone is None:
        naive = present & ~has_offset
        if naive.any():
            row = int(np.flatnonzero(naive.to_numpy())[0])
            raise ConfigError(
                f"{name}: row {row + 1} ('{text.iloc[row]}') has no UTC offset; give "
                "timezone=Area/City (the brand's local time) or times with offsets"
            )
        offsets = text[present].str.extract(_OFFSET, expand=False).str.replace(":", "")
        kinds = offsets.replace("Z", "+0000").unique()
        if len(kinds) > 1:
            raise ConfigError(
                f"{name}: mixed UTC offsets ({', '.join(sorted(kinds)[:3])}); give "
                "timezone=Area/City so that each time gets its local hour"
            )
        sign, hours, minutes = kinds[0][0], int(kinds[0][1:3]), int(kinds[0][3:5])
        delta = pd.Timedelta(hours=hours, minutes=minutes) * (1 if sign == "+" else -1)
        return parsed.dt.tz_convert(fixed_zone(delta.to_pytimedelta()))
    # times without an offset are wall-clock times in the zone; with one, instants
    naive_text = text.where(present & ~has_offset)
    if naive_text.notna().any():
        wall = pd.to_datetime(naive_text, errors="coerce", format="ISO8601")
        localised = wall.dt.tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward")
        parsed = parsed.dt.tz_convert(zone).where(has_offset, localised.dt.tz_convert(zone))
        return parsed
    return parsed.dt.tz_convert(zone)


def _kinds(frame: pd.DataFrame, kind_map: Mapping[str, str], kind: str | None) -> pd.Series:
    """Each row's kind (complaint, question, praise, lead) or `ignore`."""
    allowed = ", ".join(INBOUND_KINDS)
    for label, target in kind_map.items():
        if target not in (*INBOUND_KINDS, IGNORE):
            raise ConfigError(f"kind_map.{label}={target}: not a kind; allowed: {allowed}, ignore")
    if "kind" not in frame.columns:
        if kind is None:
            raise ConfigError(
                f"kind: the log has no kind column; give kind=NAME for all its posts ({allowed})"
            )
        if kind not in INBOUND_KINDS:
            raise ConfigError(f"kind={kind}: not a kind; allowed: {allowed}")
        return pd.Series(kind, index=frame.index)
    mapping = {str(k).strip().lower(): v for k, v in kind_map.items()}
    labels = frame["kind"].astype("string").str.strip().str.lower().fillna("")
    known = {k: k for k in INBOUND_KINDS}
    mapped = labels.map(lambda v: mapping.get(v, known.get(v)))
    unmapped = mapped.isna()
    if unmapped.any():
        counts = labels[unmapped].value_counts()
        label = counts.index[0]
        row = int(np.flatnonzero((labels == label).to_numpy())[0])
        raise ConfigError(
            f"kind: label '{label}' ({counts.iloc[0]:,} rows, first row {row + 1}) is not a "
            f"kind; map it with kind_map.{label.replace(' ', '_')}=KIND ({allowed}, ignore)"
        )
    return mapped.astype(str)


def _checked_topic_map(topic_map: Mapping[str, str], has_topics: bool) -> Mapping[str, str]:
    allowed = ", ".join(TOPICS)
    for label, target in topic_map.items():
        if target not in TOPICS:
            raise ConfigError(f"topic_map.{label}={target}: not a topic; allowed: {allowed}")
        if not has_topics:
            raise ConfigError(f"topic_map.{label}: the log has no topic column to map")
    return topic_map


def _topics(column: pd.Series, topic_map: Mapping[str, str]) -> pd.Series:
    """Each row's topic (a name of the scenario's `posts.topics`), NA where it has none."""
    allowed = ", ".join(TOPICS)
    mapping = {str(k).strip().lower(): v for k, v in topic_map.items()}
    labels = column.astype("string").str.strip().str.lower()
    mapped = labels.map(lambda v: mapping.get(v, v if v in TOPICS else None), na_action="ignore")
    unmapped = labels.notna() & (labels != "") & mapped.isna()
    if unmapped.any():
        counts = labels[unmapped].value_counts()
        label = counts.index[0]
        row = int(np.flatnonzero((labels == label).fillna(False).to_numpy())[0])
        raise ConfigError(
            f"topic: label '{label}' ({counts.iloc[0]:,} rows, first row {row + 1}) is not a "
            f"topic; map it with topic_map.{label.replace(' ', '_')}=TOPIC ({allowed})"
        )
    return mapped.where(labels.notna() & (labels != ""))


# ------------------------------------------------------------------ estimating
def _weekday_counts(dates: pd.Series) -> np.ndarray:
    """How many of each weekday (Monday first) the calendar days in `dates` cover."""
    covered = pd.date_range(dates.min(), dates.max(), freq="D")
    return np.bincount(covered.dayofweek, minlength=7).astype(np.float64)


def _rhythm(local: pd.Series, days_of: np.ndarray) -> tuple[list[float], list[float]]:
    weekday = local.dt.dayofweek.to_numpy()
    hour = local.dt.hour.to_numpy()
    per_weekday = np.bincount(weekday, minlength=7) / days_of
    weekly = per_weekday / per_weekday.mean()
    hourly = np.bincount(hour, minlength=24).astype(np.float64)
    return [round(float(w), 4) for w in weekly], [round(float(h / hourly.sum()), 5) for h in hourly]


def _waits(frame: pd.DataFrame, local: pd.Series, timezone: str | None) -> pd.Series | None:
    """Hours from each post to its first response (NaN: unanswered), or None without replies."""
    if "first_response_at" not in frame.columns:
        return None
    zone = timezone or _zone_name(local)
    answered = local_times(frame["first_response_at"], zone, "first_response_at")
    wait = (answered - local).dt.total_seconds() / 3600.0
    negative = wait < 0
    if negative.any():
        row = int(np.flatnonzero(negative.to_numpy())[0])
        raise ConfigError(
            f"first_response_at: row {row + 1} is before its created_at; a reply comes after"
        )
    return wait


def _service(wait: pd.Series | None) -> tuple[dict, dict]:
    """Reply share and first-response quantiles over the log, with their standard errors."""
    if wait is None:
        return {}, {}
    n = len(wait)
    replied = wait.notna().to_numpy()
    share = float(replied.mean())
    service = {"unanswered_share": 1.0 - share}
    errors = {"unanswered_share": math.sqrt(share * (1.0 - share) / n)}
    hours = wait[replied].to_numpy()
    if len(hours) >= 10:
        logs = np.log(np.maximum(hours, 1.0 / 60.0))  # a minute at least: a log of 0 is -inf
        spread = float(logs.std(ddof=1))
        for name, q in (("first_response_median_h", 0.5), ("first_response_p90_h", 0.9)):
            service[name] = float(np.quantile(hours, q))
            # the sample quantile's sd on the log scale, from the log-normal approximation
            density = math.exp(-0.5 * _z(q) ** 2) / math.sqrt(2 * math.pi)
            errors[name] = spread * math.sqrt(q * (1 - q) / len(hours)) / density
    return service, errors


def _z(q: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(q))


def _zone_name(local: pd.Series) -> str | None:
    zone = local.dt.tz
    return getattr(zone, "key", None)


def _by_hour_of_week(local: pd.Series, wait: pd.Series | None) -> pd.DataFrame:
    hour = (local.dt.dayofweek * 24 + local.dt.hour).to_numpy()
    table = pd.DataFrame({"hour_of_week": np.arange(HOURS_PER_WEEK)})
    table["posts"] = np.bincount(hour, minlength=HOURS_PER_WEEK)
    if wait is not None:
        grouped = pd.DataFrame({"h": hour, "wait": wait.to_numpy()}).groupby("h")["wait"]
        table["reply_share"] = grouped.apply(lambda w: w.notna().mean()).reindex(table.index)
        table["median_response_h"] = grouped.median().reindex(table.index)
    return table


def _monthly(local: pd.Series, dates: pd.Series) -> list[float]:
    """Posts a day in each calendar month over the months covered, relative to their mean."""
    covered = pd.date_range(dates.min(), dates.max(), freq="D")
    days_in = np.bincount(covered.month - 1, minlength=12).astype(np.float64)
    per_day = np.bincount(local.dt.month.to_numpy() - 1, minlength=12) / days_in
    return [round(float(v), 4) for v in per_day / per_day.mean()]


def _trend(local: pd.Series, days: int) -> tuple[float, float, float] | None:
    weeks = days // 7
    if weeks < TREND_WEEKS:
        return None
    from scipy import stats

    start = local.min().normalize()
    week = ((local - start).dt.days // 7).to_numpy()
    counts = np.bincount(week[week < weeks], minlength=weeks).astype(np.float64)
    fit = stats.linregress(np.arange(weeks), counts)
    half = stats.t.ppf(0.975, weeks - 2) * fit.stderr
    mean = counts.mean()
    return fit.slope / mean, (fit.slope - half) / mean, (fit.slope + half) / mean


def estimate(
    frame: pd.DataFrame,
    timezone: str | None = None,
    kind_map: Mapping[str, str] | None = None,
    kind: str | None = None,
    source: str = "",
    topic_map: Mapping[str, str] | None = None,
) -> LogFit:
    """The fit of a log's rows (see the module's docstring)."""
    topic_map = _checked_topic_map(topic_map or {}, "topic" in frame.columns)
    local = local_times(frame["created_at"], timezone)
    missing = local.isna()
    if missing.all():
        raise ConfigError("created_at: every row is empty; one time per inbound post")
    kinds = _kinds(frame, kind_map or {}, kind)
    keep = ~missing & (kinds != IGNORE)
    dropped = int((~keep).sum())
    frame, local, kinds = frame[keep], local[keep], kinds[keep]
    if frame.empty:
        raise ConfigError("kind_map: every row is ignored; nothing is left to estimate")
    dates = local.dt.tz_localize(None).dt.normalize()
    days = int((dates.max() - dates.min()).days) + 1
    if days < MIN_DAYS:
        raise ConfigError(
            f"created_at: the log covers {days} day(s); at least {MIN_DAYS} are needed to "
            "estimate the weekday rhythm and the volume of an average day"
        )
    tagged = (
        frame["tagged"].astype("string").str.strip().str.lower().isin(["true", "1", "yes"])
        if "tagged" in frame.columns
        else pd.Series(True, index=frame.index)
    )
    inbound, errors = {}, {}
    for name in INBOUND_KINDS:
        count = int(((kinds == name) & tagged).sum())
        if count or (kinds == name).any():
            inbound[name] = round(count / days, 4)
            errors[name] = math.sqrt(count) / days  # a Poisson count over the days
    days_of = _weekday_counts(dates)
    weekly, hourly = _rhythm(local[tagged], days_of)
    handle = {}
    if "handle_minutes" in frame.columns:
        minutes = pd.to_numeric(frame["handle_minutes"], errors="coerce")
        bad = frame["handle_minutes"].notna() & (minutes.isna() | (minutes < 0))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise ConfigError(
                f"handle_minutes: row {row + 1} ('{frame['handle_minutes'].iloc[row]}') is not "
                "a number of minutes >= 0"
            )
        for name in INBOUND_KINDS:
            values = minutes[kinds == name].dropna()
            if len(values):
                handle[name] = round(float(values.mean()), 2)
    addressed = None
    if "tagged" in frame.columns:
        can_mention = kinds.isin(["complaint", "praise"])
        if can_mention.any():
            addressed = round(float(tagged[can_mention].mean()), 4)
    wait = _waits(frame[tagged], local[tagged], timezone)
    service, service_se = _service(wait)
    observed = np.zeros((7, 24))
    np.add.at(observed, (local[tagged].dt.dayofweek, local[tagged].dt.hour), 1)
    per_day = sum(inbound.values())
    fitted = per_day * np.outer(np.asarray(weekly) * days_of, np.asarray(hourly))
    monthly = _monthly(local[tagged], dates[tagged]) if days >= YEARLY_DAYS else None
    not_estimated = [] if monthly else ["yearly seasonality (needs two years of log)"]
    topic_share, topic_se = {}, {}
    if "topic" in frame.columns:
        topics = _topics(frame["topic"], topic_map)
        counts = topics[(kinds == "complaint") & topics.notna()].value_counts()
        total = int(counts.sum())
        if total:
            for name in TOPICS:
                share = int(counts.get(name, 0)) / total
                topic_share[name] = round(share, 4)
                topic_se[name] = math.sqrt(share * (1 - share) / total)  # a binomial share
        else:
            not_estimated.append("topic shares (no complaint in the log has a topic)")
    if days // 7 < TREND_WEEKS:
        not_estimated.append(f"a weekly trend (needs {TREND_WEEKS} whole weeks)")
    return LogFit(
        source=source,
        rows=len(frame) + dropped,
        dropped=dropped,
        first=local.min(),
        last=local.max(),
        days=days,
        timezone=timezone or str(local.dt.tz),
        inbound_per_day=inbound,
        inbound_se=errors,
        weekly=weekly,
        hourly=hourly,
        handle_minutes=handle,
        addressed_share=addressed,
        service=service,
        service_se=service_se,
        trend_per_week=_trend(local[tagged], days),
        monthly=monthly,
        not_estimated=not_estimated,
        observed=observed,
        fitted=fitted,
        by_hour_of_week=_by_hour_of_week(local[tagged], wait),
        topic_share=topic_share,
        topic_se=topic_se,
    )
