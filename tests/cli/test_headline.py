"""The printed headline reads without the code: money with currency and period, shares as
percentages of something, hours with minutes, whole numbers with separators."""

from __future__ import annotations

import math

from sim.report.headline import HEADLINE, headline, money, reading


def test_money_has_currency_separators_and_sensible_rounding():
    assert money(3_145_000_000) == "$3.15 B"
    assert money(349_700_000) == "$349.7 M"
    assert money(168_605.4) == "$168,605"
    assert money(-12_300) == "-$12,300"


def test_each_kind_of_metric_says_its_unit_or_period():
    assert reading("revenue_total", 2.5e8, 90, 1095) == "$250.0 M over the 90 days"
    assert reading("relationship_value_horizon", 3.1e9, 90, 1095).startswith("$3.10 B to 3 years")
    assert reading("hub_utilisation", 0.4414, 90, 1095) == "44.1 % of staffed hub hours busy"
    assert reading("sla_attainment", 0.7, 90, 1095, sla_hours=2) == (
        "70.0 % of inbound posts answered within the 2 h target"
    )
    assert reading("first_response_median_h", 0.1455, 90, 1095) == "0.15 h (9 min)"
    assert reading("first_response_p90_h", 14.4, 90, 1095) == "14.4 h"
    assert reading("complaints_total", 4486, 90, 1095) == "4,486 posts"
    assert reading("customers_final", 4_343_000.0, 90, 1095) == "4,343,000 people"
    assert reading("nps_like_final", -0.0548, 90, 1095) == "-0.055 (-1 to +1)"
    assert reading("attack_reach", math.nan, 90, 1095) == "n/a"


def test_the_headline_echoes_the_choices_and_lists_every_metric():
    text = headline(
        {k: 0.5 for k in HEADLINE}, scenario="baseline", strategy="enterprise",
        stance="none (no crisis protocol)", seed=3, days=90, horizon_days=1095,
        overrides=["team.hub.staff=4"],
    )  # fmt: skip
    lines = text.splitlines()
    assert lines[0] == (
        "scenario=baseline strategy=enterprise stance=none (no crisis protocol) seed=3"
    )
    assert lines[1] == "  with team.hub.staff=4"
    assert len(lines) == 2 + len(HEADLINE)
    assert not any("e+" in line for line in lines)  # no scientific notation
