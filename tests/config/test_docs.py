"""The docs cannot drift from the code: parameter tables, reasons, keys and metric names."""

from __future__ import annotations

import re
import typing
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import pytest

import sim
from sim.config.paramdoc import render_parameters
from sim.config.schema import Config

DOCS = Path(__file__).resolve().parents[2] / "docs"
REGENERATE = "regenerate it with: python -m sim.config.paramdoc > docs/parameters.md"


def _parameters_md() -> str:
    return (DOCS / "parameters.md").read_text(encoding="utf-8")


def _model_md() -> str:
    return (DOCS / "model.md").read_text(encoding="utf-8")


def _schema_classes(cls: type = Config, seen: set[type] | None = None) -> set[type]:
    """Every dataclass reachable from `cls` through field types (dicts and lists included)."""
    seen = set() if seen is None else seen
    if cls in seen:
        return seen
    seen.add(cls)
    pending = list(typing.get_type_hints(cls).values())
    while pending:
        hint = pending.pop()
        if is_dataclass(hint):
            _schema_classes(hint, seen)  # type: ignore[arg-type]
        pending.extend(typing.get_args(hint))
    return seen


def _config_keys(obj: Any, prefix: str = "") -> list[str]:
    """Every dotted config key of a default config, dict entries and list item fields included."""
    keys = []
    hints = typing.get_type_hints(type(obj))
    for f in fields(obj):
        key = f"{prefix}{f.name}"
        keys.append(key)
        value = getattr(obj, f.name)
        if is_dataclass(value):
            keys += _config_keys(value, key + ".")
        elif isinstance(value, dict):
            for name, item in value.items():
                if is_dataclass(item):
                    keys += _config_keys(item, f"{key}.{name}.")
                elif isinstance(item, dict):
                    for inner, leaf in item.items():
                        if is_dataclass(leaf):
                            keys += _config_keys(leaf, f"{key}.{name}.{inner}.")
                        else:
                            keys.append(f"{key}.{name}.{inner}")
                else:
                    keys.append(f"{key}.{name}")
        elif isinstance(value, list):
            args = typing.get_args(hints[f.name])
            if args and is_dataclass(args[0]):
                keys += _config_keys(args[0](), key + ".N.")
    return keys


def test_parameters_md_matches_the_schema() -> None:
    assert _parameters_md() == render_parameters(), f"docs/parameters.md is stale; {REGENERATE}"


def test_every_schema_field_has_a_reason() -> None:
    missing = [
        f"{cls.__name__}.{f.name}"
        for cls in _schema_classes()
        for f in fields(cls)
        if not str(f.metadata.get("why", "")).strip()
    ]
    assert not missing, f"fields without a 'why': {missing}"


def test_every_config_key_is_in_parameters_md() -> None:
    text = _parameters_md()
    keys = _config_keys(Config())
    assert len(keys) > 100
    sections = {f.name for f in fields(Config) if is_dataclass(getattr(Config(), f.name))}
    missing = [
        key
        for key in keys
        if f"| `{key}` |" not in text and not (key in sections and f"## `{key}`" in text)
    ]
    assert not missing, f"keys missing from docs/parameters.md: {missing}; {REGENERATE}"


@pytest.mark.parametrize(
    ("override", "path", "expected"),
    [
        ("team.hub.staff=3", ("team", "hub", "staff"), 3),
        (
            "population.segments.premium.margin_per_day=4",
            ("population", "segments", "premium", "margin_per_day"),
            4.0,
        ),
        (
            "attack.effects.deny.false.transmission=0.3",
            ("attack", "effects", "deny", "false", "transmission"),
            0.3,
        ),
        ("posts.handle_minutes.complaint=9", ("posts", "handle_minutes", "complaint"), 9.0),
        ("strategy.crisis.delay_hours=5", ("strategy", "crisis", "delay_hours"), 5.0),
    ],
)
def test_documented_keys_work_on_the_command_line(
    override: str, path: tuple[str, ...], expected: Any
) -> None:
    key = override.split("=")[0]
    assert f"| `{key}` |" in _parameters_md()
    value: Any = sim.load_config(overrides=[override])
    for part in path:
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    assert value == expected


@pytest.fixture(scope="module")
def attack_run() -> sim.Result:
    config = sim.load_config(
        "brand_attack_false",
        overrides=["days=22", "population.size=300", "output.plots=false", "strategy=enterprise"],
    )
    return sim.run(config, 1)


def test_model_md_defines_every_summary_metric(attack_run: sim.Result) -> None:
    text = _model_md()
    missing = [key for key in attack_run.summary if f"`{key}`" not in text]
    assert not missing, f"summary keys not defined in docs/model.md: {missing}"


def test_model_md_defines_every_daily_column(attack_run: sim.Result) -> None:
    text = _model_md()
    missing = [col for col in attack_run.daily.columns if f"`{col}`" not in text]
    assert not missing, f"daily columns not defined in docs/model.md: {missing}"


def test_model_md_links_to_the_parameter_tables() -> None:
    assert "(parameters.md" in _model_md()


@pytest.mark.parametrize("name", ["model.md", "parameters.md"])
def test_docs_have_no_machine_specific_paths(name: str) -> None:
    text = (DOCS / name).read_text(encoding="utf-8")
    found = re.findall(r"(?:/work/|/home/|/Users/|/tmp/|[A-Z]:\\\\)\S*", text)
    assert not found, f"machine-specific paths in docs/{name}: {found}"
