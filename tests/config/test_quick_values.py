"""Plain values set on a typed config (`compose._load_values`) against the whole way
(`compose._load`: Hydra's composition, OmegaConf's typing, the checks): the same
config, or the same one-line error, for every plain field of the schema."""

from __future__ import annotations

import math
from dataclasses import fields, is_dataclass

import pytest

from sim.config import catalog, compose, paramdoc
from sim.config.errors import ConfigError


def _plain_fields(config):
    """(key, type, metadata, value) of every plain field of `config`, the mappings'
    entries' among them: the keys as the parameter tables walk them (sim.config.paramdoc)."""
    for row in paramdoc.walk(config):
        kind = compose._scalar_type(row.key)
        if kind is None:
            continue
        *path, leaf = row.key.split(".")
        owner = config
        for part in path:
            owner = owner[part] if isinstance(owner, dict) else getattr(owner, part)
        metadata = next(f.metadata for f in fields(owner) if f.name == leaf)
        yield row.key, kind, metadata, getattr(owner, leaf)


def _another_value(kind: type, metadata, default) -> str | None:
    """A value other than the default, as a user would type it, within the field's range."""
    if kind is bool:
        return "false" if default else "true"
    if kind is str:
        others = [c for c in metadata.get("choices") or () if c != default]
        return others[0] if others else None
    low, high = metadata.get("range") or (None, None)
    low = 0 if low is None else low
    candidates = [default * 2 if default else 1, low, (low + high) / 2 if high else low + 3]
    for value in candidates:
        if kind is int:
            value = int(value)
        if value != default and (high is None or value <= high) and value >= low:
            return str(value)
    return None


def _same(a, b) -> bool:
    """Equal dataclasses, a NaN equal to a NaN."""
    if is_dataclass(a):
        return type(a) is type(b) and all(
            _same(getattr(a, f.name), getattr(b, f.name)) for f in fields(a)
        )
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def _both_ways(scenario: str, overrides: list[str]):
    """The config (or the error's text) both ways."""
    results = []
    for load in (compose._load_values, compose._load):
        try:
            results.append(load(scenario, tuple(overrides)))
        except ConfigError as error:
            results.append(str(error))
    return results


CASES = [
    ("baseline", ["posts.reply_gain=0.0734", "posts.reply_speed_scale_hours=0.3"]),
    ("baseline", ["population.size=3000", "days=20", "seed=7"]),
    ("brand_attack_true", ["strategy=hub_and_spoke", "team.hub.staff=3"]),
    ("seasonal_peak", ["strategy.sla_hours=4", "output.currency=EUR", "output.posts=true"]),
    ("baseline", ["strategy.sla_hours=4.5", "team.hub.coverage_hours=8"]),
    # values of another type, bad values and mixtures: the whole way decides
    ("baseline", ["team.hub.staff=3.5"]),
    ("baseline", ["team.hub.staff=-1"]),
    ("baseline", ["posts.addressed_share=1.7"]),
    ("baseline", ["output.posts=yes", "days=10"]),
    ("baseline", ["days=10", "population.segments.loyal.share=0.5"]),  # a new entry
    ("baseline", ["population.segments.basic.voice_propensity=0.3", "strategy=silence"]),
    (
        "baseline",
        ["attack.effects.deny.false.transmission=0.5", "team.spokes.product.effort_hours=3"],
    ),
    ("baseline", ["attack.effects.deny.maybe.transmission=0.5"]),  # a new entry
    ("baseline", ["demand.inbound_per_day.complaint=40"]),
    ("baseline", ["population.platforms.x=0.5", "days=10"]),
    ("baseline", ["days=0"]),
    ("baseline", ["team.hub.staf=2"]),
    ("no_such_scenario", ["days=10"]),
    ("baseline", ["days=10", "days=12"]),
    ("baseline", ["+days=10", "seed=3"]),
    # `scenario=` picks files (the schema's `scenario` is their label), as `strategy=`
    ("baseline", ["scenario=brand_attack_true", "days=10"]),
    ("baseline", ["scenario=nope", "days=10"]),
    ("baseline", ["days=10", "strategy=silence"]),
    # an interpolation reads another key: set the plain ones first and it would read the
    # base's value
    ("baseline", ["team.hub.staff=${seed}", "seed=4"]),
]


@pytest.mark.parametrize(("scenario", "overrides"), CASES)
def test_chosen_overrides_give_what_the_whole_way_gives(scenario, overrides):
    quick, whole = _both_ways(scenario, overrides)
    assert _same(quick, whole), (quick, whole)


def _agree(overrides: list[str]) -> None:
    """Both ways give the same config for `overrides`; a set the checks refuse as a
    whole (two fields' rule) is tried in halves, down to single fields."""
    quick, whole = _both_ways("baseline", [*overrides, "days=5"])
    if isinstance(quick, str) and len(overrides) > 1:
        half = len(overrides) // 2
        _agree(overrides[:half])
        _agree(overrides[half:])
        return
    assert _same(quick, whole), (overrides, quick, whole)


def test_every_plain_field_set_gives_what_the_whole_way_gives():
    """Each plain field of a loaded config (the mappings' entries' among them) set to
    another value in its range: the same config both ways. The fields go in sets of 30
    (a load the whole way costs ~30 ms), split where the checks refuse a set."""
    overrides = []
    for key, kind, metadata, default in _plain_fields(compose._load("baseline", ())):
        value = _another_value(kind, metadata, default)
        if value is not None:
            overrides.append(f"{key}={value}")
    assert len(overrides) > 150  # the plain fields, the mappings' entries' among them
    for start in range(0, len(overrides), 30):
        _agree(overrides[start : start + 30])


def test_the_quick_way_is_taken_for_plain_values(monkeypatch):
    """Configs that differ by plain values are composed once: the whole way runs for
    the base alone (else the two ways above could be one and the same)."""
    compose._typed_state.cache_clear()
    calls = []
    whole = compose._load
    monkeypatch.setattr(compose, "_load", lambda *a: calls.append(a) or whole(*a))
    for gain in (0.05, 0.06, 0.07):
        config = compose._load_values("baseline", (f"posts.reply_gain={gain}", "days=9"))
        assert config.posts.reply_gain == gain and config.days == 9
    assert calls == [("baseline", ())]
    with pytest.raises(ConfigError, match=r"days=9.5"):  # not an int: the whole way, its words
        compose._load_values("baseline", ("days=9.5",))
    assert calls[-1] == ("baseline", ("days=9.5",))


@pytest.mark.parametrize("scenario", catalog.scenario_names())
def test_every_scenario_with_a_sweeps_values(scenario):
    quick, whole = _both_ways(scenario, ["team.hub.staff=4", "strategy.sla_hours=2", "seed=11"])
    assert _same(quick, whole), (scenario, quick, whole)
