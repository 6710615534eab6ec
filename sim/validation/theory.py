"""Closed-form (or exactly computable) results that the engine must reproduce.

Each function computes its result from first principles in code; nothing is
copied in as a table.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from scipy.optimize import brentq
from scipy.sparse.linalg import expm_multiply


# ---------------------------------------------------------------- queues
def erlang_b(servers: int, load: float) -> float:
    """Erlang B blocking probability by the stable recursion B(k) = aB(k-1)/(k + aB(k-1))."""
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c(arrivals_per_hour: float, handle_minutes: float, staff: int) -> dict[str, float]:
    """M/M/N (Erlang C): probability of waiting, mean wait, service level at 20 s, utilisation.

    Erlang (1917); formulas as in Gans, Koole & Mandelbaum (2003), section 4.1.
    """
    mu = 60.0 / handle_minutes
    load = arrivals_per_hour / mu
    if load >= staff:
        raise ValueError(f"unstable queue: offered load {load:g} >= staff {staff}")
    b = erlang_b(staff, load)
    p_wait = staff * b / (staff - load * (1.0 - b))
    drain = staff * mu - arrivals_per_hour  # per hour
    return {
        "p_wait": p_wait,
        "asa_seconds": 3600.0 * p_wait / drain,
        "service_level_20s": 1.0 - p_wait * math.exp(-drain * 20.0 / 3600.0),
        "p_abandon": 0.0,
        "utilisation": load / staff,
    }


def erlang_a(
    arrivals_per_hour: float, handle_minutes: float, staff: int, patience_minutes: float
) -> dict[str, float]:
    """M/M/N+M (Erlang A, Palm 1943; Garnett, Mandelbaum & Reiman 2002), computed exactly.

    The number in system is a birth-death chain (birth lambda, death
    min(n, N) mu + max(n - N, 0) theta); its stationary law, with PASTA,
    gives the probability of waiting and of abandoning. A tagged arrival who
    finds k people queued ahead advances through k+1 exponential stages (rate
    N mu + j theta to move up, theta to give up); the service level is the
    probability of reaching service within 20 s, computed with the matrix
    exponential of that absorbing chain. ASA is the mean wait of those served.
    """
    lam = arrivals_per_hour
    mu = 60.0 / handle_minutes
    theta = 60.0 / patience_minutes
    n_max = staff + min(int(40 * lam / theta) + 200, 20_000)
    # stationary distribution of the birth-death chain (log space for stability)
    log_pi = np.zeros(n_max + 1)
    for n in range(1, n_max + 1):
        death = min(n, staff) * mu + max(n - staff, 0) * theta
        log_pi[n] = log_pi[n - 1] + math.log(lam) - math.log(death)
    pi = np.exp(log_pi - log_pi.max())
    pi /= pi.sum()
    queued_ahead = np.arange(n_max + 1) - staff  # k = n - N for n >= N
    waiting = queued_ahead >= 0
    p_wait = float(pi[waiting].sum())
    mean_queue = float((pi * np.maximum(queued_ahead, 0)).sum())
    p_abandon = theta * mean_queue / lam
    ks = queued_ahead[waiting]
    weights = pi[waiting]
    served, wait_served = np.empty(len(ks)), np.empty(len(ks))
    for i, k in enumerate(ks):
        j = np.arange(k + 1)
        advance = staff * mu + j * theta
        total = advance + theta
        prob = float(np.prod(advance / total))
        served[i] = prob
        wait_served[i] = prob * float(np.sum(1.0 / total))
    p_served = float(pi[~waiting].sum() + (weights * served).sum())
    asa_hours = float((weights * wait_served).sum()) / p_served
    within = _reach_service_within(ks, weights, staff * mu, theta, 20.0 / 3600.0)
    return {
        "p_wait": p_wait,
        "asa_seconds": 3600.0 * asa_hours,
        "service_level_20s": float(pi[~waiting].sum()) + within,
        "p_abandon": p_abandon,
        "utilisation": lam * (1.0 - p_abandon) / (staff * mu),
    }


def _reach_service_within(
    ks: np.ndarray, weights: np.ndarray, service_rate: float, theta: float, t: float
) -> float:
    """P(a waiting arrival reaches service within t), mixed over its queue position."""
    keep = weights > 1e-16 * weights.sum()
    ks, weights = ks[keep], weights[keep]
    k_max = int(ks.max()) if len(ks) else 0
    size = k_max + 3  # stages 0..k_max, then 'served', 'abandoned'
    served, gone = k_max + 1, k_max + 2
    stage = np.arange(k_max + 1)
    up = service_rate + stage * theta  # the line ahead moves (at stage 0: a server frees)
    rows = np.concatenate([stage, stage, stage])
    cols = np.concatenate(
        [np.where(stage == 0, served, stage - 1), np.full_like(stage, gone), stage]
    )
    vals = np.concatenate([up, np.full(len(stage), theta), -(up + theta)])
    generator = sp.csr_matrix((vals, (rows, cols)), shape=(size, size))
    start = np.zeros(size)
    np.add.at(start, ks, weights)
    return float(expm_multiply(generator.T * t, start)[served])


# ---------------------------------------------------------------- diffusion
def bass_curve(p: float, q: float, t: np.ndarray) -> np.ndarray:
    """Bass (1969): F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})."""
    e = np.exp(-(p + q) * np.asarray(t, dtype=np.float64))
    return (1.0 - e) / (1.0 + (q / p) * e)


def bass_standard_error(p: float, q: float, size: int, days: int) -> np.ndarray:
    """Linear-noise standard error of the adopted share for daily binomial adoption.

    Day t -> t+1: the expected share follows the exact Bass flow g(F); the
    adopters are binomial with success P = (g(F) - F)/(1 - F) among (1 - F) n
    prospects. Linearising, V_{t+1} = g'(F_t)^2 V_t + (1 - F_t) P_t (1 - P_t) / n.
    """
    from sim.engine.population import bass_step

    var = np.zeros(days + 1)
    share = 0.0
    for day in range(days):
        f = np.array([share])
        nxt = float(bass_step(f, p, q)[0])
        h = 1e-7
        slope = float((bass_step(f + h, p, q)[0] - nxt) / h)
        prob = (nxt - share) / (1.0 - share)
        var[day + 1] = slope**2 * var[day] + (1.0 - share) * prob * (1.0 - prob) / size
        share = nxt
    return np.sqrt(var)


def maki_thompson_never_aware() -> float:
    """Root in (0, 1) of theta = exp(-2 (1 - theta)) (Maki & Thompson 1973; Sudbury 1985)."""
    return brentq(lambda x: x - math.exp(-2.0 * (1.0 - x)), 1e-9, 0.5)


def maki_thompson_sd(size: int) -> float:
    """Asymptotic SD of the never-aware share: sqrt(theta (1 - theta) / ((1 - 2 theta) n)).

    Watson (1988); derivation: the spreader count when the ignorant count is
    k is a sum of independent geometric failure runs, whose variance at the
    root, divided by the squared slope of the drift, gives the variance of the
    stopping point.
    """
    theta = maki_thompson_never_aware()
    return math.sqrt(theta * (1.0 - theta) / ((1.0 - 2.0 * theta) * size))


def cascade_giant(mean_offspring: float) -> float:
    """Largest root S of S = 1 - e^{-cS}: probability and final share of a major cascade."""
    c = mean_offspring
    if c <= 1.0:
        return 0.0
    return brentq(lambda s: s - (1.0 - math.exp(-c * s)), 1e-12, 1.0)


def cascade_size_sd(mean_offspring: float, size: int) -> float:
    """SD of the final share of a major Reed-Frost (independent cascade) outbreak.

    CLT for the Reed-Frost final size (von Bahr & Martin-Lof 1980; Ball 1986):
    variance S (1 - S) / (n (1 - c (1 - S))^2).
    """
    s = cascade_giant(mean_offspring)
    return math.sqrt(s * (1.0 - s) / size) / (1.0 - mean_offspring * (1.0 - s))


# ---------------------------------------------------------------- lifetime value
def clv(margin: float, retention: float, discount: float, periods: int | None = None) -> float:
    """Expected discounted margin of a customer alive at time 0.

    Timing convention: churn happens at the start of each period; a customer
    still there earns the margin at the end of the period, discounted by
    (1 + i)^-t. Infinite horizon: m r / (1 + i - r). With `periods` = T the
    sum stops at T: m r (1 - x^T) / (1 + i - r), x = r / (1 + i).
    """
    x = retention / (1.0 + discount)
    total = margin * retention / (1.0 + discount - retention)
    return total if periods is None else total * (1.0 - x**periods)


def clv_sd(margin: float, retention: float, discount: float, periods: int) -> float:
    """SD of one customer's discounted margin over `periods` (exact: geometric lifetime)."""
    t = np.arange(1, periods + 1)
    d = (1.0 + discount) ** -t.astype(np.float64)
    alive = retention ** t.astype(np.float64)
    mean = margin * float((d * alive).sum())
    # E[X^2] = m^2 sum_t sum_s d_t d_s r^{max(t, s)}
    before = np.concatenate([[0.0], np.cumsum(d)[:-1]])
    second = margin**2 * float((d * d * alive).sum() + 2.0 * (d * alive * before).sum())
    return math.sqrt(max(second - mean**2, 0.0))
