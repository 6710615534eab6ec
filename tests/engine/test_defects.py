"""sim.engine.defects: shocks, hidden growth and recognition, root-cause fixes with a floor."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.engine.defects import Defects


def _defects(*overrides: str) -> Defects:
    return Defects(sim.load_config("baseline", list(overrides)))


def test_a_shock_multiplies_its_topic_from_its_day():
    d = _defects("+events.defects=[{topic:product,start_day:3,multiplier:4}]")
    product = d.names.index("product")
    assert d.bound()[product] == 4.0  # the thinning bound, set at the start, covers the shock
    d.shock(2.0)
    assert d.level[product] == 1.0
    d.shock(3.0)
    assert d.level[product] == 4.0


def test_a_hidden_problem_grows_to_its_cap_until_its_department_recognises_it():
    d = _defects(
        "posts.topics.fraud.hidden_growth_per_day=0.5",
        "posts.topics.fraud.hidden_cap=3",
        "posts.topics.fraud.recognised_after=2",
    )
    fraud = d.names.index("fraud")
    for _ in range(5):
        d.grow_hidden()
    assert d.level[fraud] == pytest.approx(3.0)  # 1.5^5 capped at 3
    d.department_fixed(fraud, 10.0)
    assert np.isnan(d.recognised_at[fraud])
    d.department_fixed(fraud, 20.0)
    assert d.recognised_at[fraud] == 20.0 and d.level[fraud] == 1.0
    d.grow_hidden()
    assert d.level[fraud] == 1.0  # recognised: no more growth


def test_root_cause_fixes_stop_at_the_floor():
    d = _defects("strategy.defect_floor=0.5", "strategy.fix_per_resolution=0.5")
    service = d.names.index("service")
    assert d.fix_root_cause(service) and d.level[service] == pytest.approx(0.75)
    fixes = 1
    while d.fix_root_cause(service):
        fixes += 1
    # before fix j the excess is 0.5^j, worth fixing while above 0.01: six fixes
    assert fixes == 6
    assert d.level[service] == pytest.approx(0.5 + 0.5**7)
    assert not _defects().fix_root_cause(service)  # default floor: the everyday level
