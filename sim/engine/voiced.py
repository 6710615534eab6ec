"""The reach's voiced incidents drawn where they can be: a strip below a voice bound,
and the loud people above it.

The reach outside the sample has about 33,000 incident candidates a day at the
default reach (a Poisson process over the simulated people, each candidate with
a voice uniform u), and only those with u below their template's voice become
posts: 0.2 % on average, since voice is Beta-distributed with most people near
zero. Drawing every candidate to keep a few hundred cost more than the rest of
a day's posts.

The same process, split at a voice bound b (Lewis & Shedler's thinning, by
parts of the space of (person, u)):

- the strip u < b, for everyone: a Poisson(b x the day's candidates) number of
  candidates with uniform authors and u uniform on [0, b), from the stream as
  before (its draws depend on the config alone, so arms stay aligned);
- the band u >= b, needed only for the people whose voice exceeds b (the loud
  people, a few per cent): each has a Poisson(m (1 - b)) number of points, m
  their candidates a day, with u uniform on [b, 1). Each loud person's points
  are keyed by the person (sim.engine.keyed), not by their place in a list:
  two arms draw the same points for the same person, whoever else is loud.

A candidate in the band of someone whose voice is at most b can never pass the
voice test, so leaving those out changes nothing: the voiced incidents have
the same law as from all the candidates, and with the same voices in two arms
they are the same incidents. The loud people may be a superset (the population
keeps them as voice rises and newcomers arrive; sim.engine.population).

`voice_bound` picks b once per run from the initial voices, by the work it
leaves: the strip's candidates plus the loud people's draws (b = 1 is the
plain thinning, for a population where most people voice).
"""

from __future__ import annotations

import math

import numpy as np

from sim.engine.keyed import FIELDS, KeyedDraws

# the bounds tried, from none (every candidate in the strip) down
_BOUNDS = (1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001)
# a loud person's draws (their count's keyed uniform and the table) weigh about one
# strip candidate's (its author's draw and tests): the day's reach at 50,000 people took
# 86, 90 and 98 us at bounds of 0.03, 0.01 and 0.003, at 1,000,000 people 200, 166 and
# 179 us at 0.3, 0.1 and 0.03 (every candidate: 214 and 391 us), the best as this weighs
_PERSON_COST = 1.0
# above this many points a person a day (a small sample for its reach), the day's
# candidates all come from the strip: the Poisson table would be long and, near
# exp(-745), underflow
MAX_POINTS_MEAN = 30.0
# the keyed index of a loud person's point j: (person + 1) << POINT_BITS | j, apart
# from the strip's candidates (0, 1, 2, ... under the same day's key) and below 2**60,
# so that index * FIELDS + field never wraps onto another's
POINT_BITS = 28
COUNT_FIELD = FIELDS - 1  # a loud person's number of points, at its j = 0 index


def voice_bound(voice: np.ndarray, candidates_per_day: float) -> float:
    """The bound b of `_BOUNDS` that leaves the least work a day: b x the day's incident
    candidates in the strip, and for each person above b their draws and points."""
    size = len(voice)
    if size == 0 or candidates_per_day <= 0:
        return 1.0
    per_person = candidates_per_day / size
    best, best_cost = 1.0, candidates_per_day
    for bound in sorted(_BOUNDS):
        if per_person * (1.0 - bound) > MAX_POINTS_MEAN:
            continue
        # a comparison a bound (7 passes: 0.06 ms at 50,000 people, where one searchsorted
        # pass over the grid took 0.39 ms)
        loud = int(np.count_nonzero(voice > bound))
        cost = candidates_per_day * bound + loud * (_PERSON_COST + per_person * (1.0 - bound))
        if cost < best_cost:
            best, best_cost = float(bound), cost
    return best


def poisson_cdf(mean: float) -> np.ndarray:
    """P(N <= k) for k = 0, 1, ... of a Poisson(`mean`), until it reaches 1 to double
    precision (computed once in Python: both paths of the engine read the same table)."""
    if not 0.0 <= mean <= MAX_POINTS_MEAN:
        raise ValueError(f"a Poisson table's mean must be within [0, {MAX_POINTS_MEAN}]")
    term = math.exp(-mean)
    total = term
    table = [total]
    k = 0
    while total < 1.0 and (k < mean or term > 1e-18):
        k += 1
        term *= mean / k
        total += term
        table.append(total)
    return np.array(table)


def loud_points(key: int, loud: np.ndarray, cdf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The band's points of the people `loud` today: their authors and keyed indices.

    Each person has as many points as the entries of `cdf` (`poisson_cdf`) that their
    own keyed uniform reaches; point j of person p has the index (p + 1) << 28 | j.
    """
    loud = np.asarray(loud, dtype=np.int64)
    empty = np.empty(0, dtype=np.int64)
    if len(loud) == 0:
        return empty, empty
    first = (loud + 1) << POINT_BITS
    counts = np.searchsorted(cdf, KeyedDraws(key).uniform(first, COUNT_FIELD), side="right")
    total = int(counts.sum())
    if total == 0:
        return empty, empty
    author = np.repeat(loud, counts)
    # each point's j: its place after its person's first
    starts = np.cumsum(counts) - counts
    j = np.arange(total, dtype=np.int64) - np.repeat(starts, counts)
    return author, np.repeat(first, counts) + j
