"""Same config and seed: the same run, to the bit. Another seed: another run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support import SMALL

import sim

CASES = {
    "baseline": ("baseline", SMALL),
    "attack_enterprise": ("brand_attack_false", (*SMALL, "strategy=enterprise")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_seed_same_run(case):
    scenario, overrides = CASES[case]
    a = sim.run(sim.load_config(scenario, list(overrides)), 11)
    b = sim.run(sim.load_config(scenario, list(overrides)), 11)
    np.testing.assert_equal(a.summary, b.summary)  # NaN-aware, exact
    assert list(a.summary) == list(b.summary)
    pd.testing.assert_frame_equal(a.daily, b.daily, check_exact=True)


def test_same_seed_same_post_log():
    overrides = [*SMALL, "output.posts=true"]
    a = sim.run(sim.load_config("baseline", overrides), 5)
    b = sim.run(sim.load_config("baseline", overrides), 5)
    pd.testing.assert_frame_equal(a.posts, b.posts, check_exact=True)


def test_another_seed_another_run(simulate):
    _, a = simulate("baseline", SMALL, 0)
    _, b = simulate("baseline", SMALL, 1)
    assert a.summary != b.summary
    assert a.summary["customers_start"] != b.summary["customers_start"]
    assert not a.daily["churned"].equals(b.daily["churned"])


def test_seed_argument_overrides_config_seed():
    config = sim.load_config("baseline", [*SMALL, "seed=3", "days=5"])
    a = sim.run(config, 3)
    b = sim.run(config, 4)
    c = sim.run(config)
    np.testing.assert_equal(a.summary, c.summary)
    assert a.summary != b.summary
    assert b.seed == 4


def test_run_does_not_depend_on_previous_runs_in_the_process():
    """No hidden global state: a run after other runs equals a fresh run."""
    config = sim.load_config("baseline", [*SMALL, "days=10"])
    first = sim.run(config, 2)
    sim.run(sim.load_config("brand_attack_false", [*SMALL, "days=25"]), 9)
    again = sim.run(config, 2)
    pd.testing.assert_frame_equal(first.daily, again.daily, check_exact=True)
