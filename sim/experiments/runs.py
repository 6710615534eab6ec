"""The one batch-run stack: a run spec, running one spec, and running many.

Every experiment (compare, sweep, staffing, sensitivity, calibration) plans
its runs as `RunSpec`s and hands them to `execute`, which runs them on the
local process pool or a Dask cluster behind one progress bar. A spec is fully
determined by its scenario, overrides and seed, so results do not depend on
the executor, the number of workers or the order in which runs finish.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import time
import traceback
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config import ConfigError
from sim.experiments.executors import check, dispatch, progress_bar


def format_value(value: Any) -> str:
    """A value as Hydra override syntax."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(format_value(v) for v in value) + "]"
    return str(value)


@dataclass(frozen=True)
class RunSpec:
    """One planned run.

    Attributes:
        scenario: scenario name or path.
        seed: the run's seed (replication k of a plan has seed + k).
        overrides: Hydra overrides applied before the design point's values.
        params: the design point, (config key, value) pairs.
        replication: index of the replication within its point.
        labels: (name, value) pairs carried into the row untouched (e.g. the arm);
            they do not enter the run id.
    """

    scenario: str
    seed: int
    overrides: tuple[str, ...] = ()
    params: tuple[tuple[str, Any], ...] = ()
    replication: int = 0
    labels: tuple[tuple[str, Any], ...] = ()

    @property
    def all_overrides(self) -> list[str]:
        return [*self.overrides, *(f"{k}={format_value(v)}" for k, v in self.params)]

    @property
    def run_id(self) -> str:
        text = json.dumps([self.scenario, sorted(self.all_overrides), self.seed])
        return hashlib.sha256(text.encode()).hexdigest()[:20]


@functools.lru_cache(maxsize=64)
def _summary_keys(scenario: str, overrides: tuple[str, ...]) -> tuple[str, ...]:
    from sim.config import load_config
    from sim.results import simulate

    tiny = ["population.size=300", "days=2", "output.plots=false"]
    # the probe's inert settings are not the user's concern
    return tuple(simulate(load_config(scenario, [*overrides, *tiny], warn=False), 0).summary)


def check_metrics(
    scenario: str, overrides: Sequence[str], named: Iterable[tuple[str, Any]]
) -> None:
    """Each (label, metric) names a summary metric of this scenario's runs, checked on a tiny
    probe run before any real one, so a typo never costs a finished batch."""
    keys = list(_summary_keys(scenario, tuple(overrides)))
    for label, metric in named:
        if not isinstance(metric, str) or metric not in keys:
            close = difflib.get_close_matches(str(metric), keys, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ConfigError(f"{label}={metric}: not a summary metric{hint}")


def plan(
    scenario: str,
    points: Sequence[Mapping[str, Any]],
    replications: int,
    seed: int,
    overrides: Sequence[str] = (),
    seeds: Sequence[int] | None = None,
) -> list[RunSpec]:
    """Every design point times `replications`; replication k uses seed + k everywhere
    (or seeds[k], when a list of seeds is given: then there are len(seeds) replications)."""
    if seeds is None:
        if replications < 1:
            raise ConfigError(f"replications={replications}: must be >= 1")
        seeds = [seed + k for k in range(replications)]
    return [
        RunSpec(scenario, int(s), tuple(overrides), tuple(point.items()), k)
        for point in points
        for k, s in enumerate(seeds)
    ]


@dataclass
class RunRecord:
    """What one run produced.

    Attributes:
        spec: the run.
        row: the dataset row: design point, replication, seed, run id, status, error,
            provenance and every summary metric.
        summary: the summary metrics alone (empty when the run failed).
        daily: the requested daily columns (None when none were asked or it failed).
    """

    spec: RunSpec
    row: dict[str, Any]
    summary: dict[str, float] = field(default_factory=dict)
    daily: pd.DataFrame | None = None

    @property
    def ok(self) -> bool:
        return self.row["status"] == "ok"


def perform(
    spec: RunSpec,
    daily_columns: Sequence[str] = (),
    save_to: str | None = None,
    post_outcomes: Sequence[str] = (),
) -> RunRecord:
    """Run one spec in this process; never raises: a failure is a record with status 'failed'.

    With `save_to`, the run's own files (config.yaml, daily.parquet, summary.json,
    provenance.json with its overrides) also go to `save_to/<run id>/`, as a Hydra
    multirun job's folder would.
    """
    from sim.config import config_fingerprint, load_config
    from sim.results import provenance, simulate

    row: dict[str, Any] = {
        **dict(spec.params),
        "replication": spec.replication,
        "seed": spec.seed,
        "run_id": spec.run_id,
        "scenario": spec.scenario,
        "overrides": " ".join(spec.all_overrides),
    }
    record = RunRecord(spec, row)
    started = time.perf_counter()
    try:
        # the overrides exactly as the batch's up-front checks loaded them: a cached config;
        # those checks said once which of the user's settings have no effect, and a drawn
        # assumption that an arm cannot feel is not the user's concern (one line per run was)
        config = load_config(spec.scenario, spec.all_overrides, warn=False)
        config.output.plots = False
        config.seed = spec.seed
        row["config_hash"] = config_fingerprint(config)
        if post_outcomes:  # computed from the post log (output only: the run is the same)
            config.output.posts = True
        result = simulate(config, spec.seed)
        if post_outcomes:
            from sim.engine.clock import HOURS_PER_DAY
            from sim.experiments.post_outcomes import parse

            peaks = [
                (p.start_day * HOURS_PER_DAY, (p.start_day + p.days) * HOURS_PER_DAY)
                for p in config.events.seasons
            ]
            for name in post_outcomes:
                result.summary[name] = parse(name).of(result.posts, peaks)
        if save_to is not None:
            result.provenance["overrides"] = spec.all_overrides
            result.save(Path(save_to) / spec.run_id)
        record.summary = result.summary
        if daily_columns:
            record.daily = result.daily[list(daily_columns)]
        row.update(result.summary)
        row["provenance"] = json.dumps(provenance(config, spec.seed), sort_keys=True)
        row["status"] = "ok"
        row["error"] = ""
    except Exception as exc:  # recorded, not raised: one bad run must not stop a batch
        row.setdefault("config_hash", "")
        row["status"] = "failed"
        row["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
        row["traceback"] = traceback.format_exc()[-4000:]
    row["wall_seconds"] = time.perf_counter() - started
    return record


def execute(
    specs: Sequence[RunSpec],
    executor: str = "local",
    jobs: int | None = None,
    address: str | None = None,
    progress: bool = False,
    description: str = "runs",
    already_done: int = 0,
    daily_columns: Sequence[str] = (),
    save_to: str | None = None,
    post_outcomes: Sequence[str] = (),
) -> Iterator[tuple[int, RunRecord]]:
    """Run `specs` and yield (index into `specs`, record) as each finishes.

    Args:
        specs: the runs.
        executor: "local" (a process pool of `jobs` workers, default all cores) or
            "dask" (the cluster at `address`).
        progress: show the progress bar, counting `already_done` runs as finished
            (a resumed sweep).
        daily_columns: daily columns each record keeps (for plots of a comparison).
        post_outcomes: outcomes of each run's posts added to its summary
            (`answered_within_Nh[@KIND]`, sim.experiments.post_outcomes).
        save_to: a folder for each run's own files (see `perform`).
    """
    check(executor, jobs, address)
    bar = (
        progress_bar(len(specs) + already_done, description, initial=already_done)
        if progress
        else None
    )
    function = partial(
        perform,
        daily_columns=tuple(daily_columns),
        save_to=save_to,
        post_outcomes=tuple(post_outcomes),
    )
    try:
        for index, record in dispatch(function, specs, executor, jobs, address):
            if bar is not None:
                bar.update(1)
            yield index, record
    finally:
        if bar is not None:
            bar.close()
