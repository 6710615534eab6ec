"""hubspoke as an EMA Workbench model: describe uncertainties, levers and outcomes once and
use the Workbench's samplers, analysis (PRIM, CART, feature scoring) and robust decision
methods unchanged.

    import ema_workbench as ew
    import sim

    model = sim.ema.model(
        "brand_attack_false",
        uncertainties={"attack.contact_rate_per_hour": (0.1, 0.5)},
        levers={"strategy.crisis.delay_hours": (0.0, 96.0)},
        outcomes=["attack_reach", "relationship_value_horizon"],
        overrides=["strategy=enterprise", "strategy.crisis.stance=deny"],
    )
    experiments, outcomes = ew.perform_experiments(model, scenarios=64, policies=4)

Every run goes through hubspoke's own runner (`sim.experiments.runs.perform`: the
same config validation, the same seeds and results as `hubspoke run`). With
`replications=R > 1` the model is a `ReplicatorModel` whose replication k uses
seed + k, and each outcome is the mean over the replications. The runner is a
picklable object, so the Workbench's `MultiprocessingEvaluator` runs it on local
cores. The EMA Workbench is the optional extra `discovery`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.config import ConfigError, arguments, load_config


@dataclass(frozen=True)
class Runner:
    """One run of the scenario with the Workbench's values for the keys; its outcomes."""

    scenario: str
    overrides: tuple[str, ...]
    outcomes: tuple[str, ...]
    seed: int

    def __call__(self, **values: Any) -> dict[str, float]:
        from sim.experiments.daily_outcomes import is_daily, parse
        from sim.experiments.runs import RunSpec, format_value, perform

        seed = int(values.pop("seed", self.seed))
        point = tuple((key, _plain(value)) for key, value in values.items())
        settings = (*self.overrides, *(f"{k}={format_value(v)}" for k, v in point))
        daily = {name: parse(name) for name in self.outcomes if is_daily(name)}
        columns = sorted({"day", *(d.column for d in daily.values())}) if daily else ()
        record = perform(RunSpec(self.scenario, seed, settings), daily_columns=columns)
        if not record.ok:
            raise RuntimeError(f"{self.scenario} with {' '.join(settings)}: {record.row['error']}")
        return {
            outcome_name(name): daily[name].of(record.daily)
            if name in daily
            else float(record.summary[name])
            for name in self.outcomes
        }


def outcome_name(name: str) -> str:
    """The Workbench's name of an outcome: a Python identifier (backlog@sum: backlog_sum)."""
    return name.replace("@", "_")


def _plain(value: Any) -> Any:
    """numpy scalars (as the samplers give them) as Python values."""
    return value.item() if isinstance(value, np.generic) else value


def _parameter(ew, scenario: str, overrides: list[str], key: str, spec: Any, role: str):
    """A Workbench parameter for config key `key`: a range (low, high) or a list of values,
    each value checked by the config layer as `hubspoke run` would."""
    from sim.experiments.sweeps import _key_type

    try:
        kind = _key_type(scenario, key, overrides)
    except ConfigError:
        raise ConfigError(f"{role}.{key}: not a config key (docs/parameters.md)") from None
    if isinstance(spec, tuple) and len(spec) == 2:
        low, high = spec
        for value in spec:
            load_config(scenario, [*overrides, f"{key}={value}"])
        if not low < high:
            raise ConfigError(f"{role}.{key}={list(spec)}: the range needs low < high")
        if issubclass(kind, bool):
            raise ConfigError(f"{role}.{key}: a switch takes a list of values, [true, false]")
        if issubclass(kind, int):
            return ew.IntegerParameter(key, int(low), int(high))
        return ew.RealParameter(key, float(low), float(high))
    if isinstance(spec, list) and spec:
        from sim.experiments.runs import format_value

        for value in spec:
            load_config(scenario, [*overrides, f"{key}={format_value(value)}"])
        return ew.CategoricalParameter(key, spec)
    raise ConfigError(f"{role}.{key}={spec!r}: give a range as (low, high) or the values as a list")


def model(
    scenario: str,
    uncertainties: Mapping[str, Any],
    levers: Mapping[str, Any] | None = None,
    outcomes: Sequence[str] | None = None,
    replications: int = 1,
    seed: int = 0,
    overrides: Sequence[str] = (),
    name: str = "hubspoke",
):
    """An `ema_workbench` Model (a ReplicatorModel when `replications` > 1) of `scenario`.

    Args:
        uncertainties, levers: config key -> (low, high) for a range (integer keys
            give IntegerParameters) or a list of values (CategoricalParameter).
        outcomes: summary metrics (default: the key metrics of `hubspoke compare`), or
            daily outcomes COLUMN@WHEN: loyalty_mean@day30, backlog@sum
            (sim.experiments.daily_outcomes), named COLUMN_WHEN in the Workbench (its
            names are Python identifiers).
        replications: runs per experiment; replication k uses seed + k, and each
            outcome is their mean.
        overrides: applied to every run before the Workbench's values.
    """
    from sim.experiments.daily_outcomes import daily_columns, is_daily, parse
    from sim.experiments.discovery import workbench
    from sim.experiments.runs import check_metrics
    from sim.experiments.specs import KEY_METRICS

    ew = workbench()
    arguments.text("scenario", scenario)
    replications = arguments.integer("replications", replications, 1)
    seed = arguments.seed(seed, replications)
    overrides = list(overrides)
    if not uncertainties and not levers:
        raise ConfigError("uncertainties: name at least one config key and its range")
    shared = set(uncertainties) & set(levers or {})
    if shared:
        raise ConfigError(f"{sorted(shared)[0]}: both an uncertainty and a lever; pick one")
    chosen = list(outcomes) if outcomes is not None else list(KEY_METRICS)
    check_metrics(scenario, overrides, [("outcomes", m) for m in chosen if not is_daily(m)])
    if any(is_daily(m) for m in chosen):
        columns, days = daily_columns(scenario, overrides)
        for outcome in filter(is_daily, chosen):
            parse(outcome, columns, days)
    runner = Runner(scenario, tuple(overrides), tuple(chosen), seed)
    if replications > 1:
        built = ew.ReplicatorModel(name, function=runner)
        built.replications = [{"seed": seed + k} for k in range(replications)]
        built.outcomes = [ew.ScalarOutcome(outcome_name(m), function=np.mean) for m in chosen]
    else:
        built = ew.Model(name, function=runner)
        built.outcomes = [ew.ScalarOutcome(outcome_name(m)) for m in chosen]
    built.uncertainties = [
        _parameter(ew, scenario, overrides, k, v, "uncertainties") for k, v in uncertainties.items()
    ]
    built.levers = [
        _parameter(ew, scenario, overrides, k, v, "levers") for k, v in (levers or {}).items()
    ]
    return built
