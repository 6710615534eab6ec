"""Command-line style overrides (`key=value`), read once and checked at entry.

The CLI and the Python API pass every override through `normalise`, so the
habits researchers bring from Hydra get one answer everywhere:

- `+key=v` and `++key=v` set an existing key (every key exists in the schema;
  an unknown one is refused by composition, naming it);
- `~key` (deleting config) and `key@package=v` are refused: a deleted strategy
  or scenario would run the schema defaults under the old label;
- `key=1,2`, `range(...)`, `glob(...)` are sweeps: `hubspoke run -m` or
  `hubspoke sweep grid.KEY=[...]` run them;
- a key given twice keeps its last value (as in Hydra), and messages name it;
- `scenarios=` (the internal group) is refused with a pointer to `scenario=`;
- of Hydra's own settings only `hydra.run.dir` is read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sim.config.errors import ConfigError

MAX_KEY_LENGTH = 200
# keys that pick YAML files by name or path, or say where to look for them
SELECTORS = ("scenario", "strategy", "search_path")


@dataclass(frozen=True)
class Override:
    key: str
    value: str  # the text after '=' exactly as given (Hydra re-reads it when composing)
    # Hydra's reading of `value` (a number, bool, text, list, mapping or None)
    parsed: object = field(default=None, compare=False, repr=False)

    @property
    def text(self) -> str:
        return f"{self.key}={self.value}"


def _parser():
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return OverridesParser.create()


def parse(text: str) -> Override:
    """One override as (key, value); anything else is a one-line ConfigError."""
    if not isinstance(text, str):
        raise ConfigError(f"{text!r}: an override must be text, key=value")
    key, sep, value = text.partition("=")
    if not sep:
        raise ConfigError(f"'{text}': not an override; use key=value")
    if key != key.strip() or (value and value[0].isspace()):
        raise ConfigError(f"'{text}': no spaces around '='; write {key.strip()}={value.strip()}")
    bare = key.lstrip("+~")
    if not bare:
        raise ConfigError(f"'{text}': no key before '='; use key=value")
    if len(bare) > MAX_KEY_LENGTH:
        raise ConfigError(
            f"{bare[:40]}...: key of {len(bare)} characters; config keys are at most "
            f"{MAX_KEY_LENGTH} (see docs/parameters.md)"
        )
    try:
        parsed = _parser().parse_overrides([text])[0]
    except Exception:  # Hydra's grammar errors (LexerNoViableAltException ...) say little
        raise ConfigError(
            f"{text}: cannot read the value {value!r}; lists are [a,b], and text with "
            f"spaces, commas or non-ASCII characters goes in quotes: {bare}='...'"
        ) from None
    kind = parsed.type.name
    if kind == "DEL":
        raise ConfigError(
            f"{text}: deleting config entries is not supported; set a value instead "
            "(e.g. strategy=NAME)"
        )
    if parsed.package is not None:
        raise ConfigError(f"{text}: '@package' overrides are not supported; use key=value")
    if parsed.value_type is not None and parsed.value_type.name != "ELEMENT":
        raise ConfigError(
            f"{text}: several values make a sweep; use `hubspoke run -m {text}` or "
            f"`hubspoke sweep grid.{bare}=[...]`"
        )
    key = parsed.key_or_group
    if key == "scenarios":
        raise ConfigError(f"{text}: the scenario is chosen with scenario={value}")
    if key.startswith("hydra.") and key != "hydra.run.dir":
        raise ConfigError(f"{text}: of Hydra's settings hubspoke reads only hydra.run.dir")
    if key == "hydra.run.dir" and not value.strip():
        raise ConfigError("hydra.run.dir=: empty; must be a folder path")
    if parsed.value() == {}:
        raise ConfigError(
            f"{text}: an empty mapping changes nothing (entries are merged into the defaults); "
            f"set entries as {key}.NAME.FIELD=VALUE"
        )
    if key in SELECTORS and not value.strip():
        raise ConfigError(f"{key}=: empty; must be a name (see `hubspoke list`) or a file path")
    return Override(key, value, parsed.value())


def normalise(overrides: Iterable[str]) -> list[Override]:
    """Every override parsed; of a key given twice only the last stays, in its place."""
    if isinstance(overrides, str):
        raise ConfigError(f"overrides={overrides!r}: must be a list of key=value texts")
    parsed = [parse(text) for text in overrides]
    last = {o.key: i for i, o in enumerate(parsed)}
    return [o for i, o in enumerate(parsed) if last[o.key] == i]
