"""The words of the app: each scenario's story, and one line on what every metric means.

The stories are the scenario pages in docs/scenarios, not a second copy that
could drift: an installed wheel carries them as sim/data/stories (see the
force-include table in pyproject.toml), a checkout reads docs/scenarios.
"""

from __future__ import annotations

import re
from pathlib import Path

from sim.engine.metrics import DETRACTOR, PROMOTER

_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the sim package


def stories_dir() -> Path:
    """The folder of scenario stories, installed or in a checkout (as sim.config.catalog)."""
    for candidate in (
        _PACKAGE_DIR / "data" / "stories",
        _PACKAGE_DIR.parent / "docs" / "scenarios",
    ):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("hubspoke's scenario stories are missing from the installation")


def story(scenario: str) -> str:
    """Section 1 ("The story") of the scenario's page, as Markdown without links."""
    try:
        text = (stories_dir() / f"{scenario}.md").read_text()
    except FileNotFoundError:
        return f"No story is written for `{scenario}` yet."
    lines = text.splitlines()
    title = next((line.lstrip("# ").strip() for line in lines if line.startswith("# ")), scenario)
    body: list[str] = []
    inside = False
    for line in lines:
        if line.startswith("## "):
            if inside:
                break
            inside = "story" in line.lower()
            continue
        if inside:
            body.append(line)
    if not body:  # a page without a "The story" section: its opening paragraph
        body = [line for line in lines[1:] if line.strip()][:6]
    # links point at other pages of the docs, which the app does not serve
    prose = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", "\n".join(body).strip())
    return f"### {title}\n\n{prose}"


# one line a metric: what it is, in which unit (the views' axes say the same)
METRICS: dict[str, str] = {
    "loyalty_mean": "mean loyalty of today's customers, 0 (none) to 1 (devoted)",
    "loyalty band": "p10-p90: the range of loyalty of the middle 80 % of customers",
    "nps_like": (
        f"Net-Promoter-like score: share of customers with loyalty >= {PROMOTER} (promoters) "
        f"minus share with loyalty <= {DETRACTOR} (detractors); -1 to +1"
    ),
    "customers": "people buying from the brand at the end of the day",
    "churned": "customers lost that day (drifted away or defected after being ignored), people",
    "posts_<kind>": (
        "inbound posts a day by kind: complaint, question, praise, lead, mention "
        "(untagged, found only by listening), attack (about the accusation)"
    ),
    "negative_share": "share of the day's posts that are negative, %",
    "backlog": "posts waiting for the hub's first reply at the end of the day",
    "first_response_median_h": "median hours from a post to the brand's first reply that day",
    "attack_aware_share": "share of everyone in reach who has heard the accusation, %",
    "attack_spreaders": "people passing the accusation on right now",
    "revenue": "what today's customers spend in a day, money a day (the scenario's currency)",
    "cost_to_serve": "wages, tools, content, outreach, compensation and fixes, money a day",
    "relationship_value (in-window)": "revenue minus cost to serve, summed over the days run",
    "relationship_value_horizon": (
        "the window's value discounted, plus the expected margins of today's customers "
        "projected to the horizon (3 years) with no further service or cost"
    ),
}


def metric_list() -> str:
    """The metrics as a Markdown list; names as code, so that `posts_<kind>` shows whole
    (as bold text the `<kind>` was taken for an HTML tag and vanished)."""
    return "\n".join(f"- `{name}`: {meaning}" for name, meaning in METRICS.items())


# one line a stance, where it is chosen (Coombs 2007: situational crisis communication)
STANCE_TEXT: dict[str, str] = {
    "preset": "the preset's own stance",
    "silence": "silence: say nothing and let the accusation run its course",
    "deny": "deny: reject the accusation in public (helps against a false one, backfires "
    "on a true one)",
    "diminish": "diminish: play it down with excuses or justifications",
    "apologise": "apologise: accept responsibility and say sorry in public",
    "matched": "matched: deny a false accusation, apologise for a true one",
}
NO_PROTOCOL = "this preset has no crisis protocol: it never declares a crisis, so no stance acts"
