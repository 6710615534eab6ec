"""Structural and parameter uncertainty in comparisons, and which assumption decides a ranking."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import sim
from sim.experiments.calibration import (
    SHIPPED_PLAUSIBLE,
    calibration_dir,
    plausible_set,
    target_set_names,
)
from sim.experiments.comparison import Comparison
from sim.experiments.uncertainty import deciders, draws_for, load_structural

SMALL = ["population.size=2000", "days=10", "output.plots=false"]
ARMS = {"silence": ["strategy=silence"], "enterprise": ["strategy=enterprise"]}


def test_the_shipped_plausible_set_is_the_plausible_part_of_its_candidates():
    """calibration/published_plausible.csv is what scripts/rescore_plausible.py keeps of
    calibration/published_candidates.csv: candidates only, each with its max I <= 3."""
    folder = calibration_dir()
    shipped = pd.read_csv(folder / SHIPPED_PLAUSIBLE)
    candidates = pd.read_csv(folder / "published_candidates.csv")
    keys = list(plausible_set("calibrated").columns)
    assert keys == [c for c in candidates.columns if c != "origin"]
    for row in shipped[keys].to_numpy():  # written to six significant digits
        assert np.isclose(candidates[keys].to_numpy(), row, rtol=1e-5, atol=0).all(axis=1).any()
    assert (shipped["max_I"] <= 3.0).all()
    assert len(shipped.drop_duplicates(keys)) == len(shipped)


def test_the_shipped_structural_set_is_sourced_and_valid():
    assumptions = load_structural("structural")
    assert len(assumptions) >= 10
    assert "structural" not in target_set_names()  # not a target set
    for a in assumptions:
        assert a.source and a.low < a.high
        for value in a.ends():  # both ends are valid configs where they act
            sim.load_config("brand_attack_true", [f"{a.key}={value}"])
    assert any(a.switch for a in assumptions)  # the recovery ceiling, drawn off and on


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("assumptions:\n  posts.answer_gain: {range: [0.1, 0.0], source: x}\n", "low < high"),
        ("assumptions:\n  posts.answer_gain: {range: [0.0, 0.1]}\n", "source: missing"),
        ("assumptions:\n  posts.answer_gain: {range: 0.1, source: x}\n", "two numbers"),
        ("assumptions:\n  posts.recovery_ceiling: {switch: 1, source: x}\n", "must be true"),
        ("other: 1\n", "no 'assumptions' mapping"),
        ("assumptions:\n  posts.answer_gian: {range: [0.0, 0.1], source: x}\n", "answer_gian"),
        (
            "assumptions:\n  posts.answer_gain: {range: [0.0, 1.5], source: x}\n",
            r"assumptions.posts.answer_gain.range=\[0, 1.5\]: posts.answer_gain=1.5: out of range",
        ),
    ],
)
def test_a_bad_structural_file_is_one_line(tmp_path, text, message):
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    with pytest.raises(sim.ConfigError, match=message) as caught:
        draws_for(str(path), 4, 0, "baseline", SMALL, ARMS)
    assert "\n" not in str(caught.value)


def test_structural_draws_are_a_latin_hypercube_of_what_the_scenario_can_feel():
    replications = 8
    draws = draws_for("structural", replications, 3, "baseline", SMALL, ARMS)
    by_key = {a.key: a for a in load_structural()}
    assert len(draws) == replications
    assert not any(k.startswith("attack.") for k in draws.columns)  # no attack in baseline
    for key in draws.columns:
        a = by_key[key]
        if a.switch:  # off in one half of the strata, on in the other
            assert draws[key].dtype == bool and draws[key].sum() == replications // 2
            continue
        strata = np.floor((draws[key] - a.low) / (a.high - a.low) * replications)
        assert sorted(strata.astype(int)) == list(range(replications)), key  # one per stratum
    again = draws_for("structural", replications, 3, "baseline", SMALL, ARMS)
    pd.testing.assert_frame_equal(draws, again)
    attack = draws_for("structural", 4, 3, "brand_attack_true", [*SMALL, "days=30"], ARMS)
    assert any(k.startswith("attack.effects.") for k in attack.columns)


def test_calibrated_draws_are_without_replacement():
    plausible = plausible_set("calibrated")
    n = len(plausible)
    draws = draws_for("calibrated", n, 0, "baseline", SMALL, ARMS)
    assert len(draws.drop_duplicates()) == n  # every plausible set once
    twice = draws_for("calibrated", n + 3, 0, "baseline", SMALL, ARMS)
    assert twice.value_counts().max() == 2
    full = draws_for("full", 5, 0, "baseline", SMALL, ARMS)
    assert set(plausible.columns) <= set(full.columns)
    assert "population.ignored_defect_prob" in full.columns


def test_bad_uncertainty_names_what_is_allowed():
    with pytest.raises(sim.ConfigError, match="uncertainty=maybe: not allowed; allowed: none, cal"):
        draws_for("maybe", 2, 0, "baseline", SMALL, ARMS)


def _synthetic(n: int = 60, seed: int = 0):
    """Arm a beats b by 1 where x < 0.6 and loses by 1 above; y is irrelevant; noise sd 0.1."""
    rng = np.random.default_rng(seed)
    x, y = rng.random(n), rng.random(n)
    lead = np.where(x < 0.6, 1.0, -1.0) + rng.normal(0, 0.1, n)
    rows = [
        {"arm": "a", "replication": k, "m": lead[k], "cost_to_serve_total": 5.0} for k in range(n)
    ]
    rows += [{"arm": "b", "replication": k, "m": 0.0, "cost_to_serve_total": 6.0} for k in range(n)]
    return pd.DataFrame(rows), pd.DataFrame({"x": x, "y": y})


def test_deciders_find_the_assumption_that_turns_the_lead():
    runs, draws = _synthetic()
    found = deciders(runs, draws, ["a", "b"], ["m"], reference="b")
    versus_reference = found[found["pair"] == "reference"].set_index("key")
    found = found[found["pair"] == "top"].set_index("key")
    assert versus_reference.loc["x", "flips"]  # a against the reference b: the same pair
    assert found.loc["x", "flips"] and not found.loc["y", "flips"]
    assert found.loc["x", "lead_low_third"] > 0 > found.loc["x", "lead_high_third"]
    assert abs(found.loc["x", "rho"]) > abs(found.loc["y", "rho"])
    # the top arm loses wherever x > 0.6: 40 % of the draws, within sampling error
    assert abs(found.loc["x", "flip_rate"] - 0.4) < 3 * np.sqrt(0.4 * 0.6 / 60)


def test_a_robust_lead_is_called_robust():
    runs, draws = _synthetic()
    comparison = Comparison(
        "synthetic",
        {"a": [], "b": []},
        "a",
        runs,
        pd.DataFrame(),
        ["cost_to_serve_total"],
        "structural",
        draws,
    )
    found = comparison.deciders()
    top = found[found["pair"] == "top"]
    assert (top["arm"] == "a").all() and (top["flip_rate"] == 0).all()  # cost: lower wins
    assert not found["flips"].any()
    assert comparison.verdicts() == [
        "cost_to_serve_total: a is first in 100% of draws (runner-up b): robust, in every draw"
    ]


def test_compare_with_structural_uncertainty_end_to_end(tmp_path):
    from sim.config.inert import InertSettingWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = sim.compare(
            "baseline", ["reactive_fifo", "hub_and_spoke"], 3, seed=2, overrides=SMALL[:2],
            uncertainty="structural", jobs=1,
        )  # fmt: skip
    # hub_and_spoke feels the liaisons' effort, so it is drawn for both arms; reactive_fifo
    # routes nothing to them: inert there, and not the user's concern (it was a line a run)
    assert not [w for w in caught if issubclass(w.category, InertSettingWarning)]
    assert len(result.draws) == 3
    assert "population.ignored_defect_prob" in result.draws.columns
    result.save(tmp_path)
    saved = (tmp_path / "comparison.json").read_text()
    assert '"deciders"' in saved and '"verdicts"' in saved


def test_stance_effects_for_the_other_truth_are_inert():
    from sim.config.inert import inert_settings

    key = "attack.effects.deny.false.transmission"
    true_attack = sim.load_config("brand_attack_true", [f"{key}=0.3"])
    assert inert_settings(true_attack, [key]) == [
        f"{key}: the accusation is true (attack.is_true=true); the setting has no effect"
    ]
    assert inert_settings(sim.load_config("brand_attack_false", [f"{key}=0.3"]), [key]) == []
    draws = draws_for("structural", 3, 0, "brand_attack_true", [*SMALL, "days=30"], ARMS)
    assert not any(".false." in k for k in draws.columns)


def test_a_drawn_switch_is_read_off_and_on():
    n = 40
    on = np.arange(n) % 2 == 0
    lead = np.where(on, 1.0, -0.5) + np.random.default_rng(1).normal(0, 0.1, n)
    rows = [{"arm": "a", "replication": k, "churn_rate": 0.2 - lead[k]} for k in range(n)]
    rows += [{"arm": "b", "replication": k, "churn_rate": 0.2} for k in range(n)]
    comparison = Comparison(
        "synthetic",
        {"b": [], "a": []},
        "b",
        pd.DataFrame(rows),
        pd.DataFrame(),
        ["churn_rate"],
        "structural",
        pd.DataFrame({"posts.recovery_ceiling": on}),
    )
    verdict = next(v for v in comparison.verdicts() if v.startswith("churn_rate: a beats b"))
    assert "it turns with posts.recovery_ceiling (lead -0.5" in verdict
    assert "when off, +1" in verdict and "when on)" in verdict


def test_a_draw_where_every_arm_ties_is_no_arms_win():
    """Three of ten draws leave both arms the same (say, an attack never detected): the top
    arm is first in the other seven, and the ties are reported as ties, not as wins."""
    n = 10
    a = [5.0] * 7 + [1.0] * 3
    rows = [{"arm": "a", "replication": k, "m": a[k]} for k in range(n)]
    rows += [{"arm": "b", "replication": k, "m": 1.0} for k in range(n)]
    runs, draws = pd.DataFrame(rows), pd.DataFrame({"x": np.linspace(0, 1, n)})
    top = deciders(runs, draws, ["a", "b"], ["m"]).query("pair == 'top'").iloc[0]
    assert (top["flip_rate"], top["tie_share"]) == (0.0, 0.3)
    comparison = Comparison("synthetic", {"a": [], "b": []}, "b", runs, pd.DataFrame(), ["m"],
                            "structural", draws)  # fmt: skip
    assert comparison.ranking().set_index("metric").loc["m", "top_share"] == 0.7
    assert comparison.verdicts()[0].startswith("m: a is first in 70% of draws and ties in 30%")


def test_a_lead_that_is_mostly_ties_is_not_called_robust():
    n = 10
    rows = [{"arm": "a", "replication": k, "m": 2.0 if k == 0 else 1.0} for k in range(n)]
    rows += [{"arm": "b", "replication": k, "m": 1.0} for k in range(n)]
    runs, draws = pd.DataFrame(rows), pd.DataFrame({"x": np.linspace(0, 1, n)})
    comparison = Comparison("synthetic", {"a": [], "b": []}, "b", runs, pd.DataFrame(), ["m"],
                            "structural", draws)  # fmt: skip
    verdict = comparison.verdicts()[0]
    assert verdict.startswith("m: a is first in 10% of draws and ties in 90%")
    assert "robust" not in verdict


def test_against_the_reference_ties_and_losses_are_not_called_robust():
    """An arm equal to the reference in every draw ties; one worse in every draw loses."""
    n = 10
    rows = [{"arm": "same", "replication": k, "m": 1.0 + k} for k in range(n)]
    rows += [{"arm": "worse", "replication": k, "m": 0.5 + k} for k in range(n)]
    rows += [{"arm": "ref", "replication": k, "m": 1.0 + k} for k in range(n)]
    runs = pd.DataFrame(rows).rename(columns={"m": "relationship_value_horizon"})
    draws = pd.DataFrame({"x": np.linspace(0, 1, n)})
    comparison = Comparison("synthetic", {"ref": [], "same": [], "worse": []}, "ref", runs,
                            pd.DataFrame(), ["relationship_value_horizon"], "structural",
                            draws)  # fmt: skip
    verdicts = [v for v in comparison.verdicts() if " beats ref" in v]
    assert verdicts == [
        "relationship_value_horizon: same beats ref in 0% of draws and ties in 100%: "
        "the two do not differ on it in any draw",
        "relationship_value_horizon: worse beats ref in 0% of draws: it does worse in every draw",
    ]
