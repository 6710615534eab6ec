"""PNG plots of one run's daily metrics, for students and reports."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

PLOT_FILES = (
    "loyalty.png",
    "customers_churn.png",
    "relationship_value.png",
    "response_backlog.png",
    "posts.png",
)


def _save(fig, path: Path) -> None:
    from sim.results import atomic_write

    fig.tight_layout()
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)


def plot_run(daily: pd.DataFrame, out: Path, title: str = "") -> list[Path]:
    """Five PNGs: loyalty, customers and churn, money, response time and backlog, posts."""
    day = daily["day"]
    paths = []

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.fill_between(day, daily["loyalty_p10"], daily["loyalty_p90"], alpha=0.25, label="p10-p90")
    ax.plot(day, daily["loyalty_mean"], label="mean")
    ax.plot(day, daily["nps_like"], "--", label="NPS-like (promoters - detractors)")
    ax.set(xlabel="day", ylabel="loyalty of customers", title=f"Loyalty — {title}")
    ax.legend()
    paths.append(out / "loyalty.png")
    _save(fig, paths[-1])

    fig, ax = plt.subplots(figsize=(7, 4))
    for col in ("customers", "prospects", "lapsed"):
        ax.plot(day, daily[col], label=col)
    ax2 = ax.twinx()
    ax2.bar(day, daily["churned"], color="tab:red", alpha=0.3, label="churned per day")
    ax2.set_ylabel("churned per day")
    ax.set(xlabel="day", ylabel="people", title=f"Customers and churn — {title}")
    ax.legend(loc="center left")
    paths.append(out / "customers_churn.png")
    _save(fig, paths[-1])

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(day, daily["revenue"].cumsum(), label="revenue")
    ax.plot(day, daily["cost_to_serve"].cumsum(), label="cost to serve")
    ax.plot(day, daily["relationship_value"].cumsum(), label="relationship value")
    ax.set(xlabel="day", ylabel="cumulative $", title=f"Relationship value — {title}")
    ax.legend()
    paths.append(out / "relationship_value.png")
    _save(fig, paths[-1])

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(day, daily["first_response_median_h"], label="median")
    ax.plot(day, daily["first_response_p90_h"], label="p90")
    ax.set(xlabel="day", ylabel="first response (h)", title=f"Response time and backlog — {title}")
    ax2 = ax.twinx()
    ax2.plot(day, daily["backlog"], color="tab:gray", linestyle=":", label="backlog (end of day)")
    ax2.set_ylabel("posts waiting")
    lines = ax.get_legend_handles_labels()
    extra = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + extra[0], lines[1] + extra[1])
    paths.append(out / "response_backlog.png")
    _save(fig, paths[-1])

    fig, ax = plt.subplots(figsize=(7, 4))
    kinds = [c for c in daily.columns if c.startswith("posts_")]
    bottom = None
    for col in kinds:
        ax.bar(day, daily[col], bottom=bottom, label=col.removeprefix("posts_"))
        bottom = daily[col] if bottom is None else bottom + daily[col]
    ax2 = ax.twinx()
    ax2.plot(day, daily["negative_share"], color="black", label="negative share")
    ax2.set_ylim(0, 1)
    ax2.set_ylabel("negative share of voice")
    ax.set(xlabel="day", ylabel="posts per day", title=f"Posts by kind — {title}")
    ax.legend(fontsize=8, loc="upper left")
    paths.append(out / "posts.png")
    _save(fig, paths[-1])
    return paths
