"""A sweep as one page to open and share (report.html in the sweep folder): what was
swept, what moved the key metrics, the design points with their intervals, plots of
each metric across the sweep, a glossary and the manifest."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from sim.engine.metrics import LOWER_IS_BETTER
from sim.report import html
from sim.report.currency import Currency
from sim.report.headline import short
from sim.report.stats import FEW_REPLICATIONS, few_replications_note

MAX_ROWS = 60  # more design points than this: the table shows the best and worst only


def what_moved(
    points: pd.DataFrame, parameters: Sequence[str], metrics: Sequence[str], currency: Currency
) -> list[str]:
    """For each metric: the best design point, and which parameter moves it most (the
    range of its level means, averaged over the other parameters)."""
    sentences = []
    for metric in metrics:
        if metric not in points or points[metric].isna().all():
            continue
        noise = float(((points[metric + "_high"] - points[metric + "_low"]) / 2).mean())
        lower = metric in LOWER_IS_BETTER
        best = points.loc[points[metric].idxmin() if lower else points[metric].idxmax()]
        where = ", ".join(f"{p}={best[p]}" for p in parameters)
        low, mid, high = (
            short(metric, best[metric + end], currency) for end in ("_low", "", "_high")
        )
        text = f"{metric}: best mean at {where} ({mid}, 95 % interval {low} to {high})"
        spans = {
            p: float(points.groupby(p)[metric].mean().agg(lambda s: s.max() - s.min()))
            for p in parameters
            if points[p].nunique() > 1
        }
        top = max(spans, key=spans.get) if spans else None
        if top is None or not spans[top] > noise:
            text += (
                "; no swept parameter moves it by more than the intervals' mean half-width "
                f"({short(metric, noise, currency)}): the differences between points are "
                "within the noise"
            )
        else:
            text += (
                f"; {top} moves it most (its levels' means differ by up to "
                f"{short(metric, spans[top], currency)}, against an interval half-width of "
                f"{short(metric, noise, currency)})"
            )
        sentences.append(text + ".")
    return sentences


def sweep_report(
    folder: Path,
    manifest: Mapping,
    points: pd.DataFrame,
    metrics: Sequence[str],
    runs: int,
    failed: int,
    currency: Currency,
) -> str:
    parameters = list(manifest["parameters"])
    replications = int(manifest["replications"])
    seeds = manifest.get("seeds") or list(range(manifest["seed"], manifest["seed"] + replications))
    shown_seeds = (
        f"seeds {seeds[0]} to {seeds[-1]}"
        if seeds == list(range(seeds[0], seeds[0] + len(seeds)))
        else "seeds " + ", ".join(map(str, seeds))
    )
    design = "grid" if manifest.get("grid") else "sample"
    setup = (
        f"A {design} over {', '.join(parameters) or 'no parameter'} on the scenario "
        f"{manifest['scenario']}: {len(points)} design points, {replications} replications "
        f"each ({shown_seeds}, common random numbers across the points), "
        f"{runs} of {manifest['planned']} runs finished"
        f" ({failed} failed). Every run used "
        f"{', '.join(manifest.get('overrides') or []) or 'the scenario as it is'}. "
        f"Money is in {currency.code}."
    )
    prose = [html.paragraph(setup)]
    if replications < FEW_REPLICATIONS:
        prose.append(html.paragraph(few_replications_note(replications), "note"))
    shown = [m for m in metrics if m in points][:4]  # a table a screen wide
    table_points = points
    if len(points) > MAX_ROWS and shown:
        order = points[shown[0]].sort_values(ascending=shown[0] in LOWER_IS_BETTER).index
        keep = list(order[: MAX_ROWS // 2]) + list(order[-(MAX_ROWS // 2) :])
        table_points = points.loc[keep]
        prose.append(
            html.paragraph(
                f"The table shows the {MAX_ROWS // 2} best and worst of the {len(points)} "
                f"points by {shown[0]}; points.csv in this folder has them all.",
                "note",
            )
        )
    rows = []
    for _, row in table_points.iterrows():
        cells = [str(row[p]) for p in parameters] + [f"{row['runs']:.0f}"]
        cells += [
            f"{short(m, row[m], currency)} [{short(m, row[m + '_low'], currency)}, "
            f"{short(m, row[m + '_high'], currency)}]"
            for m in shown
        ]
        rows.append(cells)
    sections = [
        ("", "".join(prose)),
        (
            "What moved the metrics",
            "".join(html.paragraph(t) for t in what_moved(points, parameters, shown, currency)),
        ),
        (
            "The design points",
            html.table([*parameters, "runs", *shown], rows)
            + html.paragraph("Each cell: the mean over the replications [95 % interval].", "note"),
        ),
    ]
    plots = sorted(Path(folder).glob("sweep_*.png"))
    if plots:
        sections.append(("Plots", "".join(html.image(p, p.stem) for p in plots)))
    sections.append(("Glossary", html.glossary(shown, currency.code)))
    record = {k: v for k, v in manifest.items() if k != "run_ids"}
    sections.append(("Manifest", html.preformatted(json.dumps(record, indent=2, default=str))))
    return html.document(f"Sweep: {manifest['scenario']}", sections)
