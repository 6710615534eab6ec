"""Staffing recommendation and SALib sensitivity analysis on small problems."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import sim
from sim.experiments.sensitivity import _problem, analyse, design
from sim.experiments.staffing import recommend

SMALL = ["population.size=3000", "days=20"]


def test_recommendation_is_the_cheapest_option_meeting_every_target() -> None:
    rows = []
    for staff, cost, p90 in ((1, 100.0, 5.0), (2, 200.0, 0.8), (3, 300.0, 0.5)):
        for rep in range(4):
            rows.append(
                {
                    "team.hub.staff": staff,
                    "replication": rep,
                    "status": "ok",
                    "cost_to_serve_total": cost + rep,
                    "first_response_p90_h": p90 + 0.01 * rep,
                    "relationship_value_total": 1000.0 - cost,
                    "relationship_value_horizon": 9000.0 - 2 * cost,
                    "customer_equity_final": 5e4,
                    "first_response_median_h": 0.1,
                    "sla_attainment": 0.9,
                    "churn_rate": 0.05,
                    "loyalty_mean_final": 0.6,
                }
            )
    result = recommend(pd.DataFrame(rows), ["team.hub.staff"], {"first_response_p90_h": 1.0})
    assert result.recommended["team.hub.staff"] == 2
    assert list(result.points["meets"]) == [False, True, True]
    step = result.marginal.iloc[0]
    assert (step["from_staff"], step["to_staff"]) == (1, 2)
    assert step["d_rv"] == pytest.approx(-100.0)
    assert step["d_rv_horizon"] == pytest.approx(-200.0)
    text = result.text()
    assert "**Recommended: team.hub.staff=2**" in text
    rows = [line for line in text.splitlines() if line.startswith("| 1 | no |")]
    assert len(rows) == 1  # one staff misses the target ...
    assert "`first_response_p90_h` upper" in rows[0] and "> 1.00 h" in rows[0]  # ... says how
    assert "e+0" not in text and "$" in text


def test_staffing_end_to_end(tmp_path) -> None:
    result = sim.staffing(
        "baseline",
        staff=[1, 3],
        targets={"first_response_median_h": 50.0},
        replications=2,
        out=tmp_path,
        jobs=1,
        overrides=SMALL,
    )
    assert result.recommended is not None and result.recommended["team.hub.staff"] == 1
    assert len(pd.read_csv(tmp_path / "staffing.csv")) == 2  # an option a row
    for name in (
        "staffing.md",
        "staffing.json",
        "tradeoff_value.png",
        "tradeoff_equity.png",
        "tradeoff_value_horizon.png",
        "tradeoff_response.png",
        "service_by_hour.png",
    ):
        assert (tmp_path / name).exists(), name
    payload = json.loads((tmp_path / "staffing.json").read_text())
    assert payload["recommended"]["team.hub.staff"] == 1
    _assert_page(tmp_path, "Staffing: baseline", plots=5)
    # the recommended option's service by hour of week, from one run with its post log
    service = pd.read_csv(tmp_path / "service_by_hour.csv")
    assert len(service) == 168 and service["posts"].sum() > 0
    assert "## Service by hour of the day" in result.text()
    with pytest.raises(sim.ConfigError, match=r"targets\.bogus"):
        recommend(sim.experiments.load(tmp_path / "sweep"), ["team.hub.staff"], {"bogus": 1.0})


def _assert_page(folder, title: str, plots: int) -> None:
    """report.html: the job's Markdown as HTML, its plots embedded, its provenance; nothing
    fetched from the network."""
    page = (folder / "report.html").read_text()
    assert f"<title>{title}</title>" in page
    assert page.count("data:image/png;base64,") == plots
    assert "<h2>Provenance</h2>" in page and "&quot;seed&quot;" in page
    assert "http://" not in page and "https://" not in page


def test_morris_ranks_a_linear_function_by_its_slopes() -> None:
    problem = _problem({"a": [0.0, 1.0], "b": [0.0, 1.0], "c": [0.0, 1.0]})
    x = design("morris", problem, 20, 4, seed=0)
    y = 5.0 * x[:, 0] + 1.0 * x[:, 1] + 0.0 * x[:, 2]
    table = analyse("morris", problem, x, y, "y", seed=0).table
    assert list(table["parameter"]) == ["a", "b", "c"]
    assert table["mu_star"].iloc[0] == pytest.approx(5.0)
    assert table["mu_star"].iloc[2] == pytest.approx(0.0)


def test_sobol_first_order_indices_of_an_additive_function() -> None:
    # y = a + 2b with a, b ~ U(0,1): Var = 1/12 + 4/12, so S_a = 0.2, S_b = 0.8, ST = S1
    problem = _problem({"a": [0.0, 1.0], "b": [0.0, 1.0]})
    x = design("sobol", problem, 1024, 4, seed=0)
    y = x[:, 0] + 2.0 * x[:, 1]
    table = analyse("sobol", problem, x, y, "y", seed=0).table.set_index("parameter")
    for name, expected in (("a", 0.2), ("b", 0.8)):
        # within SALib's own 95% bootstrap interval of each estimate
        assert abs(table.loc[name, "S1"] - expected) <= table.loc[name, "S1_conf"]
        assert abs(table.loc[name, "ST"] - expected) <= table.loc[name, "ST_conf"]


def test_sensitivity_end_to_end(tmp_path) -> None:
    results = sim.sensitivity(
        "baseline",
        {"team.hub.staff": [1, 4], "posts.reply_gain": [0.0, 0.1]},
        ["loyalty_mean_final"],
        method="morris",
        n=3,
        out=tmp_path,
        jobs=1,
        overrides=SMALL,
    )
    table = results[0].table
    assert set(table["parameter"]) == {"team.hub.staff", "posts.reply_gain"}
    assert np.all(table["mu_star"] >= 0)
    assert (tmp_path / "sensitivity.md").exists()
    assert (tmp_path / "sensitivity_morris_loyalty_mean_final.png").exists()
    _assert_page(tmp_path, "Sensitivity (morris): baseline", plots=1)
    with pytest.raises(sim.ConfigError, match="must be \\[low, high\\]"):
        sim.sensitivity("baseline", {"team.hub.staff": [4, 1]}, ["churn_rate"], out=tmp_path / "x")


def test_sensitivity_of_a_daily_outcome(tmp_path) -> None:
    """The area under the daily backlog moves with the hub's staff, not the reply's gain:
    Morris ranks staff first, and the outputs are read from each run's kept days."""
    from sim.experiments.sweeps import load, load_daily

    (result,) = sim.sensitivity(
        "baseline", {"team.hub.staff": [0, 4], "posts.reply_gain": [0.02, 0.1]},
        ["backlog@sum"], method="morris", n=3, out=tmp_path, jobs=1,
        overrides=["population.size=600", "days=8"],
    )  # fmt: skip
    assert result.table.iloc[0]["parameter"] == "team.hub.staff"
    days = load_daily(tmp_path / "sweep")
    assert days["run_id"].nunique() == len(load(tmp_path / "sweep"))
    with pytest.raises(sim.ConfigError, match="not a daily column"):
        sim.sensitivity("baseline", {"team.hub.staff": [0, 4]}, ["blacklog@sum"],
                        out=tmp_path / "y")  # fmt: skip
