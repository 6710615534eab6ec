"""Parameter tables for the docs, generated from the typed config schema.

The schema (:mod:`sim.config.schema`) declares every parameter with its default, unit,
allowed range or choices and a one-line reason (a source, or "assumption").
This module walks it and renders Markdown: one table per config section, with
the full dotted key as used on the command line. Dict-valued fields whose
entries are dataclasses (``population.segments``, ``posts.topics``,
``team.spokes``, ``attack.effects``) are expanded entry by entry with each
entry's own default values. It also tabulates the strategy presets and the
named scenarios, which override some schema defaults.

Regenerate the docs with::

    python -m sim.config.paramdoc > docs/parameters.md
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Iterator
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any

import yaml

from sim.config import catalog
from sim.config.schema import POST_KINDS, Config

TINY = 1e-12  # the schema's lower bound for "strictly positive"

# Allowed values enforced by cross-field rules in sim.config.check_config (not in field metadata).
_RULES: dict[str, str] = {
    "population.segments": "at least one entry; shares must sum to > 0",
    "population.platforms": "at least one entry; weights must sum to > 0",
    "posts.topics": "at least one entry; weights must sum to > 0",
    "posts.handle_minutes": f"one entry per post kind ({', '.join(POST_KINDS)})",
    "posts.topics.*.department": "a key of `team.spokes`",
    "attack.topic": "a key of `posts.topics`",
    "events.defects.N.topic": "a key of `posts.topics`",
    "strategy.answers": "any of " + ", ".join(f"`{k}`" for k in POST_KINDS),
    "attack.effects": "an entry for each of `silence`, `deny`, `diminish`, `apologise` × "
    "`true`, `false`",
}
# Units the schema leaves implicit in the field name.
_UNITS: dict[str, str] = {"posts.handle_minutes": "min"}

HEADER = """\
# Parameters

<!-- Generated from sim/config/schema.py by `python -m sim.config.paramdoc > docs/parameters.md`.
     Do not edit by hand: tests/test_docs.py checks that this file matches the schema. -->

Every parameter of hubspoke, generated from the typed config schema
(`sim/config/schema.py`). For what each parameter does inside the model, see
[model.md](model.md).

How to read the tables:

- **key** is the full dotted config key, as used on the command line, e.g.
  `hubspoke run team.hub.staff=3 population.segments.premium.margin_per_day=4`.
  Entries of dict-valued settings (segments, platforms, topics, spokes, stance
  effects, handling minutes) are listed one by one with their own defaults.
  List settings (`events.defects`, `events.seasons`) are empty by default; the
  rows `events.defects.N.…` give the fields of one entry and the values an entry
  takes when a field is left out, e.g.
  `hubspoke run '+events.defects=[{topic:product,start_day:10,multiplier:4}]'`.
  Rows whose default reads *group* only collect the rows below them.
- **default** is the schema default. A run composes the schema, the `baseline`
  scenario and the `hub_and_spoke` strategy preset, in that order, then the
  command-line overrides: the presets and scenarios override some defaults (see
  [Strategy presets](#strategy-presets) and [Scenarios](#scenarios)).
- **unit**: `$` is money in the run's currency (`output.currency`, USD unless set),
  `h` hours, `1/day` a rate per day. An empty unit means the value is dimensionless: a
  share, probability, multiplier or count.
- **allowed** is what validation accepts (`sim.config.check_config`); a run with a
  value outside it stops with a one-line error naming the key.
- **why** is the reason for the default: a published source, or "assumption"
  (a plausible value chosen for the model, to be varied in sensitivity analysis).
"""


@dataclass(frozen=True)
class Row:
    """One parameter: a line of a table."""

    key: str
    default: str
    unit: str
    allowed: str
    why: str


# ------------------------------------------------------------------ formatting
def fmt_value(value: Any) -> str:
    """A default as it would be written on the command line."""
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return f"`{value}`" if value else '`""`'
    if isinstance(value, (list, tuple)):
        return "`[" + ", ".join(str(v) for v in value) + "]`"
    return f"`{value}`"


def _number(x: float) -> str:
    return f"{x:g}"


def fmt_allowed(meta: typing.Mapping[str, Any], value: Any) -> str:
    """The allowed values of a field, from its metadata."""
    if meta.get("choices"):
        return ", ".join(f"`{c}`" for c in meta["choices"])
    if isinstance(value, bool):
        return "`true`, `false`"
    bounds = meta.get("range")
    if not bounds:
        return ""
    lo, hi = bounds
    if hi is None:
        return "> 0" if lo == TINY else f">= {_number(lo)}"
    if lo is None:
        return f"<= {_number(hi)}"
    return f"{_number(lo)} to {_number(hi)}"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _rule(key: str) -> str:
    """Cross-field rules, matched on the key with dict entry names replaced by `*`."""
    if key in _RULES:
        return _RULES[key]
    parts = key.split(".")
    if len(parts) == 4:
        return _RULES.get(f"{parts[0]}.{parts[1]}.*.{parts[3]}", "")
    return ""


# ------------------------------------------------------------------ walking
def _item_type(cls: type, name: str) -> type | None:
    """The dataclass held in list field `name` of `cls` (None if not a dataclass)."""
    hint = typing.get_type_hints(cls)[name]
    args = typing.get_args(hint)
    return args[0] if args and is_dataclass(args[0]) else None


def walk(obj: Any, prefix: str = "") -> Iterator[Row]:
    """Rows for every field of the dataclass instance `obj`, depth first, in declaration order."""
    cls = type(obj)
    for f in fields(obj):
        key = f"{prefix}{f.name}"
        meta = f.metadata
        why = meta.get("why", "")
        value = getattr(obj, f.name)
        unit = meta.get("unit", "") or _UNITS.get(key, "")
        if is_dataclass(value):
            yield Row(key, "*group*", "", "", why)
            yield from walk(value, key + ".")
        elif isinstance(value, dict):
            yield from _walk_dict(key, value, unit, why)
        elif isinstance(value, list) and _item_type(cls, f.name) is not None:
            item_cls = _item_type(cls, f.name)
            allowed = "a list of entries with the fields below"
            yield Row(key, fmt_value(value), unit, allowed, why)
            yield from walk(item_cls(), key + ".N.")  # type: ignore[misc]
        else:
            allowed = fmt_allowed(meta, value) or _rule(key)
            yield Row(key, fmt_value(value), unit, allowed, why)


def _walk_dict(key: str, value: dict[str, Any], unit: str, why: str) -> Iterator[Row]:
    entries = ", ".join(f"`{name}`" for name in value)
    scalars = all(not isinstance(v, dict) and not is_dataclass(v) for v in value.values())
    yield Row(key, f"*group*: {entries}", unit if scalars else "", _rule(key), why)
    for name, item in value.items():
        item_key = f"{key}.{name}"
        if is_dataclass(item):
            yield from walk(item, item_key + ".")
        elif isinstance(item, dict):
            for inner, leaf in item.items():
                if is_dataclass(leaf):
                    yield from walk(leaf, f"{item_key}.{inner}.")
                else:
                    yield Row(f"{item_key}.{inner}", fmt_value(leaf), unit, ">= 0", why)
        else:
            yield Row(item_key, fmt_value(item), unit, ">= 0", why)


def sections(config: Config | None = None) -> list[tuple[str, str, list[Row]]]:
    """(title, description, rows) per section: the top-level settings, then one per group."""
    config = Config() if config is None else config
    top: list[Row] = []
    groups: list[tuple[str, str, list[Row]]] = []
    for f in fields(config):
        value = getattr(config, f.name)
        if is_dataclass(value):
            groups.append((f.name, f.metadata.get("why", ""), list(walk(value, f.name + "."))))
        else:
            meta = f.metadata
            allowed = fmt_allowed(meta, value)
            top.append(Row(f.name, fmt_value(value), meta.get("unit", ""), allowed, meta["why"]))
    return [("top level", "seed, length of the run, discounting, names", top), *groups]


def all_rows(config: Config | None = None) -> list[Row]:
    return [row for _, _, rows in sections(config) for row in rows]


# ------------------------------------------------------------------ rendering
def table(rows: list[Row]) -> str:
    lines = ["| key | default | unit | allowed | why |", "|---|---|---|---|---|"]
    for r in rows:
        cells = (f"`{r.key}`", r.default, r.unit, r.allowed, r.why)
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        for name, value in data.items():
            key = f"{prefix}{name}"
            if isinstance(value, dict):
                out.update(_flatten(value, key + "."))
            else:
                out[key] = value
    return out


def _load_yaml(path: Path) -> dict[str, Any]:
    return _flatten(yaml.safe_load(path.read_text()) or {})


def render_presets() -> str:
    """A table of the strategy presets in configs/strategy/ (the values each sets)."""
    folder = catalog.configs_dir() / "strategy"
    names = catalog.strategy_names()
    presets = {name: _load_yaml(folder / f"{name}.yaml") for name in names}
    keys: list[str] = []
    for values in presets.values():
        keys.extend(k for k in values if k not in keys and k != "name")
    defaults = {row.key: row.default for row in all_rows()}
    head = "| key | schema default | " + " | ".join(f"`{n}`" for n in names) + " |"
    lines = [head, "|---" * (len(names) + 2) + "|"]
    for key in keys:
        full = f"strategy.{key}"
        cells = [f"`{full}`", defaults.get(full, "")]
        cells += [fmt_value(presets[n][key]) if key in presets[n] else "" for n in names]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    described = "\n".join(f"- `{n}`: {catalog.describe(folder, n)}" for n in names)
    return (
        "## Strategy presets\n\n"
        "Select one with `strategy=NAME` (default `hub_and_spoke`). A preset sets the "
        "keys below; every other `strategy.*` key keeps its schema default, and "
        "command-line overrides such as `strategy.listening=0.5` come last.\n\n"
        f"{described}\n\n" + "\n".join(lines)
    )


def render_scenarios() -> str:
    """A table of the named scenarios in scenarios/ and the keys each sets."""
    folder = catalog.scenarios_dir()
    lines = ["| scenario | what it is | sets |", "|---|---|---|"]
    for name in catalog.scenario_names():
        values = _load_yaml(folder / f"{name}.yaml")
        sets = ", ".join(
            f"`{k}={fmt_value(v).strip('`')}`" for k, v in values.items() if k != "description"
        )
        lines.append(f"| `{name}` | {_cell(catalog.describe(folder, name))} | {_cell(sets)} |")
    return (
        "## Scenarios\n\n"
        "Select one with `scenario=NAME` (default `baseline`). A scenario overrides the "
        "schema defaults; the strategy preset and the command line can override it in turn.\n\n"
        + "\n".join(lines)
    )


def render_parameters() -> str:
    """The whole of docs/parameters.md."""
    parts = [HEADER]
    for title, description, rows in sections():
        heading = title if title == "top level" else f"`{title}`"
        parts.append(
            f"## {heading}\n\n{description[:1].upper()}{description[1:]}.\n\n{table(rows)}\n"
        )
    parts.append(render_presets() + "\n")
    parts.append(render_scenarios() + "\n")
    return "\n".join(parts)


def main() -> None:
    sys.stdout.write(render_parameters())


if __name__ == "__main__":
    main()
