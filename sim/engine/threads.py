"""The cores a process may use, and how many threads the engine's own parallel work takes.

Only the value projection's blocks run on threads (sim.engine.horizon). Where runs
already fill the cores (a pool's processes, a cluster's worker threads, parallel test
workers), `HUBSPOKE_THREADS=1` keeps each run on one.
"""

from __future__ import annotations

import os

from threadpoolctl import threadpool_limits

ENVIRONMENT = "HUBSPOKE_THREADS"


def cpu_count() -> int:
    """The cores this process may run on (its affinity where the platform tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def allowed_threads() -> int:
    """The cores, capped by `HUBSPOKE_THREADS` when it is set to a whole number."""
    cap = os.environ.get(ENVIRONMENT, "")
    return max(1, min(cpu_count(), int(cap) if cap.isdigit() else cpu_count()))


def one_thread_per_run() -> None:
    """For a process whose runs share the cores with others (a pool's worker, a cluster's
    worker, a parallel test worker): numpy's BLAS (and any OpenMP pool) on one thread, and
    the value projection's blocks on one (`HUBSPOKE_THREADS=1`)."""
    threadpool_limits(limits=1)
    os.environ[ENVIRONMENT] = "1"
