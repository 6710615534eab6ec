"""Run many independent (scenario, overrides, seed) jobs over local cores.

Each job is fully described by its scenario, overrides and seed, so results
do not depend on the number of workers or the order in which jobs finish.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
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


def run_job(job: Job, daily_columns: Sequence[str] = DAILY_COLUMNS) -> Outcome:
    """Run one job in this process."""
    from sim.config import load_config
    from sim.results import run

    config = load_config(job.scenario, [*job.overrides, "output.plots=false"])
    result = run(config, job.seed)
    daily = result.daily[list(daily_columns)] if daily_columns else None
    return Outcome(job, result.summary, daily)


def run_jobs(
    jobs: Iterable[Job],
    workers: int | None = None,
    progress: bool = True,
    daily_columns: Sequence[str] = DAILY_COLUMNS,
    description: str = "runs",
    executor: str = "local",
    address: str | None = None,
) -> list[Outcome]:
    """Run `jobs` on the local pool (`workers` processes, default all cores) or a Dask
    cluster at `address`; outcomes in job order."""
    from sim.experiments.executors import execute, progress_bar

    jobs = list(jobs)
    bar = progress_bar(len(jobs), description) if progress else None
    outcomes: list[Outcome | None] = [None] * len(jobs)
    try:
        for index, outcome in execute(
            partial(run_job, daily_columns=daily_columns), jobs, executor, workers, address
        ):
            outcomes[index] = outcome
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return [o for o in outcomes if o is not None]
