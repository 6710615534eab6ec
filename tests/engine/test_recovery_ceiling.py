"""posts.recovery_ceiling: replies and fixes restore loyalty, they do not lift it.

On a fast team (6 people, 24 h) the gains of a quick reply and a fix add up to
more than an incident costs, and most fixed complainers end above where they
were before the incident (a recovery paradox, which de Matos et al. 2007 found
absent for repurchase). The ceiling removes it, and stops replies to questions
lifting people above their own baseline.
"""

from __future__ import annotations

import numpy as np
import pytest
from support import DENSE

import sim
from sim.engine.model import HubspokeModel

FAST = (
    *DENSE,
    "strategy=hub_and_spoke",
    "team.hub.staff=6",
    "team.hub.coverage_start_hour=0",
    "team.hub.coverage_hours=24",
    "output.plots=false",
    "population.size=10000",
    "days=60",
)


@pytest.fixture(scope="module")
def runs():
    found = {}
    for ceiling in (False, True):
        config = sim.load_config("baseline", [*FAST, f"posts.recovery_ceiling={ceiling}"])
        model = HubspokeModel(config, 0)
        model.run()
        posts = model.posts
        fixed = ~np.isnan(posts.loyalty_after_fix) & ~np.isnan(posts.loyalty_before)
        net = posts.loyalty_after_fix[fixed] - posts.loyalty_before[fixed]
        found[ceiling] = (net, sim.results.collect(model).summary)
    return found


def test_without_the_ceiling_a_fast_team_shows_the_paradox(runs):
    net, _ = runs[False]
    assert len(net) > 200 and net.mean() > 0 and (net > 0).mean() > 0.5


def test_with_the_ceiling_no_fix_lifts_above_the_incident(runs):
    net, summary = runs[True]
    assert len(net) > 200 and net.mean() <= 0
    # only what others did between incident and fix (bystanders' praise) can lift someone
    assert (net > 1e-12).mean() < 0.05
    assert summary["recovery_net_loyalty"] <= 0


def test_with_the_ceiling_questions_lift_far_less(runs):
    lifted = runs[False][1]["reply_uplift_questions"]
    restored = runs[True][1]["reply_uplift_questions"]
    assert restored < lifted / 2
