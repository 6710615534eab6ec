"""Shared fixtures: cached simulation runs, so that several tests can inspect one run.

A run is keyed by (scenario, overrides, seed). Tests must treat the returned
model and result as read-only.
"""

from __future__ import annotations

import functools

import pytest
from support import SMALL

import sim
from sim.engine.model import HubspokeModel
from sim.results import collect


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
