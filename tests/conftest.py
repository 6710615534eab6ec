"""Shared fixtures: cached simulation runs, so that several tests can inspect one run.

A run is keyed by (scenario, overrides, seed). Tests must treat the returned
model and result as read-only.
"""

from __future__ import annotations

import functools
import gc
import os

import pytest
from support import SMALL

import sim
from sim.engine.model import HubspokeModel
from sim.engine.threads import cpu_count, one_thread_per_run
from sim.results import collect


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto` (the README's command): a worker a core. A further worker once filled
    the suite's waits on other processes (2 cores: 198 -> 186 s), but most of those
    waits have since gone in process, and each worker imports and collects the whole
    suite (with an empty bytecode cache, as in CI, compiling the same ~1,200 modules at
    the same moment as the others): two workers on 2 cores 128.8-129.2 s against
    133.2-139.8 s for three, 142.6 against 152.0 s with the bytecode cache empty."""
    return cpu_count()


def pytest_configure(config: pytest.Config) -> None:
    """Parallel test workers run numpy's BLAS and the value projection on one thread each,
    as the local pool's workers do (sim/experiments/executors.py): the workers already
    fill the cores.

    The garbage collector makes a full pass every 100 middle ones instead of 10: a test
    process keeps far more alive (libraries, collected tests, cached runs) than it leaves
    in cycles, and each full pass scans all of it (collection 3.3-3.5 -> 2.9-3.0 s)."""
    gc.set_threshold(700, 10, 100)
    if os.environ.get("PYTEST_XDIST_WORKER"):
        one_thread_per_run()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what collection leaves alive (the imported libraries, the collected tests):
    it lives to the end, and the collector's full passes need not scan it again. The
    three test workers spent 5.4-7.4 s each in full passes (16-22 of them, measured with
    gc.callbacks); frozen, 3.4-4.7 s (more passes, each shorter); with the rarer full
    passes as well, 1.6-2.7 s."""
    gc.collect()
    gc.freeze()


@functools.cache
def _simulate(scenario: str, overrides: tuple[str, ...], seed: int):
    config = sim.load_config(scenario, list(overrides))
    model = HubspokeModel(config, seed)
    model.run()
    return model, collect(model)


@pytest.fixture(scope="session")
def simulate():
    """`simulate(scenario, overrides, seed) -> (model, result)`, cached for the session."""

    def run(scenario: str = "baseline", overrides=SMALL, seed: int = 0):
        return _simulate(scenario, tuple(overrides), int(seed))

    return run
