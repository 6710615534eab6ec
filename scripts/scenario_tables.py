"""The tables of a scenario page (docs/scenarios/NAME.md) from a comparison folder.

    hubspoke compare experiment=NAME out=DIR
    python scripts/scenario_tables.py DIR > tables.md

Prints three Markdown tables: the means of the headline metrics with 95 % CIs,
the paired differences against the reference arm (`*`: the interval excludes
zero), and the means of the service metrics. Money in dollars with M and k.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.report.stats import mean_ci, paired_ci

HEADLINE = (
    "loyalty_mean_final",
    "churn_rate",
    "relationship_value_total",
    "relationship_value_horizon",
    "customer_equity_final",
)
SERVICE = (
    "cost_to_serve_total",
    "hub_utilisation",
    "first_response_median_h",
    "first_response_p90_h",
    "complaints_answered_share",
    "complaints_total",
    "defected_total",
)
MONEY = {
    "relationship_value_total",
    "relationship_value_horizon",
    "customer_equity_final",
    "cost_to_serve_total",
}


def money(value: float, signed: bool = False) -> str:
    sign = ("+" if value >= 0 else "−") if signed else ("−" if value < 0 else "")
    size = abs(value)
    if size >= 1e9:
        return f"{sign}${size / 1e9:,.3f}B"
    if size >= 1e6:
        return f"{sign}${size / 1e6:,.2f}M"
    if size >= 1e3:
        return f"{sign}${size / 1e3:,.1f}k"
    return f"{sign}${size:,.0f}"


def number(metric: str, value: float, signed: bool = False) -> str:
    if not math.isfinite(value):
        return "n/a"
    if metric in MONEY:
        return money(value, signed)
    text = f"{value:+.4g}" if signed else f"{value:.4g}"
    if 0 < abs(value) < 0.01:  # loyalty and churn differences: no exponents
        text = f"{value:+.5f}" if signed else f"{value:.5f}"
    elif abs(value) >= 1000:
        text = f"{value:+,.0f}" if signed else f"{value:,.0f}"
    return text.replace("-", "−")


def interval(metric: str, lo: float, hi: float, signed: bool = False) -> str:
    return f"[{number(metric, lo, signed)}, {number(metric, hi, signed)}]"


def tables(folder: Path, extra: tuple[str, ...] = ()) -> str:
    """The page's three tables; `extra` metrics join the headline ones (e.g. attack_reach)."""
    headline = (*HEADLINE, *extra)
    runs = pd.read_parquet(folder / "runs.parquet")
    meta = json.loads((folder / "comparison.json").read_text())
    reference = meta.get("reference") or runs["arm"].iloc[0]
    arms = list(dict.fromkeys(runs["arm"]))
    by_arm = {arm: frame.sort_values("replication") for arm, frame in runs.groupby("arm")}
    out = [
        "| arm | " + " | ".join(f"`{m}`" for m in headline) + " |",
        "|---|" + "---|" * len(headline),
    ]
    for arm in arms:
        cells = []
        for metric in headline:
            mean, lo, hi, _ = mean_ci(by_arm[arm][metric].to_numpy(dtype=float))
            cells.append(f"{number(metric, mean)} {interval(metric, lo, hi)}")
        label = f"{arm} (reference)" if arm == reference else arm
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    out += [
        "",
        f"| arm − {reference} | " + " | ".join(f"`{m}`" for m in headline) + " |",
        "|---|" + "---|" * len(headline),
    ]
    base = by_arm[reference]
    for arm in arms:
        if arm == reference:
            continue
        cells = []
        for metric in headline:
            a = by_arm[arm][metric].to_numpy(dtype=float)
            b = base[metric].to_numpy(dtype=float)
            mean, lo, hi, _ = paired_ci(a, b)
            star = " \\*" if (lo > 0 or hi < 0) else ""
            cells.append(f"{number(metric, mean, True)} {interval(metric, lo, hi, True)}{star}")
        out.append(f"| {arm} | " + " | ".join(cells) + " |")
    out += [
        "",
        "| arm | " + " | ".join(f"`{m}`" for m in SERVICE) + " |",
        "|---|" + "---|" * len(SERVICE),
    ]
    for arm in arms:
        cells = []
        for metric in SERVICE:
            values = by_arm[arm][metric].to_numpy(dtype=float)
            finite = values[np.isfinite(values)]
            cells.append(number(metric, float(finite.mean())) if len(finite) else "n/a")
        out.append(f"| {arm} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path, help="a `hubspoke compare` results folder")
    parser.add_argument("--extra", nargs="*", default=(), help="more headline metrics")
    args = parser.parse_args()
    print(tables(args.folder, tuple(args.extra)), end="")


if __name__ == "__main__":
    main()
