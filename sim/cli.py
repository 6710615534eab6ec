"""The `hubspoke` command: `run`, `list`.

    hubspoke run scenario=baseline strategy=enterprise seed=7 team.hub.staff=3
    hubspoke list

Arguments after the subcommand are Hydra overrides (`key=value`). Bad input
prints one line naming the key, the value and what is allowed, and exits 2.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

from omegaconf import OmegaConf

USAGE = """usage: hubspoke run [scenario=NAME] [strategy=NAME] [seed=N] [key=value ...]
       hubspoke list
       hubspoke validate [jobs=N] [scale=F] [hydra.run.dir=PATH]

Runs land in the run folder (default outputs/DATE/TIME under the current
directory; set it with hydra.run.dir=PATH)."""

HEADLINE = (
    "customers_final",
    "churn_rate",
    "loyalty_mean_final",
    "nps_like_final",
    "revenue_total",
    "cost_to_serve_total",
    "relationship_value_total",
    "first_response_median_h",
    "first_response_p90_h",
    "sla_attainment",
    "unanswered_share",
    "complaints_total",
    "attack_reach",
)


class UsageError(Exception):
    pass


def _fail(message: str) -> int:
    print(f"hubspoke: error: {message}", file=sys.stderr)
    return 2


def _run(args: Sequence[str]) -> int:
    from sim.config import compose_config, to_config
    from sim.runner import run

    for arg in args:
        if "=" not in arg:
            raise UsageError(f"'{arg}' is not an override; use key=value")
    raw = compose_config("baseline", args)
    run_dir = Path(OmegaConf.select(raw, "hydra.run.dir"))
    config = to_config(raw)
    started = time.perf_counter()
    result = run(config)
    result.provenance["wall_seconds"] = round(time.perf_counter() - started, 3)
    result.provenance["overrides"] = list(args)
    result.save(run_dir)
    print(f"scenario={config.scenario} strategy={config.strategy.name} seed={config.seed}")
    for key in HEADLINE:
        value = result.summary.get(key)
        print(f"  {key:28s} {value:,.4g}" if value == value else f"  {key:28s} n/a")
    print(f"results: {run_dir}")
    return 0


def _options(args: Sequence[str], allowed: dict[str, type]) -> dict:
    """`key=value` options of a command without a Hydra config (validate)."""
    out = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        if not sep or key not in allowed:
            raise UsageError(f"'{arg}': unknown option; allowed: {', '.join(allowed)}")
        try:
            out[key] = allowed[key](value)
        except ValueError:
            raise UsageError(f"{key}={value}: not a valid {allowed[key].__name__}") from None
    return out


def _validate(args: Sequence[str]) -> int:
    from datetime import datetime

    from sim.validation import report

    options = _options(args, {"jobs": int, "scale": float, "hydra.run.dir": str})
    if options.get("jobs", 1) < 1 or options.get("scale", 1.0) <= 0:
        raise UsageError("jobs must be >= 1 and scale > 0")
    out = Path(
        options.get("hydra.run.dir")
        or datetime.now().strftime("outputs/%Y-%m-%d/%H-%M-%S-validate")
    )
    rows = report.run_all(jobs=options.get("jobs"), scale=options.get("scale", 1.0))
    out.mkdir(parents=True, exist_ok=True)
    report.write(rows, out)
    print(report.table(rows))
    failed = [r for r in rows if not r.passed]
    print(f"{len(rows) - len(failed)} of {len(rows)} checks pass; results: {out}")
    return 1 if failed else 0


def _list() -> int:
    from sim import registry

    for name in registry.scenario_names():
        print(f"scenario  {name:22s} {registry.describe(registry.scenarios_dir(), name)}")
    folder = registry.configs_dir() / "strategy"
    for name in registry.strategy_names():
        print(f"strategy  {name:22s} {registry.describe(folder, name)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from sim.config import ConfigError

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    try:
        if command == "run":
            return _run(rest)
        if command == "list":
            return _list()
        if command == "validate":
            return _validate(rest)
        raise UsageError(f"unknown command '{command}'; allowed: run, list, validate")
    except (ConfigError, UsageError) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _fail("interrupted")


if __name__ == "__main__":
    sys.exit(main())
