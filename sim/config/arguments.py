"""Checks for the arguments of the Python API and the CLI's own options.

Config keys are checked by the schema (`compose.check_config`); the options
around a batch of runs (seed, replications, jobs, levels, ...) are checked
here, so `sim.compare(replications="3")` and `hubspoke compare replications=x`
fail with the same one line naming the argument, the value and what is allowed.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

from sim.config.errors import ConfigError

# seeds are stored as int64 in result datasets: replication k of seed s is s + k
SEED_MAX = 2**63 - 1


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def exact(value: float) -> str:
    """A number as text with every digit it has (`:g` keeps six: 1.0000001 read "1",
    20000000.5 "2e+07"), and a whole one without ".0", as it was typed."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)


def _num(x: float) -> str:
    return f"{x:,}" if isinstance(x, int) else f"{x:g}"


def allowed_range(low: float | None, high: float | None) -> str:
    """What a range allows, in words ("" when it is unbounded)."""
    if low == 1e-12 and high is None:  # the schema's "positive"
        return "> 0"
    if low is not None and high is not None:
        return f"between {_num(low)} and {_num(high)}"
    if low is not None:
        return f">= {_num(low)}"
    if high is not None:
        return f"<= {_num(high)}"
    return ""


def integer(name: str, value: Any, low: int | None = None, high: int | None = None) -> int:
    """`value` as an int within [low, high]; bools, floats and text are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        wanted = f"an integer {allowed_range(low, high)}".rstrip()
        raise ConfigError(f"{name}={_shown(value)}: not an integer; must be {wanted}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ConfigError(f"{name}={value}: out of range; must be {allowed_range(low, high)}")
    return value


def optional_integer(name: str, value: Any, low: int | None = None) -> int | None:
    """None (the default, e.g. all cores) or an integer >= low."""
    return None if value is None else integer(name, value, low)


def number(name: str, value: Any, low: float | None = None, high: float | None = None) -> float:
    """`value` as a finite float within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        wanted = allowed_range(low, high) or "a finite number"
        raise ConfigError(f"{name}={_shown(value)}: not a number; must be {wanted}")
    given, value = value, float(value)
    if (
        not math.isfinite(value)
        or (low is not None and value < low)
        or (high is not None and value > high)
    ):
        wanted = allowed_range(low, high) or "finite"
        raise ConfigError(f"{name}={exact(given)}: out of range; must be {wanted}")
    return value


def choice(name: str, value: Any, allowed: Iterable[str]) -> str:
    allowed = list(allowed)
    if value not in allowed:
        raise ConfigError(f"{name}={_shown(value)}: not allowed; allowed: {', '.join(allowed)}")
    return value


def seed(value: Any, count: int = 1) -> int:
    """A base seed whose `count` replications (seed, seed + 1, ...) all fit in int64."""
    return integer("seed", value, 0, SEED_MAX - max(count, 1) + 1)


def text(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{name}={_shown(value)}: must be a non-empty name or path")
    return value
