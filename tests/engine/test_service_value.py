"""What service is worth: reply speed, late fixes, ignored complaints, attack replies."""

from __future__ import annotations

import numpy as np
import pytest
from support import DENSE

import sim
from sim.engine.model import HubspokeModel
from sim.engine.population import COMPETITOR
from sim.engine.posts import KIND
from sim.engine.team import reply_value

SCALE = sim.load_config("baseline").posts.reply_speed_scale_hours


def test_reply_value_halves_at_the_scale_and_falls_with_delay():
    """A reply at the calibrated scale (docs/calibration.md) is worth half an instant one, and
    value falls with delay. The published gradient (Twitter & Applied Marketing Science 2016:
    $20 within 6 minutes against $2.33 after an hour) is a run measurement, checked by the
    calibration: it also depends on who waits (the recovery ceiling caps what a reply can
    restore), not on this curve alone."""
    assert reply_value(SCALE, "hyperbolic", SCALE) == pytest.approx(0.5)
    delays = np.array([0.0, 0.05, 0.5, 1.5, 6.0, 24.0])
    values = np.array([reply_value(h, "hyperbolic", SCALE) for h in delays])
    assert (np.diff(values) < 0).all()


def test_reply_value_forms():
    assert reply_value(0.0, "hyperbolic", 2.0) == 1.0
    assert reply_value(2.0, "hyperbolic", 2.0) == 0.5
    assert reply_value(2.0, "exponential", 2.0) == pytest.approx(np.exp(-1.0))


CLOSED = (
    *DENSE,
    "population.size=3000",
    "days=30",
    "output.plots=false",
    "population.conversion.winback_per_day=0",
    "population.conversion.competitor_winback_per_day=0",
    "population.turnover_per_day=0",
    "population.segments.basic.churn_per_year=0",
    "population.segments.standard.churn_per_year=0",
    "population.segments.premium.churn_per_year=0",
)


@pytest.mark.parametrize("strategy", ["silence", "reactive_fifo"])
def test_ignored_complainers_defect_with_the_configured_chance(strategy):
    """With no other churn, exactly the authors of ignored complaints whose mark is below the
    chance defect (each once), and nobody else."""
    cfg = sim.load_config("baseline", [*CLOSED, f"strategy={strategy}"])
    model = HubspokeModel(cfg, 4)
    model.run()
    p, pop = model.posts, model.population
    due = p.created + cfg.population.ignored_after_hours
    settled = (p.kind == KIND["complaint"]) & (due <= 24.0 * cfg.days) & ~p.background
    ignored = settled & ~(p.first_response <= due)
    chosen = ignored & (p.defect_u < cfg.population.ignored_defect_prob)
    expected = np.unique(p.author[chosen])
    assert pop.defected_total == len(expected)
    assert set(np.flatnonzero(pop.state == COMPETITOR)) == set(expected.tolist())
    if strategy == "silence":  # every complaint is ignored: the share follows the chance
        n = int(settled.sum())
        share = chosen.sum() / n
        q = cfg.population.ignored_defect_prob
        assert abs(share - q) < 4 * np.sqrt(q * (1 - q) / n)
        assert len(expected) > 0
    else:
        assert ignored.sum() < 0.5 * settled.sum()


@pytest.mark.parametrize(
    ("stance", "truth", "goodwill"),
    [
        ("deny", "false", True),
        ("deny", "true", False),
        ("apologise", "true", True),
        ("apologise", "false", False),
        ("silence", "false", False),
        ("diminish", "true", False),
    ],
)
def test_attack_replies_win_bystanders_only_when_the_stance_suits_the_truth(
    stance, truth, goodwill
):
    cfg = sim.load_config(
        "brand_attack_false",
        [
            "population.size=2000",
            "days=25",
            "output.plots=false",
            "strategy=enterprise",
            f"strategy.crisis.stance={stance}",
            f"attack.is_true={truth}",
        ],
    )
    model = HubspokeModel(cfg, 0)
    assert model.team.attack_reply_goodwill is goodwill


def test_late_fixes_are_worth_less():
    """The same fix after 20 days restores exp(-20/7) of what it restores at once."""
    cfg = sim.load_config("baseline", ["population.size=500", "days=1", "output.plots=false"])
    model = HubspokeModel(cfg, 0)
    team, pop, posts = model.team, model.population, model.posts
    author = int(np.flatnonzero(pop.state == 1)[0])
    gains = []
    for delay_days in (0.0, 20.0):
        ids = posts.extend(
            kind=np.array([KIND["complaint"]], dtype=np.int8),
            author=np.array([author]),
            created=np.array([0.0]),
            topic=np.array([0], dtype=np.int8),
            addressed=np.array([True]),
            negativity=np.array([0.7]),
        )
        pop.loyalty[author] = 0.5
        team._resolve(
            int(ids[0]),
            24.0 * delay_days,
            by_spoke=False,
            author=author,
            created=0.0,
            outside=False,
            problem=True,
            topic=0,
        )
        gains.append(pop.loyalty[author] - 0.5)
    days = cfg.posts.resolution_value_days
    assert gains[0] == pytest.approx(cfg.posts.resolution_gain)
    assert gains[1] == pytest.approx(cfg.posts.resolution_gain * np.exp(-20.0 / days))
