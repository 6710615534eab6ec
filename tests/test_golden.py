"""Guard rail for pure moves and renames: every scenario's summary, seeds 0-2, is unchanged.

The files in tests/golden/ were written by this module (`python tests/test_golden.py`).
A refactoring that is meant to change nothing must leave them byte-identical; a
change of behaviour rewrites them in its own commit, saying why.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import sim
from sim.config import catalog

GOLDEN = Path(__file__).parent / "golden"
SEEDS = (0, 1, 2)
SMALL = ["population.size=3000", "output.plots=false"]


def summary_text(scenario: str, seed: int) -> str:
    result = sim.run(sim.load_config(scenario, SMALL), seed)
    return json.dumps(result.summary, indent=1, sort_keys=True) + "\n"


@pytest.mark.parametrize("scenario", catalog.scenario_names())
def test_summaries_are_unchanged(scenario):
    for seed in SEEDS:
        path = GOLDEN / f"{scenario}-{seed}.json"
        assert path.is_file(), f"{path.name} missing: run python tests/test_golden.py"
        assert summary_text(scenario, seed) == path.read_text(), f"{scenario} seed {seed}"


if __name__ == "__main__":
    GOLDEN.mkdir(exist_ok=True)
    for name in catalog.scenario_names():
        for s in SEEDS:
            (GOLDEN / f"{name}-{s}.json").write_text(summary_text(name, s))
    sys.exit(0)
