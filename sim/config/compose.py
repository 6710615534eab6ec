"""Compose a run's config with Hydra from `configs/` and `scenarios/`, then check it.

`load_config(scenario, overrides)` is the one entry point: it returns a typed
:class:`sim.config.schema.Config` (plain dataclasses) or raises :class:`ConfigError`
whose message is a single line naming the key, the value and what is allowed.
"""

from __future__ import annotations

import copy
import difflib
import functools
import math
import pickle
import typing
import warnings
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import fields, is_dataclass
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config import catalog, userfiles
from sim.config.arguments import allowed_range, exact
from sim.config.errors import ConfigError
from sim.config.inert import warn_inert
from sim.config.overrides import SELECTORS, Override, normalise
from sim.config.schema import POST_KINDS, WEEKDAY_NAMES, Config
from sim.config.userfiles import Sources

ConfigStore.instance().store(name="hubspoke_schema", node=Config)


def _flat_keys(cls: type = Config, prefix: str = "") -> list[str]:
    keys = []
    for f in fields(cls):
        name = f"{prefix}{f.name}"
        keys.append(name)
        default = f.default_factory() if callable(f.default_factory) else f.default
        if is_dataclass(default):
            keys.extend(_flat_keys(type(default), name + "."))
    return keys


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _explain(exc: BaseException, overrides: Sequence[str]) -> str:
    """Turn a Hydra/OmegaConf composition failure into one line."""
    message = str(exc)
    if "Could not override '" in message or ("Key '" in message and "not in struct" in message):
        key = message.split("'")[1]
        close = difflib.get_close_matches(key, _flat_keys(), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        value = next((o.split("=", 1)[1] for o in overrides if o.split("=")[0] == key), "")
        return f"{key}={value}: unknown config key{hint}"
    chain: BaseException | None = exc
    while chain is not None:
        if isinstance(chain, OmegaConfBaseException) and getattr(chain, "full_key", None):
            msg = _one_line(getattr(chain, "msg", str(chain)).splitlines()[0])
            key = chain.full_key
            value = next((o.split("=", 1)[1] for o in overrides if o.split("=")[0] == key), None)
            if value is not None and "could not be converted to" in msg:
                wanted = msg.rsplit("converted to ", 1)[1].lower()
                return f"{key}={value}: not a valid value; must be {_article(wanted)}"
            if value is not None and "is not a valid bool" in msg:
                return f"{key}={value}: not a valid value; must be true or false"
            return _type_error(key, value, msg, overrides)
        chain = chain.__cause__ or chain.__context__
    return _one_line(message.splitlines()[0])


def _type_error(key: str, value: str | None, msg: str, overrides: Sequence[str]) -> str:
    """`key=value: reason` for type errors OmegaConf words in its own way."""
    if value is None:  # the bad value sits inside a larger override (a list of structs)
        key, value = _locate_in_lists(key, msg, overrides)
    if "could not be converted to" in msg:
        wanted = msg.rsplit("converted to ", 1)[1].lower()
        return f"{key}={value}: not a valid value; must be {_article(wanted)}"
    if "Key '" in msg and "' not in '" in msg:
        unknown = f"{key.rsplit('.', 1)[0]}.{msg.split(chr(39))[1]}" if "." in key else key
        close = difflib.get_close_matches(unknown, _flat_keys(), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"{unknown}: unknown config key{hint}"
    if "ListConfig" in msg:
        if _is_mapping(key):
            return (
                f"{key}={value}: not a valid value; must be a mapping of named entries, "
                f"e.g. {key}.NAME.FIELD=VALUE (see docs/parameters.md)"
            )
        return f"{key}={value}: not a valid value; must be a list, e.g. {key}=[a,b]"
    if "is not Optional" in msg:
        return f"{key}={value}: a value is required; null is not allowed"
    return f"{key}={value}: not a valid value ({msg})"


def _locate_in_lists(key: str, msg: str, overrides: Sequence[str]) -> tuple[str, str]:
    """Find `key` inside a list-of-structs override: its full key and its value."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    quoted = msg.split("'")
    bad = quoted[1] if len(quoted) > 2 else None
    leaf = key.split(".")[-1]
    for override in overrides:
        try:
            parsed = OverridesParser.create().parse_overrides([override])[0]
            items = parsed.value()
        except Exception:
            continue
        if isinstance(items, list):
            for i, item in enumerate(items):
                if (
                    isinstance(item, dict)
                    and leaf in item
                    and (bad is None or str(item[leaf]) == bad)
                ):
                    return f"{parsed.key_or_group}.{i}.{leaf}", str(item[leaf])
    return key, bad or "?"


def _is_mapping(key: str) -> bool:
    """Whether the schema declares `key` a dict (of named entries)."""
    cls: Any = Config
    for part in key.split("."):
        match = (
            next((f for f in fields(cls) if f.name == part), None) if is_dataclass(cls) else None
        )
        if match is None:
            return False
        default = match.default_factory() if callable(match.default_factory) else match.default
        if isinstance(default, dict):
            return True
        cls = type(default)
    return False


def _article(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def _selected(scenario: str, overrides: Sequence[Override]) -> tuple[Sources, list[str], list[str]]:
    """Resolve the scenario, the strategy and the user's folder.

    Returns the sources, the overrides that choose files (Hydra's config groups, and
    Hydra's own settings) and the rest: values set on top of the composed files.
    """
    chosen = {"scenario": scenario, "strategy": None, "search_path": None}
    values = []
    hydra = []
    for override in overrides:
        if override.key in chosen:
            chosen[override.key] = override.value
        elif override.key.startswith("hydra."):
            hydra.append(override.text)
        else:
            values.append(override.text)
    sources = userfiles.resolve(chosen["scenario"], chosen["strategy"], chosen["search_path"])
    groups = [f"scenarios={sources.scenario}"]
    if sources.strategy is not None:
        groups.append(f"strategy={sources.strategy}")
    return sources, [*groups, *hydra], values


def _compose_files(sources: Sources, selections: Sequence[str]) -> DictConfig:
    """Hydra's composition of the chosen files (no value overrides), without its own node."""
    GlobalHydra.instance().clear()
    try:
        with sources.search_path() as entries:
            search_path = "hydra.searchpath=[" + ",".join(entries) + "]"
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with initialize_config_dir(
                    config_dir=str(catalog.configs_dir()), version_base="1.3"
                ):
                    cfg = compose(
                        "config",
                        overrides=[search_path, *selections],
                        return_hydra_config=True,
                    )
    finally:
        GlobalHydra.instance().clear()
    plain = OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"])
    OmegaConf.set_struct(plain, True)
    return plain


@functools.lru_cache(maxsize=64)
def _compose_builtin(
    scenario: str, label: str, strategy: str | None, selections: tuple[str, ...]
) -> DictConfig:
    # the files of a built-in scenario and strategy do not change: compose them once
    # (~0.12 s) and set each call's values on a copy (~1 ms)
    return _compose_files(Sources(scenario, label, strategy), selections)


def _compose(scenario: str, overrides: Iterable[str]) -> tuple[DictConfig, Sources]:
    """The composed config: the chosen files by Hydra, then the values as Hydra sets them.

    The values go through Hydra's own override step (`_apply_overrides_to_config`, the
    one `compose` runs after the defaults list), so their grammar, their types and their
    errors are Hydra's; only the composition of the files is shared between calls.
    """
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = normalise(overrides)
    texts = [o.text for o in parsed]
    sources, selections, values = _selected(scenario, parsed)
    try:
        if sources.cacheable:  # no user files or folders: built-ins only
            built = _compose_builtin(
                sources.scenario, sources.scenario_label, sources.strategy, tuple(selections)
            )
            cfg = copy.deepcopy(built)
        else:  # a user's file may change between calls: composed afresh
            cfg = _compose_files(sources, selections)
        for key in OPEN_MAPPINGS:  # their keys are the user's to name (checked later)
            OmegaConf.set_struct(OmegaConf.select(cfg, key), False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ConfigLoaderImpl._apply_overrides_to_config(
                OverridesParser.create().parse_overrides(values), cfg
            )
    except ConfigError:
        raise
    except Exception as exc:  # Hydra raises several unrelated types for bad input
        given = [o.key for o in parsed]
        raise ConfigError(sources.locate(_explain(exc, texts), given)) from None
    cfg.scenario = sources.scenario_label
    return cfg, sources


def compose_config(scenario: str = "baseline", overrides: Iterable[str] = ()) -> DictConfig:
    """The composed config before typing and checks (without Hydra's own node)."""
    return _compose(scenario, overrides)[0]


@functools.cache
def _schema() -> bytes:
    # building the structured schema costs ~40 ms, more than a load's other steps; it is
    # built once and kept pickled: unpickling a fresh copy (~2 ms) beats the deep copy
    # OmegaConf.merge makes of its first argument (~6 ms, a fifth of a load)
    return pickle.dumps(OmegaConf.structured(Config))


def to_config(cfg: DictConfig) -> Config:
    """The typed config (without Hydra's own node), validated."""
    plain = OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"]) if "hydra" in cfg else cfg
    try:
        typed = pickle.loads(_schema())
        typed.merge_with(plain)
        config = OmegaConf.to_object(typed)
    except OmegaConfBaseException as exc:
        raise ConfigError(_explain(exc, ())) from None
    check_config(config)
    return config


def load_config(
    scenario: str = "baseline", overrides: Iterable[str] = (), *, warn: bool = True
) -> Config:
    """Compose, type-check and check the config of one run (a fresh object each call).

    Args:
        scenario: a scenario name (`hubspoke list`) or a path to a scenario YAML file.
        overrides: Hydra overrides, e.g. ["strategy=enterprise", "team.hub.staff=3"];
            `strategy=` and `scenario=` take names or file paths, `search_path=DIR` adds
            the user's folder of scenarios/ and strategy/ files.
        warn: say (InertSettingWarning) which overrides have no effect under this
            config; batches turn it off where the overrides are not the user's own
            (drawn assumptions, probes) or were already checked once.

    Returns:
        The typed `Config`. Bad input raises `ConfigError` with one line naming the
        key, the value and what is allowed (and the file and line, for a user file).
    """
    if not isinstance(scenario, str) or not scenario:
        raise ConfigError(f"scenario={scenario!r}: must be a scenario name or a file path")
    if isinstance(overrides, str):
        raise ConfigError(f"overrides={overrides!r}: must be a list of key=value texts")
    overrides = tuple(overrides)
    config = _load_or_cached(scenario, overrides)
    if warn:
        warn_inert(config, [o.partition("=")[0].lstrip("+") for o in overrides])
    return config


def _load_or_cached(scenario: str, overrides: tuple[str, ...]) -> Config:
    if any(
        userfiles.is_path(o.partition("=")[2]) or o.startswith("search_path=")
        for o in overrides
        if isinstance(o, str)
    ) or userfiles.is_path(scenario):
        # a user's file may change between calls: never cached
        return _passed(_load(scenario, overrides))
    return _passed(copy.deepcopy(_load_cached(scenario, overrides)))


# The configs that passed every check, by identity, with their state (pickle) then.
# `recheck` re-checks a config unchanged since in ~0.1 ms instead of ~40 ms (most of
# `sim.run` for a small run); any edit, however deep, changes the state.
_CHECKED: dict[int, tuple[weakref.ref, bytes]] = {}


def _state(config: Config) -> bytes | None:
    """The config's pickle; None for a value that cannot be pickled (a function, a lock
    set in Python: never taken as unchanged, and the full check refuses it)."""
    try:
        return pickle.dumps(config, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # pickle raises several unrelated types
        return None


def _passed(config: Config) -> Config:
    """Record that `config`, as it is now, passed every check."""
    state = _state(config)
    if state is not None:
        key = id(config)
        gone = lambda _: _CHECKED.pop(key, None)  # noqa: E731 (the object's id is free again)
        _CHECKED[key] = (weakref.ref(config, gone), state)
    return config


def _unchanged_since_checked(config: Config) -> bool:
    seen = _CHECKED.get(id(config))
    return seen is not None and seen[0]() is config and seen[1] == _state(config)


def _load(scenario: str, overrides: tuple[str, ...]) -> Config:
    raw, sources = _compose(scenario, overrides)
    try:
        return to_config(raw)
    except ConfigError as exc:
        given = [o.partition("=")[0].lstrip("+") for o in overrides]
        raise ConfigError(sources.locate(str(exc), given)) from None


@functools.lru_cache(maxsize=256)
def _load_cached(scenario: str, overrides: tuple[str, ...]) -> Config:
    # a load costs ~30 ms the whole way (~2 ms by plain values); replications and arms
    # ask for the same config many times
    return _load_values(scenario, overrides)


_PLAIN_TYPES = (float, int, bool, str)


@functools.cache
def _scalar_type(key: str) -> type | None:
    """The type of the schema's field `key` where it is a plain float, int, bool or
    text field of a dataclass, reached through dataclasses and mappings of them (the
    segments, the spokes, the stances' effects; not a list, nor an optional)."""
    cls: Any = Config
    parts = key.split(".")
    for i, part in enumerate(parts):
        if typing.get_origin(cls) is dict:  # `part` names an entry
            cls = typing.get_args(cls)[1]
            if i == len(parts) - 1:
                return None  # an entry itself, not a field of one
            continue
        if not is_dataclass(cls):
            return None
        hint = typing.get_type_hints(cls).get(part)
        if hint is None:
            return None
        if i == len(parts) - 1:
            return hint if hint in _PLAIN_TYPES else None
        cls = hint
    return None


_NOT_PLAIN = object()


def _plain_value(override: Override) -> object:
    """The value of `override` as composition would type it, where the override sets a
    plain field to a plain value of the field's own type (an int for a float field is
    that float, as OmegaConf makes it); `_NOT_PLAIN` for anything else (a mapping of
    plain values, such as demand.inbound_per_day, has no plain field)."""
    if override.key in SELECTORS or "${" in override.value:
        return _NOT_PLAIN  # `scenario=` picks files (the schema's `scenario` is their label)
    wanted = _scalar_type(override.key)
    value = override.parsed
    if wanted is None:
        return _NOT_PLAIN
    if type(value) is wanted:
        return value
    if wanted is float and type(value) is int:
        return float(value)
    return _NOT_PLAIN


@functools.lru_cache(maxsize=64)
def _typed_state(scenario: str, overrides: tuple[str, ...]) -> bytes:
    return pickle.dumps(_load(scenario, overrides), protocol=pickle.HIGHEST_PROTOCOL)


def _load_values(scenario: str, overrides: tuple[str, ...]) -> Config:
    """`_load`, with the plain values set on the typed config of the other overrides.

    A sweep's, a calibration's or a comparison's configs differ from one another by a
    few numbers: composing, merging and typing each anew took ~30 ms, more than a small
    run. The overrides that set a plain field (a float, int, bool or text, through
    dataclasses and the existing entries of mappings of them) to a value of its type
    (Hydra's own reading of the text) are set on a copy of the typed config of the
    rest, composed once; then every check runs. Anything else (a list, a mapping, an
    interpolation, a value of another type, a new entry, a check that fails) goes the
    whole way, so its value and its error are composition's own.
    tests/config/test_quick_values.py holds the two ways equal."""
    try:
        parsed = normalise(overrides)
    except ConfigError:
        return _load(scenario, overrides)  # its error, in its words
    plain, rest = [], []
    for override in parsed:
        value = _plain_value(override)
        if value is _NOT_PLAIN:
            rest.append(override)
        else:
            plain.append((override.key, value))
    if not plain or any("${" in o.value for o in rest):
        return _load(scenario, overrides)
    try:
        config = pickle.loads(_typed_state(scenario, tuple(o.text for o in rest)))
        for key, value in plain:
            *path, leaf = key.split(".")
            owner = config
            for part in path:
                if isinstance(owner, dict):
                    if part not in owner:  # a new entry: the whole way makes it
                        return _load(scenario, overrides)
                    owner = owner[part]
                else:
                    owner = getattr(owner, part)
            setattr(owner, leaf, value)
        check_config(config)
    except ConfigError:
        return _load(scenario, overrides)  # the error as the whole way words and locates it
    return config


def recheck(config: Config) -> None:
    """Check a config that may have been changed in Python since it was loaded (one
    unchanged since it last passed, compared by its pickle, is not checked again)."""
    if not isinstance(config, Config):
        raise ConfigError(
            f"config={type(config).__name__}: not a hubspoke Config; use sim.load_config(...)"
        )
    if _unchanged_since_checked(config):
        return
    try:
        OmegaConf.structured(config)  # the types of every field
    except OmegaConfBaseException as exc:
        raise ConfigError(_explain(exc, ())) from None
    check_config(config)
    _passed(config)


def config_to_yaml(config: Config) -> str:
    return OmegaConf.to_yaml(OmegaConf.structured(config))


def config_fingerprint(config: Config) -> str:
    """A short hash of every value of the config (~1 ms; the YAML route costs ~50 ms)."""
    import dataclasses
    import hashlib
    import json

    text = json.dumps(dataclasses.asdict(config), sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def config_to_dict(config: Config) -> dict[str, Any]:
    return OmegaConf.to_container(OmegaConf.structured(config))  # type: ignore[return-value]


# ------------------------------------------------------------------ validation
def _check_value(key: str, value: Any, meta: dict) -> None:
    choices = meta.get("choices")
    if choices and value not in choices:
        raise ConfigError(f"{key}={value}: not allowed; allowed: {', '.join(choices)}")
    rng = meta.get("range")
    if rng and isinstance(value, (int, float)) and not isinstance(value, bool):
        lo, hi = rng
        if (
            not math.isfinite(value)
            or (lo is not None and value < lo)
            or (hi is not None and value > hi)
        ):
            raise ConfigError(f"{key}={value}: out of range; must be {allowed_range(lo, hi)}")


def _walk(obj: Any, prefix: str) -> None:
    for f in fields(obj):
        key = f"{prefix}{f.name}"
        value = getattr(obj, f.name)
        if is_dataclass(value):
            _walk(value, key + ".")
        elif isinstance(value, dict):
            for name, item in value.items():
                if is_dataclass(item):
                    _walk(item, f"{key}.{name}.")
                elif isinstance(item, dict):
                    for inner, leaf in item.items():
                        if is_dataclass(leaf):
                            _walk(leaf, f"{key}.{name}.{inner}.")
                elif isinstance(item, (int, float)) and (item < 0 or item != item):
                    raise ConfigError(f"{key}.{name}={item}: out of range; must be >= 0")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if is_dataclass(item):
                    _walk(item, f"{key}.{i}.")
        else:
            _check_value(key, value, f.metadata)


def _require_sum(key: str, values: Iterable[float]) -> None:
    total = sum(values)
    if total <= 0:
        raise ConfigError(f"{key}: weights sum to {total:g}; must be > 0")


def check_config(config: Config) -> None:
    """Check every value against its range, then the cross-field rules."""
    _walk(config, "")
    pop, posts, team, strategy = config.population, config.posts, config.team, config.strategy
    if not pop.segments:
        raise ConfigError("population.segments: empty; at least one segment is required")
    _require_sum("population.segments.*.share", (s.share for s in pop.segments.values()))
    _require_sum("population.platforms", pop.platforms.values())
    if pop.initial_customer_share + pop.initial_lapsed_share > 1.0:
        raise ConfigError(
            f"population.initial_lapsed_share={exact(pop.initial_lapsed_share)}: with "
            f"initial_customer_share={exact(pop.initial_customer_share)} exceeds everyone; "
            "the two must sum to <= 1"
        )
    if 0 < pop.reach < pop.size:
        raise ConfigError(
            f"population.reach={pop.reach}: smaller than population.size={pop.size}; "
            "allowed: 0 (the simulated people are the whole reach) or at least the size"
        )
    if not posts.topics:
        raise ConfigError("posts.topics: empty; at least one topic is required")
    _require_sum("posts.topics.*.weight", (t.weight for t in posts.topics.values()))
    for name, topic in posts.topics.items():
        if topic.department not in team.spokes:
            allowed = ", ".join(team.spokes)
            raise ConfigError(
                f"posts.topics.{name}.department={topic.department}: unknown; allowed: {allowed}"
            )
    for key, weights, length in (
        ("demand.hourly", config.demand.hourly, 24),
        ("demand.weekly", config.demand.weekly, 7),
    ):
        if len(weights) != length:
            raise ConfigError(
                f"{key}: {len(weights)} weights; must be {length} (one per "
                f"{'hour, 0-23' if length == 24 else 'weekday, Monday first'})"
            )
        for i, w in enumerate(weights):
            if not isinstance(w, (int, float)) or not math.isfinite(w) or w < 0:
                raise ConfigError(f"{key}.{i}={exact(w)}: out of range; must be >= 0")
        _require_sum(key, weights)
    for kind, volume in config.demand.inbound_per_day.items():
        if kind not in INBOUND_KINDS:
            raise ConfigError(
                f"demand.inbound_per_day.{kind}: unknown kind; allowed: {', '.join(INBOUND_KINDS)}"
            )
        if not math.isfinite(volume) or volume > MAX_POSTS_PER_DAY:
            raise ConfigError(
                f"demand.inbound_per_day.{kind}={exact(volume)}: out of range; "
                f"must be between 0 and {MAX_POSTS_PER_DAY:,}"
            )
    missing = [k for k in POST_KINDS if k not in posts.handle_minutes]
    if missing:
        raise ConfigError(f"posts.handle_minutes: missing {', '.join(missing)}")
    for kind in strategy.answers:
        if kind not in POST_KINDS:
            raise ConfigError(
                f"strategy.answers={kind}: unknown post kind; allowed: {', '.join(POST_KINDS)}"
            )
    topic_keys = [("attack.topic", config.attack.topic)]
    topic_keys += [
        (f"events.defects.{i}.topic", d.topic) for i, d in enumerate(config.events.defects)
    ]
    for key, topic in topic_keys:
        if topic not in posts.topics:
            allowed = ", ".join(posts.topics)
            raise ConfigError(f"{key}={topic}: unknown topic; allowed: {allowed}")
    shifts = [(f"team.hub.roster.{i}", s) for i, s in enumerate(team.hub.roster)]
    shifts += [
        (f"team.hub.temps.{i}.shift", t.shift)
        for i, t in enumerate(team.hub.temps)
        if t.shift is not None
    ]
    for key, shift in shifts:
        unknown = [d for d in shift.days if d not in WEEKDAY_NAMES]
        if unknown or not shift.days:
            raise ConfigError(
                f"{key}.days={list(shift.days)}: must name weekdays; "
                f"allowed: {', '.join(WEEKDAY_NAMES)}"
            )
        if shift.staff > 0 and shift.hours <= 0:
            raise ConfigError(
                f"{key}.hours={exact(shift.hours)}: a staffed shift needs hours; must be > 0"
            )
    if team.hub.staff > 0 and team.hub.shift_hours <= 0 and not team.hub.roster:
        raise ConfigError(
            f"team.hub.shift_hours={exact(team.hub.shift_hours)}: hub staff need a shift; "
            "must be > 0"
        )
    if team.hub.staff > 0 and team.hub.days_per_week == 0 and not team.hub.roster:
        raise ConfigError(
            f"team.hub.days_per_week={team.hub.days_per_week}: hub staff need working days; "
            "must be between 1 and 7 (or set team.hub.staff=0)"
        )
    if config.network.kind == "complete" and pop.size > 50_000:
        raise ConfigError(
            f"population.size={pop.size}: too large for network.kind=complete; must be <= 50000"
        )
    _check_volume(config)
    effects = config.attack.effects
    for stance in ("silence", "deny", "diminish", "apologise"):
        for truth in ("true", "false"):
            if truth not in effects.get(stance, {}):
                raise ConfigError(f"attack.effects.{stance}.{truth}: missing effect entry")


# mappings whose keys a command line may add without Hydra's "+"
OPEN_MAPPINGS = ("demand.inbound_per_day",)
# the kinds whose volume a brand can state (demand.inbound_per_day): mentions are found by
# listening and attacks come from the attack model
INBOUND_KINDS = ("complaint", "question", "praise", "lead")
# inbound posts a day the engine is sized for: ~100 bytes a post in the post book,
# so a year at this rate is far beyond memory already; a typo of 1e30 fails here
MAX_POSTS_PER_DAY = 20_000_000
# posts over a whole run (~200 bytes each in the post book and the queues: ~4 GB)
MAX_POSTS_PER_RUN = 20_000_000


def _check_volume(config: Config) -> None:
    """Rates, sizes and multipliers that would make more posts than can be simulated."""
    posts = config.posts
    # a sample of a larger reach: the team faces the posts of the whole reach
    size = max(config.population.size, config.population.reach)
    defect = max((t.defect_level for t in posts.topics.values()), default=1.0)
    for shock in config.events.defects:
        defect *= max(shock.multiplier, 1.0)
    season = 1.0
    for peak in config.events.seasons:
        season *= max(peak.multiplier, 1.0)
    per_person = (
        posts.incident_rate_per_day * defect
        + posts.question_rate_per_day
        + posts.praise_rate_per_day
        + posts.lead_rate_per_day
    )
    expected = size * per_person * season
    if expected > MAX_POSTS_PER_DAY:
        raise ConfigError(
            f"posts: these settings make ~{expected:.3g} posts a day (people in reach {size} x "
            f"{per_person:.3g} a person x peak {season:.3g}); at most {MAX_POSTS_PER_DAY:,} "
            "a day can be simulated"
        )
    # only voiced incidents become posts (with room for the squeaky wheel to double voice)
    pop = config.population
    voice = max((seg.voice_propensity for seg in pop.segments.values()), default=1.0)
    voiced = min(1.0, 2.0 * voice * (1.0 + pop.squeaky_wheel))
    posting = per_person - posts.incident_rate_per_day * defect * (1.0 - voiced)
    run_total = size * posting * season * config.days
    if run_total > MAX_POSTS_PER_RUN:
        raise ConfigError(
            f"posts: these settings make up to ~{run_total:.3g} posts in {config.days} days "
            f"(people in reach {size} x {posting:.3g} posts a person a day x peak "
            f"{season:.3g}); at most {MAX_POSTS_PER_RUN:,} a run fit in memory"
        )
