"""A run's report.html: what happened in words drawn from the run's own numbers."""

from __future__ import annotations

import re

import pytest

import sim
from sim.report.run_page import run_report, what_happened


@pytest.fixture(scope="module")
def attack_run():
    config = sim.load_config(
        "brand_attack_true", ["population.size=2000", "days=40", "strategy=enterprise"]
    )
    return sim.run(config)


def test_what_happened_tells_the_runs_own_numbers(attack_run):
    r = attack_run
    s = r.summary
    text = " ".join(what_happened(r.config, s, r.daily))
    assert f"{s['customers_start']:,.0f} to {s['customers_final']:,.0f} customers" in text
    assert f"{100 * s['churn_rate']:.1f} % of the starting customers" in text
    assert f"reached {100 * s['attack_reach']:.1f} % of the people in reach" in text
    detected_day = s["attack_detected_h"] / 24
    assert f"detected it on day {detected_day:.1f}" in text
    assert "stance 'apologise'" in text or f"stance '{r.config.strategy.crisis.stance}'" in text
    assert "nan" not in text


def test_a_preset_without_a_crisis_protocol_is_said_to_have_none():
    config = sim.load_config(
        "brand_attack_true", ["population.size=1000", "days=30", "strategy=hub_and_spoke"]
    )
    result = sim.run(config)
    text = " ".join(what_happened(result.config, result.summary, result.daily))
    assert "hub_and_spoke has no crisis protocol: no crisis was declared" in text
    assert "detect" not in text


def test_a_run_without_an_attack_tells_no_accusation():
    config = sim.load_config("baseline", ["population.size=1000", "days=10"])
    result = sim.run(config)
    text = " ".join(what_happened(result.config, result.summary, result.daily))
    assert "accusation" not in text
    assert "Over 10 days" in text


def test_the_page_holds_setup_headline_plots_glossary_and_provenance(attack_run, tmp_path):
    r = attack_run
    (tmp_path / "loyalty.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # any PNG in the folder
    page = run_report(r.config, r.seed, r.summary, r.daily, r.provenance, tmp_path, "days: 40\n")
    for heading in ("What happened", "The headline", "Plots", "Glossary", "Config and provenance"):
        assert f"<h2>{heading}</h2>" in page
    assert page.count("data:image/png;base64,") == 1
    assert "enterprise" in page and "brand_attack_true" in page
    assert "days: 40" in page
    assert not re.search(r"(src|href)=\"https?:", page)  # nothing fetched from the network
