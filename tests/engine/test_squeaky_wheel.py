"""The squeaky wheel (Ma, Sun & Kekre 2015): answering complaints brings more complaints.

The mechanism acts only through answers: without replies the runs are identical;
with replies, a stronger effect gives more complaints from the same incidents
(common random numbers: the same seed draws the same incidents and voice draws).
"""

from __future__ import annotations

import json

import numpy as np
from support import DENSE

import sim

BASE = ("output.plots=false", "population.size=4000", "days=60", *DENSE)
SEEDS = range(5)


def _summary(strategy: str, squeaky: float, seed: int) -> dict:
    overrides = [*BASE, f"strategy={strategy}", f"population.squeaky_wheel={squeaky}"]
    return sim.run(sim.load_config("baseline", overrides), seed).summary


def test_without_answers_the_effect_does_nothing():
    same = [json.dumps(_summary("silence", s, 0), sort_keys=True) for s in (0.5, 0.0)]
    assert same[0] == same[1]  # as text: NaN metrics (no replies to time) compare equal


def test_answering_brings_more_complaints():
    extra = np.array(
        [
            _summary("reactive_fifo", 0.5, s)["complaints_total"]
            - _summary("reactive_fifo", 0.0, s)["complaints_total"]
            for s in SEEDS
        ]
    )
    # paired over seeds: the mean rise is positive beyond three of its standard errors
    standard_error = extra.std(ddof=1) / np.sqrt(len(extra))
    assert extra.mean() > 3 * standard_error, extra
