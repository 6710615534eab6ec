"""team.hub.shrinkage: rostered time not on posts stretches each post's handling."""

from __future__ import annotations

import pytest

import sim
from sim.config import ConfigError

# one day, a hub far larger than its load: nobody waits, so the same posts are served
# at the same moments, and only their handling time differs
IDLE = ["population.size=2000", "days=1", "team.hub.staff=12", "team.hub.coverage_hours=24"]


def _run(shrinkage: float):
    config = sim.load_config("baseline", [*IDLE, f"team.hub.shrinkage={shrinkage}"])
    return sim.run(config, seed=4)


def test_busy_hours_scale_by_one_over_one_minus_shrinkage_and_wages_do_not():
    base, shrunk = _run(0.0), _run(0.3)
    busy0, busy1 = base.daily["hub_busy_h"].sum(), shrunk.daily["hub_busy_h"].sum()
    assert busy0 > 0
    assert busy1 == pytest.approx(busy0 / 0.7, rel=1e-9)
    # the hub is paid for its rostered hours either way (spokes are paid by their cases)
    assert shrunk.daily["wages_hub"].sum() == base.daily["wages_hub"].sum()
    assert shrunk.summary["hub_utilisation"] == pytest.approx(
        base.summary["hub_utilisation"] / 0.7, rel=1e-9
    )


def test_shrinkage_outside_its_range_is_refused():
    with pytest.raises(ConfigError, match=r"team\.hub\.shrinkage=0\.95"):
        sim.load_config("baseline", ["team.hub.shrinkage=0.95"])
