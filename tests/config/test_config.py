"""sim.config: composition from scenarios and strategy presets, typing, and validation messages."""

from __future__ import annotations

import dataclasses

import pytest

import sim
from sim.config import ConfigError, catalog, check_config, config_to_dict, config_to_yaml
from sim.config.schema import Config, Hub, Strategy


def test_default_config_is_typed_and_matches_schema():
    config = sim.load_config()
    assert isinstance(config, Config)
    assert config.scenario == "baseline"
    assert config.strategy.name == "hub_and_spoke"
    assert config.population.size == 25_000
    assert config.days == 90
    assert isinstance(config.team.hub.staff, int)
    assert isinstance(config.posts.addressed_share, float)
    assert config.team.hub == Hub()  # the baseline does not touch the hub
    assert set(config.posts.topics) == {"service", "product", "billing", "fraud"}
    assert not config.attack.enabled


def test_overrides_are_applied_with_their_types():
    config = sim.load_config(
        "baseline", ["team.hub.staff=3", "posts.addressed_share=0.25", "seed=9", "days=12"]
    )
    assert config.team.hub.staff == 3
    assert config.posts.addressed_share == 0.25
    assert config.seed == 9
    assert config.days == 12


@pytest.mark.parametrize("name", catalog.strategy_names())
def test_every_strategy_preset_loads(name):
    config = sim.load_config("baseline", [f"strategy={name}", "population.size=100"])
    assert config.strategy.name == name
    assert config.scenario == "baseline"


def test_strategy_preset_sets_its_knobs():
    silence = sim.load_config("baseline", ["strategy=silence"]).strategy
    assert silence.answers == []
    assert silence.broadcast_per_day == 0.0
    enterprise = sim.load_config("baseline", ["strategy=enterprise"]).strategy
    assert enterprise.close_loop
    assert enterprise.crisis.protocol
    assert enterprise.crisis.stance == "matched"
    assert enterprise.priority == "churn_risk"


def test_override_beats_strategy_preset():
    config = sim.load_config("baseline", ["strategy=enterprise", "strategy.crisis.stance=deny"])
    assert config.strategy.crisis.stance == "deny"
    assert config.strategy.close_loop


def test_scenario_by_argument_or_override():
    a = sim.load_config("brand_attack_false")
    b = sim.load_config("baseline", ["scenario=brand_attack_false"])
    assert a == b
    assert a.attack.enabled
    assert a.attack.start_day == 20.0
    assert not a.attack.is_true


def test_config_round_trips_through_yaml_and_dict():
    config = sim.load_config("brand_attack_false", ["strategy=enterprise"])
    as_dict = config_to_dict(config)
    assert as_dict["strategy"]["name"] == "enterprise"
    assert as_dict["attack"]["enabled"] is True
    text = config_to_yaml(config)
    assert "enterprise" in text
    assert "brand_attack_false" in text


# ------------------------------------------------------------------ bad input
BAD = [
    # (override, key and value the message must name)
    ("team.hub.staf=2", "team.hub.staf", "2"),
    ("team.hub.staff=-1", "team.hub.staff", "-1"),
    ("posts.addressed_share=1.7", "posts.addressed_share", "1.7"),
    ("team.hub.staff=abc", "team.hub.staff", "abc"),
    ("posts.addressed_share=abc", "posts.addressed_share", "abc"),
    ("days=0", "days", "0"),
    ("network.kind=tree", "network.kind", "tree"),
    ("strategy.crisis.stance=shout", "strategy.crisis.stance", "shout"),
    ("population.segments.basic.share=2", "population.segments.basic.share", "2"),
    ("posts.handle_minutes.complaint=-1", "posts.handle_minutes.complaint", "-1"),
    ("attack.topic=weather", "attack.topic", "weather"),
    ("strategy.answers=[foo]", "strategy.answers", "foo"),
    ("posts.topics.service.department=marketing", "posts.topics.service.department", "marketing"),
    ("population.churn_reference_loyalty=nan", "population.churn_reference_loyalty", "nan"),
    ("scenario=nope", "scenario", "nope"),
    ("strategy=nope", "strategy", "nope"),
]


@pytest.mark.parametrize(("override", "key", "value"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises_one_line_naming_key_and_value(override, key, value):
    with pytest.raises(ConfigError) as info:
        sim.load_config("baseline", [override])
    message = str(info.value)
    assert "\n" not in message
    assert message.strip() == message and message
    assert key in message
    assert value in message


def test_days_per_week_zero_is_named_in_the_message():
    with pytest.raises(ConfigError) as info:
        sim.load_config("baseline", ["team.hub.days_per_week=0"])
    assert "team.hub.days_per_week=0" in str(info.value)


PASSTHROUGH = [
    # OmegaConf messages passed through without the key=value convention
    ("strategy.answers=complaint", "strategy.answers", "complaint"),
    ("team.hub.staff=null", "team.hub.staff", "null"),
    ("events.defects=[{topic:product,start_day:abc}]", "events.defects.0.start_day", "abc"),
]


@pytest.mark.parametrize(("override", "key", "value"), PASSTHROUGH, ids=[p[0] for p in PASSTHROUGH])
def test_type_errors_name_full_key_and_value(override, key, value):
    with pytest.raises(ConfigError) as info:
        sim.load_config("baseline", [override])
    assert f"{key}={value}" in str(info.value)


def test_unknown_key_suggests_the_closest():
    with pytest.raises(ConfigError, match=r"did you mean 'team\.hub\.staff'"):
        sim.load_config("baseline", ["team.hub.staf=2"])


def test_range_message_says_what_is_allowed():
    with pytest.raises(ConfigError, match="between 0 and 1"):
        sim.load_config("baseline", ["posts.addressed_share=1.7"])
    with pytest.raises(ConfigError, match=">= 0"):
        sim.load_config("baseline", ["team.hub.staff=-1"])


def test_unknown_names_list_the_allowed_ones():
    with pytest.raises(ConfigError) as info:
        sim.load_config("baseline", ["strategy=nope"])
    for name in catalog.strategy_names():
        assert name in str(info.value)
    with pytest.raises(ConfigError) as info:
        sim.load_config("nope")
    for name in catalog.scenario_names():
        assert name in str(info.value)


def test_config_error_is_a_value_error():
    assert issubclass(ConfigError, ValueError)


# ------------------------------------------------------------------ check_config() directly
def _replace(config: Config, path: str, value) -> Config:
    config = dataclasses.replace(config)
    *parents, last = path.split(".")
    obj = config
    for name in parents:
        obj = getattr(obj, name)
    setattr(obj, last, value)
    return config


@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        ("team.hub.shift_hours", 0.0, "team.hub.shift_hours"),
        ("team.hub.days_per_week", 0, "team.hub.days_per_week=0"),
        ("population.size", 60_000, "population.size=60000"),
        ("posts.addressed_share", 1.5, "posts.addressed_share=1.5"),
        ("attack.initial_spreaders", 0, "attack.initial_spreaders=0"),
    ],
)
def test_check_config_cross_field_rules(path, value, fragment):
    config = Config()
    if path == "population.size":
        config.network.kind = "complete"
    _replace(config, path, value)
    with pytest.raises(ConfigError) as info:
        check_config(config)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_check_config_empty_weights_and_missing_entries():
    config = Config()
    for segment in config.population.segments.values():
        segment.share = 0.0
    with pytest.raises(ConfigError, match=r"population\.segments"):
        check_config(config)
    config = Config()
    del config.posts.handle_minutes["attack"]
    with pytest.raises(ConfigError, match=r"posts\.handle_minutes: missing attack"):
        check_config(config)
    config = Config()
    del config.attack.effects["deny"]["true"]
    with pytest.raises(ConfigError, match=r"attack\.effects\.deny\.true"):
        check_config(config)
    config = Config(strategy=Strategy(answers=["complaint", "gossip"]))
    with pytest.raises(ConfigError, match="gossip"):
        check_config(config)


def test_default_schema_config_is_valid():
    check_config(Config())


@pytest.mark.parametrize(
    ("overrides", "shown"),
    [
        # `:g` kept six digits: these read back as "initial_customer_share=1", "=2e+07"
        (["population.initial_customer_share=0.99999999"], "initial_customer_share=0.99999999"),
        (["demand.weekly=[1,1,1,1,1,1,-0.0000001]"], "demand.weekly.6=-1e-07"),
        (["team.hub.shift_hours=0.0000001", "team.hub.staff=2"], None),
        (["demand.inbound_per_day.complaint=20000000.5"], "complaint=20000000.5"),
    ],
)
def test_a_refused_value_is_shown_whole(overrides, shown):
    """The message names the value as given, every digit, so that it can be found and
    fixed; a value shortened to six digits can read as one that is allowed."""
    try:
        sim.load_config("baseline", overrides)
    except ConfigError as error:
        assert shown is not None and shown in str(error), str(error)
    else:
        assert shown is None  # a tiny shift is still a shift: allowed


def test_a_batch_argument_out_of_range_is_shown_whole():
    from sim.config.arguments import number

    with pytest.raises(ConfigError, match=r"^alpha=1\.0000001: out of range; must be between"):
        number("alpha", 1.0000001, 0, 1)


def test_recheck_skips_a_config_unchanged_since_it_passed(monkeypatch):
    """`sim.run` re-checks its config (~40 ms of OmegaConf, most of a small run): not again
    for one unchanged since it passed, and any edit, however deep, is checked in full."""
    import sim.config.compose as compose

    config = sim.load_config("baseline", ["population.size=300", "days=2"])
    calls = []
    structured = compose.OmegaConf.structured
    monkeypatch.setattr(compose.OmegaConf, "structured", lambda c: calls.append(c) or structured(c))
    compose.recheck(config)  # as loaded: passed already
    assert calls == []
    config.days = 3  # a valid edit: checked once, then remembered
    compose.recheck(config)
    compose.recheck(config)
    assert len(calls) == 1
    config.posts.topics["service"].weight = -1.0  # deep in a mapping
    with pytest.raises(ConfigError, match=r"weight=-1\.0: out of range"):
        compose.recheck(config)
    with pytest.raises(ConfigError, match=r"weight=-1\.0: out of range"):
        compose.recheck(config)  # a refused config stays refused
    copied = dataclasses.replace(config, days=4)  # a new object: checked in full
    with pytest.raises(ConfigError, match=r"weight=-1\.0: out of range"):
        compose.recheck(copied)


def test_an_edit_after_a_passing_run_is_checked():
    config = sim.load_config("baseline", ["population.size=300", "days=2"])
    sim.run(config)
    config.team.hub.staff = -1
    with pytest.raises(ConfigError, match=r"team\.hub\.staff=-1: out of range"):
        sim.run(config)
