"""Constants and helpers shared by the test modules (imported as `support`; pytest puts
tests/ on sys.path)."""

from __future__ import annotations

import contextlib
import os

import pytest

from sim.engine import native

# a small, fast world for everything that does not need the full baseline: 2,000 people
# sampled from a reach of 650,000 (a tenth of the default brand's: ~12 posts a day, so the
# team's per-post work does not dominate a test that is about something else)
SMALL_SIZE = 2000
SMALL_DAYS = 30
SMALL_REACH = 650_000
SMALL = (
    f"population.size={SMALL_SIZE}",
    f"days={SMALL_DAYS}",
    f"population.reach={SMALL_REACH}",
    "output.plots=false",
)


def full(strategy: str) -> tuple[str, ...]:
    """Overrides of a full-size baseline run (25,000 people, 90 days) under `strategy`."""
    return ("output.plots=false", f"strategy={strategy}")


# the columns of posts.parquet the engine issue names
POST_COLUMNS = (
    "kind",
    "topic",
    "platform",
    "author_followers",
    "created_h",
    "first_response_h",
    "routed_to",
    "resolved",
    "outcome",
)

# A dense world for tests of what a post does to its author: the simulated people are the
# whole reach and post ~100 times as often as real customers do, so a small run has
# hundreds of posts by simulated people (at realistic volumes a 10,000-person sample of the
# default reach has ~30 in 60 days). The defaults' rates are in docs/model.md.
DENSE = (
    "population.reach=0",
    "posts.question_rate_per_day=0.005",
    "posts.praise_rate_per_day=0.0015",
    "posts.lead_rate_per_day=0.001",
    "population.segments.basic.voice_propensity=0.30",
    "population.segments.standard.voice_propensity=0.35",
    "population.segments.premium.voice_propensity=0.45",
)


# the compiled kernels' tests: in CI the kernels must be there (.ci/run brings a compiler)
needs_kernels = pytest.mark.skipif(
    native.KERNELS is None and not os.environ.get("CI"),
    reason=f"compiled kernels: {native.STATUS}",
)


@contextlib.contextmanager
def kernels_as(kernels):
    """Run the engine with `kernels` (None: the numpy twins), then as before."""
    original = native.KERNELS
    native.KERNELS = kernels
    try:
        yield
    finally:
        native.KERNELS = original


def on_both_paths(compute):
    """`compute()` on the numpy path, then with the compiled kernels."""
    results = []
    for kernels in (None, native.KERNELS):
        with kernels_as(kernels):
            results.append(compute())
    return results


def dask_cluster():
    """A real two-worker Dask cluster on this machine, without its dashboard. Its
    scheduler's HTTP server (health, metrics) takes any free port: on Dask's 8787 two
    test workers' clusters at once collided, and Dask warned."""
    distributed = pytest.importorskip("distributed")
    return distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        processes=True,
        scheduler_kwargs={"dashboard_address": ":0"},
    )
