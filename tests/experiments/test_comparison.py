"""sim.compare: replications, common random numbers, paired CIs, saved files, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from support import dask_cluster

import sim
from sim.experiments.comparison import normalise_arms

SMALL = ["population.size=1500", "days=20"]


@pytest.fixture(scope="module")
def comparison():
    return sim.compare(
        "baseline", ["silence", "hub_and_spoke"], replications=4, jobs=1, overrides=SMALL
    )


def test_runs_have_a_row_per_arm_and_replication(comparison) -> None:
    runs = comparison.runs
    assert len(runs) == 8
    assert set(runs["arm"]) == {"silence", "hub_and_spoke"}
    # replication k uses the same seed in every arm
    seeds = runs.pivot(index="replication", columns="arm", values="seed")
    assert (seeds["silence"] == seeds["hub_and_spoke"]).all()
    assert list(seeds["silence"]) == [0, 1, 2, 3]


def test_table_has_paired_differences_against_the_first_arm(comparison) -> None:
    table = comparison.table.set_index(["arm", "metric"])
    assert comparison.reference == "silence"
    row = table.loc[("hub_and_spoke", "unanswered_share")]
    assert row["diff"] < 0 and row["diff_excludes_zero"]
    assert table.loc[("silence", "unanswered_share"), "mean"] == 1.0


def test_differences_carry_paired_p_values_adjusted_over_the_whole_table(comparison) -> None:
    from sim.report.stats import holm

    table = comparison.table
    reference = table["arm"] == comparison.reference
    assert table.loc[reference, ["diff_p", "diff_p_holm"]].isna().all().all()
    tested = table[~reference & table["diff_p"].notna()]
    assert len(tested) > 10  # every metric of the one other arm is in the family
    assert tested["diff_p_holm"].tolist() == pytest.approx(holm(tested["diff_p"].tolist()))
    assert (tested["diff_p_holm"] >= tested["diff_p"]).all()
    # a clear difference (silence answers nothing) stays clear after the adjustment
    row = table.set_index(["arm", "metric"]).loc[("hub_and_spoke", "unanswered_share")]
    assert row["diff_p_holm"] <= 0.05
    cell = comparison.to_json()["metrics"]["unanswered_share"]["hub_and_spoke"]
    assert cell["paired_p"] == pytest.approx(row["diff_p"])
    assert cell["paired_p_holm"] == pytest.approx(row["diff_p_holm"])


def test_no_interval_of_a_bounded_metric_leaves_its_range(comparison) -> None:
    from sim.experiments.comparison import Comparison
    from sim.report.stats import bounds_of

    # churn rates near 0: their raw t intervals cross 0 (mean 0.0033, half-width 0.014),
    # and the arm's differences to the reference reach below -1 unclipped
    runs = pd.DataFrame(
        {
            "arm": ["a"] * 3 + ["b"] * 3,
            "replication": [0, 1, 2] * 2,
            "seed": [0, 1, 2] * 2,
            "churn_rate": [0.0, 0.0, 0.01, 0.98, 0.0, 0.99],
            "relationship_value_total": [-5.0, 0.0, 5.0, -5.0, 0.0, 5.0],
        }
    )
    synthetic = Comparison("baseline", {"a": [], "b": []}, "a", runs, pd.DataFrame())
    table = synthetic.table.set_index(["arm", "metric"])
    assert table.loc[("a", "churn_rate"), "ci_low"] == 0.0
    assert table.loc[("b", "churn_rate"), "ci_high"] == 1.0
    assert table.loc[("b", "churn_rate"), "diff_high"] <= 1.0
    assert table.loc[("b", "churn_rate"), "diff_unpaired_high"] <= 1.0
    assert table.loc[("a", "relationship_value_total"), "ci_low"] < -5.0  # money: no bound
    # and in a real comparison, no row leaves its range
    for _, row in comparison.table.iterrows():
        bounds = bounds_of(row["metric"])
        if bounds is None or not np.isfinite(row["ci_low"]):
            continue
        low, high = bounds
        assert low <= row["ci_low"] <= row["ci_high"] <= high, row["metric"]
        span = high - low
        if np.isfinite(row["diff_low"]):
            assert -span <= row["diff_low"] <= row["diff_high"] <= span, row["metric"]
    # silence answers nobody: its unanswered share is 1 in every replication, interval [1, 1]
    silence = comparison.table.set_index(["arm", "metric"]).loc[("silence", "unanswered_share")]
    assert silence["ci_low"] == silence["ci_high"] == 1.0


def test_paired_interval_is_narrower_than_unpaired(comparison) -> None:
    row = comparison.table.set_index(["arm", "metric"]).loc[("hub_and_spoke", "loyalty_mean_final")]
    assert (row["diff_high"] - row["diff_low"]) < (
        row["diff_unpaired_high"] - row["diff_unpaired_low"]
    )


def test_results_do_not_depend_on_jobs(comparison) -> None:
    again = sim.compare(
        "baseline", ["silence", "hub_and_spoke"], replications=4, jobs=2, overrides=SMALL
    )
    cols = [c for c in comparison.runs.columns]
    assert comparison.runs[cols].equals(again.runs[cols])


def test_save_writes_every_file(comparison, tmp_path) -> None:
    comparison.save(tmp_path)
    for name in (
        "runs.parquet",
        "comparison.md",
        "comparison.json",
        "metrics_ci.png",
        "daily_loyalty_mean.png",
        "daily_backlog.png",
    ):
        assert (tmp_path / name).exists(), name
    payload = json.loads((tmp_path / "comparison.json").read_text())
    entry = payload["metrics"]["loyalty_mean_final"]["hub_and_spoke"]
    assert set(entry) >= {"mean", "ci", "diff_ci_paired", "diff_ci_unpaired"}


def test_arm_shorthand_and_bad_input() -> None:
    assert normalise_arms(["a", "b"]) == {"a": ["strategy=a"], "b": ["strategy=b"]}
    with pytest.raises(sim.ConfigError, match="arm bad: strategy=nope"):
        sim.compare("baseline", {"bad": ["strategy=nope"]}, replications=2)
    with pytest.raises(sim.ConfigError, match="replications=1"):
        sim.compare("baseline", ["silence"], replications=1)
    with pytest.raises(sim.ConfigError, match="reference=x"):
        sim.compare("baseline", ["silence"], replications=2, reference="x")


def test_parameter_uncertainty_draws_one_plausible_set_per_replication_for_every_arm():
    from sim.experiments.calibration import plausible_set
    from sim.experiments.uncertainty import draws_for

    small = ["population.size=2000", "days=10"]
    result = sim.compare(
        "baseline",
        ["silence", "hub_and_spoke"],
        3,
        seed=4,
        overrides=small,
        uncertainty="calibrated",
    )
    plausible = plausible_set("calibrated")
    assert len(result.draws) == 3
    assert set(result.draws.columns) == set(plausible.columns)
    merged = result.draws.merge(plausible, how="left", indicator=True)
    assert (merged["_merge"] == "both").all()  # every draw is a row of the plausible set
    arms = {"silence": ["strategy=silence"], "hub_and_spoke": ["strategy=hub_and_spoke"]}
    again = draws_for("calibrated", 3, 4, "baseline", small, arms)
    pd.testing.assert_frame_equal(result.draws, again)  # reproducible from the seed
    ranking = result.ranking()
    assert set(ranking["metric"]) <= set(result.metrics)
    assert ranking["top_share"].between(0, 1).all()
    assert "parameter draw" in result.text()


def test_bad_uncertainty_is_one_line():
    with pytest.raises(sim.ConfigError, match="uncertainty=sometimes: not allowed"):
        sim.compare("baseline", ["silence", "hub_and_spoke"], 2, uncertainty="sometimes")


def test_each_replication_runs_with_its_draw_in_every_arm(monkeypatch):
    import sim.experiments.comparison as comparison

    seen = []

    def capture(specs, *_, **__):
        seen.extend(specs)
        raise RuntimeError("captured")

    monkeypatch.setattr(comparison, "execute", capture)
    with pytest.raises(RuntimeError, match="captured"):
        comparison.compare(
            "baseline", ["silence", "enterprise"], 2, seed=1, uncertainty="calibrated"
        )
    arms = {"silence": ["strategy=silence"], "enterprise": ["strategy=enterprise"]}
    draws = comparison.draws_for("calibrated", 2, 1, "baseline", [], arms)
    lines = comparison.draw_overrides(draws)
    for spec in seen:
        k = spec.replication
        assert spec.seed == 1 + k
        assert all(line in spec.overrides for line in lines[k])
        # the arm's own overrides come last, so an arm can still set a drawn key
        assert spec.overrides[-1] == f"strategy={dict(spec.labels)['arm']}"


def test_compare_on_a_dask_cluster_gives_the_local_result():
    small = ["population.size=1500", "days=8"]
    local = sim.compare("baseline", ["silence", "hub_and_spoke"], 2, overrides=small, jobs=1)
    with dask_cluster() as cluster:
        remote = sim.compare(
            "baseline",
            ["silence", "hub_and_spoke"],
            2,
            overrides=small,
            executor="dask",
            address=cluster.scheduler_address,
        )
    pd.testing.assert_frame_equal(local.runs, remote.runs)


def test_too_few_replications_are_said_to_mean_little():
    from sim.experiments.comparison import few_replications_note

    note = few_replications_note(3)
    assert "2 degree(s) of freedom" in note and "t = 4.3" in note  # t(0.975, 2) = 4.30
    assert "10 or more" in note


def test_daily_differences_are_paired_by_replication() -> None:
    """Arm b is arm a plus 5 on every replication, whose levels differ by thousands: the
    arms' own bands are wide, the paired difference is exactly 5 with no width."""
    from sim.experiments.comparison import Comparison
    from sim.report.plots import _daily_intervals
    from sim.report.stats import t_quantile

    levels = np.array([1000.0, 4000.0, 9000.0])
    rows = [
        {"arm": arm, "replication": k, "day": day, "customers": level + day + shift}
        for arm, shift in (("a", 0.0), ("b", 5.0))
        for k, level in enumerate(levels)
        for day in (1, 2)
    ]
    runs = pd.DataFrame({"arm": ["a", "b"] * 3, "replication": [0, 0, 1, 1, 2, 2]})
    synthetic = Comparison("synthetic", {"a": [], "b": []}, "a", runs, pd.DataFrame(rows))
    ((arm, mean, low, high),) = _daily_intervals(synthetic, "customers", paired=True)
    assert arm == "b"
    np.testing.assert_allclose(mean.to_numpy(), 5.0)
    np.testing.assert_allclose((high - low).to_numpy(), 0.0, atol=1e-9)
    own = {a: (m, lo, hi) for a, m, lo, hi in _daily_intervals(synthetic, "customers", False)}
    half = t_quantile(2) * levels.std(ddof=1) / np.sqrt(3)
    np.testing.assert_allclose((own["a"][2] - own["a"][0]).to_numpy(), half, rtol=1e-9)


def test_a_star_alone_and_a_star_that_survives_holm_are_told_apart(tmp_path) -> None:
    """* marks a difference clear alone; † one that holds after Holm's adjustment over the
    table; the prose says which, so a lone star reads as a lead, not a finding."""
    from sim.experiments.comparison import Comparison

    base = np.array([100.0, 200.0, 300.0, 400.0, 500.0, 600.0])
    churn = np.array([0.10, 0.12, 0.11, 0.13, 0.09, 0.10])
    columns = {
        # a large, steady difference, and a small one clear alone (p ~ 0.006)
        "relationship_value_horizon": (base, base + np.array([50, 51, 49, 50, 52, 48])),
        "churn_rate": (churn, churn + np.array([0.010, 0.004, 0.008, 0.002, 0.012, 0.006])),
    }
    for k in range(18):  # differences that average to zero: the rest of the family
        columns[f"noise_{k}"] = (base, base + np.array([1, -1, 2, -2, 0.5, -0.5]))
    runs = pd.DataFrame(
        {
            "arm": ["a"] * 6 + ["b"] * 6,
            "replication": list(range(6)) * 2,
            "seed": list(range(6)) * 2,
            **{name: np.concatenate(pair) for name, pair in columns.items()},
        }
    )
    synthetic = Comparison("baseline", {"a": [], "b": []}, "a", runs, pd.DataFrame())
    table = synthetic.table.set_index(["arm", "metric"])
    value, lone = table.loc[("b", "relationship_value_horizon")], table.loc[("b", "churn_rate")]
    assert value["diff_p_holm"] < 0.05
    assert lone["diff_p"] < 0.05 < lone["diff_p_holm"] and lone["diff_excludes_zero"]
    synthetic.metrics = ["relationship_value_horizon", "churn_rate"]

    markdown = synthetic.markdown()
    assert "]*†" in markdown.split("| relationship_value_horizon |")[1].split("\n")[0]
    churn_row = markdown.split("| churn_rate |")[1].split("\n")[0]
    assert churn_row.rstrip(" |").endswith("]*")
    assert "all 20 differences computed" in markdown
    text = synthetic.text()
    assert text.split("\nchurn_rate")[1].split("\n")[2].endswith("] *")
    assert "] *†" in text.split("\nrelationship_value_horizon")[1].split("\n")[2]
    page = synthetic.report_html(tmp_path)
    assert "clear, also after Holm" in page
    assert "clear on its own, not after Holm" in page
