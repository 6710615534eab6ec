"""sim.engine.horizon.project: the exact expected run-off of the end-of-run customers.

Checked against a Monte Carlo of the Population's own daily methods, the
geometric closed form, an enumeration of issue paths, the day-by-day chain
over (alive, open issues), and the degenerate cases.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import math

import numpy as np
import pytest

import sim
import sim.engine.horizon as horizon
from sim.engine.horizon import Tail, project, project_value
from sim.engine.model import HubspokeModel
from sim.engine.population import CUSTOMER, LAPSED, PROSPECT, Population

DISCOUNT = 0.10 / 365.0  # 10 % a year, compounded daily


def population(size: int = 400, seed: int = 0, **changes) -> Population:
    """A baseline population of `size` people, with population-config `changes`."""
    cfg = sim.load_config("baseline", [f"population.size={size}"]).population
    return Population(dataclasses.replace(cfg, **changes), size, np.random.default_rng(seed))


def chain(pop: Population, days: int) -> tuple[np.ndarray, np.ndarray]:
    """The literal propagation of P(alive, j open issues), j = 0..K, one day at a time."""
    who = np.flatnonzero(pop.state == CUSTOMER)
    seg, base = pop.segment[who], pop.baseline_loyalty[who]
    loyalty = pop.loyalty[who].copy()
    issues = pop.open_issues[who]
    mass = np.zeros((who.size, int(issues.max(initial=0)) + 1))
    mass[np.arange(who.size), issues] = 1.0
    expire = -math.expm1(-1.0 / pop.cfg.open_issue_days)
    revenue, customers = np.zeros(days), np.zeros(days)
    for t in range(days):
        if not pop.freeze_loyalty:
            loyalty = loyalty + pop.cfg.loyalty_drift_per_day * (base - loyalty)
        after = mass * (1.0 - expire)
        after[:, 0] = mass[:, 0]
        after[:, :-1] += expire * mass[:, 1:]
        mass = after
        mass[:, 0] *= np.exp(-pop.hazard(seg, loyalty, np.zeros(who.size, dtype=bool)))
        mass[:, 1:] *= np.exp(-pop.hazard(seg, loyalty, np.ones(who.size, dtype=bool)))[:, None]
        alive = mass.sum(axis=1)
        revenue[t] = pop.revenue_at(seg, loyalty) @ alive
        customers[t] = alive.sum()
    return revenue, customers


# ------------------------------------------------------------ Monte Carlo
@pytest.fixture(scope="module")
def end_state() -> Population:
    cfg = sim.load_config("baseline", ["population.size=3000", "days=30", "output.plots=false"])
    model = HubspokeModel(cfg, 3)
    model.run()
    return model.population


def troubled(pop: Population) -> Population:
    """The end state with loyalties knocked off baseline and many open issues.

    Makes drift and issue expiry matter far beyond the Monte Carlo error, so
    that a frozen or mean-field projection would fail the comparison.
    """
    pop = copy.deepcopy(pop)
    rng = np.random.default_rng(11)
    pop.loyalty = np.clip(pop.loyalty + rng.normal(-0.15, 0.15, pop.size), 0.0, 1.0)
    pop.open_issues = rng.choice(4, size=pop.size, p=[0.4, 0.3, 0.2, 0.1]).astype(np.int32)
    return pop


def monte_carlo(pop: Population, days: int, reps: int, seed: int) -> tuple[np.ndarray, ...]:
    """Discounted values and customer paths of `reps` runs of the model's own daily updates."""
    rng = np.random.default_rng(seed)
    discount = (1.0 + DISCOUNT) ** -np.arange(1.0, days + 1)
    values, paths = np.zeros(reps), np.zeros((reps, days))
    for r in range(reps):
        p = copy.deepcopy(pop)
        revenue = np.zeros(days)
        for t in range(days):
            p.drift()
            p.forget_issues(rng.random(p.size))
            p.churn(rng.random(p.size))
            active = np.flatnonzero(p.state == CUSTOMER)
            revenue[t] = p.revenue_per_day(active).sum()
            paths[r, t] = active.size
        values[r] = revenue @ discount
    return values, paths


MC_DAYS, MC_REPS = 200, 60


@pytest.fixture(scope="module")
def replicated(end_state):
    """`stress -> (population, Monte Carlo values, customer paths)`, computed once each."""
    cache = {}

    def get(stress: bool):
        if stress not in cache:
            pop = troubled(end_state) if stress else end_state
            cache[stress] = (pop, *monte_carlo(pop, MC_DAYS, MC_REPS, seed=5))
        return cache[stress]

    return get


@pytest.mark.parametrize("stress", [False, True], ids=["end_state", "troubled"])
def test_projection_matches_monte_carlo_of_the_model_dynamics(replicated, stress):
    pop, values, paths = replicated(stress)
    tail = project(pop, MC_DAYS, DISCOUNT)
    # 3 standard errors of the Monte Carlo mean (two-sided ~0.3 % per check)
    se = values.std(ddof=1) / math.sqrt(MC_REPS)
    assert abs(tail.value - values.mean()) < 3 * se, (tail.value, values.mean(), se)
    for day in (1, 10, 50, 200):
        col = paths[:, day - 1]
        # a count's SD is at least ~1 once anyone may churn; the floor keeps an
        # unlucky zero-variance day from demanding exact equality
        se = max(col.std(ddof=1), 1.0) / math.sqrt(MC_REPS)
        assert abs(tail.customers[day - 1] - col.mean()) < 3 * se, day


def frozen(pop: Population) -> Population:
    """End-of-run loyalty and open issues forever (the naive closed form)."""
    pop = copy.deepcopy(pop)
    pop.freeze_loyalty = True
    pop.cfg = dataclasses.replace(pop.cfg, open_issue_days=1e12)
    return pop


def no_issues(pop: Population) -> Population:
    pop = copy.deepcopy(pop)
    pop.open_issues[:] = 0
    return pop


def no_drift(pop: Population) -> Population:
    pop = copy.deepcopy(pop)
    pop.freeze_loyalty = True
    return pop


@pytest.mark.parametrize("wrong", [frozen, no_issues, no_drift])
def test_monte_carlo_comparison_would_catch_a_wrong_projection(replicated, wrong):
    """Projections that freeze the end state, or drop issues or drift, are > 10 SE off."""
    pop, values, _ = replicated(True)
    se = values.std(ddof=1) / math.sqrt(MC_REPS)
    assert abs(project(wrong(pop), MC_DAYS, DISCOUNT).value - values.mean()) > 10 * se


# ------------------------------------------------------------ closed forms
@pytest.mark.parametrize("changes", [{"freeze_loyalty": True}, {"loyalty_drift_per_day": 0.0}])
def test_constant_loyalty_without_issues_is_geometric(changes):
    pop = population(500, seed=1, **changes)
    if changes.get("freeze_loyalty"):  # frozen: a loyalty off baseline must not drift back
        pop.loyalty = np.clip(pop.loyalty + 0.2, 0.0, 1.0)
    days = 700
    tail = project(pop, days, DISCOUNT)
    active = np.flatnonzero(pop.state == CUSTOMER)
    r = np.exp(-pop.daily_hazard(active))
    m = pop.revenue_per_day(active)
    t = np.arange(1.0, days + 1)
    np.testing.assert_allclose(tail.customers, (r[:, None] ** t).sum(axis=0), rtol=1e-9)
    np.testing.assert_allclose(tail.revenue, m @ r[:, None] ** t, rtol=1e-9)
    x = r / (1.0 + DISCOUNT)
    geometric = float((m * x * (1.0 - x**days) / (1.0 - x)).sum())
    assert tail.value == pytest.approx(geometric, rel=1e-9)
    np.testing.assert_allclose(tail.discount, (1.0 + DISCOUNT) ** -t, rtol=1e-15)


def _no_churn(pop: Population) -> Population:
    pop = copy.deepcopy(pop)
    pop.hazard_by_segment = np.zeros_like(pop.hazard_by_segment)
    return pop


@pytest.mark.parametrize(
    ("case", "days", "rate"),
    [
        ("end_state", 700, DISCOUNT),
        ("end_state", 1, DISCOUNT),
        ("end_state", 0, DISCOUNT),
        ("troubled", 700, DISCOUNT),
        ("troubled", 3, 0.0),
        ("frozen", 700, DISCOUNT),
        ("frozen_with_issues", 700, DISCOUNT),  # constant loyalty, issues: day by day
        ("no_drift_no_issue_effect", 400, DISCOUNT),
        ("no_churn", 300, 0.0),  # e^a = 1: the series is T days whole
        ("no_churn", 300, DISCOUNT),
    ],
)
def test_project_value_is_the_tails_value(end_state, case, days, rate):
    """`project_value` sums the customers of constant loyalty without open issues in closed
    form: the same value as `project`'s day by day, up to the rounding of ~T terms (a
    relative 1e-12 is ~100 times that; a series shifted by a day is off by ~1e-4)."""
    pop = {
        "end_state": lambda: end_state,
        "troubled": lambda: troubled(end_state),
        "frozen": lambda: population(500, seed=1, freeze_loyalty=True),
        "frozen_with_issues": lambda: troubled(population(500, seed=1, freeze_loyalty=True)),
        "no_drift_no_issue_effect": lambda: population(
            500, seed=4, loyalty_drift_per_day=0.0, open_issue_churn_multiplier=1.0
        ),
        "no_churn": lambda: _no_churn(end_state),
    }[case]()
    want = project(pop, days, rate).value
    assert project_value(pop, days, rate) == pytest.approx(want, rel=1e-12, abs=1e-9)


def test_long_frozen_tail_is_the_infinite_geometric_sum():
    """Over 60,000 days the truncation x^T < 1e-20 is gone: sum of m r / (1 + i - r)."""
    pop = population(200, seed=2, freeze_loyalty=True)
    active = np.flatnonzero(pop.state == CUSTOMER)
    r = np.exp(-pop.daily_hazard(active))
    infinite = float((pop.revenue_per_day(active) * r / (1.0 + DISCOUNT - r)).sum())
    assert project(pop, 60_000, DISCOUNT).value == pytest.approx(infinite, rel=1e-9)


def _enumerate_day(pop: Population, day: int) -> tuple[float, float]:
    """E[revenue] and P(alive) of person 1 on `day`, summed over every path of days 1..day.

    A path is a sequence of "an issue expires today" flags; a flag raised when
    no issue is left is not a possible draw, so such sequences are skipped.
    """
    seg = pop.segment[1:2]
    e = -math.expm1(-1.0 / pop.cfg.open_issue_days)
    revenue = alive = 0.0
    for flags in itertools.product((False, True), repeat=day):
        prob, loyalty, issues = 1.0, float(pop.loyalty[1]), int(pop.open_issues[1])
        for expires in flags:
            loyalty += pop.cfg.loyalty_drift_per_day * (pop.baseline_loyalty[1] - loyalty)
            if issues == 0:
                if expires:
                    prob = 0.0
                    break
            else:
                prob *= e if expires else 1.0 - e
                issues -= expires
            hazard = pop.hazard(seg, np.array([loyalty]), np.array([issues > 0]))[0]
            prob *= math.exp(-hazard)
        revenue += prob * pop.revenue_at(seg, np.array([loyalty]))[0]
        alive += prob
    return revenue, alive


def test_one_customer_with_two_issues_by_enumerating_paths():
    pop = population(
        3, seed=3, loyalty_drift_per_day=0.05, open_issue_days=3.0, open_issue_churn_multiplier=4.0
    )
    pop.state[:] = [PROSPECT, CUSTOMER, LAPSED]  # only person 1 is projected
    pop.loyalty[:] = [0.9, 0.2, 0.1]
    pop.baseline_loyalty[:] = [0.5, 0.8, 0.5]
    pop.open_issues[:] = [3, 2, 1]
    days = 9
    expected = np.array([_enumerate_day(pop, day) for day in range(1, days + 1)])
    tail = project(pop, days, DISCOUNT)
    np.testing.assert_allclose(tail.revenue, expected[:, 0], rtol=1e-12)
    np.testing.assert_allclose(tail.customers, expected[:, 1], rtol=1e-12)
    # the issues matter here: without them the customer would be more likely to stay
    clean = copy.deepcopy(pop)
    clean.open_issues[:] = 0
    assert project(clean, days, DISCOUNT).customers[-1] > tail.customers[-1] + 0.01


def mixed(size: int, seed: int, max_issues: int, **changes) -> Population:
    """Customers off their baseline loyalty or at it, with 0..max_issues open issues."""
    pop = population(size, seed=seed, **changes)
    rng = np.random.default_rng(seed + 100)
    pop.state[: size // 10] = LAPSED
    pop.loyalty = np.clip(pop.loyalty + rng.normal(0.0, 0.2, size), 0.0, 1.0)
    pop.loyalty[::3] = pop.baseline_loyalty[::3]
    pop.open_issues = rng.integers(0, max_issues + 1, size).astype(np.int32)
    pop.open_issues[::2] = 0
    return pop


@pytest.mark.parametrize(
    ("days", "max_issues", "changes"),
    [
        (400, 5, {}),
        (5, 12, {}),  # more issues than days: some can never all expire
        (300, 3, {"open_issue_days": 2.0, "open_issue_churn_multiplier": 30.0}),
        (300, 3, {"freeze_loyalty": True}),
        (300, 3, {"loyalty_drift_per_day": 1.0}),  # back to baseline on day 1
    ],
)
@pytest.mark.parametrize(("elements", "customers"), [(1 << 16, 4096), (600, 7)])
def test_projection_is_the_day_by_day_chain(
    monkeypatch, days, max_issues, changes, elements, customers
):
    """Whatever the blocking (many chunks of days and of customers), exact to rounding."""
    monkeypatch.setattr(horizon, "_BLOCK_ELEMENTS", elements)
    monkeypatch.setattr(horizon, "_BLOCK_CUSTOMERS", customers)
    pop = mixed(300, 4, max_issues, **changes)
    revenue, alive = chain(pop, days)
    tail = project(pop, days, DISCOUNT)
    np.testing.assert_allclose(tail.revenue, revenue, rtol=1e-12)
    np.testing.assert_allclose(tail.customers, alive, rtol=1e-12)


def test_issues_are_irrelevant_when_they_do_not_multiply_the_hazard():
    pop = mixed(300, 5, 4, open_issue_churn_multiplier=1.0)
    clean = copy.deepcopy(pop)
    clean.open_issues[:] = 0
    a, b = project(pop, 200, DISCOUNT), project(clean, 200, DISCOUNT)
    np.testing.assert_array_equal(a.revenue, b.revenue)
    np.testing.assert_allclose(a.revenue, chain(pop, 200)[0], rtol=1e-12)


def test_population_is_left_untouched():
    pop = mixed(300, 6, 3)
    before = copy.deepcopy(pop)
    project(pop, 100, DISCOUNT)
    for name in ("state", "loyalty", "baseline_loyalty", "open_issues", "segment"):
        np.testing.assert_array_equal(getattr(pop, name), getattr(before, name))


# ------------------------------------------------------------ degenerate cases
@pytest.mark.parametrize("days", [0, -3])
def test_no_days_is_an_empty_tail(days):
    tail = project(mixed(100, 7, 2), days, DISCOUNT)
    assert isinstance(tail, Tail)
    assert tail.days == 0
    for array in (tail.revenue, tail.customers, tail.discount):
        assert array.shape == (0,)
    assert tail.value == 0.0


def test_no_customers_is_a_zero_tail():
    pop = mixed(100, 8, 2)
    pop.state[:] = LAPSED
    tail = project(pop, 50, DISCOUNT)
    assert tail.days == 50
    np.testing.assert_array_equal(tail.revenue, np.zeros(50))
    np.testing.assert_array_equal(tail.customers, np.zeros(50))
    assert tail.discount.shape == (50,)
    assert tail.value == 0.0


def test_value_is_the_discounted_revenue():
    tail = project(mixed(200, 9, 2), 365, DISCOUNT)
    expected = sum(tail.revenue[t] / (1.0 + DISCOUNT) ** (t + 1) for t in range(365))
    assert tail.value == pytest.approx(expected, rel=1e-12)
    # no discounting: the plain sum of expected revenue
    assert project(mixed(200, 9, 2), 365, 0.0).value == pytest.approx(tail.revenue.sum())


# ------------------------------------------------------------ threads
def test_blocks_on_threads_give_the_one_thread_sums_to_the_last_bit(monkeypatch):
    """Many small blocks (constant and moving loyalty, several issue counts) run on three
    threads, finishing in any order; their sums are added in the blocks' order."""
    pop = mixed(3000, 11, 3)
    monkeypatch.setattr(horizon, "_BLOCK_CUSTOMERS", 64)
    monkeypatch.setattr(horizon, "_threads", lambda elements: 1)
    one = project(pop, 400, DISCOUNT)
    monkeypatch.setattr(horizon, "_threads", lambda elements: 3)
    three = project(pop, 400, DISCOUNT)
    assert np.array_equal(one.revenue, three.revenue)
    assert np.array_equal(one.customers, three.customers)


def test_threads_only_for_large_projections_and_never_past_the_cap(monkeypatch):
    monkeypatch.delenv("HUBSPOKE_THREADS", raising=False)
    assert horizon._threads(horizon._THREADED_ELEMENTS - 1) == 1
    many = horizon._threads(horizon._THREADED_ELEMENTS)
    assert 1 <= many <= horizon._MAX_THREADS
    monkeypatch.setenv("HUBSPOKE_THREADS", "1")  # what a pool's workers set
    assert horizon._threads(10 * horizon._THREADED_ELEMENTS) == 1


def test_an_open_issue_multiplies_the_hazard_exactly():
    """The projection takes the hazard with an open issue as the hazard without one times
    the multiplier (one pass instead of the formula again): the formula must keep that."""
    pop = mixed(500, 12, 2)
    multiplier = pop.cfg.open_issue_churn_multiplier
    assert multiplier != 1.0
    seg, loyalty = pop.segment[None, :], np.linspace(0.0, 1.0, 7)[:, None] + 0 * pop.loyalty
    without = pop.hazard(seg, loyalty.copy(), False)
    assert np.array_equal(pop.hazard(seg, loyalty.copy(), True), without * multiplier)


@pytest.mark.parametrize("width", [1, 7, horizon._CUMSUM_WIDTH - 1, horizon._CUMSUM_WIDTH, 600])
def test_both_running_sums_agree_to_the_last_bit(width):
    """np.cumsum for narrow blocks, a row at a time for wide ones: the same additions."""
    rng = np.random.default_rng(width)
    x, carry = rng.exponential(1e-3, (300, width)), rng.exponential(0.1, width)
    expected = x.copy()
    expected[0] += carry
    for k in range(1, len(expected)):
        expected[k] = expected[k - 1] + expected[k]
    assert np.array_equal(horizon._running(x.copy(), carry), expected)


def test_issue_tables_are_kept_read_only():
    first = horizon._issue_tables(3, 50, 0.1)
    assert horizon._issue_tables(3, 50, 0.1) is first
    for table in first:
        assert not table.flags.writeable
        with pytest.raises(ValueError):
            table[0, 0] = 1.0
