"""Money in the run's currency (output.currency): headline, tables, axis ticks and labels."""

from __future__ import annotations

import pytest

import sim
from sim.config import ConfigError
from sim.experiments.comparison import compare
from sim.report import plots
from sim.report.currency import Currency
from sim.report.headline import headline, short

SMALL = ["population.size=800", "days=8"]


def test_money_ticks_put_the_sign_before_the_currency():
    usd, eur = Currency("USD"), Currency("EUR")
    assert [usd.tick(x) for x in (-1.5e6, -5e5, -20, 0, 2.5e3, 1.25e6)] == [
        "-$1.50M", "-$500k", "-$20", "$0", "$2.5k", "$1.25M",
    ]  # fmt: skip
    assert eur.tick(-2.5e3) == "-€2.5k"
    assert eur.amount(3.15e9) == "€3.15 B" and Currency("CHF").amount(12_300) == "CHF 12,300"
    assert eur.label("cost to serve") == "cost to serve (EUR)"


def test_an_unknown_currency_is_one_line_naming_key_value_and_allowed():
    with pytest.raises(ConfigError) as caught:
        sim.load_config("baseline", ["output.currency=DOLLARS"])
    message = str(caught.value)
    assert "\n" not in message
    assert "output.currency=DOLLARS" in message and "USD" in message and "EUR" in message


def test_the_headline_and_table_cells_use_the_currency():
    summary = {"relationship_value_total": 1.25e6, "churn_rate": 0.1}
    text = headline(
        summary, scenario="s", strategy="t", stance="none", seed=0, days=90,
        horizon_days=1095, currency=Currency("GBP"),
    )  # fmt: skip
    assert "£1.2 M over the 90 days" in text and "$" not in text
    assert short("cost_to_serve_total", -12_300, Currency("EUR")) == "-€12,300"


def test_a_run_in_euros_says_euros_in_its_report_and_on_its_money_axes(tmp_path, monkeypatch):
    labels = []

    def keep_labels(fig, path, rect=None):
        for ax in fig.axes:
            labels.append(ax.get_ylabel())

    monkeypatch.setattr(plots, "_save", keep_labels)
    result = sim.run(sim.load_config("baseline", [*SMALL, "output.currency=EUR"]))
    result.save(tmp_path)
    page = (tmp_path / "report.html").read_text()
    assert "€" in page and "(EUR)" in page
    assert "$" not in page.split("Config and provenance")[0]
    assert "cumulative since day 0 (EUR)" in labels
    assert not [label for label in labels if "$" in label or "USD" in label]


def test_arms_in_different_currencies_are_refused_before_any_run():
    with pytest.raises(ConfigError, match=r"output\.currency: the arms differ"):
        compare(
            "baseline",
            {"a": ["output.currency=USD"], "b": ["output.currency=EUR"]},
            replications=2,
            overrides=SMALL,
        )
