"""A response strategy is data (sim.config.schema.Strategy); this module turns its knobs into rules.

Rules: which posts the team takes up, in what order, and what the crisis stance
becomes once the truth of an accusation is known.
"""

from __future__ import annotations

import numpy as np

from sim.config.schema import Strategy
from sim.engine.posts import KIND, SEVERITY, SLA_FACTOR


class Rules:
    """Queue discipline and intake of one strategy."""

    def __init__(self, strategy: Strategy) -> None:
        self.strategy = strategy
        self.answers = np.zeros(len(KIND), dtype=bool)
        for kind in strategy.answers:
            self.answers[KIND[kind]] = True
        self.staffs_hub = bool(strategy.answers)
        self.staffs_spokes = self.staffs_hub and strategy.routing == "hub_and_spoke"

    def takes_up(self, kind: np.ndarray, addressed: np.ndarray, listen_u: np.ndarray) -> np.ndarray:
        """Posts the hub queues: kinds it answers that it sees (tagged, or found by listening)."""
        seen = addressed | (listen_u < self.strategy.listening)
        return self.answers[kind] & seen

    def sees(self, addressed: bool, listen_u: float) -> bool:
        """Whether a post reaches the team at all (used for crisis detection)."""
        return addressed or listen_u < self.strategy.listening

    def priority_order(
        self,
        created: np.ndarray,
        kind: np.ndarray,
        followers: np.ndarray,
        negativity: np.ndarray,
        churn_risk: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each waiting post's place in the line, smallest first: (primary, arrival); the
        queue breaks what ties remain by post id."""
        rule = self.strategy.priority
        if rule == "visibility":
            primary = -np.asarray(followers, dtype=np.float64)
        elif rule == "severity":
            primary = -(SEVERITY[kind] + negativity)
        elif rule == "churn_risk":
            primary = -np.asarray(churn_risk, dtype=np.float64)
        elif rule == "deadline":
            primary = created + self.strategy.sla_hours * SLA_FACTOR[kind]
        else:
            primary = created
        return np.asarray(primary, dtype=np.float64), np.asarray(created, dtype=np.float64)


def effective_stance(stance: str, is_true: bool) -> str:
    """`matched` follows SCCT: deny a false accusation, apologise for a true one."""
    if stance == "matched":
        return "apologise" if is_true else "deny"
    return stance
