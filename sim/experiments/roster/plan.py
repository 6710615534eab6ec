"""The cheapest weekly shifts that meet service targets (issue 24, steps 1 and 2).

1. Demand by hour of the week: the scenario's expected tagged posts of the
   kinds its strategy answers (sim.engine.volume), shaped by `demand.weekly`
   and `demand.hourly`; the work is posts x handling time / (1 - shrinkage).
2. A rule per target, by its window:
   - **queue** (a window of an hour or less): posts that must be answered in
     minutes wait in a queue; the staff each hour needs is the fewest agents of
     an M/M/c+M queue (Erlang A, with the scenario's patience) answering the
     target's share within the window (sim.experiments.roster.erlang);
   - **throughput** (a window of more than an hour): posts that may wait hours
     are a backlog, not a queue (planning guides for email and tickets staff them
     this way); the capacity rostered from each hour to that hour plus the window
     must clear the work that arrived from any earlier hour on, backlog carried
     over: for every stretch [a, h] of the week, work arriving in [a, h] <= staff
     hours in [a, h + window] (the fluid condition; exact for work done first in,
     first out).
3. The cheapest set of shifts (start hour, length, weekday) covering both, as an
   integer program (`scipy.optimize.milp`, HiGHS): the throughput rows are written
   with cumulative staff hours, two entries a row.

`answered_within_Nh[@KIND]` targets plan as they read; `first_response_pNN_h[@KIND]`
(or the median) at most T plans as answered within T for NN % (50 %)
(stricter: a post never answered counts against it). The simulation check (step 3 of the issue) runs
the plan through the engine.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from sim.config import ConfigError
from sim.config.schema import WEEKDAY_NAMES, Config
from sim.experiments import post_outcomes
from sim.experiments.roster.erlang import servers_needed
from sim.experiments.staffing import AT_LEAST, AT_MOST, Target

HOURS = 168
QUEUE, THROUGHPUT = "queue", "throughput"
QUEUE_WINDOW_H = 1.0  # at most an hour: a queue; longer: a backlog
# a backlog only when authors wait: mean patience at least ten windows (under a tenth give
# up within the window); else those left waiting are lost, which only a queue model sees
PATIENT_FACTOR = 10.0


@dataclass
class Demand:
    """Posts an hour (168 values, Monday 00:00 first) and handling hours a post, by kind."""

    posts: dict[str, np.ndarray]
    handle_hours: dict[str, float]
    patience_hours: float
    per_day: dict[str, float] = field(default_factory=dict)  # every inbound kind's volume
    strategy: str = ""
    peak: float | None = None  # the largest seasonal multiplier (events.seasons), if any
    peak_days: list[tuple[float, float]] = field(default_factory=list)  # (start_day, days)
    # the scenario's own hub: agents on shift in each hour of the week
    current: np.ndarray = field(default_factory=lambda: np.zeros(HOURS))
    current_weekly_cost: float = 0.0
    # the scenario's own temps (team.hub.temps entries): kept beside any planned for a peak
    temps: list[dict] = field(default_factory=list)

    def total(self) -> np.ndarray:
        return np.sum(list(self.posts.values()), axis=0)

    def work(self) -> np.ndarray:
        """Staff hours of work arriving in each hour of the week."""
        return np.sum([p * self.handle_hours[k] for k, p in self.posts.items()], axis=0)


def demand_of(config: Config, seed: int = 0) -> Demand:
    """The scenario's expected demand on the hub, by hour of the week (see the module)."""
    from sim.engine.model import HubspokeModel
    from sim.engine.volume import RATE_KEY, tagged_per_unit_rate

    model = HubspokeModel(config, seed)
    posts_cfg = model.post_config
    per_unit = tagged_per_unit_rate(posts_cfg, model.population, model.scale, model.defects.level)
    weekly = np.asarray(config.demand.weekly, dtype=np.float64)
    weekly = weekly / weekly.mean()
    hourly = np.asarray(config.demand.hourly, dtype=np.float64)
    hourly = hourly / hourly.sum()
    shape = np.outer(weekly, hourly).ravel()  # a day's posts -> posts in each hour of the week
    answered = [k for k in config.strategy.answers if k in RATE_KEY]
    per_day = {k: per_unit[k] * getattr(posts_cfg, RATE_KEY[k]) for k in RATE_KEY}
    stretch = 1.0 / (1.0 - config.team.hub.shrinkage)
    handle = {k: posts_cfg.handle_minutes[k] / 60.0 * stretch for k in answered}
    return Demand(
        {k: per_day[k] * shape for k in answered},
        handle,
        posts_cfg.patience_hours,
        per_day,
        config.strategy.name,
        max((p.multiplier for p in config.events.seasons), default=None),
        [(p.start_day, p.days) for p in config.events.seasons if p.days > 0],
        *current_hub(config),
        [_temps_entry(t) for t in config.team.hub.temps],
    )


def _temps_entry(temps) -> dict:
    """A scenario's team.hub.temps entry as the plan writes its own."""
    shift = temps.shift
    return {
        "start_day": temps.start_day,
        "days": temps.days,
        "staff": temps.staff,
        "shift": None
        if shift is None
        else {"start_hour": shift.start_hour, "hours": shift.hours, "days": list(shift.days)},
    }


def current_hub(config: Config) -> tuple[np.ndarray, float]:
    """The scenario's own hub: agents on shift in each hour of a week (Monday 00:00
    first) and their pay for the week, premiums included, from the run's second week
    (a whole week of any rotation)."""
    from sim.engine.team import hub_shifts

    staffed, pay = np.zeros(HOURS), 0.0
    if not config.strategy.answers:  # a strategy that answers nothing staffs no hub
        return staffed, pay
    hub = config.team.hub
    for shift in hub_shifts(hub):
        for t in range(HOURS):
            staffed[t] += shift.on_shift_hours(HOURS + t, HOURS + t + 1)
        for day in range(7, 14):
            night, weekend = shift.premium_hours(day)
            pay += shift.hours_in(day) + hub.night_premium * night + hub.weekend_premium * weekend
    return staffed, pay * hub.wage_per_hour


@dataclass(frozen=True)
class Rule:
    target: Target
    rule: str  # QUEUE or THROUGHPUT
    window_h: float
    share: float
    kind: str | None
    why: str
    period: str | None = None


def rule_for(target: Target, patience_hours: float = 0.0) -> Rule:
    """Which rule plans a target, and why (`patience_hours`: the authors' mean patience,
    0 when nobody gives up)."""
    metric = target.metric
    outcome = post_outcomes.parse(metric) if _plannable(metric) else None
    if outcome is None:
        raise ConfigError(
            f"targets.{metric}: the roster planner plans answered_within_Nh[@KIND] and "
            "first_response_pNN_h[@KIND] (any N and NN; first_response_median_h is p50); "
            "for another, answered_within_Th@KIND.at_least=Q"
        )
    if outcome.quantile is None:
        if target.direction != AT_LEAST:
            raise ConfigError(
                f"targets.{metric}: a share answered is planned as at_least; "
                f"targets.{metric}.at_least={target.value:g}"
            )
        window, share = outcome.hours, target.value
    else:  # the quantile's hours at most T: that share answered within T
        if target.direction != AT_MOST:
            raise ConfigError(
                f"targets.{metric}: a response time is planned as at_most; "
                f"targets.{metric}.at_most={target.value:g}"
            )
        if not target.value > 0:
            raise ConfigError(f"targets.{metric}={target.value:g}: must be more than 0 hours")
        window, share = target.value, outcome.quantile
    kind, period = outcome.kind, outcome.period
    if not 0 < share <= 1:
        raise ConfigError(f"targets.{metric}={target.value:g}: a share must be in (0, 1]")
    if window <= QUEUE_WINDOW_H:
        why = (
            f"a window of {window:g} h is short against an hour: posts wait in a queue, "
            "so each hour needs the agents of an Erlang A queue"
        )
        return Rule(target, QUEUE, window, share, kind, why, period)
    if 0 < patience_hours < PATIENT_FACTOR * window:
        why = (
            f"a window of {window:g} h, but authors give up after {patience_hours:g} h on "
            "average (posts.patience_hours): a post left waiting for hours is lost, so "
            "posts wait in a queue with abandonment (Erlang A) even over this window"
        )
        return Rule(target, QUEUE, window, share, kind, why, period)
    why = (
        f"a window of {window:g} h spans hours and authors wait (posts.patience_hours "
        f"{patience_hours:g}): posts that can wait are a backlog, so the staff hours over "
        "any stretch plus the window must clear its work"
    )
    return Rule(target, THROUGHPUT, window, share, kind, why, period)


def _plannable(metric: str) -> bool:
    """Shares answered in time and response-time quantiles; a share never answered has
    no window to plan for (hubspoke staff takes it as a target)."""
    if metric in post_outcomes.SUMMARY_QUANTILES:
        return True
    return post_outcomes.is_post_outcome(metric) and not post_outcomes.parse(metric).unanswered


def _check_reachable(rule: Rule, demand: Demand) -> None:
    """A target over posts the strategy never answers cannot be planned for."""
    metric, answered = rule.target.metric, set(demand.posts)
    if rule.kind is not None:
        if rule.kind not in answered:
            raise ConfigError(
                f"targets.{metric}: strategy {demand.strategy} does not answer "
                f"{rule.kind} posts; no roster answers them"
            )
        return
    if post_outcomes.parse(metric).quantile is not None:  # of the answered posts: any share
        return
    total = sum(demand.per_day.values())
    reachable = sum(v for k, v in demand.per_day.items() if k in answered) / total
    if total > 0 and rule.share > reachable:
        left = ", ".join(
            f"{k} ({v:,.0f} a day)" for k, v in demand.per_day.items() if k not in answered
        )
        raise ConfigError(
            f"targets.{metric}={rule.share:g}: at most {reachable:.0%} of inbound posts can "
            f"be answered: strategy {demand.strategy} does not answer {left}; name a kind "
            f"(answered_within_Nh@KIND) or lower the share"
        )


@dataclass
class ShiftOptions:
    lengths: Sequence[float] = (8.0,)
    starts: Sequence[int] = tuple(range(24))
    min_staff: int = 0
    wage_per_hour: float = 40.0
    night_premium: float = 0.0
    weekend_premium: float = 0.0


@dataclass
class Candidate:
    weekday: int
    start_hour: int
    hours: float
    cover: np.ndarray  # 168: the share of each hour of the week on shift (0-1)
    cost: float  # a week's pay for one person on it


def _overlap(start: float, end: float, lo: float, hi: float) -> float:
    return max(0.0, min(end, hi) - max(start, lo))


def candidates(options: ShiftOptions) -> list[Candidate]:
    """Every allowed shift, once a week, with its coverage and a week's pay.

    One occurrence of a shift is [weekday x 24 + start, + hours); hours past Sunday
    midnight wrap to Monday (the week repeats). Night is 22:00-06:00, the weekend
    Saturday and Sunday, as in the engine's pay (sim.engine.team.HubStaff.wages).
    """
    out = []
    for weekday in range(7):
        for start in options.starts:
            for hours in options.lengths:
                t0 = weekday * 24 + float(start)
                t1 = t0 + float(hours)
                cover = np.zeros(HOURS)
                for slot in range(math.floor(t0), math.ceil(t1)):
                    cover[slot % HOURS] += _overlap(t0, t1, slot, slot + 1)
                night = weekend = 0.0
                for day in range(weekday, weekday + 3):  # a shift spans at most two days
                    lo = day * 24
                    night += _overlap(t0, t1, lo, lo + 6) + _overlap(t0, t1, lo + 22, lo + 24)
                    if day % 7 >= 5:
                        weekend += _overlap(t0, t1, lo, lo + 24)
                pay = (
                    float(hours) + options.night_premium * night + options.weekend_premium * weekend
                )
                out.append(
                    Candidate(weekday, int(start), float(hours), cover, pay * options.wage_per_hour)
                )
    return out


@dataclass
class RosterPlan:
    """The planned week: shifts, staff by hour, what each target required, the cost; with
    `.peak` targets, the temporary staff hired for the peak's weeks on top."""

    shifts: list[dict]  # {weekday, start_hour, hours, staff}
    staffed_by_hour_of_week: np.ndarray
    requirement_by_hour_of_week: np.ndarray  # the queue rules' agents (0 without one)
    rules: list[Rule]
    weekly_cost: float
    work_by_hour_of_week: np.ndarray = field(default_factory=lambda: np.zeros(HOURS))
    temps: list[dict] = field(default_factory=list)  # shifts of the peak's temps
    temps_weekly_cost: float = 0.0  # their pay in a week of the peak
    peak_days: list[tuple[float, float]] = field(default_factory=list)  # (start_day, days)
    # no target outside the peak: off-peak the scenario's own hub stays as it is
    keeps_current: bool = False
    peak_requirement_by_hour_of_week: np.ndarray | None = None
    peak_staffed_by_hour_of_week: np.ndarray | None = None
    scenario_temps: list[dict] = field(default_factory=list)  # Demand.temps

    def roster(self) -> list[dict]:
        """The shifts as team.hub.roster entries (same start and length grouped by staff)."""
        return grouped_shifts(self.shifts)

    def temps_config(self) -> list[dict]:
        """The temps as team.hub.temps entries: the scenario's own, then each planned temp
        shift for each peak window (none planned: none, the scenario's own stay as they are)."""
        if not self.temps:
            return []
        return [*self.scenario_temps] + [
            {
                "start_day": start,
                "days": days,
                "staff": shift.pop("staff"),
                "shift": shift,
            }
            for start, days in self.peak_days
            for shift in grouped_shifts(self.temps)
        ]


def grouped_shifts(shifts: Sequence[Mapping]) -> list[dict]:
    """Shifts of one weekday each as roster entries: the same start, length and staff
    on several days grouped."""
    grouped: dict[tuple, list[str]] = {}
    for s in shifts:
        key = (s["start_hour"], s["hours"], s["staff"])
        grouped.setdefault(key, []).append(WEEKDAY_NAMES[s["weekday"]])
    return [
        {"start_hour": start, "hours": hours, "days": days, "staff": staff}
        for (start, hours, staff), days in sorted(grouped.items())
    ]


def plan(
    demand: Demand,
    targets: Sequence[Target],
    options: ShiftOptions,
    extra: np.ndarray | None = None,
    extra_peak: np.ndarray | None = None,
) -> RosterPlan:
    """The cheapest shifts meeting every target (see the module); `extra` agents on top
    of the queue rules' in each hour of the week (the simulation check adds them).

    Targets ending in `.peak` are met by temporary staff during the scenario's seasonal
    peaks (events.seasons), planned at the largest peak's volume on top of the roster
    for the other targets (or, with none, of the scenario's own hub), with their own
    cheapest shifts (`extra_peak`: agents the check adds to them).
    """
    if not targets:
        raise ConfigError(
            "targets: none given; e.g. targets.answered_within_1h@complaint.at_least=0.8"
        )
    rules = [rule_for(t, demand.patience_hours) for t in targets]
    for rule in rules:
        _check_reachable(rule, demand)
    peak_rules = [r for r in rules if r.period == "peak"]
    if not peak_rules:
        return _plan_week(demand, rules, options, extra)
    if demand.peak is None or not demand.peak_days:
        raise ConfigError(
            f"targets.{peak_rules[0].target.metric}: the scenario has no seasonal peak "
            "(events.seasons); drop .peak or add one"
        )
    others = [r for r in rules if r.period != "peak"]
    if others:
        base = _plan_week(demand, others, options, extra)
    else:
        base = RosterPlan(
            [], demand.current, np.zeros(HOURS), [], demand.current_weekly_cost,
            demand.work(), keeps_current=True,
        )  # fmt: skip
    temps = _plan_week(
        demand,
        peak_rules,
        replace(options, min_staff=0),
        extra_peak,
        scale=demand.peak,
        fixed=base.staffed_by_hour_of_week,
    )
    base.rules = rules
    base.temps, base.temps_weekly_cost = temps.shifts, temps.weekly_cost
    base.scenario_temps = list(demand.temps)
    base.peak_days = list(demand.peak_days)
    base.peak_requirement_by_hour_of_week = temps.requirement_by_hour_of_week
    base.peak_staffed_by_hour_of_week = base.staffed_by_hour_of_week + temps.staffed_by_hour_of_week
    return base


def _plan_week(
    demand: Demand,
    rules: Sequence[Rule],
    options: ShiftOptions,
    extra: np.ndarray | None = None,
    scale: float = 1.0,
    fixed: np.ndarray | None = None,
) -> RosterPlan:
    """The cheapest week of shifts for `rules` at `scale` times the demand, on top of
    `fixed` agents already on shift in each hour."""
    arrivals = demand.total() * scale
    work = demand.work() * scale
    handle = np.divide(work, arrivals, out=np.zeros(HOURS), where=arrivals > 0)
    requirement = np.full(HOURS, float(options.min_staff))
    for rule in rules:
        if rule.rule != QUEUE:
            continue
        for t in range(HOURS):
            needed = servers_needed(
                float(arrivals[t]),
                float(handle[t]),
                demand.patience_hours,
                rule.window_h,
                rule.share,
            )
            if needed is None:
                day, hour = divmod(t, 24)
                raise ConfigError(
                    f"targets.{rule.target.metric}: {WEEKDAY_NAMES[day]} {hour:02d}:00 cannot "
                    "be covered: no number of agents answers that share in time"
                )
            requirement[t] = max(requirement[t], needed)
    if extra is not None:
        requirement = requirement + extra
    shifts = candidates(options)
    throughput = [r for r in rules if r.rule == THROUGHPUT]
    # whole hours, rounded down: a post early in its hour has its full window only
    window = math.floor(min(r.window_h for r in throughput)) if throughput else None
    staff = cheapest(shifts, requirement, work if throughput else None, window, fixed)
    cover = np.array([c.cover for c in shifts]).T
    chosen = [
        {"weekday": c.weekday, "start_hour": c.start_hour, "hours": c.hours, "staff": int(k)}
        for c, k in zip(shifts, staff, strict=True)
        if k > 0
    ]
    return RosterPlan(
        shifts=chosen,
        staffed_by_hour_of_week=cover @ staff,
        requirement_by_hour_of_week=requirement,
        rules=list(rules),
        weekly_cost=float(sum(c.cost * k for c, k in zip(shifts, staff, strict=True))),
        work_by_hour_of_week=work,
    )


def cheapest(
    shifts: Sequence[Candidate],
    requirement: np.ndarray,
    work: np.ndarray | None = None,
    window: int | None = None,
    fixed: np.ndarray | None = None,
) -> np.ndarray:
    """People on each shift: the cheapest integers with staff >= `requirement` every hour
    and, with `work` and `window`, the week's backlog cleared within the window; `fixed`
    agents already on shift in each hour count towards both."""
    n = len(shifts)
    cover = np.array([c.cover for c in shifts]).T  # 168 x n
    arriving = work  # the work whose deadline is ahead bounds the backlog
    if fixed is not None:
        requirement = requirement - fixed
        work = None if work is None else work - fixed
    uncovered = np.flatnonzero((requirement > 0) & (cover.sum(axis=1) == 0))
    if len(uncovered):
        hours = ", ".join(f"{WEEKDAY_NAMES[t // 24]} {t % 24:02d}:00" for t in uncovered[:4]) + (
            f" and {len(uncovered) - 4} more" if len(uncovered) > 4 else ""
        )
        raise ConfigError(
            f"targets: {len(uncovered)} hour(s) need agents that no allowed shift covers "
            f"({hours}); allow shifts that start or run then (starts=, lengths=)"
        )
    extra = HOURS if work is not None else 0
    size = n + extra
    blocks = [
        LinearConstraint(
            sp.hstack([sp.csr_matrix(cover), sp.csr_matrix((HOURS, extra))]).tocsr(),
            lb=requirement,
            ub=np.inf,
        )
    ]
    upper = np.full(size, np.inf)
    if work is not None:
        # the backlog B_t (staff hours left after hour t), the week repeating:
        # B_t >= B_{t-1} + work_t - staffed_t and B_t >= 0 (the least such B is the
        # fluid backlog), and at most the work whose deadline is still ahead, first in
        # first out: what arrived in hours t - window + 2 .. t
        rows, cols, vals = [], [], []
        for t in range(HOURS):
            rows += [t] * (n + 2)
            cols += [n + t, n + (t - 1) % HOURS, *range(n)]
            vals += [1.0, -1.0, *cover[t]]
        blocks.append(
            LinearConstraint(
                sp.csr_matrix((vals, (rows, cols)), shape=(HOURS, size)), lb=work, ub=np.inf
            )
        )
        ahead = np.concatenate([arriving, arriving])
        upper[n:] = [
            ahead[t + HOURS - window + 2 : t + HOURS + 1].sum() if window >= 2 else 0.0
            for t in range(HOURS)
        ]
    result = milp(
        np.concatenate([[c.cost for c in shifts], np.zeros(extra)]),
        constraints=blocks,
        integrality=np.concatenate([np.ones(n), np.zeros(extra)]),
        bounds=Bounds(np.zeros(size), upper),
    )
    if not result.success:
        raise ConfigError(
            f"targets: no roster of the allowed shifts meets them ({result.message}); allow "
            "more shift starts or lengths, or relax a target"
        )
    return np.round(result.x[:n]).astype(int)


def fluid_backlog(work: np.ndarray, staffed: np.ndarray, weeks: int = 3) -> np.ndarray:
    """Hour by hour, the backlog of work left (staff hours), first in first out, from an
    empty start over `weeks` repeats of the week; the last week's values."""
    backlog = 0.0
    out = np.zeros(HOURS)
    for _ in range(weeks):
        for t in range(HOURS):
            backlog = max(0.0, backlog + work[t] - staffed[t])
            out[t] = backlog
    return out


REST_HOURS = 11.0  # daily rest between shifts (EU Working Time Directive 2003/88/EC, art. 3)


PEOPLE_TIME_LIMIT_S = 20.0  # the head-count program's time limit; then the best found


@dataclass
class Assignment:
    """The planned shifts given to people, and how good the head count is known to be."""

    people: list[list[dict]]
    lower_bound: int  # the staff hours over the weekly hours, rounded up
    fewest: bool  # proved the fewest people who can work these shifts


def assign_people(
    shifts: Sequence[Mapping], max_weekly_hours: float, rest_hours: float = REST_HOURS
) -> Assignment:
    """The planned shifts given to the fewest people: each works at most
    `max_weekly_hours` a week, never two shifts at once, with `rest_hours` between shifts
    (the week repeating).

    First fit in order of the week gives a start; unless it already meets the lower
    bound (the staff hours over the weekly hours), an integer program (HiGHS) finds the
    fewest people: a person per first-fit worker, each shift to exactly one, no one
    over the hours, no one on two shifts that clash (overlap or too little rest).
    Within `PEOPLE_TIME_LIMIT_S` it is proved optimal or the best found is kept.
    """
    instances = sorted(
        (s["weekday"] * 24 + s["start_hour"], float(s["hours"]), i)
        for i, s in enumerate(shifts)
        for _ in range(s["staff"])
    )
    total = sum(h for _, h, _ in instances)
    bound = math.ceil(total / max_weekly_hours - 1e-9) if instances else 0
    if any(h > max_weekly_hours + 1e-9 for _, h, _ in instances):
        raise ConfigError(
            f"max_weekly_hours={max_weekly_hours:g}: shorter than a planned shift; "
            "allow more hours a week or shorter shifts (lengths=)"
        )

    def clash(a: tuple[float, float, int], b: tuple[float, float, int]) -> bool:
        (start, hours, _), (other, length, _) = a, b
        # the gap between the two, both ways round the repeating week
        after = (start - (other + length)) % HOURS
        before = (other - (start + hours)) % HOURS
        overlap = (start - other) % HOURS < length or (other - start) % HOURS < hours
        return overlap or min(after, before) < rest_hours

    first_fit: list[list[int]] = []
    for i, instance in enumerate(instances):
        for worked in first_fit:
            hours = sum(instances[j][1] for j in worked)
            if hours + instance[1] <= max_weekly_hours + 1e-9 and not any(
                clash(instance, instances[j]) for j in worked
            ):
                worked.append(i)
                break
        else:
            first_fit.append([i])
    people, fewest = first_fit, len(first_fit) <= bound
    if not fewest:
        people, fewest = _fewest_people(instances, first_fit, max_weekly_hours, clash)

    def shift_of(i: int) -> dict:
        _, hours, source = instances[i]
        return {
            "weekday": shifts[source]["weekday"],
            "start_hour": shifts[source]["start_hour"],
            "hours": hours,
        }

    ordered = sorted((sorted(w) for w in people if w), key=lambda w: w[0])
    return Assignment([[shift_of(i) for i in w] for w in ordered], bound, fewest)


def _fewest_people(instances, first_fit, max_weekly_hours, clash):
    """The head-count program of `assign_people`: x[i, p] (shift i to person p), y[p]."""
    n, m = len(instances), len(first_fit)
    x = lambda i, p: i * m + p  # noqa: E731
    y = lambda p: n * m + p  # noqa: E731
    size = n * m + m
    rows, cols, vals, lower, upper = [], [], [], [], []

    def row(entries: list[tuple[int, float]], lo: float, hi: float) -> None:
        r = len(lower)
        for col, val in entries:
            rows.append(r)
            cols.append(col)
            vals.append(val)
        lower.append(lo)
        upper.append(hi)

    for i in range(n):  # every shift to exactly one person
        row([(x(i, p), 1.0) for p in range(m)], 1.0, 1.0)
    for p in range(m):  # the weekly hours, only for a person who works
        hours = [(x(i, p), instances[i][1]) for i in range(n)]
        row([*hours, (y(p), -max_weekly_hours)], -np.inf, 0.0)
        if p + 1 < m:  # people in order: the same team is not found m! times
            row([(y(p), 1.0), (y(p + 1), -1.0)], 0.0, np.inf)
    for i in range(n):
        for j in range(i + 1, n):
            if clash(instances[i], instances[j]):
                for p in range(m):
                    row([(x(i, p), 1.0), (x(j, p), 1.0)], -np.inf, 1.0)
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(len(lower), size))
    cost = np.zeros(size)
    cost[n * m :] = 1.0
    result = milp(
        cost,
        constraints=LinearConstraint(matrix, lower, upper),
        integrality=np.ones(size),
        bounds=Bounds(0, 1),
        options={"time_limit": PEOPLE_TIME_LIMIT_S},
    )
    if result.x is None:  # nothing better within the time limit
        return first_fit, False
    chosen = np.round(result.x[: n * m]).reshape(n, m)
    people = [list(np.flatnonzero(chosen[:, p])) for p in range(m)]
    found = [w for w in people if w]
    if len(found) >= len(first_fit):
        return first_fit, result.status == 0
    return [[int(i) for i in w] for w in found], result.status == 0
