"""A sample of a larger reach (`population.reach`): the team faces every post, the sample moves.

Each simulated person stands for reach/size people. Posts by the people outside
the sample come on a stream of their own and load the team, but move no
simulated person; money and people counts are the brand's. Without replies
(`silence`) the team touches nobody, so the sample's own history must be exactly
the one it has with no reach at all, and the brand's money exactly `scale` times
the sample's.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from support import DENSE

import sim
from sim.config.errors import ConfigError
from sim.engine.model import HubspokeModel
from sim.engine.summary import summarise_run

SIZE = 3000
# the dense rates (many posts by simulated people), the reach set by each test
RATES = tuple(o for o in DENSE if not o.startswith("population.reach="))
BASE = ("output.plots=false", f"population.size={SIZE}", "days=45", *RATES)


def _model(strategy: str, reach: int, seed: int = 0) -> HubspokeModel:
    overrides = [*BASE, f"strategy={strategy}", f"population.reach={reach}"]
    config = sim.load_config("baseline", overrides)
    model = HubspokeModel(config, seed)
    model.run()
    return model


def test_a_reach_equal_to_the_size_is_no_sample():
    plain = sim.run(sim.load_config("baseline", [*BASE, "population.reach=0"]), 0).summary
    same = sim.run(sim.load_config("baseline", [*BASE, f"population.reach={SIZE}"]), 0).summary
    assert json.dumps(plain, sort_keys=True) == json.dumps(same, sort_keys=True)


def test_without_replies_the_sample_is_untouched_and_money_scales():
    alone, scaled = _model("silence", 0), _model("silence", 4 * SIZE)
    np.testing.assert_array_equal(alone.population.loyalty, scaled.population.loyalty)
    np.testing.assert_array_equal(alone.population.state, scaled.population.state)
    summary_alone, summary_scaled = summarise_run(alone)[1], summarise_run(scaled)[1]
    for key in ("revenue_total", "customers_final", "churned_total", "customer_equity_final"):
        assert math.isclose(summary_scaled[key], 4 * summary_alone[key], rel_tol=1e-12), key
    assert summary_scaled["loyalty_mean_final"] == summary_alone["loyalty_mean_final"]
    # the sample's own posts are the same posts; the outside people's come on top
    sample = ~scaled.posts.background
    np.testing.assert_array_equal(scaled.posts.created[sample], alone.posts.created)
    np.testing.assert_array_equal(scaled.posts.author[sample], alone.posts.author)


def test_outside_posts_come_at_the_samples_rate_per_person():
    model = _model("silence", 4 * SIZE)
    outside = int(model.posts.background.sum())
    own = len(model.posts) - outside
    # outside ~ Poisson(3 lambda), own ~ Poisson(lambda), independent streams:
    # outside - 3 own has variance 3 lambda + 9 lambda
    assert abs(outside - 3 * own) < 4 * math.sqrt(12 * own), (outside, own)


def test_answered_outside_posts_load_the_team_and_move_nobody():
    alone, scaled = _model("hub_and_spoke", 0), _model("hub_and_spoke", 4 * SIZE)
    posts = scaled.posts
    outside = posts.background
    assert (outside & ~np.isnan(posts.first_response)).sum() > 100
    assert np.isnan(posts.reply_uplift[outside]).all()
    assert np.isnan(posts.loyalty_after_fix[outside]).all()
    busy = [summarise_run(m)[1]["hub_utilisation"] for m in (alone, scaled)]
    assert busy[1] > 3 * busy[0], busy  # four times the posts, far from saturation


def test_a_reach_below_the_size_is_refused():
    with pytest.raises(ConfigError, match=r"population.reach=100: smaller than population.size"):
        sim.load_config("baseline", [*BASE, "population.reach=100"])
