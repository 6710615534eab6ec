"""Parameter sweeps whose results survive anything: resumable, one Parquet file per run.

A sweep is a plan: design points (a full-factorial grid, or a random / Latin
hypercube sample over ranges) times replications. Replication k uses seed
`seed + k` at every design point (common random numbers). Each run is
identified by a hash of (scenario, overrides, seed); when it finishes, its row
is written at once as `runs/<id>.parquet` through a temporary file and an
atomic rename, so a sweep stopped in any way (Ctrl-C, SIGKILL, a run that
raises) loses at most the runs in flight. Started again with the same
arguments, it skips what finished and runs the rest; a failed run is recorded
with its error and retried on the next start. A folder that holds a different
sweep is refused.

`load(DIR)` reads the dataset: a row per finished run with one column per
swept parameter (named by its config key), `replication`, `seed`,
`config_hash`, `status`, the error (if any) and every summary metric.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from sim.config import ConfigError, arguments, load_config
from sim.experiments.executors import check as check_executor
from sim.experiments.runs import execute, format_value, plan
from sim.report.io import atomic_write

MANIFEST = "sweep.json"
RUNS = "runs"
JOBS = "jobs"  # each run's own files, when a sweep keeps them (`hubspoke run -m`)


# ---------------------------------------------------------------- the plan
def _key_type(scenario: str, key: str, overrides: Sequence[str]) -> type:
    from omegaconf import OmegaConf

    from sim.config import compose_config

    raw = compose_config(scenario, overrides)
    value = OmegaConf.select(raw, key, default=None)
    if value is None:
        raise ConfigError(f"{key}: unknown config key (in the sweep design)")
    return type(value)


def design_points(
    scenario: str,
    grid: Mapping[str, Sequence[Any]] | None,
    samples: Mapping[str, Any] | None,
    seed: int,
    overrides: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """The design points of a grid (full factorial) or a sample design over ranges."""
    if bool(grid) == bool(samples):
        raise ConfigError("sweep: give exactly one of grid or samples")
    if "seed" in (grid or samples.get("ranges", {})):
        raise ConfigError("seed: not a sweep parameter; use replications (run k has seed + k)")
    if grid:
        keys = list(grid)
        for key in keys:
            if not isinstance(grid[key], (list, tuple)) or not grid[key]:
                raise ConfigError(f"grid.{key}={grid[key]}: must be a non-empty list of values")
        return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grid.values())]
    design = str(samples.get("design", "lhs"))
    n = int(samples.get("n", 0))
    ranges = dict(samples.get("ranges", {}))
    if design not in ("lhs", "random"):
        raise ConfigError(f"samples.design={design}: unknown; allowed: lhs, random")
    if n < 1 or not ranges:
        raise ConfigError(f"samples: needs n >= 1 and ranges (got n={n})")
    keys = list(ranges)
    lows = np.array([float(ranges[k][0]) for k in keys])
    highs = np.array([float(ranges[k][1]) for k in keys])
    if np.any(highs < lows):
        bad = keys[int(np.argmax(highs < lows))]
        raise ConfigError(f"samples.ranges.{bad}={ranges[bad]}: low must not exceed high")
    if design == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(keys), seed=np.random.default_rng(seed)).random(n)
    else:
        unit = np.random.default_rng(seed).random((n, len(keys)))
    values = lows + unit * (highs - lows)
    types = {k: _key_type(scenario, k, overrides) for k in keys}
    points = []
    for row in values:
        point = {}
        for key, value in zip(keys, row, strict=True):
            point[key] = round(value) if types[key] is int else float(value)
        points.append(point)
    return points


def _check_not_swept(points: Sequence[Mapping[str, Any]], overrides: Sequence[str]) -> None:
    """An override of a swept key would be overwritten by every design point: say so."""
    swept = {key for point in points for key in point}
    for override in overrides:
        key = override.partition("=")[0].lstrip("+")
        if key in swept:
            raise ConfigError(
                f"{override}: {key} is swept by the design; drop the override or the parameter"
            )


def _check_values(
    scenario: str, points: Sequence[Mapping[str, Any]], overrides: Sequence[str]
) -> None:
    """Every value each parameter takes is valid: bad input fails before anything is written."""
    values: dict[str, set] = {}
    for point in points:
        for key, value in point.items():
            values.setdefault(key, set()).add(format_value(value))
    load_config(scenario, overrides)
    for key, seen in values.items():
        for text in representatives(seen):
            load_config(scenario, [*overrides, f"{key}={text}"])


def representatives(texts: set[str]) -> list[str]:
    """The values of one parameter whose checks stand for all of them.

    A number's checks are its type and a range (an interval), so for numbers the
    smallest and largest stand for the rest, with one whole and one fractional value
    (an integer setting refuses a fraction); every other value is checked itself. A
    design of a thousand points so costs a few config loads a parameter, not a thousand
    (~0.1 s each).
    """
    numbers: dict[str, float] = {}
    for text in texts:
        try:
            number = float(text)
        except ValueError:
            return sorted(texts)
        if not math.isfinite(number):  # nan and inf: each is checked itself
            return sorted(texts)
        numbers[text] = number
    by_value = sorted(numbers, key=numbers.__getitem__)
    chosen = {by_value[0], by_value[-1]}
    for whole in (True, False):
        kind = [t for t in by_value if (numbers[t].is_integer() and "." not in t) == whole]
        chosen.update(kind[:1])
    return sorted(chosen)


# ---------------------------------------------------------------- the store
# Columns every run file must hold (besides the design parameters), and those an ok
# run's file must hold as well: a core of summary metrics, one or more from each stage
# of sim/engine/summary.py that every run produces (the counts, the horizon value, the
# team load, the pattern measurements). Metrics that only some configs produce (attack
# timings, recognition days of hidden problems) are not required, so legitimately
# different rows of one sweep never look incomplete; a file stripped of its metrics does.
RUN_COLUMNS = ("run_id", "status", "seed", "replication", "error")
CORE_METRICS = (
    "customers_final",
    "churn_rate",
    "revenue_total",
    "cost_to_serve_total",
    "relationship_value_total",
    "first_response_p90_h",
    "loyalty_mean_final",
    "complaints_last_30_days",
    "relationship_value_horizon",
    "hub_utilisation",
    "reply_uplift_mean",
)
OK_COLUMNS = ("config_hash", *CORE_METRICS)
_TEXT = (pa.string(), pa.large_string(), pa.string_view())
_PARQUET = ds.ParquetFileFormat()
_LOCAL = pafs.LocalFileSystem()


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest at `path`, checked: a JSON object with a fingerprint and the run ids."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the sweep manifest ({exc.strerror})") from None
    try:
        manifest = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ConfigError(f"{path}: corrupted sweep manifest; not valid JSON") from None
    if not isinstance(manifest, dict):
        kind = {list: "a list", str: "a string"}.get(type(manifest), "not an object")
        raise ConfigError(f"{path}: not a sweep manifest (JSON {kind}, expected an object)")
    if not isinstance(manifest.get("fingerprint"), str):
        raise ConfigError(f"{path}: damaged sweep manifest; no fingerprint")
    for key in ("run_ids", "parameters"):
        value = manifest.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path}: damaged sweep manifest; {key} is not a list of names")
    return manifest


def _folder(path: Path, what: str) -> bool:
    """Whether `path` is an existing folder (False if absent); a file there is an error."""
    if path.is_dir():
        return True
    if path.is_file():
        raise ConfigError(f"{what}: is a file; must be a folder")
    if path.exists() or path.is_symlink():
        raise ConfigError(f"{what}: not a folder")
    return False


@dataclass
class Scan:
    """What the run files of a sweep hold.

    Attributes:
        table: a row per file that counts (plan order): named `<run id>.parquet` for a
            planned run id, one row holding that run id, a known status and the columns
            its status requires.
        corrupted: files named for a planned run that cannot be read as Parquet.
    """

    table: pa.Table
    corrupted: list[Path]


@dataclass
class Store:
    """The sweep folder: a manifest and one Parquet file per finished run.

    The store knows its own files: it reads only `runs/<run id>.parquet` for the run
    ids in the manifest and counts a file only if its row is that run (same run id, a
    known status, the columns its status requires). Anything else in `runs/` is
    neither loaded nor deleted; a planned run whose file does not count is run again.
    """

    root: Path
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def runs_dir(self) -> Path:
        return self.root / RUNS

    def open(self, manifest: dict[str, Any]) -> None:
        """Create the folder, or check that it holds this very sweep."""
        path = self.root / MANIFEST
        where = f"out={self.root}"
        exists = _folder(self.root, where)
        for parent in self.root.resolve().parents:
            if (parent / MANIFEST).is_file():
                raise ConfigError(
                    f"{where}: inside the sweep folder {parent}; a sweep cannot hold "
                    "another, choose another folder"
                )
        if exists and path.exists():
            existing = read_manifest(path)
            if existing["fingerprint"] != manifest["fingerprint"]:
                raise ConfigError(
                    f"{where}: holds a different sweep "
                    f"({existing.get('scenario')}, {existing.get('planned')} runs); "
                    "choose another folder"
                )
        elif exists and any(self.root.iterdir()):
            raise ConfigError(f"{where}: not empty and not a sweep folder")
        _folder(self.runs_dir, str(self.runs_dir))
        try:
            self.runs_dir.mkdir(parents=True, exist_ok=True)
            self._remove_stale(manifest["run_ids"])
            if not path.exists():
                atomic_write(path, lambda p: p.write_text(json.dumps(manifest, indent=2)))
        except OSError as exc:
            raise ConfigError(f"{where}: cannot write there ({exc.strerror})") from None
        self.manifest = manifest

    def _remove_stale(self, run_ids: Sequence[str]) -> None:
        """Delete the temporary files a killed writer left for our runs (none other)."""
        planned = set(run_ids)
        for name in os.listdir(self.runs_dir):
            if name.startswith(".") and name.endswith(".tmp"):
                run_id = name[1:].split(".parquet.", 1)[0]
                if run_id in planned and name.startswith(f".{run_id}.parquet."):
                    (self.runs_dir / name).unlink(missing_ok=True)

    def _manifest(self) -> dict[str, Any]:
        if not self.manifest:
            if not _folder(self.root, str(self.root)) or not (self.root / MANIFEST).exists():
                raise ConfigError(f"{self.root}: not a sweep folder (no {MANIFEST})")
            self.manifest = read_manifest(self.root / MANIFEST)
        return self.manifest

    def scan(self, columns: Sequence[str] | None = None) -> Scan:
        """The files that count, reading `columns` of them (None: every column)."""
        manifest = self._manifest()
        if not _folder(self.runs_dir, str(self.runs_dir)):
            return Scan(_unify([], []).empty_table(), [])
        present = set(os.listdir(self.runs_dir))
        candidates = [rid for rid in manifest["run_ids"] if f"{rid}.parquet" in present]
        params = manifest["parameters"]
        fragments, ids, schemas, ok_complete, corrupted = [], [], [], [], []
        for run_id in candidates:
            file = self.runs_dir / f"{run_id}.parquet"
            fragment = _PARQUET.make_fragment(str(file), _LOCAL)
            try:  # the footer, read once: the scan below reuses it
                fragment.ensure_complete_metadata()
                schema, rows = fragment.physical_schema, fragment.metadata.num_rows
            except (OSError, pa.ArrowException):  # not Parquet (or unreadable): never trusted
                corrupted.append(file)
                continue
            names = set(schema.names)
            if (
                rows != 1
                or not names.issuperset(RUN_COLUMNS)
                or not names.issuperset(params)
                or schema.field("run_id").type not in _TEXT
                or schema.field("status").type not in _TEXT
            ):
                continue  # not a run of ours: ignored
            fragments.append(fragment)
            ids.append(run_id)
            schemas.append(schema.remove_metadata())
            ok_complete.append(names.issuperset(OK_COLUMNS))
        schema = _unify(fragments, schemas)
        if columns is not None:
            schema = pa.schema([schema.field(c) for c in dict.fromkeys(columns)])
        table, broken = _read(fragments, schema)
        table = table.combine_chunks()  # a chunk per file otherwise: slow to filter
        if broken:
            corrupted += [Path(fragments[i].path) for i in broken]
            gone = set(broken)
            keep = [i for i in range(len(fragments)) if i not in gone]
            ids, ok_complete = [ids[i] for i in keep], [ok_complete[i] for i in keep]
        status = np.asarray(table.column("status").to_pylist(), dtype=object)
        counts = np.asarray(table.column("run_id").to_pylist(), dtype=object) == np.asarray(
            ids, dtype=object
        )
        counts &= (status == "failed") | ((status == "ok") & np.asarray(ok_complete, bool))
        return Scan(table.filter(pa.array(counts, pa.bool_())), sorted(corrupted))

    def finished(self) -> set[str]:
        """Ids of runs already done (status ok); failed ones are run again."""
        table = self.scan(["run_id", "status"]).table
        ids, status = table.column("run_id").to_pylist(), table.column("status").to_pylist()
        return {rid for rid, s in zip(ids, status, strict=True) if s == "ok"}

    def write(self, row: dict[str, Any]) -> None:
        frame = pd.DataFrame([row])
        path = self.runs_dir / f"{row['run_id']}.parquet"
        try:
            atomic_write(path, lambda p: frame.to_parquet(p))
        except OSError as exc:
            raise ConfigError(f"{path}: cannot write the run's results ({exc.strerror})") from None


def _unify(fragments: Sequence[Any], schemas: Sequence[pa.Schema]) -> pa.Schema:
    """One schema for every file: a column any file has (a failed first run lacks most)."""
    if not schemas:
        return pa.schema([("run_id", pa.large_string()), ("status", pa.large_string())])
    try:
        return pa.unify_schemas(schemas, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        pass
    unified = schemas[0]
    for fragment, schema in zip(fragments, schemas, strict=True):
        try:
            unified = pa.unify_schemas([unified, schema], promote_options="permissive")
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
            reason = str(exc).splitlines()[0]
            raise ConfigError(
                f"{fragment.path}: its columns do not match the other runs' ({reason}); "
                "delete it and resume"
            ) from None
    return unified


def _read(fragments: Sequence[Any], schema: pa.Schema) -> tuple[pa.Table, list[int]]:
    """The one-row files as one table in their order, and the indices of those that fail."""
    if not fragments:
        return schema.empty_table(), []
    try:  # sequential: tiny files read faster so, and rows keep the files' order
        table = ds.FileSystemDataset(list(fragments), schema, _PARQUET, _LOCAL).to_table(
            use_threads=False
        )
        if table.num_rows == len(fragments):
            return table, []
    except (OSError, pa.ArrowException):
        pass
    tables, broken = [], []  # one bad file spoils the scan: find it, read the rest
    for i, fragment in enumerate(fragments):
        try:
            table = fragment.to_table(schema=schema, use_threads=False)
        except (OSError, pa.ArrowException):
            broken.append(i)
            continue
        if table.num_rows != 1:
            broken.append(i)
            continue
        tables.append(table)
    return (pa.concat_tables(tables) if tables else schema.empty_table()), broken


def load(directory: str | Path) -> pd.DataFrame:
    """Every finished run of the sweep in `directory`, a row each, in plan order.

    Only the sweep's own files count (see `Store`); a corrupted one is an error
    (resuming the sweep runs it again).
    """
    store = Store(Path(directory))
    scan = store.scan()
    if scan.corrupted:
        raise ConfigError(
            f"{scan.corrupted[0]}: corrupted results file; resume the sweep to run it again"
        )
    if scan.table.num_rows == 0:
        return pd.DataFrame()
    data = scan.table.to_pandas()
    params = [k for k in store.manifest["parameters"] if k in data.columns]
    front = [*params, "replication", "seed", "config_hash", "status", "error"]
    rest = [c for c in data.columns if c not in front]
    return data[[c for c in front if c in data.columns] + rest].reset_index(drop=True)


def load_daily(directory: str | Path) -> pd.DataFrame:
    """Every finished run's daily table, stacked: a row per run and day, with `run_id`,
    the design point's keys, `replication` and `seed` first.

    The daily tables are kept only by a sweep run with `save_runs=True` (on the
    command line `save_runs=true`; `hubspoke run -m` always keeps them).
    """
    data = load(directory)
    ok = data[data["status"] == "ok"] if len(data) else data
    if ok.empty:
        raise ConfigError(f"{directory}: no finished run in this sweep")
    jobs = Path(directory) / JOBS
    keys = [c for c in read_manifest(Path(directory) / MANIFEST)["parameters"] if c in data]
    frames = []
    for row in ok[["run_id", *keys, "replication", "seed"]].itertuples(index=False):
        path = jobs / row.run_id / "daily.parquet"
        if not path.is_file():
            raise ConfigError(
                f"{path}: no daily table; the sweep kept none for this run (run a new sweep "
                "with save_runs=true to keep every run's days)"
            )
        try:
            daily = pd.read_parquet(path)
        except (OSError, pa.ArrowException):
            raise ConfigError(f"{path}: corrupted daily table; not Parquet") from None
        front = dict(zip(["run_id", *keys, "replication", "seed"], row, strict=True))
        frames.append(daily.assign(**front)[[*front, *daily.columns]])
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------- the sweep
def sweep(
    scenario: str,
    grid: Mapping[str, Sequence[Any]] | None = None,
    samples: Mapping[str, Any] | None = None,
    replications: int = 1,
    seed: int = 0,
    out: str | Path = "sweep",
    jobs: int | None = None,
    executor: str = "local",
    address: str | None = None,
    overrides: Sequence[str] = (),
    progress: bool = False,
    points: Sequence[Mapping[str, Any]] | None = None,
    save_runs: bool = False,
    seeds: Sequence[int] | None = None,
    post_outcomes: Sequence[str] = (),
) -> Path:
    """Run (or resume) a sweep into `out`. See the module docstring.

    Args:
        scenario: scenario name or path.
        grid: config key -> list of values (full factorial), or
        samples: {"design": "lhs"|"random", "n": N, "ranges": {key: [low, high]}};
            exactly one of the two (or explicit `points`).
        replications: runs per design point; replication k uses seed + k.
        seeds: instead of `replications` and `seed`, any list of distinct seeds:
            replication k uses seeds[k] (a sample design is drawn with seeds[0]).
        out: the sweep folder (created, or resumed if it holds this very sweep).
        jobs, executor, address: where the runs execute (local pool or Dask).
        overrides: applied to every run before the design point's values.
        post_outcomes: outcomes of each run's posts to add to its row,
            `answered_within_Nh[@KIND]` (sim.experiments.post_outcomes).
        save_runs: also keep each run's own files in `out/jobs/<run id>/` (config,
            daily table, summary, provenance, report): `load_daily(out)` stacks the days.

    Returns:
        The folder; `load(folder)` reads the dataset.
    """
    arguments.text("scenario", scenario)
    if seeds is not None:
        seeds = seed_list(seeds)
        replications, seed = len(seeds), seeds[0]
    else:
        replications = arguments.integer("replications", replications, 1)
        seed = arguments.seed(seed, replications)
    jobs = arguments.optional_integer("jobs", jobs, 1)
    check_executor(executor, jobs, address)
    if isinstance(overrides, str):
        raise ConfigError(f"overrides={overrides!r}: must be a list of key=value texts")
    overrides = list(overrides)
    if points is None:
        points = design_points(scenario, grid, samples, seed, overrides)
    # identical design points (possible in Morris designs) are one run
    planned = plan(scenario, points, replications, seed, overrides, seeds)
    runs = list({r.run_id: r for r in planned}.values())
    _check_not_swept(points, overrides)
    _check_values(scenario, points, overrides)
    parameters = list(points[0]) if points else []
    run_ids = [r.run_id for r in runs]
    fingerprint = hashlib.sha256(json.dumps(run_ids).encode()).hexdigest()[:20]
    manifest = {
        "scenario": scenario,
        "parameters": parameters,
        "grid": {k: list(v) for k, v in grid.items()} if grid else None,
        "samples": dict(samples) if samples else None,
        "replications": replications,
        "seed": seed,
        "seeds": seeds if seeds is not None else [seed + k for k in range(replications)],
        "overrides": overrides,
        "planned": len(runs),
        "fingerprint": fingerprint,
        "run_ids": run_ids,
    }
    store = Store(Path(out))
    store.open(manifest)
    done = store.finished()
    todo = [r for r in runs if r.run_id not in done]
    failures = 0
    batch = execute(
        todo,
        executor,
        jobs,
        address,
        progress,
        scenario,
        already_done=len(runs) - len(todo),
        save_to=str(Path(out).resolve() / JOBS) if save_runs else None,
        post_outcomes=post_outcomes,
    )
    for _, record in batch:
        store.write(record.row)
        failures += not record.ok
    if failures and progress:
        print(f"{failures} run(s) failed; their errors are in the dataset", file=sys.stderr)
    from sim.results import write_provenance

    # the folder's own record: what was planned, with this session's code and packages
    write_provenance(
        Path(out), "sweep", **{k: v for k, v in manifest.items() if k != "run_ids"},
        save_runs=save_runs, finished=len(store.finished()), failed_this_session=failures,
    )  # fmt: skip
    return Path(out)


def seed_list(seeds: Any) -> list[int]:
    """A list of distinct seeds, each a valid seed; one line naming what is wrong."""
    from sim.config.arguments import SEED_MAX

    if isinstance(seeds, (str, int)) or not list(seeds):
        raise ConfigError(f"seeds={seeds!r}: must be a non-empty list of seeds, e.g. [0, 5, 9]")
    values = [arguments.integer(f"seeds[{i}]", s, 0, SEED_MAX) for i, s in enumerate(seeds)]
    if len(set(values)) != len(values):
        raise ConfigError(f"seeds={values}: each seed once (a repeated seed repeats a run)")
    return values


def points_report(
    folder: str | Path, metrics: Sequence[str]
) -> tuple[pd.DataFrame, list[str], int, int]:
    """Per design point means and CIs of `metrics`, written to points.csv in the sweep folder
    with a plot of each metric across the sweep and report.html, the sweep on one page.

    Returns the points table (its `attrs["currency"]` the sweep's currency code), the swept
    parameters, and the numbers of runs and failures.
    """
    from sim.config import load_config
    from sim.report.currency import currency_of
    from sim.report.plots import plot_sweep
    from sim.report.sweep_page import sweep_report

    folder = Path(folder)
    data = load(folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    parameters = manifest["parameters"]
    failed = int((data["status"] != "ok").sum())
    metrics = [m for m in metrics if m in data]
    points = summarise_points(data, parameters, metrics)
    atomic_write(folder / "points.csv", lambda p: points.to_csv(p, index=False))
    currency = currency_of(load_config(manifest["scenario"], manifest["overrides"]))
    for old in folder.glob("sweep_*.png"):  # a resumed sweep's plots are all new
        old.unlink()
    plot_sweep(points, parameters, metrics[:4], folder, currency)
    page = sweep_report(folder, manifest, points, metrics, len(data), failed, currency)
    atomic_write(folder / "report.html", lambda p: p.write_text(page))
    points.attrs["currency"] = currency.code
    return points, parameters, len(data), failed


def sweep_finished(
    scenario: str,
    points: Sequence[Mapping[str, Any]],
    replications: int,
    seed: int,
    out: str | Path,
    overrides: Sequence[str],
    save_runs: bool = False,
    **execution: Any,
) -> pd.DataFrame:
    """Run (or resume) the sweep of `points` and return its dataset; failed runs are an error.

    For tools that need every run to analyse the design (sensitivity, calibration):
    the message names the first failure, and running again resumes.
    """
    folder = sweep(
        scenario,
        points=points,
        replications=replications,
        seed=seed,
        out=out,
        overrides=overrides,
        save_runs=save_runs,
        **execution,
    )
    data = load(folder)
    failed = data[data["status"] != "ok"]
    if len(failed):
        raise ConfigError(
            f"{len(failed)} run(s) failed (e.g. {failed['error'].iloc[0][:160]}); "
            "fix the cause and run again to resume"
        )
    return data


def summarise_points(
    data: pd.DataFrame, parameters: Sequence[str], metrics: Sequence[str]
) -> pd.DataFrame:
    """Mean and 95% CI of `metrics` at each design point (over replications)."""
    from sim.report.stats import mean_ci

    ok = data[data["status"] == "ok"]
    rows = []
    for key, group in ok.groupby(list(parameters), sort=True):
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(parameters, key, strict=True))
        row["runs"] = len(group)
        for metric in metrics:
            mean, low, high, _ = mean_ci(group[metric].to_numpy(dtype=np.float64))
            row[metric] = mean
            row[f"{metric}_low"] = low
            row[f"{metric}_high"] = high
        rows.append(row)
    return pd.DataFrame(rows)
