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

    def priority_key(
        self,
        created: float,
        kind: int,
        followers: int,
        negativity: float,
        churn_risk: float,
        post: int,
    ) -> tuple:
        """Sort key of a waiting post: smallest first; ties broken by arrival then id."""
        rule = self.strategy.priority
        if rule == "visibility":
            primary = -float(followers)
        elif rule == "severity":
            primary = -(SEVERITY[kind] + negativity)
        elif rule == "churn_risk":
            primary = -churn_risk
        elif rule == "deadline":
            primary = created + self.strategy.sla_hours * SLA_FACTOR[kind]
        else:
            primary = created
        return (primary, created, post)


def effective_stance(stance: str, is_true: bool) -> str:
    """`matched` follows SCCT: deny a false accusation, apologise for a true one."""
    if stance == "matched":
        return "apologise" if is_true else "deny"
    return stance
