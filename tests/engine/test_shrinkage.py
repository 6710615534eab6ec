"""team.hub.shrinkage: rostered time not on posts stretches each post's handling."""

from __future__ import annotations

import pytest

import sim
from sim.config import ConfigError
from sim.engine.model import HubspokeModel
from sim.results import collect

# one day, a hub far larger than its load: nobody waits, so the same posts are served
# at the same moments, and only their handling time differs
IDLE = ["population.size=2000", "days=1", "team.hub.staff=12", "team.hub.coverage_hours=24"]


def _run(shrinkage: float):
    config = sim.load_config("baseline", [*IDLE, f"team.hub.shrinkage={shrinkage}"])
    model = HubspokeModel(config, seed=4)
    model.run()
    return model, collect(model)


def test_busy_hours_scale_by_one_over_one_minus_shrinkage_and_wages_do_not():
    (model0, base), (model1, shrunk) = _run(0.0), _run(0.3)
    # the work of the posts taken up (the same posts at the same moments) scales exactly
    started0, started1 = model0.team.hub.busy_hours, model1.team.hub.busy_hours
    assert started0 > 0
    assert started1 == pytest.approx(started0 / 0.7, rel=1e-9)
    # the days count the work done by the run's end: all of it but the posts under way
    for model, result in ((model0, base), (model1, shrunk)):
        done = result.daily["hub_busy_h"].sum()
        assert done == pytest.approx(model.team.hub.busy_through(model.time), rel=1e-12)
        assert model.team.hub.completed_hours <= done <= model.team.hub.busy_hours
    # the hub is paid for its rostered hours either way (spokes are paid by their cases)
    assert shrunk.daily["wages_hub"].sum() == base.daily["wages_hub"].sum()


def test_shrinkage_outside_its_range_is_refused():
    with pytest.raises(ConfigError, match=r"team\.hub\.shrinkage=0\.95"):
        sim.load_config("baseline", ["team.hub.shrinkage=0.95"])
