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
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import ConfigError, load_config
from sim.experiments.executors import check as check_executor
from sim.experiments.runs import execute, format_value, plan
from sim.report.io import atomic_write

MANIFEST = "sweep.json"
RUNS = "runs"


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
        for text in sorted(seen):
            load_config(scenario, [*overrides, f"{key}={text}"])


# ---------------------------------------------------------------- the store
@dataclass
class Store:
    """The sweep folder: a manifest and one Parquet file per finished run."""

    root: Path
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def runs_dir(self) -> Path:
        return self.root / RUNS

    def open(self, manifest: dict[str, Any]) -> None:
        """Create the folder, or check that it holds this very sweep."""
        path = self.root / MANIFEST
        if path.exists():
            try:
                existing = json.loads(path.read_text())
            except (OSError, json.JSONDecodeError):
                raise ConfigError(f"{path}: corrupted sweep manifest; not valid JSON") from None
            if existing.get("fingerprint") != manifest["fingerprint"]:
                raise ConfigError(
                    f"out={self.root}: holds a different sweep "
                    f"({existing.get('scenario')}, {existing.get('planned')} runs); "
                    "choose another folder"
                )
        elif self.root.exists() and any(self.root.iterdir()):
            raise ConfigError(f"out={self.root}: not empty and not a sweep folder")
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        for stale in self.runs_dir.glob(".*.tmp"):  # left by a killed writer
            stale.unlink(missing_ok=True)
        if not path.exists():
            atomic_write(path, lambda p: p.write_text(json.dumps(manifest, indent=2)))
        self.manifest = manifest

    def finished(self) -> set[str]:
        """Ids of runs already done (status ok); failed ones are run again."""
        done = set()
        for file in self.runs_dir.glob("*.parquet"):
            try:
                status = pd.read_parquet(file, columns=["status"])["status"].iloc[0]
            except Exception:  # a corrupted file: run it again, never trust it
                file.unlink(missing_ok=True)
                continue
            if status == "ok":
                done.add(file.stem)
        return done

    def write(self, row: dict[str, Any]) -> None:
        frame = pd.DataFrame([row])
        atomic_write(self.runs_dir / f"{row['run_id']}.parquet", lambda p: frame.to_parquet(p))


def load(directory: str | Path) -> pd.DataFrame:
    """Every finished run of the sweep in `directory`, a row each."""
    root = Path(directory)
    files = sorted((root / RUNS).glob("*.parquet"))
    if not (root / MANIFEST).exists():
        raise ConfigError(f"{root}: not a sweep folder (no {MANIFEST})")
    frames = []
    for file in files:
        try:
            frames.append(pd.read_parquet(file))
        except Exception:
            raise ConfigError(f"{file}: corrupted results file; delete it and resume") from None
    if not frames:
        return pd.DataFrame()
    data = pd.concat(frames, ignore_index=True)
    manifest = json.loads((root / MANIFEST).read_text())
    params = [k for k in manifest.get("parameters", []) if k in data.columns]
    order = {rid: i for i, rid in enumerate(manifest.get("run_ids", []))}
    data["_order"] = data["run_id"].map(order)
    data = data.sort_values("_order", kind="stable").drop(columns="_order")
    front = [*params, "replication", "seed", "config_hash", "status", "error"]
    rest = [c for c in data.columns if c not in front]
    return data[[c for c in front if c in data.columns] + rest].reset_index(drop=True)


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
) -> Path:
    """Run (or resume) a sweep into `out`. See the module docstring.

    Args:
        scenario: scenario name or path.
        grid: config key -> list of values (full factorial), or
        samples: {"design": "lhs"|"random", "n": N, "ranges": {key: [low, high]}};
            exactly one of the two (or explicit `points`).
        replications: runs per design point; replication k uses seed + k.
        out: the sweep folder (created, or resumed if it holds this very sweep).
        jobs, executor, address: where the runs execute (local pool or Dask).
        overrides: applied to every run before the design point's values.

    Returns:
        The folder; `load(folder)` reads the dataset.
    """
    check_executor(executor, jobs, address)
    overrides = list(overrides)
    if points is None:
        points = design_points(scenario, grid, samples, seed, overrides)
    # identical design points (possible in Morris designs) are one run
    planned = plan(scenario, points, replications, seed, overrides)
    runs = list({r.run_id: r for r in planned}.values())
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
        todo, executor, jobs, address, progress, scenario, already_done=len(runs) - len(todo)
    )
    for _, record in batch:
        store.write(record.row)
        failures += not record.ok
    if failures and progress:
        print(f"{failures} run(s) failed; their errors are in the dataset", file=sys.stderr)
    return Path(out)


def points_report(
    folder: str | Path, metrics: Sequence[str]
) -> tuple[pd.DataFrame, list[str], int, int]:
    """Per design point means and CIs of `metrics`, written to points.csv in the sweep folder.

    Returns the points table, the swept parameters, and the numbers of runs and failures.
    """
    folder = Path(folder)
    data = load(folder)
    parameters = json.loads((folder / MANIFEST).read_text())["parameters"]
    failed = int((data["status"] != "ok").sum())
    points = summarise_points(data, parameters, [m for m in metrics if m in data])
    atomic_write(folder / "points.csv", lambda p: points.to_csv(p, index=False))
    return points, parameters, len(data), failed


def sweep_finished(
    scenario: str,
    points: Sequence[Mapping[str, Any]],
    replications: int,
    seed: int,
    out: str | Path,
    overrides: Sequence[str],
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
