"""Where runs execute: a local process pool, or a Dask distributed cluster.

Both take a picklable function and a list of tasks and yield (index, result)
as runs finish. Each task is fully determined by its own arguments (scenario,
overrides, seed), so the results do not depend on the executor or the number
of workers; only the order in which they arrive does.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

from sim.config import ConfigError

EXECUTORS = ("local", "dask")


def cpu_count() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def run_local(
    function: Callable[[Any], Any], tasks: Sequence[Any], jobs: int | None
) -> Iterator[tuple[int, Any]]:
    """A process pool with at most `jobs` runs in flight (so Ctrl-C loses little)."""
    jobs = cpu_count() if jobs is None else jobs
    if jobs <= 1:
        for i, task in enumerate(tasks):
            yield i, function(task)
        return
    pending_tasks = iter(enumerate(tasks))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        running = {}
        try:
            for _ in range(2 * jobs):
                _submit_next(pool, function, pending_tasks, running)
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    index = running.pop(future)
                    yield index, future.result()
                    _submit_next(pool, function, pending_tasks, running)
        finally:
            for future in running:
                future.cancel()


def _submit_next(pool, function, pending_tasks, running) -> None:
    item = next(pending_tasks, None)
    if item is not None:
        index, task = item
        running[pool.submit(function, task)] = index


def run_dask(
    function: Callable[[Any], Any], tasks: Sequence[Any], address: str | None
) -> Iterator[tuple[int, Any]]:
    """A Dask distributed cluster at `address` (tcp://host:port)."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ConfigError(
            "executor=dask: dask.distributed is not installed; pip install 'hubspoke[cluster]'"
        ) from None
    if not address:
        raise ConfigError("executor=dask: needs address=tcp://host:port of a Dask scheduler")
    with Client(address, timeout="30s") as client:
        futures = client.map(function, list(tasks), pure=False)
        index_of = {future.key: i for i, future in enumerate(futures)}
        for future in as_completed(futures):
            yield index_of[future.key], future.result()


def progress_bar(total: int, description: str, initial: int = 0):
    """The one progress bar of every batch of runs (tqdm on stderr)."""
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        desc=description,
        unit="run",
        file=sys.stderr,
        dynamic_ncols=True,
    )


def check(executor: str, jobs: int | None, address: str | None) -> None:
    """Refuse a bad executor choice before anything starts."""
    if executor not in EXECUTORS:
        raise ConfigError(f"executor={executor}: unknown; allowed: {', '.join(EXECUTORS)}")
    if jobs is not None and jobs < 1:
        raise ConfigError(f"jobs={jobs}: must be >= 1")
    if executor == "dask" and not address:
        raise ConfigError("executor=dask: needs address=tcp://host:port of a Dask scheduler")


def dispatch(
    function: Callable[[Any], Any],
    tasks: Sequence[Any],
    executor: str = "local",
    jobs: int | None = None,
    address: str | None = None,
) -> Iterator[tuple[int, Any]]:
    """Yield (index, function(task)) for every task as it finishes, on the chosen executor."""
    check(executor, jobs, address)
    if executor == "dask":
        return run_dask(function, tasks, address)
    return run_local(function, tasks, jobs)
