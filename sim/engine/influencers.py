"""Influencers: the most-followed accounts, as Mesa agents.

Each day an influencer may amplify the complaints it sees from the accounts it
follows (its followers then see them too). Engaged by the brand's outreach, it
amplifies far less and, in a crisis, stops spreading an attack and vouches for
the brand to its followers.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.config.schema import Influencers as InfluencerConfig


class Influencer(mesa.Agent):
    """A person in the graph with a large audience."""

    def __init__(self, model: mesa.Model, node: int, followers: int) -> None:
        super().__init__(model)
        self.node = node
        self.followers = followers
        self.engaged = False
        # drawn up front, one per influencer, so the answer is the same in every arm
        self.outreach_u = 1.0

    def amplify(self, seen: int, cfg: InfluencerConfig, rng: np.random.Generator) -> int:
        """Number of the `seen` complaints of today that this influencer passes on to its
        audience. It sees the complaints of its own audience (followers tag and reply to
        the accounts they follow), not only of the few accounts it follows."""
        prob = cfg.amplify_prob * (cfg.engaged_amplify_factor if self.engaged else 1.0)
        return int(rng.binomial(seen, prob)) if seen else 0

    def answer_outreach(self, spreading: bool, started_it: bool, recruit_prob: float) -> bool:
        """Whether the brand's crisis outreach wins this influencer over (it then stays engaged).

        The accusation's origin is never won over; one already spreading it is,
        with chance `recruit_prob`.
        """
        if self.engaged or started_it or (spreading and self.outreach_u >= recruit_prob):
            return False
        self.engaged = True
        return True


def pick_influencers(
    model: mesa.Model, follower_counts: np.ndarray, count: int
) -> list[Influencer]:
    """The `count` most-followed people (ties broken by index, deterministic)."""
    count = min(count, len(follower_counts))
    if count == 0:
        return []
    top = np.argsort(-follower_counts, kind="stable")[:count]
    return [Influencer(model, int(node), int(follower_counts[node])) for node in top]
