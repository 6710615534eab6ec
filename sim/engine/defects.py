"""Defect levels: how often each topic's problems happen, and what changes them.

A topic's level multiplies its incident rate. It starts at its everyday level
and moves in four ways:

* a **shock** (`events.defects`) multiplies it from a given day;
* a **hidden problem** (e.g. fraud) grows it by `hidden_growth_per_day` up to
  `hidden_cap` times the everyday level, until the topic's own department has
  fixed `recognised_after` complaints and recognises the pattern, which resets
  the level to everyday;
* a **root-cause fix** (a department resolution under `close_loop`) removes a
  share `fix_per_resolution` of the excess over the floor, `defect_floor` times
  the everyday level; within 1 % of the everyday level of the floor nothing
  material is left to fix, and no fix is made (or paid for).
"""

from __future__ import annotations

import numpy as np

from sim.config.schema import Config


class Defects:
    """The defect state of every topic, in topic order (`level` is read by the post generator)."""

    def __init__(self, config: Config) -> None:
        topics = [config.posts.topics[t] for t in config.posts.topics]
        self.names = list(config.posts.topics)
        self.everyday = np.array([t.defect_level for t in topics])
        self.level = self.everyday.copy()
        self.hidden_growth = np.array([t.hidden_growth_per_day for t in topics])
        self.hidden_cap = self.everyday * np.array([t.hidden_cap for t in topics])
        self.recognised_after = np.array([t.recognised_after for t in topics])
        self.recognised_at = np.full(len(topics), np.nan)
        # complaints each topic's department has fixed while it was hidden (recognition)
        self.department_fixes = np.zeros(len(topics), dtype=np.int64)
        self.floor = self.everyday * config.strategy.defect_floor
        self.fix_share = config.strategy.fix_per_resolution
        self.shocks = list(config.events.defects)

    def bound(self) -> np.ndarray:
        """An upper bound of each topic's level over the run (the thinning rate)."""
        bound = self.level.copy()
        for shock in self.shocks:
            bound[self.names.index(shock.topic)] *= max(shock.multiplier, 1.0)
        hidden = self.hidden_growth > 0
        bound[hidden] *= (self.hidden_cap / np.maximum(self.everyday, 1e-300))[hidden]
        return np.maximum(bound, 1e-12)

    def shock(self, day: float) -> None:
        """Apply the shocks that start on `day`."""
        for shock in self.shocks:
            if np.isclose(shock.start_day, day):
                self.level[self.names.index(shock.topic)] *= shock.multiplier

    def grow_hidden(self) -> None:
        """A day of growth of every hidden problem not yet recognised."""
        growing = (self.hidden_growth > 0) & np.isnan(self.recognised_at)
        grown = np.minimum(self.level * (1.0 + self.hidden_growth), self.hidden_cap)
        # growth never lowers a level that a shock has pushed above the cap
        self.level[growing] = np.maximum(self.level, grown)[growing]

    def department_fixed(self, topic: int, time: float) -> None:
        """A department fixed a complaint; enough of them reveal a hidden problem."""
        if self.hidden_growth[topic] <= 0 or not np.isnan(self.recognised_at[topic]):
            return
        self.department_fixes[topic] += 1
        if self.department_fixes[topic] >= self.recognised_after[topic]:
            self.recognised_at[topic] = time
            self.level[topic] = self.everyday[topic]

    def fix_root_cause(self, topic: int) -> bool:
        """One root-cause fix; False (no work, no cost) when nothing material is left."""
        level, floor = self.level[topic], self.floor[topic]
        if level <= floor + 0.01 * self.everyday[topic]:
            return False
        self.level[topic] = floor + (level - floor) * (1.0 - self.fix_share)
        return True
