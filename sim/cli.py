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
       hubspoke app [port=N] [host=ADDR]
       hubspoke validate [jobs=N] [scale=F] [hydra.run.dir=PATH]
       hubspoke compare experiment=NAME [replications=R] [jobs=N] [seed=S] [key=value ...]
       hubspoke compare scenario=NAME strategies=[a,b,c] [replications=R] [key=value ...]
                        [uncertainty=none|calibrated|PATH] [executor=local|dask address=URL]
       hubspoke sweep experiment=NAME [out=DIR] [jobs=N] [executor=local|dask address=URL]
       hubspoke staff experiment=NAME [out=DIR] [jobs=N] [executor=...] [key=value ...]
       hubspoke sensitivity experiment=NAME [out=DIR] [jobs=N] [executor=...] [key=value ...]
       hubspoke calibrate targets=NAME mode=check [replications=R] [jobs=N] [key=value ...]
       hubspoke calibrate targets=NAME out=DIR parameters.KEY=[lo,hi] ... [budget=N]
                          [replications=R] [seed=S] [jobs=N] [executor=local|dask address=URL]

A sweep writes each finished run at once; run the same command with the same
out=DIR again to resume after an interruption.

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
    "relationship_value_horizon",
    "hub_utilisation",
    "spoke_utilisation",
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
    from sim.results import run

    for arg in args:
        if "=" not in arg:
            raise UsageError(f"'{arg}' is not an override; use key=value")
    raw = compose_config("baseline", args)
    run_dir = Path(OmegaConf.select(raw, "hydra.run.dir"))
    config = to_config(raw)
    _prepare(run_dir)
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
    """`key=value` options of a command that takes no config overrides (validate)."""
    known, rest = _split(args, allowed)
    if rest:
        raise UsageError(f"'{rest[0]}': unknown option; allowed: {', '.join(allowed)}")
    return known


def _validate(args: Sequence[str]) -> int:
    from sim.validation import suite

    options = _options(args, {"jobs": int, "scale": float, "hydra.run.dir": str})
    if options.get("jobs", 1) < 1:
        raise UsageError(f"jobs={options['jobs']}: out of range; must be >= 1")
    if options.get("scale", 1.0) <= 0:
        raise UsageError(f"scale={options['scale']}: out of range; must be > 0")
    out = _run_dir(options, "validate")
    _prepare(out)
    rows = suite.run_all(jobs=options.get("jobs"), scale=options.get("scale", 1.0))
    out.mkdir(parents=True, exist_ok=True)
    suite.write(rows, out)
    print(suite.table(rows))
    failed = [r for r in rows if not r.passed]
    print(f"{len(rows) - len(failed)} of {len(rows)} checks pass; results: {out}")
    return 1 if failed else 0


COMPARE_OPTIONS = {
    "experiment": str,
    "scenario": str,
    "strategies": str,
    "replications": int,
    "jobs": int,
    "seed": int,
    "reference": str,
    "uncertainty": str,
    "executor": str,
    "address": str,
    "hydra.run.dir": str,
}


def _split(args: Sequence[str], options: dict[str, type]) -> tuple[dict, list[str]]:
    """Command options (typed) and the remaining config overrides."""
    known, overrides = {}, []
    for arg in args:
        key, sep, value = arg.partition("=")
        if not sep:
            raise UsageError(f"'{arg}' is not an override; use key=value")
        if key in options:
            try:
                known[key] = options[key](value)
            except ValueError:
                raise UsageError(f"{key}={value}: not a valid {options[key].__name__}") from None
        else:
            overrides.append(arg)
    return known, overrides


def _names(text: str) -> list[str]:
    return [s.strip() for s in text.strip().strip("[]").split(",") if s.strip()]


def _run_dir(options: dict, suffix: str) -> Path:
    from datetime import datetime

    chosen = options.get("hydra.run.dir")
    return Path(chosen or datetime.now().strftime(f"outputs/%Y-%m-%d/%H-%M-%S-{suffix}"))


def _compare(args: Sequence[str]) -> int:
    from sim.experiments.comparison import compare
    from sim.experiments.specs import CompareSpec, load_spec

    options, overrides = _split(args, COMPARE_OPTIONS)
    if "experiment" in options:
        if "strategies" in options:
            raise UsageError("give experiment=NAME or strategies=[...], not both")
        spec = load_spec(options["experiment"], "compare")
        if "scenario" in options:
            spec.scenario = options["scenario"]
    elif "strategies" in options:
        spec = CompareSpec(scenario=options.get("scenario", "baseline"))
        spec.arms = {name: [f"strategy={name}"] for name in _names(options["strategies"])}
        spec.reference = None
    else:
        raise UsageError("compare needs experiment=NAME or strategies=[a,b,...]")
    for key in ("replications", "seed", "reference"):
        if key in options:
            setattr(spec, key, options[key])
    if options.get("jobs", 1) < 1:
        raise UsageError(f"jobs={options['jobs']}: must be >= 1")
    out = _run_dir(options, "compare")
    _prepare(out)
    comparison = compare(
        spec.scenario,
        spec.arms,
        spec.replications,
        seed=spec.seed,
        jobs=options.get("jobs"),
        overrides=[*spec.overrides, *overrides],
        reference=spec.reference,
        metrics=spec.metrics,
        progress=True,
        uncertainty=options.get("uncertainty", "none"),
        executor=options.get("executor", "local"),
        address=options.get("address"),
    )
    comparison.save(out)
    print(comparison.text())
    print(f"\nresults: {out}")
    return 0


BATCH_OPTIONS = {
    "experiment": str,
    "out": str,
    "jobs": int,
    "executor": str,
    "address": str,
    "replications": int,
    "seed": int,
    "hydra.run.dir": str,
}


def _batch_spec(args: Sequence[str], kind: str):
    from sim.experiments.specs import load_spec

    options, overrides = _split(args, BATCH_OPTIONS)
    if "experiment" not in options:
        raise UsageError(f"{kind} needs experiment=NAME (a {kind} spec in experiments/)")
    spec = load_spec(options["experiment"], kind)
    for key in ("replications", "seed"):
        if key in options:
            setattr(spec, key, options[key])
    spec.overrides = [*spec.overrides, *overrides]
    out = Path(options.get("out") or _run_dir(options, f"{kind}-{options['experiment']}"))
    execution = {
        "jobs": options.get("jobs"),
        "executor": options.get("executor", "local"),
        "address": options.get("address"),
        "progress": True,
    }
    return spec, out, execution


def _sweep(args: Sequence[str]) -> int:
    from sim.experiments.sweeps import points_report, sweep

    spec, out, execution = _batch_spec(args, "sweep")
    folder = sweep(
        spec.scenario,
        grid=spec.grid,
        samples=spec.samples,
        replications=spec.replications,
        seed=spec.seed,
        out=out,
        overrides=spec.overrides,
        **execution,
    )
    points, parameters, runs, failed = points_report(folder, spec.metrics)
    shown = [*parameters, "runs", *[m for m in spec.metrics if m in points][:5]]
    print(points[shown].to_string(index=False))
    print(f"\n{runs} runs ({failed} failed); dataset: {folder}")
    return 1 if failed else 0


def _staff(args: Sequence[str]) -> int:
    from sim.experiments.staffing import staffing

    spec, out, execution = _batch_spec(args, "staffing")
    result = staffing(
        spec.scenario,
        staff=spec.staff,
        targets=spec.targets,
        replications=spec.replications,
        seed=spec.seed,
        out=out,
        overrides=spec.overrides,
        coverage_hours=spec.coverage_hours,
        spokes=spec.spokes,
        **execution,
    )
    print(result.text())
    print(f"\nresults: {out}")
    return 0


def _sensitivity(args: Sequence[str]) -> int:
    from sim.experiments.sensitivity import sensitivity

    spec, out, execution = _batch_spec(args, "sensitivity")
    for method in spec.methods:
        n = spec.morris_trajectories if method == "morris" else spec.sobol_n
        results = sensitivity(
            spec.scenario,
            spec.parameters,
            spec.outputs,
            method=method,
            n=n,
            levels=spec.morris_levels,
            replications=spec.replications,
            seed=spec.seed,
            out=out / method,
            overrides=spec.overrides,
            **execution,
        )
        for result in results:
            print(result.text() + "\n")
    print(f"results: {out}")
    return 0


CALIBRATE_OPTIONS = {
    "targets": str,
    "mode": str,
    "scenario": str,
    "out": str,
    "budget": int,
    "replications": int,
    "seed": int,
    "jobs": int,
    "executor": str,
    "address": str,
    "hydra.run.dir": str,
}


def _range(key: str, text: str) -> list[float]:
    parts = _names(text)
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 2 or not text.strip().startswith("["):
        raise UsageError(f"{key}={text}: must be [low,high], two numbers")
    return values


def _calibrate(args: Sequence[str]) -> int:
    from sim.experiments.calibration import calibrate

    ranges = {}
    rest = []
    for arg in args:
        key, sep, value = arg.partition("=")
        if key.startswith("parameters.") and sep:
            ranges[key.removeprefix("parameters.")] = _range(key, value)
        else:
            rest.append(arg)
    options, overrides = _split(rest, CALIBRATE_OPTIONS)
    mode = options.get("mode", "fit")
    if mode not in ("fit", "check"):
        raise UsageError(f"mode={mode}: not allowed; allowed: fit, check")
    if mode == "check" and ranges:
        raise UsageError("mode=check evaluates the current defaults: give no parameters.KEY")
    if mode == "fit" and not ranges:
        raise UsageError("calibrate needs parameters.KEY=[lo,hi] to fit (or mode=check)")
    if options.get("jobs", 1) < 1:
        raise UsageError(f"jobs={options['jobs']}: out of range; must be >= 1")
    out = Path(options.get("out") or _run_dir(options, f"calibrate-{mode}"))
    result = calibrate(
        options.get("scenario"),
        targets=options.get("targets", "published"),
        parameters=ranges,
        budget=options.get("budget", 200),
        replications=options.get("replications", 4),
        seed=options.get("seed", 0),
        jobs=options.get("jobs"),
        executor=options.get("executor", "local"),
        address=options.get("address"),
        out=out,
        overrides=overrides,
        progress=True,
    )
    print(result.text())
    print(f"\nresults: {out}")
    return 0 if mode == "fit" or result.ok else 1


def _app(args: Sequence[str]) -> int:
    from sim.app.serve import serve

    return serve(args)


def _prepare(folder: Path) -> None:
    """Create the output folder before any work, so a bad path fails at once."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"hydra.run.dir={folder}: cannot create it ({exc.strerror})") from None


def _list() -> int:
    from sim.config import catalog

    for name in catalog.scenario_names():
        print(f"scenario    {name:26s} {catalog.describe(catalog.scenarios_dir(), name)}")
    folder = catalog.configs_dir() / "strategy"
    for name in catalog.strategy_names():
        print(f"strategy    {name:26s} {catalog.describe(folder, name)}")
    from sim.experiments.specs import experiment_names, experiments_dir

    for name in experiment_names():
        print(f"experiment  {name:26s} {catalog.describe(experiments_dir(), name)}")
    from sim.experiments.calibration import calibration_dir, target_set_names

    for name in target_set_names():
        print(f"targets     {name:26s} {catalog.describe(calibration_dir(), name)}")
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
        commands = {
            "compare": _compare,
            "sweep": _sweep,
            "staff": _staff,
            "sensitivity": _sensitivity,
            "calibrate": _calibrate,
            "app": _app,
        }
        if command in commands:
            return commands[command](rest)
        allowed = ", ".join(["run", "list", "validate", *commands])
        raise UsageError(f"unknown command '{command}'; allowed: {allowed}")
    except (ConfigError, UsageError) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _fail("interrupted")
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
