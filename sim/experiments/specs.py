"""Experiment specifications in `experiments/`: plain data, validated against a schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config import ConfigError, catalog, userfiles

KEY_METRICS = (
    "loyalty_mean_final",
    "churn_rate",
    "relationship_value_total",
    "relationship_value_horizon",
    "customer_equity_final",
    "hub_utilisation",
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


@dataclass
class SweepSpec:
    """A sweep: a full-factorial grid or a sample design over ranges, with replications."""

    description: str = ""
    kind: str = "sweep"
    scenario: str = "baseline"
    grid: dict[str, list[Any]] | None = None
    samples: dict[str, Any] | None = None
    replications: int = 1
    seed: int = 0
    overrides: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=lambda: list(KEY_METRICS))


@dataclass
class StaffingSpec:
    """Staffing options to sweep and the targets the recommendation must meet."""

    description: str = ""
    kind: str = "staffing"
    scenario: str = "seasonal_peak"
    staff: list[int] = field(default_factory=lambda: [1, 2, 3, 4, 6, 8])
    coverage_hours: list[float] = field(default_factory=list)
    spokes: dict[str, list[int]] = field(default_factory=dict)
    # metric -> bound (natural direction) or {at_least: v} / {at_most: v}; none: the
    # default of sim.experiments.staffing, said so in the report
    targets: dict[str, Any] = field(default_factory=dict)
    replications: int = 10
    seed: int = 0
    overrides: list[str] = field(default_factory=list)


@dataclass
class SensitivitySpec:
    """Parameter ranges for Morris and/or Sobol, and the outputs to analyse."""

    description: str = ""
    kind: str = "sensitivity"
    scenario: str = "baseline"
    methods: list[str] = field(default_factory=lambda: ["morris", "sobol"])
    parameters: dict[str, list[Any]] = field(default_factory=dict)
    outputs: list[str] = field(
        default_factory=lambda: [
            "loyalty_mean_final",
            "relationship_value_total",
            "relationship_value_horizon",
        ]
    )
    morris_trajectories: int = 10
    morris_levels: int = 4
    sobol_n: int = 32
    replications: int = 1
    seed: int = 0
    overrides: list[str] = field(default_factory=list)


SCHEMAS = {
    "compare": CompareSpec,
    "sweep": SweepSpec,
    "staffing": StaffingSpec,
    "sensitivity": SensitivitySpec,
}


def experiments_dir() -> Path:
    return catalog.data_dir("experiments")


def experiment_names() -> list[str]:
    return sorted(p.stem for p in experiments_dir().glob("*.yaml"))


def load_spec(name: str, kind: str = "compare"):
    """The experiment `name` (a name or a YAML path; of `kind`) as a typed spec.

    Bad input is a ConfigError naming the file (and line) and what is wrong.
    """
    names = experiment_names()
    if name in names:
        path = experiments_dir() / f"{name}.yaml"
        shown = f"experiments/{name}.yaml"
    elif userfiles.is_path(name):
        path = Path(name)
        shown = name
    else:
        raise ConfigError(
            f"experiment={name}: unknown experiment; allowed: {', '.join(names)} "
            "(or a path to a spec file)"
        )
    text = userfiles.read_text(path, "experiment")
    lines = userfiles.key_lines(text, path)  # YAML errors name the line
    try:
        raw = OmegaConf.create(text)
        found = raw.get("kind", "compare")
        if found != kind:
            same = [n for n in names if _kind(n) == kind]
            raise ConfigError(
                f"experiment={name}: is a {found} spec, not {kind}; {kind} specs: {', '.join(same)}"
            )
        schema = SCHEMAS[kind]
        merged = OmegaConf.merge(OmegaConf.structured(schema), raw)
        spec = OmegaConf.to_object(merged)
    except OmegaConfBaseException as exc:
        key = getattr(exc, "full_key", "") or "?"
        message = " ".join(str(getattr(exc, "msg", exc)).split()).split(" full_key:")[0]
        line = lines.get(key)
        where = f"{shown}:{line}" if line else shown
        raise ConfigError(f"{where}: {key}: {message}") from None
    return spec


def _kind(name: str) -> str:
    try:
        return str(OmegaConf.load(experiments_dir() / f"{name}.yaml").get("kind", "compare"))
    except Exception:
        return "?"
