"""The M/M/c+M queue (Erlang A): the share of posts answered within a window.

Posts arrive at rate `arrivals` (Poisson), each takes an exponential time of
mean `handle` from one of `servers` agents, first come first served, and an
author waiting longer than an exponential patience of mean `patience` gives up
(Palm 1943; Garnett, Mandelbaum & Reiman 2002). The number in the system is a
birth-death chain; an arrival that finds n >= c waits at position n - c + 1,
and moves up at rate c/handle + (position - 1)/patience (services and those
ahead giving up) while giving up itself at rate 1/patience. The share answered
within t is then exact: the stationary probability of each position times the
chance of reaching an agent within t before giving up (a matrix exponential of
the position chain). Without patience (0) it is Erlang C's
1 - C(c, a) exp(-(c mu - lambda) t), which the tests check.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.linalg import expm

TAIL = 1e-12  # the stationary mass left out when the queue is truncated


def _stationary(arrivals: float, mu: float, theta: float, servers: int) -> np.ndarray | None:
    """pi_n for n = 0 .. N (truncated where the tail is below TAIL); None when unstable."""
    if theta == 0 and arrivals >= servers * mu:
        return None
    logs = [0.0]
    n = 0
    while True:
        n += 1
        rate = min(n, servers) * mu + max(n - servers, 0) * theta
        logs.append(logs[-1] + math.log(arrivals) - math.log(rate))
        if n > servers and logs[-1] - max(logs) < math.log(TAIL) and arrivals < rate:
            break
        if n > servers + 100_000:  # cannot happen for a stable queue; a guard, not a limit
            return None
    weights = np.exp(np.asarray(logs) - max(logs))
    return weights / weights.sum()


def answered_within(
    arrivals: float, handle: float, patience: float, servers: int, window: float
) -> float:
    """Share of arrivals answered within `window` (giving up counts as not answered).

    Units are consistent (hours): `arrivals` a post an hour, `handle` and
    `patience` hours (patience 0: nobody gives up). 0 servers answer nobody.
    """
    if arrivals <= 0:
        return 1.0
    if servers <= 0:
        return 0.0
    mu = 1.0 / handle
    theta = 1.0 / patience if patience > 0 else 0.0
    pi = _stationary(arrivals, mu, theta, servers)
    if pi is None:
        return 0.0
    waiting = pi[servers:]  # an arrival finds n = c, c + 1, ...: position 1, 2, ...
    positions = len(waiting)
    if positions == 0:
        return 1.0
    # the position chain: states 1..K (index k-1), then answered, then gave up
    size = positions + 2
    answered, gave_up = positions, positions + 1
    q = np.zeros((size, size))
    for k in range(1, positions + 1):
        advance = servers * mu + (k - 1) * theta
        q[k - 1, answered if k == 1 else k - 2] = advance
        q[k - 1, gave_up] = theta
        q[k - 1, k - 1] = -(advance + theta)
    reached = expm(q * window)[:positions, answered]
    return float(pi[:servers].sum() + (waiting * reached).sum())


def servers_needed(
    arrivals: float,
    handle: float,
    patience: float,
    window: float,
    share: float,
    limit: int = 10_000,
) -> int | None:
    """The fewest agents answering at least `share` within `window`; None beyond `limit`."""
    if arrivals <= 0:
        return 0
    if share >= 1.0:  # with any finite team a post can find everyone busy: never all
        return None
    # a share answered is at most the share served, c / (arrivals x handle): start there
    start = max(1, math.floor(share * arrivals * handle))
    for servers in range(start, limit + 1):
        if answered_within(arrivals, handle, patience, servers, window) >= share:
            return servers
    return None
