"""Inbound volume as the brand knows it (posts a day), turned into per-person rates.

A brand counts the posts that tag it; the engine draws posts from per-person
rates (sim.engine.arrivals). `demand.inbound_per_day.KIND` states the volume of
a kind on an average day at the start of the run, for the whole reach; this
module sets that kind's rate so that the expected count matches, from the
people as they are built (who is a customer, their voice and loyalty), the
topics' defect levels and the share of posts that tag the brand. Each kind's
expected tagged posts a day per unit of its rate, for the whole reach:

- complaint: scale x sum over customers of voice x sum over topics of
  share x defect level x addressed_share (the untagged become mentions);
- question: scale x customers (a question always addresses the brand);
- praise: scale x sum over customers of loyalty^2 x addressed_share;
- lead: scale x prospects.

The weekday weights have mean 1, so an average day of the week is meant;
seasonal peaks and defect shocks scale the volume from there, as they do the
rates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from sim.config.schema import Posts
from sim.engine.population import CUSTOMER, PROSPECT, Population

RATE_KEY = {
    "complaint": "incident_rate_per_day",
    "question": "question_rate_per_day",
    "praise": "praise_rate_per_day",
    "lead": "lead_rate_per_day",
}


def tagged_per_unit_rate(
    posts: Posts, population: Population, scale: float, defect_level: np.ndarray
) -> dict[str, float]:
    """Expected tagged posts a day, for the whole reach, per unit of each kind's rate."""
    customer = population.state == CUSTOMER
    weights = np.array([t.weight for t in posts.topics.values()], dtype=np.float64)
    accepted = float((weights / weights.sum() * defect_level).sum())
    tagged = posts.addressed_share
    return {
        "complaint": scale * float(population.voice[customer].sum()) * accepted * tagged,
        "question": scale * float(customer.sum()),
        "praise": scale * float((population.loyalty[customer] ** 2).sum()) * tagged,
        "lead": scale * float((population.state == PROSPECT).sum()),
    }


def rates_for_inbound(
    posts: Posts,
    inbound: Mapping[str, float],
    population: Population,
    scale: float,
    defect_level: np.ndarray,
) -> Posts:
    """`posts` with the rate of every kind in `inbound` set to give that volume."""
    if not inbound:
        return posts
    per_unit = tagged_per_unit_rate(posts, population, scale, defect_level)
    rates = {}
    for kind, volume in inbound.items():
        # nobody who could post it (no customers, or no voice): the kind stays silent
        rates[RATE_KEY[kind]] = float(volume) / per_unit[kind] if per_unit[kind] > 0 else 0.0
    return replace(posts, **rates)
