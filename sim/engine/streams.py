"""Independent, named random streams per subsystem (common random numbers).

One seed per run; each subsystem draws from its own stream, derived from the
seed and the subsystem's name only. Two runs that differ in strategy or
staffing therefore see the same graph, the same customers, the same incidents
and the same attack, so paired differences between them have small variance.
"""

from __future__ import annotations

import zlib

import numpy as np

STREAMS = (
    "graph",
    "population",
    "incidents",
    "posts",
    "cascades",
    "attack",
    "influencers",
    "turnover",
    "outreach",
    "background",
)


def _key(name: str) -> int:
    return zlib.crc32(name.encode())


class Streams:
    """`streams.graph`, `streams.attack`, ...: one numpy Generator per subsystem."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        for name in STREAMS:
            setattr(self, name, self.generator(name))

    def generator(self, name: str) -> np.random.Generator:
        """A stream that depends on the seed and the name only, not on creation order."""
        return np.random.default_rng(np.random.SeedSequence([self.seed, _key(name)]))

    def for_item(self, name: str, item: int) -> np.random.Generator:
        """A stream of one item (e.g. one person's attack post): the same in every arm,
        however many other items the run creates before it."""
        return np.random.default_rng(np.random.SeedSequence([self.seed, _key(name), int(item)]))
