"""team.hub.temps: temporary hub staff for a date window, on the hub's shifts and wage."""

from __future__ import annotations

import pytest

import sim
from sim.config import ConfigError

SMALL = ["population.size=1500", "days=20"]
TEMPS = "team.hub.temps=[{start_day:8,days:6,staff:3}]"


def test_temps_add_their_shifts_in_their_window_only_and_are_paid_for_them():
    base = sim.run(sim.load_config("baseline", SMALL), seed=2)
    more = sim.run(sim.load_config("baseline", [*SMALL, TEMPS]), seed=2)
    hub = more.config.team.hub
    extra = more.daily["hub_staffed_h"] - base.daily["hub_staffed_h"]
    window = more.daily["day"].between(9, 14)  # days 8-13 (0-based) are rows 9-14
    assert (extra[window] == 3 * hub.shift_hours).all()
    assert (extra[~window] == 0).all()
    paid = more.daily["wages_hub"].sum() - base.daily["wages_hub"].sum()
    assert paid == pytest.approx(3 * hub.shift_hours * 6 * hub.wage_per_hour, rel=1e-12)
    before = base.daily["day"] <= 8  # nothing differs before the temps arrive
    assert (more.daily.loc[before, "backlog"] == base.daily.loc[before, "backlog"]).all()


@pytest.mark.parametrize(
    "override, fragment",
    [
        ("team.hub.temps=[{start_day:8,days:6,staff:-1}]", "staff=-1"),
        ("team.hub.temps=[{start_day:8,days:6,people:3}]", "people"),
    ],
)
def test_bad_temps_are_refused(override, fragment):
    with pytest.raises(ConfigError, match=fragment):
        sim.load_config("baseline", [override])
