"""What `hubspoke import-log` writes: a scenario, its fit report and the service targets.

Next to `out` (the scenario, SCENARIO.yaml): SCENARIO.fit.md (what was
estimated, with sampling errors, and what could not be), SCENARIO.heatmap.png
(posts by weekday and hour, observed against what the scenario's rhythm
gives), SCENARIO.by_hour_of_week.csv (posts, reply share and median response
in each of the week's 168 hours, Monday 00:00 first) and, when the log has
replies, SCENARIO.targets.yaml (the brand's current service as a target set
for `hubspoke calibrate`). Every file is written whole or not at all.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import yaml

from sim.engine.clock import WEEKDAYS
from sim.imports.post_log import LogFit
from sim.report.io import atomic_write
from sim.report.plots import plot_log_rhythm


def companions(out: Path) -> dict[str, Path]:
    stem = out.with_suffix("")
    return {
        "fit": stem.with_name(stem.name + ".fit.md"),
        "heatmap": stem.with_name(stem.name + ".heatmap.png"),
        "by_hour": stem.with_name(stem.name + ".by_hour_of_week.csv"),
        "targets": stem.with_name(stem.name + ".targets.yaml"),
    }


def scenario_text(fit: LogFit, name: str) -> str:
    """The scenario: only what the log says, over the baseline's everything else."""
    body: dict = {
        "description": (
            f"Demand imported from the post log {fit.source} ({fit.rows:,} rows, "
            f"{fit.days} days from {fit.first:%Y-%m-%d}, local time {fit.timezone}): tagged "
            "posts a day by kind, the weekday and hour-of-day rhythm"
            + (", handling times" if fit.handle_minutes else "")
            + (", the complaints' topics" if fit.topic_share else "")
            + ". Everything else is the baseline's."
        ),
        "demand": {
            "inbound_per_day": dict(fit.inbound_per_day),
            "weekly": list(fit.weekly),
            "hourly": list(fit.hourly),
        },
    }
    posts: dict = {}
    if fit.handle_minutes:
        posts["handle_minutes"] = dict(fit.handle_minutes)
    if fit.addressed_share is not None:
        posts["addressed_share"] = fit.addressed_share
    if fit.topic_share:  # each topic's share of the complaints: its weight
        posts["topics"] = {name: {"weight": share} for name, share in fit.topic_share.items()}
    if posts:
        body["posts"] = posts
    header = (
        "# @package _global_\n"
        f"# {name}: written by hubspoke import-log on {date.today():%Y-%m-%d} from "
        f"{fit.source}.\n# Generated; edit freely. Its fit: {name}.fit.md\n"
    )
    return header + yaml.safe_dump(body, sort_keys=False, width=88, default_flow_style=None)


def targets_text(fit: LogFit) -> str | None:
    """The brand's current service as calibration targets (sd: the log's sampling error)."""
    if not fit.service:
        return None
    targets = []
    for metric, value in fit.service.items():
        target = {"name": f"log_{metric}", "metric": metric, "value": round(value, 5)}
        if metric.endswith("_h"):  # times: compared as logarithms
            target.update(sd=round(max(fit.service_se[metric], 1e-3), 5), scale="log")
        else:
            target["sd"] = round(max(fit.service_se[metric], 1e-4), 5)
        target["source"] = f"post log {fit.source}, {fit.days} days"
        targets.append(target)
    body = {
        "description": (
            f"The current service in the post log {fit.source}: each sd is the log's own "
            "sampling error only; add the model's structural error before reading a miss."
        ),
        "targets": targets,
    }
    return yaml.safe_dump(body, sort_keys=False, width=88)


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def fit_report(fit: LogFit, name: str) -> str:
    lines = [
        f"# {name}: what the post log {fit.source} says",
        "",
        f"{fit.rows:,} rows ({fit.dropped:,} dropped: no time, or a label mapped to ignore), "
        f"{fit.days} calendar days from {fit.first:%Y-%m-%d %H:%M} to "
        f"{fit.last:%Y-%m-%d %H:%M}, local time {fit.timezone}.",
        "",
        "## Volume: tagged posts on an average day",
        "",
        "| kind | posts a day | standard error |",
        "|---|---:|---:|",
    ]
    for kind, per_day in fit.inbound_per_day.items():
        lines.append(f"| {kind} | {per_day:,.2f} | {fit.inbound_se[kind]:.2f} |")
    lines += [
        "",
        "The scenario sets `demand.inbound_per_day` to these: the engine turns them into "
        "per-person rates for the scenario's people (docs/import_log.md).",
        "",
        "## Rhythm",
        "",
        "| weekday | " + " | ".join(WEEKDAYS) + " |",
        "|---|" + "---:|" * 7,
        "| relative volume | " + " | ".join(f"{w:.2f}" for w in fit.weekly) + " |",
        "",
        "Busiest hours (share of the day's posts): "
        + ", ".join(f"{h:02d}:00 {_pct(fit.hourly[h])}" for h in np.argsort(fit.hourly)[::-1][:4])
        + f". Observed against fitted by weekday and hour: {name}.heatmap.png.",
        "",
    ]
    residual = fit.observed - fit.fitted
    expected = np.maximum(fit.fitted, 1e-9)
    chi2 = float((residual**2 / expected).sum())
    lines.append(
        f"Fit of the rhythm (weekday x hour as a product, 30 parameters, 168 cells): "
        f"chi-square {chi2:,.0f} on about 138 degrees of freedom (near 138 when the "
        "product describes the log; far above when hours shift between weekdays)."
    )
    lines.append("")
    if fit.handle_minutes:
        lines += ["## Handling time (minutes a post)", ""]
        lines += [f"- {k}: {v:.1f}" for k, v in fit.handle_minutes.items()]
        lines.append("")
    if fit.topic_share:
        lines += [
            "## Topics of the complaints",
            "",
            "| topic | share | standard error |",
            "|---|---:|---:|",
            *(
                f"| {name} | {_pct(share)} | {_pct(fit.topic_se[name])} |"
                for name, share in fit.topic_share.items()
            ),
            "",
            "The scenario sets each `posts.topics.T.weight` to its share: which department "
            "gets the routed work.",
            "",
        ]
    if fit.addressed_share is not None:
        lines += [
            f"Complaints and praise that tag the brand: {_pct(fit.addressed_share)} "
            "(`posts.addressed_share`; the rest are found only by listening).",
            "",
        ]
    if fit.service:
        lines += ["## Current service (targets for `hubspoke calibrate`)", ""]
        for metric, value in fit.service.items():
            se = fit.service_se[metric]
            shown = (
                f"{value:.2f} h (log-scale se {se:.3f})"
                if metric.endswith("_h")
                else f"{_pct(value)} (se {_pct(se)})"
            )
            lines.append(f"- {metric}: {shown}")
        lines += [
            "",
            f"Target set: {name}.targets.yaml; by hour of week: {name}.by_hour_of_week.csv.",
            "",
        ]
    lines += ["## Trend and what could not be estimated", ""]
    if fit.trend_per_week is not None:
        mid, low, high = fit.trend_per_week
        lines.append(
            f"Weekly volume changes by {_pct(mid)} a week (95 % CI {_pct(low)} to {_pct(high)}); "
            "reported only: the scenario keeps the volume level (add events.seasons for peaks)."
        )
    if fit.monthly:
        months = [
            "Jan",
            "Feb",
            "Mar",
            "Apr",
            "May",
            "Jun",
            "Jul",
            "Aug",
            "Sep",
            "Oct",
            "Nov",
            "Dec",
        ]
        lines.append(
            "Volume a day by calendar month, relative to the mean (reported, not imposed; "
            "add events.seasons for the months that matter): "
            + ", ".join(f"{m} {v:.2f}" for m, v in zip(months, fit.monthly, strict=True))
            + "."
        )
    lines += [f"- not estimated: {item}" for item in fit.not_estimated]
    return "\n".join(lines) + "\n"


def write_all(fit: LogFit, out: Path) -> dict[str, Path]:
    """The scenario and its companions; returns what was written."""
    name = out.with_suffix("").name
    files = companions(out)
    written = {"scenario": out}
    texts = {"scenario": scenario_text(fit, name), "fit": fit_report(fit, name)}
    targets = targets_text(fit)
    if targets is not None:
        texts["targets"] = targets
    for key, text in texts.items():
        path = out if key == "scenario" else files[key]
        atomic_write(path, lambda p, t=text: p.write_text(t))
        written[key] = path
    plot_log_rhythm(fit, files["heatmap"])
    written["heatmap"] = files["heatmap"]
    table = fit.by_hour_of_week
    if table is not None:
        atomic_write(files["by_hour"], lambda p: table.to_csv(p, index=False))
        written["by_hour"] = files["by_hour"]
    return written


def summary_line(fit: LogFit) -> str:
    volumes = ", ".join(f"{k} {v:,.1f}" for k, v in fit.inbound_per_day.items())
    return f"{fit.rows:,} posts over {fit.days} days; tagged posts a day: {volumes}" + (
        f"; unanswered {_pct(fit.service['unanswered_share'])}" if fit.service else ""
    )
