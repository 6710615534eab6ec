"""Run many independent (scenario, overrides, seed) jobs over local cores.

Each job is fully described by its scenario, overrides and seed, so results
do not depend on the number of workers or the order in which jobs finish.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

DAILY_COLUMNS = ("day", "loyalty_mean", "backlog", "customers", "first_response_p90_h")


@dataclass(frozen=True)
class Job:
    """One run: the scenario, the overrides and the seed; `tag` is carried through untouched."""

    scenario: str
    overrides: tuple[str, ...]
    seed: int
    tag: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass
class Outcome:
    job: Job
    summary: dict[str, float]
    daily: pd.DataFrame | None


def execute(job: Job, daily_columns: Sequence[str] = DAILY_COLUMNS) -> Outcome:
    """Run one job in this process."""
    from sim.config import load_config
    from sim.runner import run

    config = load_config(job.scenario, [*job.overrides, "output.plots=false"])
    result = run(config, job.seed)
    daily = result.daily[list(daily_columns)] if daily_columns else None
    return Outcome(job, result.summary, daily)


def default_jobs() -> int:
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )


def run_jobs(
    jobs: Iterable[Job],
    workers: int | None = None,
    progress: bool = True,
    daily_columns: Sequence[str] = DAILY_COLUMNS,
    on_result: Callable[[Outcome], None] | None = None,
    description: str = "runs",
) -> list[Outcome]:
    """Run `jobs` on `workers` processes (default: all cores); outcomes in job order."""
    jobs = list(jobs)
    workers = default_jobs() if workers is None else workers
    bar = _progress(len(jobs), description) if progress else None
    outcomes: list[Outcome | None] = [None] * len(jobs)
    try:
        if workers <= 1:
            for i, job in enumerate(jobs):
                outcomes[i] = execute(job, daily_columns)
                _done(outcomes[i], bar, on_result)
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = {
                    pool.submit(execute, job, daily_columns): i for i, job in enumerate(jobs)
                }
                for future in as_completed(futures):
                    outcomes[futures[future]] = future.result()
                    _done(outcomes[futures[future]], bar, on_result)
    finally:
        if bar is not None:
            bar.close()
    return [o for o in outcomes if o is not None]


def _done(outcome: Outcome, bar, on_result) -> None:
    if on_result is not None:
        on_result(outcome)
    if bar is not None:
        bar.update(1)


def _progress(total: int, description: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=description, unit="run", file=sys.stderr, dynamic_ncols=True)
