"""The app's per-session logic without a browser: settings, validation, days, what-if, network."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import sim
from sim.app.session import PRESET, Arm, Session, Settings, WhatIf, horizon, sample_network
from sim.app.texts import METRICS, stories_dir, story
from sim.config import catalog
from sim.engine.model import HubspokeModel

SMALL = Settings(population="1000")


def test_settings_are_the_cli_overrides():
    settings = Settings(strategy="silence", stance="deny", hub_staff="3", population="2000")
    assert settings.overrides() == [
        "strategy=silence",
        "strategy.crisis.stance=deny",
        "team.hub.staff=3",
        "population.size=2000",
        "seed=1",
    ]
    config = settings.config()
    assert config.strategy.name == "silence"
    assert config.strategy.crisis.stance == "deny"
    assert config.team.hub.staff == 3


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"hub_staff": "-1"}, "team.hub.staff=-1"),
        ({"hub_staff": "abc"}, "team.hub.staff"),
        ({"coverage_hours": "30"}, "team.hub.coverage_hours=30"),
        ({"population": "200"}, "population.size=200"),
        ({"population": "260000"}, "1,000 to 200,000"),
    ],
)
def test_a_bad_value_is_one_line_and_changes_nothing(change, words):
    session = Session(SMALL)
    before = session.config
    error = session.apply(**change)
    assert error is not None and words in error and "\n" not in error
    assert session.config is before and session.settings == SMALL


def test_a_day_is_a_step_and_the_run_ends_on_its_last_day():
    session = Session(SMALL)
    model = session.new_model()
    model.step()
    assert len(model.rows) == 1 and model.time == 24
    model.run_to_end()
    assert len(model.rows) == model.config.days and not model.running
    model.step()  # a finished run stays finished
    assert len(model.rows) == model.config.days


def test_the_app_model_replays_the_plain_model():
    session = Session(SMALL)
    model = session.new_model()
    model.step_days(15)
    plain = HubspokeModel(session.config, seed=session.config.seed)
    plain.run_until(24 * 15)
    assert model.rows == plain.rows


def test_horizon_value_on_demand_matches_a_finished_run():
    session = Session(replace(SMALL, scenario="baseline"))
    model = session.new_model()
    model.run_to_end()
    result = sim.run(session.config)
    assert horizon(model)["relationship_value_horizon"] == pytest.approx(
        result.summary["relationship_value_horizon"]
    )


def test_what_if_arms_share_the_seed_and_differ_only_in_strategy():
    session = Session(replace(SMALL, seed="5"))
    pair = WhatIf(session, Arm("enterprise", "apologise"), Arm("enterprise", "deny"))
    a, b = pair.configs
    assert a.seed == b.seed == 5 and a.scenario == b.scenario
    assert replace(b, strategy=a.strategy) == a
    assert a.strategy.crisis.stance == "apologise" and b.strategy.crisis.stance == "deny"
    pair.step_days(25)
    assert pair.days == 25
    diff = pair.differences()
    assert len(diff["day"]) == 25
    # before the attack (day 20) the same people did the same things in both arms, on
    # every seed: no difference and no interval
    for key in ("customers", "customers_low", "customers_high"):
        assert np.all(diff[key][:19] == 0)


def test_what_if_runs_paired_seeds_and_gives_the_mean_difference_with_a_t_interval():
    from sim.app.session import whatif_seeds
    from sim.report.stats import t_quantile

    session = Session(replace(SMALL, seed="5"))
    pair = WhatIf(session, Arm("enterprise", "apologise"), Arm("enterprise", "deny"), seeds=3)
    assert pair.seeds == [5, 6, 7]
    assert [(a.seed, b.seed) for a, b in pair.runs] == [(5, 5), (6, 6), (7, 7)]
    pair.step_days(30)
    diff = pair.differences()
    per_seed = np.array([b.rows[-1]["customers"] - a.rows[-1]["customers"] for a, b in pair.runs])
    assert diff["customers"][-1] == pytest.approx(per_seed.mean())
    half = t_quantile(2) * per_seed.std(ddof=1) / np.sqrt(3)
    assert diff["customers_high"][-1] - diff["customers"][-1] == pytest.approx(half)
    assert diff["customers_low"][-1] == pytest.approx(per_seed.mean() - half)
    assert pair.last("customers") == pytest.approx(
        tuple(np.mean([p[i].rows[-1]["customers"] for p in pair.runs]) for i in (0, 1))
    )
    # seeds a side: as many as the budget allows, 2 to 5
    assert whatif_seeds(1_000) == 5 and whatif_seeds(100_000) == 2
    assert 2 <= whatif_seeds(30_000) <= 5


def test_a_settings_change_resets_the_what_if():
    session = Session(SMALL)
    session.whatif = WhatIf(session, Arm("enterprise", PRESET), Arm("enterprise", "deny"), 2)
    assert session.apply(hub_staff="-1") is not None
    assert session.whatif is not None  # a refused change changes nothing
    assert session.apply(hub_staff="3") is None
    assert session.whatif is None  # its runs were of the old settings


def test_the_same_arms_give_no_difference():
    session = Session(SMALL)
    pair = WhatIf(session, Arm("enterprise", PRESET), Arm("enterprise", PRESET))
    pair.step_days(5)
    assert not np.any(pair.differences()["value"])


def test_network_sample_is_fixed_per_session_and_links_its_people():
    session = Session(SMALL)
    first = session.network_sample(session.new_model())
    again = session.network_sample(session.new_model())
    assert first is again
    assert len(first.nodes) == 300 == len(set(first.nodes.tolist()))
    assert len(first.edges) > 200 and first.xy.shape == (300, 2)
    assert not first.complete


def test_network_sample_is_shared_by_sessions_and_follows_the_influencers():
    # computed once for all sessions of the same graph, and read-only so none can change it
    first = Session(SMALL).network_sample(Session(SMALL).new_model())
    assert Session(SMALL).network_sample(Session(SMALL).new_model()) is first
    with pytest.raises(ValueError):
        first.xy[0, 0] = 1.0
    # the same graph with other influencers starts from other people: another sample
    config = sim.load_config("baseline", ["population.size=1000", "influencers.count=0"])
    other = Session(SMALL).network_sample(HubspokeModel(config, seed=first_seed(SMALL)))
    assert other is not first and not np.array_equal(other.nodes, first.nodes)


def first_seed(settings: Settings) -> int:
    return Session(settings).new_model().seed


def test_network_sample_of_a_complete_graph():
    config = sim.load_config("baseline", ["population.size=150", "network.kind=complete"])
    sample = sample_network(HubspokeModel(config, seed=1))
    assert sample.complete and len(sample.nodes) == 150 and len(sample.edges) == 0


def test_every_scenario_has_a_story_and_every_metric_a_line():
    assert stories_dir().is_dir()
    for name in catalog.scenario_names():
        text = story(name)
        assert text.startswith("### ") and len(text) > 200 and "](" not in text
    assert "promoters" in METRICS["nps_like"]


def test_the_metric_list_shows_every_name_whole():
    import markdown

    from sim.app.texts import metric_list

    html = markdown.markdown(metric_list())
    assert "<code>posts_&lt;kind&gt;</code>" in html  # not swallowed as an HTML tag
    assert html.count("<li>") == len(METRICS)


def test_the_live_figures_mark_the_crisis_as_it_happens():
    """Before the attack nothing is marked but the launch; once the team declares a crisis
    and speaks, both moments are on every time plot."""
    from sim.app import views
    from sim.app.session import AppModel, Session, run_events

    session = Session()
    session.population = "3000"
    model = AppModel(session)
    assert model.config.attack.enabled and model.config.strategy.crisis.protocol
    assert run_events(model) == []
    model.step_days(45)
    labels = [e.label for e in run_events(model)]
    assert labels[0] == "crisis declared" and labels[1].startswith("statement: ")
    figure = views.attack(model.rows, model.config, events=run_events(model))
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert "crisis declared" in texts and labels[1] in texts


def test_the_days_download_as_csv_with_the_run_in_its_name():
    import io

    from sim.app.session import daily_csv, download_name

    session = Session(SMALL)
    model = session.new_model()
    model.step_days(3)
    table = pd.read_csv(io.StringIO(daily_csv(model)))
    assert list(table["day"]) == [1, 2, 3]
    assert {"customers", "loyalty_mean", "revenue", "backlog"} <= set(table.columns)
    np.testing.assert_allclose(table["customers"], [r["customers"] for r in model.rows])
    name = download_name(model, "days", "csv")
    cfg = model.config
    assert name == f"{cfg.scenario}_{cfg.strategy.name}_seed{cfg.seed}_day3_days.csv"
