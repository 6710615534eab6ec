"""Every scenario x every strategy preset x N replications: the table in docs/comparison.md.

    python scripts/preset_table.py --replications 10 --jobs 2 > table.md

Each scenario is one paired comparison (common random numbers across presets);
cells are means over replications, with the 95% CI half-width of the horizon value.
"""

from __future__ import annotations

import argparse

import sim
from sim.config import catalog as registry

PRESETS = (
    "silence",
    "broadcast_only",
    "reactive_fifo",
    "visibility_first",
    "pr_spin",
    "hub_and_spoke",
    "enterprise",
)
COLUMNS = (
    ("churn_rate", "churn", "{:.3f}"),
    ("loyalty_mean_final", "loyalty", "{:.3f}"),
    ("relationship_value_total", "value in window ($k)", "{:,.0f}"),
    ("relationship_value_horizon", "value to horizon ($k)", "{:,.0f}"),
    ("first_response_p90_h", "p90 (h)", "{:.1f}"),
    ("hub_utilisation", "hub util.", "{:.2f}"),
    ("spoke_utilisation", "spoke util.", "{:.2f}"),
)
MONEY = {"relationship_value_total", "relationship_value_horizon"}


def table(scenario: str, replications: int, jobs: int | None) -> str:
    arms = {name: [f"strategy={name}"] for name in PRESETS}
    metrics = [c for c, _, _ in COLUMNS]
    result = sim.compare(
        scenario, arms, replications, jobs=jobs, overrides=["output.plots=false"], metrics=metrics
    )
    t = result.table.set_index(["metric", "arm"])
    rank_w = t.loc["relationship_value_total", "mean"].rank(ascending=False).astype(int)
    rank_h = t.loc["relationship_value_horizon", "mean"].rank(ascending=False).astype(int)
    labels = [label for _, label, _ in COLUMNS]
    labels += [f"Δ horizon vs {PRESETS[0]} ($k, paired 95% CI)", "rank window", "rank horizon"]
    head = "| preset | " + " | ".join(labels) + " |"
    lines = [f"### {scenario}", "", head, "|---|" + "---:|" * len(labels)]
    for arm in PRESETS:
        cells = []
        for metric, _, fmt in COLUMNS:
            r = t.loc[(metric, arm)]
            mean = r["mean"] / 1000 if metric in MONEY else r["mean"]
            cell = fmt.format(mean) if mean == mean else "–"
            cells.append(cell)
        r = t.loc[("relationship_value_horizon", arm)]
        if arm == PRESETS[0]:
            cells.append("–")
        else:
            low, high = r["diff_low"] / 1000, r["diff_high"] / 1000
            cells.append(f"{r['diff'] / 1000:+,.0f} [{low:+,.0f}, {high:+,.0f}]")
        lines.append(f"| {arm} | " + " | ".join(cells) + f" | {rank_w[arm]} | {rank_h[arm]} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--scenarios", nargs="*", default=None)
    args = parser.parse_args()
    for scenario in args.scenarios or registry.scenario_names():
        print(table(scenario, args.replications, args.jobs), flush=True)


if __name__ == "__main__":
    main()
