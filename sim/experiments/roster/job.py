"""`hubspoke roster`: plan the cheapest shifts, check them by simulation, write the report.

The plan (sim.experiments.roster.plan) is run through the engine as
`team.hub.roster`, `replications` times over common random numbers. Each
target's 95 % interval over the replications decides whether it is met (the
whole interval on the right side, as `hubspoke staff` decides). Where one is
missed, the hours of the week whose posts were answered in time least often
get one more agent and the plan is made and checked again, up to
`max_rounds` times; the report says how many rounds it took.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import ConfigError, arguments, load_config
from sim.engine.clock import WEEKDAYS
from sim.experiments.post_outcomes import by_hour_of_week, is_post_outcome
from sim.experiments.roster.plan import (
    HOURS,
    REST_HOURS,
    RosterPlan,
    ShiftOptions,
    assign_people,
    demand_of,
    grouped_shifts,
    plan,
)
from sim.experiments.staffing import Target, read_targets
from sim.report.io import atomic_write, check_report_folder, write_json
from sim.report.plots import plot_roster
from sim.report.stats import mean_ci, paired_ci


def _shift_text(shift: Mapping[str, Any]) -> str:
    return (
        f"start_hour: {shift['start_hour']}, hours: {shift['hours']:g}, "
        f"days: [{', '.join(shift['days'])}]"
    )


def roster_override(roster: Sequence[Mapping[str, Any]]) -> str:
    """team.hub.roster as one Hydra override."""
    shifts = ", ".join(f"{{{_shift_text(s)}, staff: {s['staff']}}}" for s in roster)
    return f"team.hub.roster=[{shifts}]"


def temps_override(temps: Sequence[Mapping[str, Any]]) -> str:
    """team.hub.temps (entries of RosterPlan.temps_config) as one Hydra override."""
    entries = ", ".join(
        f"{{start_day: {t['start_day']:g}, days: {t['days']:g}, staff: {t['staff']}"
        + (f", shift: {{{_shift_text(t['shift'])}}}}}" if t.get("shift") else "}")
        for t in temps
    )
    return f"team.hub.temps=[{entries}]"


def plan_settings(
    roster: Sequence[Mapping[str, Any]] | None, temps: Sequence[Mapping[str, Any]] = ()
) -> tuple[str, ...]:
    """The overrides that put a roster (None: the scenario's own hub) and temps in place."""
    return (
        *((roster_override(roster),) if roster is not None else ()),
        *((temps_override(temps),) if temps else ()),
    )


def settings_of(planned: RosterPlan) -> tuple[str, ...]:
    """The plan's overrides: its roster (unless it keeps the scenario's hub) and temps."""
    return plan_settings(
        None if planned.keeps_current else planned.roster(), planned.temps_config()
    )


@dataclass
class Check:
    target: Target
    mean: float
    low: float
    high: float

    @property
    def ok(self) -> bool:
        return self.target.met(self.low, self.high)

    def to_json(self) -> dict[str, Any]:
        return {
            "mean": self.mean,
            "ci_low": self.low,
            "ci_high": self.high,
            "target": {self.target.direction: self.target.value},
            "ok": self.ok,
        }


def _numbers(values: np.ndarray | None) -> list[float] | None:
    return None if values is None else [float(v) for v in values]


@dataclass
class RosterResult:
    scenario: str
    plan: RosterPlan
    checks: list[Check]
    rounds: int
    currency: str
    replications: int
    service_share: np.ndarray = field(default_factory=lambda: np.full((7, 24), np.nan))
    window_h: float = 1.0
    kind: str | None = None
    ladder: list = field(default_factory=list)  # Rung: the value of other rosters
    chosen: str | None = None  # objective=value: the ladder's roster chosen
    chosen_shifts: list | None = None  # its shifts (None: the scenario's own hub)
    people: list = field(default_factory=list)  # the shifts given to people (assign_people)
    people_bound: int = 0  # the staff hours over the weekly hours, rounded up
    people_fewest: bool = False  # the head count proved the fewest
    max_weekly_hours: float = 40.0

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        p = self.plan
        current = self.ladder[0] if self.ladder else None  # the scenario's own hub
        return {
            "scenario": self.scenario,
            "shifts": [] if p.keeps_current else p.roster(),
            "staffed_by_hour_of_week": [float(v) for v in p.staffed_by_hour_of_week],
            "requirement_by_hour_of_week": [float(v) for v in p.requirement_by_hour_of_week],
            "rule_by_target": {r.target.metric: {"rule": r.rule, "why": r.why} for r in p.rules},
            "check": {c.target.metric: c.to_json() for c in self.checks},
            "weekly_cost": p.weekly_cost,
            # .peak targets: temps for the peak, on top; without other targets the
            # scenario's own hub stays as it is off-peak (shifts are then empty)
            "keeps_current_hub": p.keeps_current,
            "temps": p.temps_config(),
            "temps_weekly_cost": p.temps_weekly_cost,
            "peak_days": [list(window) for window in p.peak_days],
            "staffed_by_hour_of_week_peak": _numbers(p.peak_staffed_by_hour_of_week),
            "requirement_by_hour_of_week_peak": _numbers(p.peak_requirement_by_hour_of_week),
            "head_count": len(self.people),
            "head_count_lower_bound": self.people_bound,
            "head_count_is_fewest": self.people_fewest,
            "people": [
                {"person": i + 1, "hours": sum(s["hours"] for s in w), "shifts": w}
                for i, w in enumerate(self.people)
            ],
            "currency": self.currency,
            "rounds": self.rounds,
            "replications": self.replications,
            "value": [
                {
                    "roster": rung.name,
                    "means": rung.means,
                    "against_current": {
                        m: dict(
                            zip(
                                ("mean", "ci_low", "ci_high"), rung.against(current, m), strict=True
                            )
                        )
                        for m in rung.values
                    },
                }
                for rung in self.ladder
            ],
            "night": night_sentence(self.ladder, self.currency, p.keeps_current)
            if self.ladder
            else None,
            "chosen_by_value": {"roster": self.chosen, "shifts": self.chosen_shifts}
            if self.chosen
            else None,
        }


def check_plan(
    scenario: str,
    overrides: Sequence[str],
    planned: Sequence[str],
    targets: Sequence[Target],
    replications: int,
    seed: int,
    execution: Mapping[str, Any],
) -> list[Check]:
    """Each target's mean and 95 % interval over the replications of the plan (`planned`:
    its overrides, `settings_of`)."""
    from sim.experiments.runs import RunSpec, execute

    settings = (*overrides, *planned)
    specs = [RunSpec(scenario, seed + k, settings, replication=k) for k in range(replications)]
    # shares answered in time come from each run's post log; response quantiles from its summary
    metrics = [t.metric for t in targets if is_post_outcome(t.metric)]
    rows: list[dict] = [{}] * len(specs)
    for index, record in execute(specs, post_outcomes=metrics, **execution):
        if record.row.get("status") == "failed":
            raise ConfigError(f"a check run failed: {record.row.get('error', 'unknown error')}")
        rows[index] = record.row
    checks = []
    for target in targets:
        values = np.array([float(r.get(target.metric, math.nan)) for r in rows])
        checks.append(Check(target, *mean_ci(values)[:3]))
    return checks


# ------------------------------------------------------------------ value ladder
ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
NIGHT = {"start_hour": 23, "hours": 8.0, "days": ALL_DAYS, "staff": 1}
LADDER_METRICS = (
    "wages_hub_week",
    "wages_total",
    "wages_discounted",
    "churn_rate",
    "relationship_value_horizon",
)


def ladder(planned: RosterPlan) -> dict[str, tuple[list[dict] | None, tuple[str, ...]]]:
    """The rosters compared, each as (its shifts, its overrides): the scenario's own hub
    (None), office hours, one agent around the clock, the plan (with its temps for the
    peak), and, unless someone is on shift 23:00-07:00 every night or the plan keeps the
    scenario's own hub off-peak, the plan with a night shift."""
    week = planned.staffed_by_hour_of_week.reshape(7, 24)
    has_night = bool((week[:, [23, 0, 1, 2, 3, 4, 5, 6]] > 0).all())
    office = [{"start_hour": 9, "hours": 8.0, "days": ALL_DAYS[:5], "staff": 1}]
    around = [{"start_hour": h, "hours": 8.0, "days": ALL_DAYS, "staff": 1} for h in (7, 15, 23)]
    temps = planned.temps_config()
    shifts = None if planned.keeps_current else planned.roster()
    rungs = {
        "current": (None, ()),
        "office hours (Mon-Fri 09-17, one agent)": (office, plan_settings(office)),
        "24/7 (one agent)": (around, plan_settings(around)),
        "planned": (shifts, plan_settings(shifts, temps)),
    }
    if not has_night and shifts is not None:
        night = [*map(dict, shifts), dict(NIGHT)]
        rungs["planned + a night shift (23-07)"] = (night, plan_settings(night, temps))
    return rungs


@dataclass
class Rung:
    name: str
    values: dict[str, np.ndarray]  # per seed, the same seeds in every rung

    @property
    def means(self) -> dict[str, float]:
        return {m: float(np.nanmean(v)) for m, v in self.values.items()}

    def against(self, other: Rung, metric: str) -> tuple[float, float, float]:
        """The paired difference self - other over the seeds: mean and 95 % interval."""
        return paired_ci(self.values[metric], other.values[metric])[:3]


def value_ladder(
    scenario: str,
    overrides: Sequence[str],
    rungs: Mapping[str, tuple[list[dict] | None, tuple[str, ...]]],
    targets: Sequence[Target],
    replications: int,
    seed: int,
    execution: Mapping[str, Any],
) -> list[Rung]:
    """Each roster over the same seeds: weekly hub wages, the targets, churn and three-year
    value, with paired differences against the scenario's own hub."""
    from sim.experiments.runs import RunSpec, execute

    names = list(rungs)
    specs = []
    for name in names:
        settings = (*overrides, *rungs[name][1])
        for k in range(replications):
            specs.append(
                RunSpec(scenario, seed + k, settings, replication=k, labels=(("rung", name),))
            )
    from sim.engine.summary import daily_discount, discounted

    from_posts = [t.metric for t in targets if is_post_outcome(t.metric)]
    metrics = [t.metric for t in targets]
    values = {
        name: {m: np.full(replications, np.nan) for m in (*LADDER_METRICS, *metrics)}
        for name in names
    }
    config = load_config(scenario, list(overrides))
    rate = daily_discount(config.annual_discount_rate)
    horizon = config.value.horizon_days
    wages = ("wages_hub", "wages_spokes")
    for index, record in execute(specs, post_outcomes=from_posts, daily_columns=wages, **execution):
        if record.row.get("status") == "failed":
            raise ConfigError(f"a ladder run failed: {record.row.get('error', 'unknown error')}")
        name, k = names[index // replications], index % replications
        days = len(record.daily) if record.daily is not None else 0
        weekly = float(record.daily["wages_hub"].sum()) / days * 7 if days else math.nan
        # the wages as the horizon value counts them: discounted day by day
        paid = discounted(record.daily[list(wages)].sum(axis=1).to_numpy(), rate, horizon)
        for m in values[name]:
            values[name][m][k] = {"wages_hub_week": weekly, "wages_discounted": paid}.get(
                m, float(record.row.get(m, math.nan))
            )
    return [Rung(name, values[name]) for name in names]


def night_sentence(rungs: Sequence[Rung], currency: str, keeps_current: bool = False) -> str:
    """What staffing the night buys, in the strategist's words, or why it cannot be said."""
    by_name = {r.name: r for r in rungs}
    with_night = next((r for r in rungs if r.name.startswith("planned + a night")), None)
    planned = by_name.get("planned")
    if keeps_current:
        return (
            "Outside the peak the plan keeps the scenario's own hub, so a night shift is not "
            "priced here; the table compares whole rosters."
        )
    if with_night is None or planned is None:
        return "The planned roster has someone on shift every night, 23:00-07:00."
    cost = with_night.against(planned, "wages_hub_week")[0]
    # the customers' side: the value's change with the run's wages added back as the
    # value counts them, discounted (undiscounted, they left a bias of about 1 % of the
    # night's wages in the value kept: $320 on the example log's scenario)
    kept = paired_ci(
        with_night.values["relationship_value_horizon"] + with_night.values["wages_discounted"],
        planned.values["relationship_value_horizon"] + planned.values["wages_discounted"],
    )[:3]
    gain, low, high = kept
    # what the night's wages over the run come to, as the value counts them
    paid = with_night.against(planned, "wages_discounted")[0]
    text = (
        f"Staffing the night costs {_money(cost, currency)} a week and keeps "
        f"{_money(gain, currency)} of three-year customer value before wages (95 % interval "
        f"{_money(low, currency)} to {_money(high, currency)}, paired over the same seeds)"
    )
    if low <= 0 <= high:
        return (
            text + ": within the noise of these runs, so this evidence does not show the night "
            "paying for itself."
        )
    wages = f"the night's {_money(paid, currency)} of wages over the run"
    if high < paid:
        return text + f": less than {wages}, so it does not pay for itself."
    if low > paid:
        return text + f": more than {wages}, so it pays for itself."
    return text + f": about {wages}, within the noise."


def _service(
    scenario: str,
    overrides: Sequence[str],
    planned: Sequence[str],
    window: float,
    kind: str | None,
    seed: int,
):
    """One run of the plan (its overrides) with its post log: the share of `kind` (None:
    every inbound post) answered within `window`, by weekday and hour posted (7 x 24)."""
    from sim.results import run

    config = load_config(scenario, [*overrides, *planned, "output.posts=true"])
    share, _ = by_hour_of_week(run(config, seed).posts, window, kind)
    return share


def roster_job(
    scenario: str,
    targets: Mapping[str, Any],
    out: str | Path,
    overrides: Sequence[str] = (),
    options: ShiftOptions | None = None,
    replications: int = 8,
    seed: int = 0,
    max_rounds: int = 3,
    value: bool = True,
    objective: str = "cost",
    max_weekly_hours: float = 40.0,
    **execution: Any,
) -> RosterResult:
    """Plan, check and report (see the module). `execution`: jobs, executor, address.

    objective="value": of the ladder's rosters that meet every target in the
    simulation, the one with the highest three-year value net of wages is chosen
    (the report says when its lead over the plan is within the noise)."""
    objective = arguments.choice("objective", objective, ("cost", "value"))
    if objective == "value" and not value:
        raise ConfigError("objective=value needs the value of the rosters: drop value=false")
    max_weekly_hours = arguments.number("max_weekly_hours", max_weekly_hours, 1.0, 168.0)
    if not targets:
        raise ConfigError(
            "targets: none given; e.g. targets.answered_within_1h@complaint.at_least=0.8"
        )
    bounds = read_targets(targets)
    replications = arguments.integer("replications", replications, 2)
    seed = arguments.seed(seed, replications)
    max_rounds = arguments.integer("max_rounds", max_rounds, 1, 10)
    config = load_config(scenario, list(overrides))
    check_report_folder(Path(out), "out", "roster.json")
    hub = config.team.hub
    # the scenario's pay, on a copy: the caller's options stay as given
    options = replace(
        options or ShiftOptions(),
        wage_per_hour=hub.wage_per_hour,
        night_premium=hub.night_premium,
        weekend_premium=hub.weekend_premium,
    )
    demand = demand_of(config, seed)
    extra, extra_peak = np.zeros(HOURS), np.zeros(HOURS)
    from sim.experiments.roster.plan import rule_for

    # the service shown by hour: the target with the shortest window
    first = min((rule_for(t) for t in bounds), key=lambda r: r.window_h)
    window, kind = first.window_h, first.kind
    for rounds in range(1, max_rounds + 1):
        planned = plan(demand, bounds, options, extra, extra_peak)
        settings = settings_of(planned)
        checks = check_plan(scenario, overrides, settings, bounds, replications, seed, execution)
        share = _service(scenario, overrides, settings, window, kind, seed)
        if all(c.ok for c in checks) or rounds == max_rounds:
            break
        # one more agent in the quarter of staffed-or-not hours served worst: among the
        # peak's temps for a missed .peak target, in the roster for any other
        flat = np.nan_to_num(share.ravel(), nan=1.0)
        worst = np.argsort(flat)[: HOURS // 4]
        missed = [c for c in checks if not c.ok]
        if any(rule_for(c.target).period == "peak" for c in missed):
            extra_peak[worst] += 1
        if any(rule_for(c.target).period != "peak" for c in missed):
            extra[worst] += 1
    result = RosterResult(
        scenario, planned, checks, rounds, config.output.currency, replications, share, window
    )
    result.kind = kind
    # the roster's shifts (none when it keeps the scenario's own hub); temps are hired apart
    assignment = assign_people(planned.shifts, max_weekly_hours)
    result.people = assignment.people
    result.people_bound, result.people_fewest = assignment.lower_bound, assignment.fewest
    result.max_weekly_hours = max_weekly_hours
    if value:
        rosters = ladder(planned)
        result.ladder = value_ladder(
            scenario, overrides, rosters, bounds, replications, seed, execution
        )
        if objective == "value":
            result.chosen = choose_by_value(result.ladder, bounds)
            result.chosen_shifts = rosters[result.chosen][0] if result.chosen else None
    from sim.results import write_provenance

    Path(out).mkdir(parents=True, exist_ok=True)
    write_provenance(
        Path(out),
        "roster",
        scenario=scenario,
        targets={t.metric: t.to_json() for t in bounds},
        replications=replications,
        seed=seed,
        overrides=list(overrides),
        lengths=list(options.lengths),
        starts=list(options.starts),
        min_staff=options.min_staff,
        objective=objective,
    )
    write_report(result, Path(out))
    return result


def choose_by_value(rungs: Sequence[Rung], targets: Sequence[Target]) -> str | None:
    """The roster with the highest mean three-year value (wages included) among those
    whose every target's 95 % interval is met; None when none is."""
    meeting = [
        rung for rung in rungs if all(t.met(*mean_ci(rung.values[t.metric])[1:3]) for t in targets)
    ]
    if not meeting:
        return None
    return max(meeting, key=lambda r: r.means["relationship_value_horizon"]).name


# ------------------------------------------------------------------ report
def _money(value: float, currency: str) -> str:
    from sim.report.currency import Currency

    return Currency(currency).amount(value)  # the code was checked with the config


def _people_line(result: RosterResult) -> str:
    return (
        f"The shifts go to **{len(result.people)} people**, each working at most "
        f"{result.max_weekly_hours:g} h a week with {REST_HOURS:g} h between shifts "
        + (
            "(the fewest who can work them; "
            if result.people_fewest
            else "(the fewest found within the time limit, not proved the fewest; "
        )
        + f"the hours alone need {result.people_bound})."
    )


def _shift_table(title: str, shifts: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = [f"## {title}", "", "| starts | hours | days | staff |", "|---:|---:|---|---:|"]
    for s in shifts:
        lines.append(
            f"| {s['start_hour']:02d}:00 | {s['hours']:g} | {', '.join(s['days'])} | {s['staff']} |"
        )
    return [*lines, ""]


def _peak_days(p: RosterPlan) -> str:
    return "; ".join(f"days {start:g} to {start + days:g}" for start, days in p.peak_days)


def markdown(result: RosterResult) -> str:
    p, currency = result.plan, result.currency
    verdict = "meets every target" if result.ok else "MISSES a target"
    what = "The plan" if p.keeps_current else "The planned roster"
    lines = [
        f"# Roster: {result.scenario}",
        "",
        f"**{what} {verdict}** at **{_money(p.weekly_cost, currency)} a week** "
        f"({p.staffed_by_hour_of_week.sum():,.0f} staff hours; "
        f"{int((p.staffed_by_hour_of_week == 0).sum())} of the week's 168 hours unstaffed)"
        + (
            f" and **{_money(p.temps_weekly_cost, currency)} a week of temps** during the "
            f"seasonal peak ({_peak_days(p)})"
            if p.temps
            else ""
        )
        + f", checked over {result.replications} simulated runs after {result.rounds} "
        "round(s) of planning.",
        "",
    ]
    if p.keeps_current:
        lines += [
            "Every target is for the peak: outside it the scenario's own hub stays as it is "
            "(the cost above), and temps are added for the peak.",
            "",
        ]
    else:
        lines += [_people_line(result), "", *_shift_table("Shifts", p.roster())]
    if p.temps:
        lines += [
            *_shift_table(
                f"Temps for the peak ({_peak_days(p)}), on top",
                grouped_shifts(p.temps),
            ),
            "Temporary staff on these shifts for every peak window, planned at the largest "
            "peak's volume with the roster's agents counted in.",
            "",
        ]
    lines += ["## Targets: how each was planned and whether the simulation meets it", ""]
    lines += ["| target | rule | simulated mean | 95 % interval | met |", "|---|---|---:|---|---|"]
    for rule, c in zip(p.rules, result.checks, strict=True):
        lines.append(
            f"| {c.target.metric} {c.target.sign} {c.target.value:g} | {rule.rule} | "
            f"{c.mean:.3f} | {c.low:.3f} to {c.high:.3f} | {'yes' if c.ok else 'no'} |"
        )
    lines.append("")
    lines += [f"- {r.target.metric}: {r.why}." for r in p.rules]
    if result.ladder:
        current = result.ladder[0]
        lines += [
            "",
            "## What each roster does for customers",
            "",
            f"**{night_sentence(result.ladder, currency, p.keeps_current)}**",
            "",
        ]
        if result.chosen == "planned":
            lines += [
                "objective=value: of the rosters meeting every target, **the plan itself** "
                "has the highest three-year value net of wages.",
                "",
            ]
        elif result.chosen is not None:
            by_name = {r.name: r for r in result.ladder}
            mean, low, high = by_name[result.chosen].against(
                by_name["planned"], "relationship_value_horizon"
            )
            noise = " (within the noise: the plan is as good)" if low <= 0 <= high else ""
            lines += [
                f"objective=value: of the rosters meeting every target, **{result.chosen}** "
                f"has the highest three-year value net of wages, {_money(mean, currency)} "
                f"against the plan [{_money(low, currency)}, {_money(high, currency)}]{noise}.",
                "",
            ]
        lines += [
            "The same seeds for every roster; differences against the scenario's current hub "
            "with their 95 % intervals (paired).",
            "",
            "| roster | hub wages a week (the run's mean) | churn rate "
            "| three-year value vs current |",
            "|---|---:|---:|---|",
        ]
        for rung in result.ladder:
            means = rung.means
            mean, low, high = rung.against(current, "relationship_value_horizon")
            vs = (
                "reference"
                if rung is current
                else f"{_money(mean, currency)} [{_money(low, currency)}, {_money(high, currency)}]"
            )
            lines.append(
                f"| {rung.name} | {_money(means['wages_hub_week'], currency)} | "
                f"{means['churn_rate']:.4f} | {vs} |"
            )
    lines += [
        "",
        "Requirement against the planned staff, and service by the hour posts came: "
        "roster_heatmap.png. Staff by hour of the week: roster.csv (Monday 00:00 first).",
        "",
    ]
    return "\n".join(lines) + "\n"


def write_report(result: RosterResult, out: Path) -> None:
    from sim.report.html import save_markdown_page

    out.mkdir(parents=True, exist_ok=True)
    p = result.plan
    table = pd.DataFrame(
        {
            "hour_of_week": np.arange(HOURS),
            "weekday": [WEEKDAYS[h // 24] for h in range(HOURS)],
            "hour": [h % 24 for h in range(HOURS)],
            "staffed": p.staffed_by_hour_of_week,
            "requirement": p.requirement_by_hour_of_week,
            "work_staff_hours": p.work_by_hour_of_week,
        }
    )
    if p.peak_staffed_by_hour_of_week is not None:  # with the peak's temps
        table["staffed_peak"] = p.peak_staffed_by_hour_of_week
        table["requirement_peak"] = p.peak_requirement_by_hour_of_week
    atomic_write(out / "roster.csv", lambda f: table.to_csv(f, index=False))
    write_json(out / "roster.json", result.to_json())
    plot_roster(result, out / "roster_heatmap.png")
    atomic_write(out / "roster.md", lambda f: f.write_text(markdown(result)))
    save_markdown_page(out, f"Roster: {result.scenario}", "roster.md")
