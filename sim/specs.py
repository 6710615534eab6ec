"""Experiment specifications in `experiments/`: plain data, validated against a schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim import registry
from sim.config import ConfigError

KEY_METRICS = (
    "loyalty_mean_final",
    "churn_rate",
    "relationship_value_total",
    "customer_equity_final",
    "cost_to_serve_total",
    "nps_like_final",
    "first_response_p90_h",
    "unanswered_share",
    "complaints_total",
)


@dataclass
class CompareSpec:
    """A comparison: one scenario, named arms (lists of overrides), replications."""

    description: str = ""
    kind: str = "compare"
    scenario: str = "baseline"
    replications: int = 20
    seed: int = 0
    reference: str | None = None
    metrics: list[str] = field(default_factory=lambda: list(KEY_METRICS))
    overrides: list[str] = field(default_factory=list)
    arms: dict[str, list[str]] = field(default_factory=dict)


def experiments_dir() -> Path:
    return registry.data_dir("experiments")


def experiment_names() -> list[str]:
    return sorted(p.stem for p in experiments_dir().glob("*.yaml"))


def load_spec(name: str, schema: type = CompareSpec):
    """The experiment `name` as a typed spec; bad input raises ConfigError (one line)."""
    names = experiment_names()
    if name not in names:
        raise ConfigError(f"experiment={name}: unknown experiment; allowed: {', '.join(names)}")
    path = experiments_dir() / f"{name}.yaml"
    try:
        raw = OmegaConf.load(path)
        merged = OmegaConf.merge(OmegaConf.structured(schema), raw)
        spec = OmegaConf.to_object(merged)
    except OmegaConfBaseException as exc:
        key = getattr(exc, "full_key", "") or "?"
        message = " ".join(str(getattr(exc, "msg", exc)).split())
        raise ConfigError(f"experiments/{name}.yaml: {key}: {message}") from None
    except Exception as exc:  # a YAML syntax error
        first = str(exc).splitlines()[0]
        raise ConfigError(f"experiments/{name}.yaml: not valid YAML: {first}") from None
    return spec
