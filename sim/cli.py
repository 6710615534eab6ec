"""The `hubspoke` command: a thin layer over the library.

    hubspoke run scenario=baseline strategy=enterprise seed=7 team.hub.staff=3
    hubspoke run --cfg job strategy=silence          # print the resolved config
    hubspoke run -m team.hub.staff=1,2,3 seed=0,1    # a multirun, as a resumable sweep
    hubspoke sweep scenario=baseline grid.team.hub.staff=[1,2,3] replications=2 out=DIR
    hubspoke COMMAND --help

Each subcommand is a row of `COMMANDS`: its own options (typed, listed by
`--help`) and whether it takes config overrides (`key=value`, Hydra syntax).
Every check lives in the library; bad input prints one line naming the key,
the value and what is allowed, and exits 2.
"""

from __future__ import annotations

import contextlib
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_HELP = """config overrides (key=value, Hydra syntax; every key in docs/parameters.md):
  scenario=NAME|PATH.yaml   strategy=NAME|PATH.yaml   search_path=DIR (your scenarios/, strategy/)
  common keys: seed, days, population.size, team.hub.staff, team.hub.coverage_hours,
               strategy.crisis.stance, strategy.crisis.delay_hours, strategy.sla_hours,
               attack.start_day, output.posts, output.plots
  names: hubspoke list"""


class UsageError(Exception):
    pass


@dataclass(frozen=True)
class Option:
    kind: Callable[[str], Any]  # reads the text: int, float, str or `boolean`
    help: str


def boolean(text: str) -> bool:
    """true or false (also yes/no, 1/0)."""
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "1"):
        return True
    if lowered in ("false", "no", "0"):
        return False
    raise ValueError(text)


@dataclass(frozen=True)
class Command:
    run: Callable[..., int]
    summary: str
    usage: tuple[str, ...]
    options: dict[str, Option] = field(default_factory=dict)
    overrides: bool = False


EXECUTION = {
    "jobs": Option(int, "worker processes (default: all cores)"),
    "executor": Option(str, "local (default) or dask"),
    "address": Option(str, "the Dask scheduler, tcp://HOST:PORT (with executor=dask)"),
}
BATCH = {
    "experiment": Option(str, "an experiment spec: a name from `hubspoke list` or a YAML path"),
    "out": Option(str, "the results folder (resumable: the same out= continues)"),
    "replications": Option(int, "runs per design point (overrides the spec)"),
    "seed": Option(int, "base seed; replication k uses seed + k (overrides the spec)"),
    **EXECUTION,
}


@dataclass
class Parsed:
    options: dict
    overrides: list[str]
    show_config: bool = False
    multirun: bool = False


def _fail(message: str) -> int:
    print(f"hubspoke: error: {message}", file=sys.stderr)
    return 2


def parse(name: str, command: Command, args: Sequence[str]) -> Parsed:
    """Typed options and config overrides; flags `--cfg job` and `-m` where they apply."""
    parsed = Parsed({}, [])
    args = list(args)
    while args:
        arg = args.pop(0)
        if arg in ("--cfg", "--cfg=job") and name == "run":
            if arg == "--cfg" and (not args or args.pop(0) != "job"):
                raise UsageError("--cfg: hubspoke prints the job config only: use --cfg job")
            parsed.show_config = True
            continue
        if arg in ("-m", "--multirun") and name == "run":
            parsed.multirun = True
            continue
        key, sep, value = arg.partition("=")
        if not sep:
            raise UsageError(
                f"'{arg}': not an option; use key=value (hubspoke {name} --help lists them)"
            )
        if key in command.options:
            kind = command.options[key].kind
            try:
                parsed.options[key] = kind(value)
            except ValueError:
                raise UsageError(f"{key}={value}: not a valid {kind.__name__}") from None
        elif key == "hydra.run.dir" and "out" in command.options:
            # taken as a config override it would pass the checks and be ignored: the
            # results would land in outputs/ while the user looks in the folder named
            raise UsageError(
                f"{arg}: hubspoke {name} names its results folder with out=; use out={value}"
            )
        elif command.overrides:
            parsed.overrides.append(arg)
        else:
            allowed = ", ".join(command.options) or "none"
            raise UsageError(f"{arg}: unknown option for {name}; allowed: {allowed}")
    return parsed


def help_text(name: str, command: Command) -> str:
    lines = [f"hubspoke {name}: {command.summary}", "", "usage:"]
    lines += [f"  hubspoke {name} {u}".rstrip() for u in command.usage]
    if command.options:
        lines += ["", "options:"]
        lines += [f"  {k}=...".ljust(22) + o.help for k, o in command.options.items()]
    if command.overrides:
        lines += ["", CONFIG_HELP]
    return "\n".join(lines)


def usage() -> str:
    lines = [f"hubspoke {name} {line}".rstrip() for name, c in COMMANDS.items() for line in c.usage]
    lines = ["usage: " + lines[0], *("       " + line for line in lines[1:])]
    lines += ["", "commands (hubspoke COMMAND --help for options and config keys):"]
    lines += [f"  {name:12s}{c.summary}" for name, c in COMMANDS.items()]
    lines += [
        "",
        "Runs land in a new folder outputs/DATE/TIME (hydra.run.dir=PATH to choose one);",
        "sweeps and other batches in out=DIR, which a second identical command resumes.",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------- output folders
# folders this command made: removed again if it fails before writing anything into them
_made: list[Path] = []


def _discard_empty_folders() -> None:
    for folder in reversed(_made):  # deepest first
        _remove_if_empty(folder)
    _made.clear()


def _make(folder: Path, exist_ok: bool) -> None:
    """mkdir with parents, remembering every level this command created."""
    new = [p for p in [*reversed(folder.parents), folder] if not p.exists()]
    folder.mkdir(parents=True, exist_ok=exist_ok)
    _made.extend(new)


def new_run_folder(chosen: str | None, suffix: str = "") -> Path:
    """A folder of its own for this command: never one another process is writing.

    Default outputs/DATE/TIME[-suffix]; two commands started in the same second
    get -2, -3, ... (mkdir is atomic, so parallel runs never share a folder). A
    chosen folder must be new or empty.
    """
    from datetime import datetime

    if chosen:
        folder = Path(chosen)
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise UsageError(
                f"hydra.run.dir={chosen}: already holds files; choose a new or empty folder"
            )
        try:
            _make(folder, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"hydra.run.dir={chosen}: cannot create it ({exc.strerror})") from None
        return folder
    base = datetime.now().strftime("outputs/%Y-%m-%d/%H-%M-%S") + (f"-{suffix}" if suffix else "")
    for attempt in range(1, 1000):
        folder = Path(base if attempt == 1 else f"{base}-{attempt}")
        try:
            _make(folder, exist_ok=False)
            return folder
        except FileExistsError:
            continue
        except OSError as exc:
            raise UsageError(f"hydra.run.dir={folder}: cannot create it ({exc.strerror})") from None
    raise UsageError(f"hydra.run.dir={base}: 999 runs started this second; choose a folder")


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not empty: keep what is there
        folder.rmdir()


def _split_run_dir(overrides: list[str]) -> tuple[str | None, list[str]]:
    """The run folder a `run` names (checked like every override) and the config overrides."""
    from sim.config.overrides import parse

    chosen, rest = None, []
    for override in overrides:
        if override.partition("=")[0] == "hydra.run.dir":
            chosen = parse(override).value
        else:
            rest.append(override)
    return chosen, rest


# ---------------------------------------------------------------- commands
def _run(parsed: Parsed) -> int:
    from sim.config import config_to_yaml, load_config
    from sim.config.inert import inert_settings

    if parsed.multirun and parsed.show_config:
        return _show_multirun(_multirun_plan(parsed.overrides))
    if parsed.multirun:
        return _multirun(parsed.overrides)
    chosen, overrides = _split_run_dir(parsed.overrides)
    config = load_config("baseline", overrides)  # every check, before any folder exists
    if parsed.show_config:
        print(config_to_yaml(config), end="")
        return 0
    from sim.results import simulate  # the engine (Mesa, pandas) once the input is good

    run_dir = new_run_folder(chosen)
    started = time.perf_counter()
    result = simulate(config, config.seed)
    result.provenance["wall_seconds"] = round(time.perf_counter() - started, 3)
    result.provenance["overrides"] = list(parsed.overrides)
    keys = [o.partition("=")[0].lstrip("+") for o in overrides]
    result.provenance["warnings"] = inert_settings(config, keys)
    result.save(run_dir)
    from sim.report.currency import currency_of
    from sim.report.headline import headline

    crisis = config.strategy.crisis
    print(
        headline(
            result.summary,
            scenario=config.scenario,
            strategy=config.strategy.name,
            stance=crisis.stance if crisis.protocol else "none (no crisis protocol)",
            seed=config.seed,
            days=config.days,
            horizon_days=config.value.horizon_days,
            sla_hours=config.strategy.sla_hours,
            currency=currency_of(config),
            # the choices the first line already names, and Hydra's own, left out
            overrides=[
                o
                for o in parsed.overrides
                if not o.startswith(("scenario=", "strategy=", "seed=", "hydra."))
            ],
        )
    )
    print(f"results: {run_dir}")
    return 0


@dataclass
class Multirun:
    """`run -m a=1,2 b=x,y seed=0,1`: the product of the swept keys, replicated over seeds."""

    scenario: str
    grid: dict[str, list]
    seeds: list[int]
    fixed: list[str]
    out: str | None

    def jobs(self) -> list[list[str]]:
        """Each job's overrides, in the order the sweep plans them (point, then seed)."""
        from sim.experiments.runs import format_value
        from sim.experiments.sweeps import design_points

        points = design_points(self.scenario, self.grid, None, self.seeds[0], self.fixed)
        return [
            [*self.fixed, *(f"{k}={format_value(v)}" for k, v in point.items()), f"seed={s}"]
            for point in points
            for s in self.seeds
        ]


def _multirun_plan(overrides: list[str]) -> Multirun:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    grid, fixed, out, seeds = {}, [], None, [0]
    parser = OverridesParser.create()
    for text in overrides:
        key, _, value = text.partition("=")
        if key == "out":
            out = value
            continue
        try:
            parsed = parser.parse_overrides([text])[0]
        except Exception:
            fixed.append(text)  # the config layer words the error
            continue
        values = list(parsed.sweep_iterator()) if parsed.is_sweep_override() else None
        if values is None:
            fixed.append(text)
        elif key == "seed":
            seeds = values
        else:
            grid[key] = values
    if not grid:
        raise UsageError(
            "run -m: give at least one key with several values besides seed, e.g. days=30,60 "
            "(for seeds alone: hubspoke compare, or a sweep's replications=)"
        )
    scenario = next((o.partition("=")[2] for o in fixed if o.startswith("scenario=")), "baseline")
    fixed = [o for o in fixed if not o.startswith("scenario=")]
    from sim.experiments.sweeps import seed_list

    return Multirun(scenario, grid, seed_list(seeds), fixed, out)


def _show_multirun(plan: Multirun) -> int:
    """`run --cfg job -m ...`: every job's resolved config, nothing run, no folder made."""
    from sim.config import config_to_yaml, load_config

    jobs = plan.jobs()
    configs = [load_config(plan.scenario, job) for job in jobs]  # all checked before printing
    for number, (job, config) in enumerate(zip(jobs, configs, strict=True), start=1):
        print(f"# job {number} of {len(jobs)}: scenario={plan.scenario} {' '.join(job)}")
        print(config_to_yaml(config), end="")
    return 0


def _multirun(overrides: list[str]) -> int:
    """`run -m a=1,2 b=x,y`: the product as a resumable sweep, one row per job."""
    from sim.experiments.sweeps import sweep

    plan = _multirun_plan(overrides)
    folder = Path(plan.out) if plan.out else new_run_folder(None, "multirun")
    return _report_sweep(
        sweep(
            plan.scenario,
            grid=plan.grid,
            seeds=plan.seeds,
            out=folder,
            overrides=plan.fixed,
            progress=True,
            save_runs=True,
        )
    )


def _report_sweep(folder: Path, metrics: Sequence[str] | None = None) -> int:
    from sim.experiments.specs import KEY_METRICS
    from sim.experiments.sweeps import points_report
    from sim.report.currency import Currency
    from sim.report.headline import short

    metrics = list(metrics or KEY_METRICS)
    points, parameters, runs, failed = points_report(folder, metrics)
    currency = Currency(points.attrs["currency"])
    shown = [m for m in metrics if m in points][:5]
    table = points[[*parameters, "runs"]].copy()
    for metric in shown:  # money in its currency, shares as percentages, not 1.19e+08
        table[metric] = [short(metric, value, currency) for value in points[metric]]
    print(table.to_string(index=False))
    print(f"\n{runs} runs ({failed} failed); dataset and report.html: {folder}")
    return 1 if failed else 0


def _validate(parsed: Parsed) -> int:
    from sim.config import arguments
    from sim.validation import suite

    options = parsed.options
    jobs = arguments.optional_integer("jobs", options.get("jobs"), 1)
    scale = arguments.number("scale", options.get("scale", 1.0), 1e-6, 100)
    out = new_run_folder(options.get("hydra.run.dir"), "validate")
    rows = suite.run_all(jobs=jobs, scale=scale)
    suite.write(rows, out)
    print(suite.table(rows))
    failed = [r for r in rows if not r.passed]
    print(f"{len(rows) - len(failed)} of {len(rows)} checks pass; results: {out}")
    return 1 if failed else 0


def _names(text: str) -> list[str]:
    return [s.strip() for s in text.strip().strip("[]").split(",") if s.strip()]


def _compare(parsed: Parsed) -> int:
    from sim.experiments.comparison import compare
    from sim.experiments.specs import CompareSpec, load_spec
    from sim.report.io import check_report_folder

    options, overrides = parsed.options, parsed.overrides
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
    chosen = options.get("out") or options.get("hydra.run.dir")
    if chosen:
        check_report_folder(Path(chosen), "out", "comparison.json")
    comparison = compare(  # every check happens here, before any folder is made
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
    out = Path(chosen) if chosen else new_run_folder(None, "compare")
    comparison.save(out)
    print(comparison.text())
    print(f"\nresults: {out}")
    return 0


def _batch(parsed: Parsed, kind: str):
    """The spec of a sweep, staff or sensitivity command, its folder and execution options."""
    from sim.experiments.specs import load_spec

    options, overrides = parsed.options, parsed.overrides
    if "experiment" not in options:
        raise UsageError(f"{kind} needs experiment=NAME|PATH (a {kind} spec; see hubspoke list)")
    spec = load_spec(options["experiment"], kind)
    for key in ("replications", "seed", "sobol_n", "morris_trajectories", "morris_levels"):
        if key in options:
            setattr(spec, key, options[key])
    spec.overrides = [*spec.overrides, *overrides]
    name = Path(options["experiment"]).stem
    out = Path(options["out"]) if options.get("out") else None
    return spec, out, f"{kind}-{name}", _execution(options)


def _execution(options: dict) -> dict:
    return {
        "jobs": options.get("jobs"),
        "executor": options.get("executor", "local"),
        "address": options.get("address"),
        "progress": True,
    }


def _sweep(parsed: Parsed) -> int:
    from sim.experiments.runs import check_metrics
    from sim.experiments.specs import SweepSpec
    from sim.experiments.sweeps import sweep

    grid, rest = _prefixed(parsed.overrides, "grid.", _grid_values)
    parsed.overrides = rest
    if grid:  # an ad-hoc grid on the command line
        if "experiment" in parsed.options:
            raise UsageError("give experiment=NAME or grid.KEY=[...], not both")
        spec = SweepSpec(scenario=parsed.options.pop("scenario", "baseline"), grid=grid)
        for key in ("replications", "seed"):
            if key in parsed.options:
                setattr(spec, key, parsed.options[key])
        spec.overrides = rest
        out = Path(parsed.options["out"]) if parsed.options.get("out") else None
        label = "sweep-grid"
        execution = _execution(parsed.options)
    else:
        if "scenario" in parsed.options:
            raise UsageError("scenario= goes with grid.KEY=[...]; a spec names its own")
        spec, out, label, execution = _batch(parsed, "sweep")
    check_metrics(spec.scenario, spec.overrides, [("metrics", m) for m in spec.metrics])
    seeds = parsed.options.get("seeds")
    if seeds is not None and ("seed" in parsed.options or "replications" in parsed.options):
        raise UsageError("give seeds=[...] or seed= and replications=, not both")
    folder = sweep(
        spec.scenario,
        grid=spec.grid,
        samples=spec.samples,
        replications=spec.replications,
        seed=spec.seed,
        seeds=seeds,
        out=out or new_run_folder(None, label),
        overrides=spec.overrides,
        save_runs=parsed.options.get("save_runs", False),
        **execution,
    )
    return _report_sweep(folder, spec.metrics)


def _seeds_option(text: str) -> list[int]:
    """seeds=[0,5,9] (or 0,5,9): a list of whole numbers; the sweep checks them as seeds."""
    items = [t.strip() for t in text.strip().strip("[]").split(",") if t.strip()]
    try:
        return [int(t) for t in items]
    except ValueError:
        raise UsageError(f"seeds={text}: must be a list of whole numbers, e.g. [0,5,9]") from None


def _save_runs_option(text: str) -> bool:
    """A switch: true or false (also 1/0, yes/no)."""
    try:
        return boolean(text)
    except ValueError:
        raise UsageError(f"save_runs={text}: not allowed; allowed: true, false") from None


def _target_value(key: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UsageError(f"{key}={text}: must be a number") from None


def _prefixed(
    overrides: Sequence[str], prefix: str, read: Callable[[str, str], object]
) -> tuple[dict, list[str]]:
    """`PREFIX.KEY=value` arguments read into {KEY: value}; the rest are config overrides."""
    found, rest = {}, []
    for override in overrides:
        key, _, value = override.partition("=")
        if key.startswith(prefix):
            found[key.removeprefix(prefix)] = read(key, value)
        else:
            rest.append(override)
    return found, rest


def _targets(overrides: Sequence[str]) -> tuple[dict, list[str]]:
    """`targets.M=V`, `targets.M.at_least=V`, `targets.M.at_most=V` read into {M: bound};
    the rest are config overrides."""
    typed, rest = _prefixed(overrides, "targets.", _target_value)
    targets: dict = {}
    for key, value in typed.items():
        metric, _, direction = key.rpartition(".")
        if direction in ("at_least", "at_most"):
            targets[metric] = {direction: value}
        else:
            targets[key] = value
    return targets, rest


def _grid_values(key: str, text: str) -> list:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        value = OverridesParser.create().parse_overrides([f"x={text}"])[0].value()
    except Exception:
        value = None
    if not isinstance(value, list) or not value:
        raise UsageError(f"{key}={text}: must be a non-empty list of values, e.g. {key}=[1,2,3]")
    return value


def _staff(parsed: Parsed) -> int:
    from sim.experiments.staffing import staffing

    targets, parsed.overrides = _targets(parsed.overrides)
    spec, out, label, execution = _batch(parsed, "staffing")
    spec.targets.update(targets)
    if "staff" in parsed.options:
        spec.staff = _grid_values("staff", parsed.options["staff"])
    out = out or new_run_folder(None, label)
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


def _roster(parsed: Parsed) -> int:
    from sim.experiments.roster.job import roster_job
    from sim.experiments.roster.plan import ShiftOptions

    targets, overrides = _targets(parsed.overrides)
    options = parsed.options
    if "scenario" not in options:
        raise UsageError("roster needs scenario=NAME|PATH; hubspoke roster --help")
    shifts = ShiftOptions()
    if "lengths" in options:
        shifts.lengths = tuple(float(v) for v in _grid_values("lengths", options["lengths"]))
    if "starts" in options:
        shifts.starts = tuple(int(v) for v in _grid_values("starts", options["starts"]))
    if "min_staff" in options:
        shifts.min_staff = options["min_staff"]
    for key, values, low, high in (
        ("lengths", shifts.lengths, 1, 24),
        ("starts", shifts.starts, 0, 23),
    ):
        for v in values:
            if not low <= v <= high:
                raise UsageError(f"{key}={options[key]}: each must be between {low} and {high}")
    out = Path(options["out"]) if "out" in options else new_run_folder(None, "roster")
    execution = {k: options[k] for k in ("jobs", "executor", "address") if k in options}
    result = roster_job(
        options["scenario"],
        targets,
        out,
        overrides,
        shifts,
        replications=options.get("replications", 8),
        seed=options.get("seed", 0),
        objective=options.get("objective", "cost"),
        max_weekly_hours=options.get("max_weekly_hours", 40.0),
        value=options.get("value", True),
        **execution,
    )
    print((out / "roster.md").read_text().split("\n\n## Targets")[0].split("\n", 2)[2])
    print(f"\nresults: {out}")
    return 0 if result.ok else 1


def _sensitivity(parsed: Parsed) -> int:
    from sim.experiments.sensitivity import check_arguments, sensitivity

    spec, out, label, execution = _batch(parsed, "sensitivity")
    for method in spec.methods:  # every method's options, before the first one runs
        n = spec.morris_trajectories if method == "morris" else spec.sobol_n
        check_arguments(
            method, n, spec.morris_levels, spec.replications, spec.seed, spec.outputs, execution
        )
    out = out or new_run_folder(None, label)
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


def _range(key: str, text: str) -> list[float]:
    parts = _names(text)
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 2 or not text.strip().startswith("["):
        raise UsageError(f"{key}={text}: must be [low,high], two numbers")
    return values


def _require(options: dict, command: str, names: tuple[str, ...]) -> None:
    """The options a command cannot run without: the first missing one in one line."""
    for needed in names:
        if needed not in options:
            raise UsageError(f"{command} needs {needed}=...; hubspoke {command} --help")


def _discover(parsed: Parsed) -> int:
    from sim.experiments.discovery import discover

    options = parsed.options
    _require(options, "discover", ("sweep", "outcome"))
    # everything is checked and computed before a folder is made: bad input leaves none
    found = discover(
        options["sweep"],
        options["outcome"],
        above=options.get("above"),
        below=options.get("below"),
        method=options.get("method", "prim"),
        peel_alpha=options.get("peel_alpha", 0.05),
        min_coverage=options.get("min_coverage", 0.5),
        boxes=options.get("boxes", 1),
    )
    folder = found.save(new_run_folder(options.get("out"), "discover"))
    print("\n".join(found.sentences()))
    print(f"results: {folder}")
    return 0


def _labels(mapping: dict[str, str]) -> dict[str, str]:
    """LABEL=VALUE pairs; labels with spaces are written with underscores on the command line."""
    labels = {label.replace("_", " "): value for label, value in mapping.items()}
    labels.update(mapping)
    return labels


def _import_log(parsed: Parsed) -> int:
    from sim.imports import import_log
    from sim.imports.write import companions, summary_line

    kind_map, rest = _prefixed(parsed.overrides, "kind_map.", lambda key, value: value)
    topic_map, rest = _prefixed(rest, "topic_map.", lambda key, value: value)
    if rest:
        raise UsageError(
            f"{rest[0]}: unknown option for import-log; allowed: path, out, timezone, kind, "
            "kind_map.LABEL=KIND, topic_map.LABEL=TOPIC"
        )
    options = parsed.options
    _require(options, "import-log", ("path", "out"))
    fit = import_log(
        options["path"],
        options["out"],
        options.get("timezone"),
        _labels(kind_map),
        options.get("kind"),
        _labels(topic_map),
    )
    print(summary_line(fit))
    out = Path(options["out"])
    print(f"scenario: {out}  (hubspoke run scenario={out})")
    print(f"fit: {companions(out)['fit']}")
    return 0


def _calibrate(parsed: Parsed) -> int:
    from sim.experiments.calibration import calibrate

    ranges, overrides = _prefixed(parsed.overrides, "parameters.", _range)
    options = parsed.options
    mode = options.get("mode", "fit")
    if mode not in ("fit", "check", "wrong"):
        raise UsageError(f"mode={mode}: not allowed; allowed: fit, check, wrong")
    if mode in ("check", "wrong") and ranges:
        raise UsageError(f"mode={mode} evaluates the current defaults: give no parameters.KEY")
    if mode != "wrong":
        for key in ("factor", "plausible"):
            if key in options:
                raise UsageError(f"{key}={options[key]}: only with mode=wrong")
    if mode == "wrong":
        return _wrong_worlds(options, overrides)
    if mode == "fit" and not ranges:
        raise UsageError("calibrate needs parameters.KEY=[lo,hi] to fit (or mode=check)")
    out, common = _calibration_options(options, overrides, mode, replications=4)
    result = calibrate(
        options.get("scenario"), parameters=ranges, budget=options.get("budget", 200), **common
    )
    print(result.text())
    print(f"\nresults: {out}")
    return 0 if mode == "fit" or result.ok else 1


def _wrong_worlds(options: dict, overrides: list[str]) -> int:
    from sim.experiments.wrong_worlds import wrong_worlds

    out, common = _calibration_options(options, overrides, "wrong", replications=2)
    result = wrong_worlds(
        options.get("scenario"),
        plausible=options.get("plausible", "calibrated"),
        factor=options.get("factor", 2.0),
        **common,
    )
    print(result.text())
    print(f"\nresults: {out}")
    return 0 if result.ok else 1


def _calibration_options(
    options: dict, overrides: list[str], mode: str, replications: int
) -> tuple[Path, dict]:
    """The results folder and the arguments every calibration mode takes from the command."""
    out = Path(options["out"]) if options.get("out") else new_run_folder(None, f"calibrate-{mode}")
    return out, {
        "targets": options.get("targets", "published"),
        "replications": options.get("replications", replications),
        "seed": options.get("seed", 0),
        "jobs": options.get("jobs"),
        "executor": options.get("executor", "local"),
        "address": options.get("address"),
        "out": out,
        "overrides": overrides,
        "progress": True,
    }


def _list(parsed: Parsed) -> int:
    from sim.config import catalog
    from sim.experiments.calibration import calibration_dir, target_set_names
    from sim.experiments.specs import experiment_names, experiments_dir

    for name in catalog.scenario_names():
        print(f"scenario    {name:26s} {catalog.describe(catalog.scenarios_dir(), name)}")
    folder = catalog.configs_dir() / "strategy"
    for name in catalog.strategy_names():
        print(f"strategy    {name:26s} {catalog.describe(folder, name)}")
    for name in experiment_names():
        print(f"experiment  {name:26s} {catalog.describe(experiments_dir(), name)}")
    for name in target_set_names():
        print(f"targets     {name:26s} {catalog.describe(calibration_dir(), name)}")
    return 0


def _app(args: Sequence[str]) -> int:
    from sim.app.serve import serve

    return serve(args)


COMMANDS: dict[str, Command] = {
    "run": Command(
        _run,
        "one run of a scenario under a strategy",
        (
            "[scenario=NAME|PATH] [strategy=NAME|PATH] [seed=N] [key=value ...]",
            "--cfg job [key=value ...]          print the resolved config, run nothing",
            "-m KEY=a,b [KEY=x,y] [seed=0,1,2] [out=DIR]   a multirun as a resumable sweep",
        ),
        {},
        overrides=True,
    ),
    "list": Command(_list, "scenarios, strategies, experiments and calibration targets", ("",)),
    "app": Command(
        _app,
        "the students' app in the browser",
        ("[port=N] [host=ADDR]",),
        {
            "port": Option(int, "the port to serve on (default 8765)"),
            "host": Option(str, "the address to serve on (default 127.0.0.1, loopback only)"),
        },
    ),
    "validate": Command(
        _validate,
        "the engine against queueing, Bass, rumour and CLV theory",
        ("[jobs=N] [scale=F] [hydra.run.dir=PATH]",),
        {
            "jobs": EXECUTION["jobs"],
            "scale": Option(float, "run-length factor of the checks (default 1)"),
            "hydra.run.dir": Option(str, "the results folder (new or empty)"),
        },
    ),
    "compare": Command(
        _compare,
        "strategies side by side with replications and paired 95% CIs",
        (
            "experiment=NAME|PATH [replications=R] [seed=S] [key=value ...]",
            "scenario=NAME strategies=[a,b,c] [replications=R] "
            "[uncertainty=none|calibrated|structural|full|PATH]",
        ),
        {
            "experiment": BATCH["experiment"],
            "scenario": Option(str, "the scenario (with strategies=[...])"),
            "strategies": Option(str, "arms by strategy name, [a,b,c]"),
            "replications": BATCH["replications"],
            "seed": BATCH["seed"],
            "reference": Option(str, "the arm differences are taken against"),
            "uncertainty": Option(
                str, "none, calibrated, structural, full, or a plausible-set/structural-set file"
            ),
            "out": Option(str, "the results folder (default outputs/DATE/TIME-compare)"),
            "hydra.run.dir": Option(str, "the same as out="),
            **EXECUTION,
        },
        overrides=True,
    ),
    "sweep": Command(
        _sweep,
        "a resumable grid or sample design, one Parquet file per run",
        (
            "experiment=NAME|PATH [out=DIR] [jobs=N] [key=value ...]",
            "[scenario=NAME] grid.KEY=[a,b] [grid.KEY2=[x,y]] [replications=R] [out=DIR]",
        ),
        {
            **BATCH,
            "scenario": Option(str, "the scenario of an ad-hoc grid"),
            "seeds": Option(
                _seeds_option,
                "any list of seeds, [0,5,9] (instead of seed=, "
                "replications=): replication k uses the k-th",
            ),
            "save_runs": Option(
                _save_runs_option,
                "true: keep each run's own files, daily table "
                "included, in out/jobs/ (sim.experiments.load_daily stacks them)",
            ),
        },
        overrides=True,
    ),
    "staff": Command(
        _staff,
        "recommended staffing and trade-off curves",
        (
            "experiment=NAME|PATH [out=DIR] [jobs=N] [key=value ...]",
            "experiment=NAME [staff=[2,3,4]] [targets.METRIC=V] [targets.METRIC.at_least=V] "
            "[targets.METRIC.at_most=V]",
        ),
        {**BATCH, "staff": Option(str, "hub staff counts to try, [2,3,4] (overrides the spec)")},
        overrides=True,
    ),
    "roster": Command(
        _roster,
        "the cheapest weekly shifts that meet service targets, checked by simulation",
        (
            "scenario=NAME|PATH targets.answered_within_1h@complaint.at_least=0.8 [out=DIR]",
            "scenario=NAME targets.answered_within_24h.at_least=0.95 [lengths=[8,10]] "
            "[starts=[6,7,8]] [min_staff=N] [replications=R] [key=value ...]",
        ),
        {
            "scenario": Option(str, "the scenario: its demand, strategy and wages"),
            "out": BATCH["out"],
            "replications": Option(int, "runs of the check (default 8)"),
            "seed": BATCH["seed"],
            "lengths": Option(str, "allowed shift lengths in hours, [8] by default"),
            "starts": Option(str, "allowed start hours, every hour by default"),
            "min_staff": Option(int, "agents on shift in every hour at least (default 0)"),
            "max_weekly_hours": Option(float, "hours a week one person works at most (40)"),
            "value": Option(
                boolean, "false: skip the value of other rosters (the ladder), a faster plan"
            ),
            "objective": Option(
                str,
                "cost (default): the cheapest plan; value: the compared roster meeting "
                "the targets with the highest three-year value net of wages",
            ),
            **EXECUTION,
        },
        overrides=True,
    ),
    "sensitivity": Command(
        _sensitivity,
        "Morris and Sobol sensitivity (SALib)",
        ("experiment=NAME|PATH [out=DIR] [sobol_n=N] [morris_trajectories=N] [key=value ...]",),
        {
            **BATCH,
            "sobol_n": Option(int, "Sobol base samples, a power of 2 (overrides the spec)"),
            "morris_trajectories": Option(int, "Morris trajectories (overrides the spec)"),
            "morris_levels": Option(int, "Morris grid levels, even (overrides the spec)"),
        },
        overrides=True,
    ),
    "discover": Command(
        _discover,
        "scenario discovery on a sweep: which parameter ranges lead to an outcome (PRIM, CART)",
        (
            "sweep=DIR outcome=METRIC above=VALUE|median|pNN [boxes=N] [out=DIR]",
            "sweep=DIR outcome=METRIC below=VALUE|median|pNN [method=prim|cart] "
            "[peel_alpha=A] [min_coverage=C]",
        ),
        {
            "sweep": Option(str, "the sweep folder (hubspoke sweep)"),
            "outcome": Option(str, "a summary metric of the sweep's runs"),
            "above": Option(str, "runs of interest: outcome above a number, median or pNN"),
            "below": Option(str, "runs of interest: outcome below a number, median or pNN"),
            "method": Option(str, "prim (default) or cart (the EMA Workbench's)"),
            "peel_alpha": Option(float, "PRIM: share of runs peeled a step (default 0.05)"),
            "min_coverage": Option(
                float, "PRIM: the densest box with at least this coverage (default 0.5)"
            ),
            "boxes": Option(int, "how many boxes at most (default 1)"),
            "out": Option(str, "the results folder (default outputs/DATE/TIME-discover)"),
        },
    ),
    "import-log": Command(
        _import_log,
        "a brand's post log (CSV or Parquet) in, a scenario of its demand and service out",
        (
            "path=LOG.csv out=SCENARIO.yaml [timezone=Area/City] [kind_map.LABEL=KIND ...] "
            "[topic_map.LABEL=TOPIC ...]",
            "path=LOG.parquet out=SCENARIO.yaml kind=complaint   (a log without a kind column)",
        ),
        {
            "path": Option(str, "the post log: .csv or .parquet, one row per inbound post"),
            "out": Option(str, "the scenario to write, SCENARIO.yaml (its fit report beside it)"),
            "timezone": Option(str, "the brand's local time zone, e.g. Europe/Amsterdam"),
            "kind": Option(str, "the kind of every post, for a log without a kind column"),
        },
        overrides=True,
    ),
    "calibrate": Command(
        _calibrate,
        "history matching to published targets",
        (
            "targets=NAME mode=check [replications=R] [jobs=N] [key=value ...]",
            "targets=NAME out=DIR parameters.KEY=[lo,hi] ... [budget=N] [replications=R]",
            "targets=NAME mode=wrong [factor=2] [plausible=calibrated|PATH]  (can they fail?)",
        ),
        {
            "targets": Option(str, "a target set (hubspoke list) or a YAML path"),
            "mode": Option(str, "fit (default), check, or wrong (plainly wrong parameters)"),
            "factor": Option(float, "mode=wrong: plausible min / factor and max * factor"),
            "plausible": Option(str, "mode=wrong: the fitted parameters' plausible set"),
            "scenario": Option(str, "the scenario of targets that name none"),
            "out": BATCH["out"],
            "budget": Option(int, "design points over both waves"),
            "replications": Option(int, "runs per point (>= 2)"),
            "seed": BATCH["seed"],
            **EXECUTION,
        },
        overrides=True,
    ),
}


def _show_warning(shown: set[str]):
    def show(message, category, filename, lineno, file=None, line=None) -> None:
        text = str(message)
        if text not in shown:
            shown.add(text)
            print(f"hubspoke: warning: {text}", file=sys.stderr)

    return show


def main(argv: Sequence[str] | None = None) -> int:
    from sim.config import ConfigError
    from sim.config.inert import InertSettingWarning

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0 if args else 2
    name, rest = args[0], args[1:]
    command = COMMANDS.get(name)
    if command is None:
        return _fail(f"unknown command '{name}'; allowed: {', '.join(COMMANDS)}")
    if any(a in ("-h", "--help") for a in rest):
        print(help_text(name, command))
        return 0
    with warnings.catch_warnings():
        warnings.simplefilter("always", InertSettingWarning)
        warnings.showwarning = _show_warning(set())
        try:
            if name == "app":
                return command.run(rest)
            return command.run(parse(name, command, rest))
        except (ConfigError, UsageError) as exc:
            _discard_empty_folders()
            return _fail(str(exc))
        except KeyboardInterrupt:
            _discard_empty_folders()
            return _fail("interrupted")
        except BrokenPipeError:  # output piped into `head` and closed early: not an error
            sys.stderr.close()
            return 0


if __name__ == "__main__":
    sys.exit(main())
