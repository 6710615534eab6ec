"""The value of the customer relationship beyond the end of a run.

A run stops after `days`, but the customers it leaves behind keep buying (or
leaving) afterwards. Ignoring that tail undervalues a strategy that ends the
run with a loyal, untroubled base; freezing it (end-of-run loyalty and open
issues lasting forever, the closed form m r / (1 + i - r)) overvalues a
strategy whose gains are a temporary bump, and undervalues one whose
customers' open issues would soon have expired. `project` counts the tail
honestly: it follows the people who are CUSTOMER at the end of the run with the model's
own slow dynamics, day by day, in the order of `HubspokeModel._daily_dynamics`:

1. loyalty drifts back to each person's baseline,
   L_t = L_0 + (B - L_0) * (1 - (1 - d)^t)   (nothing if `freeze_loyalty`);
2. each open issue count j > 0 loses one issue with probability
   e = 1 - exp(-1 / open_issue_days) (at most one a day, as `forget_issues`);
3. the customer survives with probability exp(-hazard(segment, L_t, j > 0)),
   `Population.hazard` being the model's one churn formula;
4. the day's revenue is `Population.revenue_at(segment, L_t)` if still a customer.

Left out on purpose: future posts, incidents and service replies, conversions,
win-backs and costs. So the tail does not credit a strategy with the lower
defect levels or the better reputation it may have left behind beyond what
the customers' loyalty and open issues at the end of the run already carry;
it is the run-off value of the existing book, no more.

Exactness: loyalty is deterministic in the tail (drift only), so the only
randomness is the open-issue count and survival, and the expectation is
computed exactly, not by a mean-field approximation (which would apply the
issue multiplier to an *expected* issue count). For a customer starting with
j0 open issues, the issue count after t days is j0 - min(N_t, j0) with
N_t ~ Binomial(t, e), independent of survival, and the hazard depends only on
whether j > 0. Hence, with cumulative hazards H0_t (no issue) and H1_t (issue
open) along the loyalty path, and H_0 = 0:

    P(alive, j_t > 0) = P(N_t < j0) * exp(-H1_t)
    P(alive, j_t = 0) = sum_{s=1..t} e * P(N_{s-1} = j0 - 1) * exp(-H1_{s-1} - (H0_t - H0_{s-1}))

(the last issue expires on day s, which is then already issue-free). This is
the chain over (alive, j = 0..K) propagated day by day, summed in closed form,
so its cost does not grow with the largest issue count.
"""

from __future__ import annotations

import contextlib
import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from sim.engine.population import CUSTOMER, Population
from sim.engine.threads import allowed_threads

# A block is (a chunk of days) x (customers), days on the first axis: running
# sums over days are then additions of whole customer rows, which numpy
# vectorises, where np.cumsum along a row is a scalar loop (measured: ~0.2 vs
# 2.7 ns an element, the whole projection 2.8 vs 4.9 s at 700k x 1000). About
# 64k elements keep the dozen passes over a block in the L2 cache.
_BLOCK_ELEMENTS = 1 << 16
_BLOCK_CUSTOMERS = 4096
_CUMSUM_WIDTH = 256  # measured break-even of the two running sums (see `_running`)
# customer-days from which blocks run on several threads (two threads against one,
# measured: 0.3 M 4.9 against 4.3 ms, 1.4 M even, 3.4 M 22 against 25 ms, 17 M 65
# against 84 ms, 68 M 238 against 309 ms)
_THREADED_ELEMENTS = 2_000_000
_MAX_THREADS = 4  # a cap chosen, not measured: only two threads were measured (two cores)


@dataclass
class Tail:
    """Expected run-off of the end-of-run customers, day t = 1..days after the run."""

    days: int  # projected days
    revenue: np.ndarray  # expected revenue on each projected day (undiscounted), shape (days,)
    customers: np.ndarray  # expected customers remaining at the end of each projected day
    discount: np.ndarray  # (1 + i)^-t: discount factor of day t relative to the end of the run

    @property
    def value(self) -> float:
        """Expected discounted margin of the tail, valued at the end of the run."""
        return float(np.einsum("i,i", self.revenue, self.discount))


def project(population: Population, days: int, daily_discount: float) -> Tail:
    """Project today's customers of `population` `days` days forward (see the module docstring).

    `population` is not modified. The result is valued at the end of the run;
    multiply `value` by (1 + i)^-run_days to bring it to the start.
    """
    return _project(population, days, daily_discount, geometric=False)[0]


def project_value(population: Population, days: int, daily_discount: float) -> float:
    """`project(population, days, daily_discount).value`, in far fewer passes.

    A customer whose loyalty stays put (at their baseline, or frozen) and who has
    no open issue keeps one hazard h every day: their expected discounted revenue
    is m * sum_{t=1..T} (e^-h / (1 + i))^t, a geometric series, summed here in
    closed form per customer instead of day by day. The others run off as in
    `project`. The same expectation; only the rounding of the sums differs
    (measured: at most 9e-15 relative, on runs of 20,000 and 50,000 people).
    These customers are most of a run's (61-86 % at the end of 30 to 90 days).
    """
    tail, series = _project(population, days, daily_discount, geometric=True)
    return tail.value + series


def _geometric_value(
    population: Population, segment: np.ndarray, loyalty: np.ndarray, days: int, rate: float
) -> float:
    """The discounted expected revenue over days 1..`days` of customers at a constant
    `loyalty` without open issues: sum over them of m * x (1 - x^T) / (1 - x), with
    x = e^a and a = -h - log(1 + i), written with expm1 so that x near 1 loses nothing."""
    hazard = population.hazard(segment, loyalty, False)
    margin = population.revenue_at(segment, loyalty)
    a = -hazard - np.log1p(rate)
    with np.errstate(invalid="ignore", divide="ignore"):  # a = 0: 0/0, replaced below
        series = np.exp(a) * np.expm1(a * days) / np.expm1(a)
    series[a == 0.0] = float(days)  # no churn and no discount: every day counts whole
    return float(np.einsum("i,i", margin, series))


def _project(
    population: Population, days: int, daily_discount: float, geometric: bool
) -> tuple[Tail, float]:
    """`project`'s Tail; with `geometric`, of the customers that `project_value` does not
    sum in closed form, and beside it their closed-form value."""
    days = max(int(days), 0)
    t = np.arange(1, days + 1, dtype=np.float64)
    discount = (1.0 + daily_discount) ** -t
    revenue = np.zeros(days)
    customers = np.zeros(days)
    who = np.flatnonzero(population.state == CUSTOMER)
    if days == 0 or who.size == 0:
        return Tail(days, revenue, customers, discount), 0.0

    cfg = population.cfg
    drift = 0.0 if population.freeze_loyalty else float(cfg.loyalty_drift_per_day)
    # share of the gap to baseline closed by day t; written as 1 - (1-d)^t so that
    # d = 0 gives exactly L_0 (no rounding drift for frozen loyalty)
    with np.errstate(divide="ignore"):  # d = 1: log1p(-1) = -inf, closed = 1 from day 1
        closed = -np.expm1(t * np.log1p(-drift)) if drift > 0 else np.zeros(days)
    loyalty = population.loyalty[who]
    gap = population.baseline_loyalty[who] - loyalty
    # customers at their baseline keep a constant hazard: no running sum needed
    moving = (gap != 0) if drift > 0 else np.zeros(who.size, dtype=bool)
    if cfg.open_issue_churn_multiplier != 1.0:
        issues = population.open_issues[who].astype(np.int64)
    else:  # the hazard ignores issues: every customer follows the issue-free path
        issues = np.zeros(who.size, dtype=np.int64)
    # more issues than projected days cannot all expire: same as days + 1 issues
    issues = np.minimum(issues, days + 1)
    stay, hit = _issue_tables(int(issues.max()), days, -np.expm1(-1.0 / cfg.open_issue_days))
    series = 0.0
    if geometric:
        constant = ~moving & (issues == 0)
        series = _geometric_value(
            population, population.segment[who[constant]], loyalty[constant], days, daily_discount
        )
        who, loyalty, gap = who[~constant], loyalty[~constant], gap[~constant]
        moving, issues = moving[~constant], issues[~constant]

    # blocks of customers alike in what the projection treats specially: a
    # constant or moving loyalty, and the same open-issue count (whose tables are
    # then one column broadcast over the block instead of a gather per element)
    blocks = []
    for is_moving in (False, True):
        for count in np.unique(issues):
            group = np.flatnonzero((moving == is_moving) & (issues == count))
            columns = (
                None if count == 0 else (stay[:, count - 1 : count], hit[:, count - 1 : count])
            )
            for start in range(0, group.size, _BLOCK_CUSTOMERS):
                block = group[start : start + _BLOCK_CUSTOMERS]
                blocks.append(
                    (
                        population.segment[who[block]],
                        loyalty[block],
                        gap[block] if is_moving else None,
                        columns,
                    )
                )

    def block_run_off(block: tuple) -> tuple[np.ndarray, np.ndarray]:
        block_revenue, block_customers = np.zeros(days), np.zeros(days)
        _run_off(population, *block, closed, block_revenue, block_customers)
        return block_revenue, block_customers

    threads = _threads(who.size * days)
    with ThreadPoolExecutor(threads) if threads > 1 else contextlib.nullcontext() as pool:
        results = pool.map(block_run_off, blocks) if pool else map(block_run_off, blocks)
        # added in the blocks' order: the same sums, to the last bit, on any threads
        for block_revenue, block_customers in results:
            revenue += block_revenue
            customers += block_customers
    return Tail(days, revenue, customers, discount), series


def _threads(elements: int) -> int:
    """Threads for a projection of `elements` customer-days: numpy's passes release the
    GIL, so blocks run in parallel; below ~2 million the threads cost what they save, and
    `HUBSPOKE_THREADS` (a pool's workers set 1: they fill the cores already) caps them."""
    if elements < _THREADED_ELEMENTS:
        return 1
    return min(allowed_threads(), _MAX_THREADS)


@functools.lru_cache(maxsize=16)
def _issue_tables(k_max: int, days: int, expire: float) -> tuple[np.ndarray, np.ndarray]:
    """P(N_t < j) and e * P(N_{t-1} = j - 1), at [t - 1, j - 1] for t = 1..days, j = 1..k_max.

    N_t ~ Binomial(t, e) counts the days on which an open issue would expire.
    The table is built by the chain's own one-day recursion, so it is exact for
    any issue count (no log-gamma cancellation). A loop over the days (3 ms for
    a default horizon): kept for the runs of a sweep, which share their
    arguments, and read-only.
    """
    stay, hit = _issue_tables_computed(k_max, days, expire)
    stay.setflags(write=False)
    hit.setflags(write=False)
    return stay, hit


def _issue_tables_computed(k_max: int, days: int, expire: float) -> tuple[np.ndarray, np.ndarray]:
    pmf = np.zeros((days + 1, k_max))  # pmf[t, k] = P(N_t = k), k < k_max
    if k_max == 0:
        return pmf[1:], pmf[1:]
    pmf[0, 0] = 1.0
    for day in range(1, days + 1):
        pmf[day] = pmf[day - 1] * (1.0 - expire)
        pmf[day, 1:] += pmf[day - 1, :-1] * expire
    return np.cumsum(pmf[1:], axis=1), expire * pmf[:-1]


def _run_off(
    population: Population,
    segment: np.ndarray,
    loyalty: np.ndarray,
    gap: np.ndarray | None,
    issue_columns: tuple[np.ndarray, np.ndarray] | None,
    closed: np.ndarray,
    revenue: np.ndarray,
    customers: np.ndarray,
) -> None:
    """Add the expected revenue and customers of one block of customers, day by day.

    `gap` (baseline - loyalty) is None for a constant loyalty; `issue_columns`
    are the (days, 1) columns of `_issue_tables` for the block's open-issue
    count, None for customers without open issues.
    """
    days = closed.size
    t = np.arange(1, days + 1, dtype=np.float64)[:, None]
    seg = segment[None, :]
    static = gap is None
    if static:
        path = loyalty[None, :]
        h0 = population.hazard(seg, path, False)
        if issue_columns is not None:
            h1 = population.hazard(seg, path, True)
        margin = population.revenue_at(seg, path)[0]
    # carried from the last day of the previous chunk: the cumulative hazards
    # without and with an open issue, the survival-weighted mass freed of
    # issues, and exp(H0 - H1)
    last0 = last1 = last_freed = np.zeros(segment.size)
    last_ratio = np.ones(segment.size)
    chunk = max(1, _BLOCK_ELEMENTS // segment.size)
    for a in range(0, days, chunk):
        b = min(a + chunk, days)
        if not static:
            path = loyalty + gap * closed[a:b, None]
            h0 = population.hazard(seg, path, False)
            if issue_columns is not None:
                # hazard(..., True) is hazard(..., False) times the multiplier, exactly
                h1 = h0 * population.cfg.open_issue_churn_multiplier
        cum0 = h0 * t[a:b] if static else _running(h0, last0)
        alive = np.negative(cum0)
        np.exp(alive, out=alive)
        if issue_columns is not None:
            stay, hit = issue_columns
            cum1 = h1 * t[a:b] if static else _running(h1, last1)
            # ratio[k] = exp(H0 - H1) on the day before row k's day, ratio[k + 1]
            # on row k's day; <= 1 as the issue multiplier is >= 1 (schema), so
            # nothing overflows
            ratio = np.empty((b - a + 1, segment.size))
            ratio[0] = last_ratio
            np.subtract(cum0, cum1, out=ratio[1:])
            np.exp(ratio[1:], out=ratio[1:])
            freed = _running(hit[a:b] * ratio[:-1], last_freed)
            # P(alive) = exp(-H0) * (freed + P(issue still open) * exp(H0 - H1))
            alive *= freed + stay[a:b] * ratio[1:]
            last1, last_freed, last_ratio = cum1[-1], freed[-1], ratio[-1]
        last0 = cum0[-1]
        # einsum, not a matrix product: BLAS's own threads would contend with the blocks'
        if static:
            revenue[a:b] += np.einsum("ij,j->i", alive, margin)
        else:
            revenue[a:b] += np.einsum("ij,ij->i", population.revenue_at(seg, path), alive)
        customers[a:b] += alive.sum(axis=1)


def _running(x: np.ndarray, carry: np.ndarray) -> np.ndarray:
    """Running sum of `x` over days (axis 0) in place, continuing from `carry`.

    Both ways add row k to the sum of rows before it, so they agree to the last bit: row
    by row (numpy vectorises each row; a call per day) for wide blocks, np.cumsum (a
    scalar loop in C, no call per day) below _CUMSUM_WIDTH customers, where the calls
    cost more (a block of 8 customers over 1,000 days: 0.64 -> 0.02 ms).
    """
    x[0] += carry
    if x.shape[1] < _CUMSUM_WIDTH:
        return np.cumsum(x, axis=0, out=x)
    for k in range(1, x.shape[0]):
        np.add(x[k - 1], x[k], out=x[k])
    return x
