"""demand.inbound_per_day: the brand's stated volume becomes per-person rates."""

from __future__ import annotations

import math

import pytest

import sim
from sim.engine.model import HubspokeModel
from sim.engine.posts import KIND

DAYS = 14
TARGET = {"complaint": 120.0, "question": 60.0, "praise": 25.0, "lead": 30.0}


@pytest.fixture(scope="module")
def model():
    overrides = [
        "population.size=20000",
        f"days={DAYS}",
        "output.plots=false",
        *(f"demand.inbound_per_day.{k}={v}" for k, v in TARGET.items()),
    ]
    m = HubspokeModel(sim.load_config("baseline", overrides), 5)
    m.run()
    return m


@pytest.mark.parametrize("kind", list(TARGET))
def test_each_kind_arrives_at_the_stated_volume(model, kind):
    p, n = model.posts, len(model.posts)
    tagged = p.addressed[:n] & (p.kind[:n] == KIND[kind])
    count = int(tagged.sum())
    expected = TARGET[kind] * DAYS
    # a Poisson count (the weekday weights have mean 1 over the two whole weeks); the
    # population drifts a little from the start over two weeks, well inside 4 sd
    assert abs(count - expected) < 4 * math.sqrt(expected), (kind, count, expected)


def test_kinds_not_stated_keep_their_rates():
    base = sim.load_config("baseline", ["population.size=2000"])
    stated = sim.load_config(
        "baseline", ["population.size=2000", "demand.inbound_per_day.question=10"]
    )
    a, b = HubspokeModel(base, 1).post_config, HubspokeModel(stated, 1).post_config
    assert a.incident_rate_per_day == b.incident_rate_per_day
    assert a.praise_rate_per_day == b.praise_rate_per_day
    assert a.question_rate_per_day != b.question_rate_per_day


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("demand.inbound_per_day.complain=3", "unknown kind; allowed: complaint"),
        ("demand.inbound_per_day.question=-3", "out of range; must be >= 0"),
        ("demand.inbound_per_day.mention=3", "unknown kind"),
    ],
)
def test_a_bad_volume_is_refused_in_one_line(override, message):
    with pytest.raises(sim.ConfigError, match=message):
        sim.load_config("baseline", [override])


def test_a_rate_the_volume_replaces_is_said_to_have_no_effect():
    from sim.config.inert import InertSettingWarning

    with pytest.warns(InertSettingWarning, match="demand.inbound_per_day.question sets"):
        sim.load_config(
            "baseline",
            ["demand.inbound_per_day.question=10", "posts.question_rate_per_day=0.001"],
        )
