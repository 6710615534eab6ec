"""Can the targets fail? Plainly wrong parameters, one at a time, must fail the check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.experiments.wrong_worlds import wrong_worlds

# a closed world of 2,000 people (no sampled reach) who ask often enough to keep a hub busy;
# a wrong world's value of the question rate comes later in the overrides and wins
SMALL = [
    "population.size=2000",
    "population.reach=0",
    "posts.question_rate_per_day=0.0086",
    "days=10",
    "output.plots=false",
]
KEY = "posts.question_rate_per_day"


@pytest.fixture(scope="module")
def occupancy():
    """The hub's utilisation at the defaults, two seeds (the targets' own replications)."""
    runs = [sim.run(sim.load_config("baseline", SMALL), seed).summary for seed in (0, 1)]
    return float(np.mean([r["hub_utilisation"] for r in runs]))


def _plausible(tmp_path, columns: dict) -> str:
    path = tmp_path / "plausible.csv"
    pd.DataFrame(columns).to_csv(path, index=False)
    return str(path)


def _target(value: float, sd: float) -> list[dict]:
    return [{"metric": "hub_utilisation", "value": value, "sd": sd, "overrides": SMALL}]


def test_a_binding_target_catches_both_wrong_worlds(tmp_path, occupancy):
    plausible = _plausible(tmp_path, {KEY: [0.0080, 0.0092]})
    # 10 % of the value: the spread a published occupancy figure might carry
    result = wrong_worlds(targets=_target(occupancy, 0.1 * occupancy), plausible=plausible)
    assert result.ok
    assert list(result.table["side"]) == ["below", "above"]
    assert result.table["value"].tolist() == pytest.approx([0.0040, 0.0184])
    assert all(failed == ["hub_utilisation"] for failed in result.table["failed"])


def test_a_target_wide_enough_to_pass_anything_is_exposed(tmp_path, occupancy):
    plausible = _plausible(tmp_path, {KEY: [0.0080, 0.0092]})
    result = wrong_worlds(targets=_target(occupancy, 10 * occupancy), plausible=plausible)
    assert not result.ok and not result.table["caught"].any()
    assert "PASSES every target" in result.text()


def test_a_value_the_config_refuses_is_reported_not_run(tmp_path, occupancy):
    plausible = _plausible(tmp_path, {"population.ignored_defect_prob": [0.2, 0.6]})
    result = wrong_worlds(targets=_target(occupancy, 0.1 * occupancy), plausible=plausible)
    above = result.table.set_index("side").loc["above"]
    assert above["status"].startswith("refused (population.ignored_defect_prob=1.2")
    assert result.table.set_index("side").loc["below", "status"] == "ran"


def test_bad_arguments_are_one_line(tmp_path, capsys):
    with pytest.raises(sim.ConfigError, match=r"factor=1: must be > 1"):
        wrong_worlds(factor=1.0)
    code = main(["calibrate", "mode=wrong", "parameters.posts.reply_gain=[0.1,0.2]"])
    assert code == 2 and "mode=wrong evaluates the current defaults" in capsys.readouterr().err
    code = main(["calibrate", "mode=check", "factor=3"])
    assert code == 2 and "factor=3.0: only with mode=wrong" in capsys.readouterr().err
