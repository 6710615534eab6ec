"""A sweep's report.html: which parameter moves a metric, said only beyond the noise."""

from __future__ import annotations

import pandas as pd

from sim.experiments.sweeps import points_report, sweep
from sim.report.currency import USD
from sim.report.sweep_page import what_moved


def _points(spread: float, half_width: float) -> pd.DataFrame:
    rows = []
    for staff in (1, 2, 3):
        for priority in ("fifo", "severity"):
            mean = 0.5 + spread * (staff - 1) / 2
            rows.append(
                {"team.hub.staff": staff, "strategy.priority": priority, "runs": 10,
                 "sla_attainment": mean, "sla_attainment_low": mean - half_width,
                 "sla_attainment_high": mean + half_width}
            )  # fmt: skip
    return pd.DataFrame(rows)


def test_a_parameter_is_said_to_move_a_metric_only_beyond_the_intervals():
    parameters = ["team.hub.staff", "strategy.priority"]
    (moved,) = what_moved(_points(0.30, 0.05), parameters, ["sla_attainment"], USD)
    assert "team.hub.staff moves it most" in moved and "30.0 %" in moved
    assert "best mean at team.hub.staff=3" in moved
    (noise,) = what_moved(_points(0.02, 0.05), parameters, ["sla_attainment"], USD)
    assert "within the noise" in noise and "moves it most" not in noise


def test_a_sweep_writes_its_report_with_plots_and_the_manifest(tmp_path):
    out = sweep(
        "baseline", grid={"team.hub.staff": [0, 2]}, replications=2, out=tmp_path / "s",
        jobs=1, overrides=["population.size=600", "days=6"],
    )  # fmt: skip
    _, parameters, runs, failed = points_report(out, ["unanswered_share", "churn_rate"])
    page = (out / "report.html").read_text()
    assert (runs, failed, parameters) == (4, 0, ["team.hub.staff"])
    for heading in ("What moved the metrics", "The design points", "Plots", "Glossary"):
        assert f"<h2>{heading}</h2>" in page
    assert page.count("data:image/png;base64,") == 2  # one plot a metric
    assert "2 replications" in page and "says little" in page  # too few, and said so
    # nobody answers with no hub staff, nearly everything with two: beyond any noise
    assert "unanswered_share: best mean at team.hub.staff=2" in page
    assert "team.hub.staff moves it most" in page
    assert (out / "sweep_unanswered_share.png").is_file() and (out / "points.csv").is_file()
