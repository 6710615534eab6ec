"""sim.engine.population: Bass steps, initial composition, hazard, churn, conversion, loyalty."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.config.schema import Population as PopulationConfig
from sim.config.schema import Segment
from sim.engine.population import (
    COMPETITOR,
    CUSTOMER,
    LAPSED,
    PROSPECT,
    SPREADING,
    Population,
    bass_step,
    conversion_probability,
)


def bass_closed_form(t: np.ndarray, p: float, q: float) -> np.ndarray:
    e = np.exp(-(p + q) * t)
    return (1.0 - e) / (1.0 + (q / p) * e)


def logistic(t: np.ndarray, f0: float, q: float) -> np.ndarray:
    return f0 * np.exp(q * t) / (1.0 - f0 + f0 * np.exp(q * t))


# ------------------------------------------------------------------ Bass
@pytest.mark.parametrize(("p", "q"), [(0.03, 0.38), (0.0003, 0.004), (0.01, 0.0), (0.2, 1.5)])
def test_bass_step_matches_closed_form_stepped_daily(p, q):
    days = 400
    f = np.zeros(1)
    path = [0.0]
    for _ in range(days):
        f = bass_step(f, p, q)
        path.append(float(f[0]))
    expected = bass_closed_form(np.arange(days + 1, dtype=float), p, q)
    np.testing.assert_allclose(path, expected, rtol=0, atol=1e-12)


def test_bass_step_is_exact_for_any_step_size():
    p, q = 0.02, 0.5
    f = np.zeros(1)
    for _ in range(40):
        f = bass_step(f, p, q, dt=0.25)
    assert f[0] == pytest.approx(bass_closed_form(np.array(10.0), p, q), abs=1e-12)


@pytest.mark.parametrize("dt", [1.0, 0.25, 1 / 24])
def test_bass_step_with_one_innovation_rate_is_the_general_path_to_the_last_bit(dt):
    """A float p takes a shorter path (the day's conversion); an array p the general one."""
    rng = np.random.default_rng(7)
    for _ in range(200):
        share = rng.random(int(rng.integers(0, 400)))
        share[::7], share[::11] = 0.0, 1.0
        p, q = float(10 ** rng.uniform(-7, -1)), float(rng.choice([0.0, rng.uniform(0, 1)]))
        fast, general = bass_step(share, p, q, dt), bass_step(share, np.full(len(share), p), q, dt)
        assert fast.dtype == general.dtype and fast.shape == general.shape
        np.testing.assert_array_equal(fast, general)


@pytest.mark.parametrize("f0", [1e-3, 0.05, 0.5])
def test_bass_step_without_innovation_is_logistic(f0):
    q = 0.3
    f = np.array([f0])
    path = [f0]
    for _ in range(60):
        f = bass_step(f, 0.0, q)
        path.append(float(f[0]))
    np.testing.assert_allclose(path, logistic(np.arange(61, dtype=float), f0, q), atol=1e-12)


def test_bass_step_vectorised_with_per_person_innovation():
    share = np.array([0.0, 0.2, 0.5, 0.9, 1.0])
    p = np.array([0.0, 0.01, 0.0, 0.05, 0.01])
    out = bass_step(share, p, 0.4)
    for i in range(len(share)):
        assert out[i] == pytest.approx(bass_step(share[i : i + 1], p[i], 0.4)[0], abs=1e-15)
    assert out[0] == 0.0  # nobody adopts without innovation or imitation
    assert out[-1] == 1.0
    assert (out >= share).all()


def test_conversion_probability_is_the_bass_hazard_of_one_day():
    share = np.linspace(0.0, 0.95, 20)
    p, q = 0.001, 0.3
    prob = conversion_probability(share, p, q)
    np.testing.assert_allclose(prob, (bass_step(share, p, q) - share) / (1.0 - share), atol=1e-15)
    assert ((prob >= 0) & (prob <= 1)).all()
    assert (np.diff(prob) > 0).all()  # more adopting followees, more conversion
    # without imitation the one-day probability is 1 - exp(-p)
    assert conversion_probability(np.array([0.0, 0.7]), p, 0.0) == pytest.approx(
        [-math.expm1(-p)] * 2, abs=1e-15
    )
    # at share 1 the probability stays finite and within [0, 1]
    assert 0.0 <= conversion_probability(np.array([1.0]), p, q)[0] <= 1.0


# ------------------------------------------------------------------ initial population
def _population(size=100_000, seed=0, **overrides) -> Population:
    cfg = PopulationConfig(**overrides)
    return Population(cfg, size, np.random.default_rng(seed))


def test_initial_composition_matches_config_within_sampling_error():
    n = 100_000
    pop = _population(n)
    cfg = pop.cfg
    shares = np.array([s.share for s in cfg.segments.values()])
    shares = shares / shares.sum()
    observed = np.bincount(pop.segment, minlength=len(shares)) / n
    se = np.sqrt(shares * (1 - shares) / n)
    assert (np.abs(observed - shares) < 5 * se).all()
    weights = np.array(list(cfg.platforms.values()))
    weights = weights / weights.sum()
    observed = np.bincount(pop.platform, minlength=len(weights)) / n
    assert (np.abs(observed - weights) < 5 * np.sqrt(weights * (1 - weights) / n)).all()
    c = cfg.initial_customer_share
    customers = (pop.state == CUSTOMER).mean()
    assert abs(customers - c) < 5 * math.sqrt(c * (1 - c) / n)
    lapsed_share = cfg.initial_lapsed_share
    lapsed = (pop.state == LAPSED).mean()
    assert abs(lapsed - lapsed_share) < 5 * math.sqrt(lapsed_share * (1 - lapsed_share) / n)
    assert set(np.unique(pop.state).tolist()) <= {PROSPECT, CUSTOMER, LAPSED}
    assert pop.customers_at_start == int((pop.state == CUSTOMER).sum())


def test_initial_loyalty_is_beta_with_configured_mean_and_spread():
    n = 100_000
    pop = _population(n)
    mean, k = pop.cfg.initial_loyalty_mean, pop.cfg.initial_loyalty_concentration
    var = mean * (1 - mean) / (k + 1)  # variance of Beta(mean*k, (1-mean)*k)
    assert abs(pop.loyalty.mean() - mean) < 5 * math.sqrt(var / n)
    # sample variance of a bounded variable: sd < sqrt(E[(x-m)^4]/n) <= sqrt(var/n)
    assert abs(pop.loyalty.var() - var) < 5 * math.sqrt(var / n)
    assert ((pop.loyalty >= 0) & (pop.loyalty <= 1)).all()
    np.testing.assert_array_equal(pop.baseline_loyalty, pop.loyalty)
    assert pop.baseline_loyalty is not pop.loyalty


def test_degenerate_loyalty_mean_gives_constant_loyalty():
    for mean in (0.0, 1.0):
        pop = _population(100, initial_loyalty_mean=mean)
        assert (pop.loyalty == mean).all()


def test_voice_propensity_centred_on_segment_mean():
    n = 100_000
    pop = _population(n)
    for i, seg in enumerate(pop.cfg.segments.values()):
        v = pop.voice[pop.segment == i]
        var = seg.voice_propensity * (1 - seg.voice_propensity) / 5.0  # Beta(4v, 4(1-v))
        assert abs(v.mean() - seg.voice_propensity) < 5 * math.sqrt(var / len(v))


def test_answered_complainers_learn_to_voice():
    pop = _population(10, squeaky_wheel=0.25)
    before = pop.voice.copy()
    pop.learn_to_voice(np.array([2, 7]))
    pop.learn_to_voice(np.array([7]))
    expected = before.copy()
    expected[2] = before[2] * 1.25
    expected[7] = min(1.0, before[7] * 1.25**2)  # each answer raises it by a quarter
    np.testing.assert_allclose(pop.voice, expected, rtol=1e-12)
    loud = _population(3, squeaky_wheel=5.0)
    loud.voice[:] = 0.5
    loud.learn_to_voice(np.array([0]))
    assert loud.voice[0] == 1.0  # a propensity, never above 1
    still = _population(10, squeaky_wheel=0.0)
    unchanged = still.voice.copy()
    still.learn_to_voice(np.array([2, 7]))
    np.testing.assert_array_equal(still.voice, unchanged)


def test_population_is_deterministic_per_seed():
    a, b = _population(5000, seed=3), _population(5000, seed=3)
    for name in ("segment", "platform", "state", "loyalty", "voice"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_newcomers_segments_are_numpys_choice_with_the_shares():
    """The segments come from the cumulative shares kept at creation, searched as
    `Generator.choice(..., p=shares)` searches them: the same segments and draws."""
    pop = _population(100)
    ours, theirs = np.random.default_rng(8), np.random.default_rng(8)
    segment, loyalty, _ = pop._traits(ours, 5_000)
    expected = theirs.choice(len(pop.segment_p), size=5_000, p=pop.segment_p).astype(np.int8)
    np.testing.assert_array_equal(segment, expected)
    # the next draws agree too: the segments took as many uniforms as choice does
    k, mean = pop.cfg.initial_loyalty_concentration, pop.cfg.initial_loyalty_mean
    np.testing.assert_array_equal(loyalty, theirs.beta(mean * k, (1.0 - mean) * k, 5_000))
    assert set(np.unique(segment)) == set(range(len(pop.segment_p)))


# ------------------------------------------------------------------ hazard, churn, revenue
def test_daily_hazard_formula():
    pop = _population(1000)
    cfg = pop.cfg
    pop.open_issues[:10] = 2
    annual = np.array([s.churn_per_year for s in cfg.segments.values()])
    base = -np.log(1 - annual) / 365.0
    expected = base[pop.segment] * np.exp(
        cfg.churn_loyalty_sensitivity * (cfg.churn_reference_loyalty - pop.loyalty)
    )
    expected[:10] *= cfg.open_issue_churn_multiplier
    np.testing.assert_allclose(pop.daily_hazard(), expected, rtol=1e-12)
    people = np.array([3, 0, 999])
    np.testing.assert_allclose(pop.daily_hazard(people), expected[people], rtol=1e-12)


def test_constant_hazard_reproduces_annual_churn():
    """At reference loyalty, 365 daily draws give exactly the segment's annual churn."""
    pop = _population(10)
    pop.loyalty[:] = pop.cfg.churn_reference_loyalty
    annual = np.array([s.churn_per_year for s in pop.cfg.segments.values()])
    daily_survival = np.exp(-pop.daily_hazard())
    np.testing.assert_allclose(1 - daily_survival**365, annual[pop.segment], rtol=1e-12)


def test_churn_frequency_matches_hazard():
    n = 200_000
    pop = _population(n, seed=1)
    pop.state[:] = CUSTOMER
    pop.loyalty[:] = pop.cfg.churn_reference_loyalty
    prob = -np.expm1(-pop.daily_hazard())
    expected = prob.sum()
    sd = math.sqrt((prob * (1 - prob)).sum())
    left = pop.churn(np.random.default_rng(2).random(n))
    assert abs(len(left) - expected) < 5 * sd
    assert (pop.state[left] == LAPSED).all()
    assert pop.churned_total == len(left)
    # only customers churn
    pop2 = _population(1000)
    customers = np.flatnonzero(pop2.state == CUSTOMER)
    gone = pop2.churn(np.zeros(1000))  # uniforms of 0: every customer at risk leaves
    np.testing.assert_array_equal(gone, customers)


@pytest.mark.parametrize("sensitivity", [0.0, 3.0, 8.0])
def test_churn_by_candidates_equals_the_comparison_over_everyone(sensitivity):
    """Thinning by the day's largest churn probability leaves out nobody who would leave:
    the lapsed are exactly those whose uniform is below their own probability, with
    loyalty at both ends of [0, 1], open issues, and uniforms just under the bound."""
    n = 50_000
    pop = _population(n, seed=3, churn_loyalty_sensitivity=sensitivity)
    rng = np.random.default_rng(4)
    pop.loyalty[:] = rng.choice([0.0, 1.0, 0.3], size=n)
    pop.open_issues[rng.random(n) < 0.2] = 1
    bound = pop.churn_bound
    uniforms = rng.random(n) * bound * 1.05  # everyone near the bound, some above it
    probability = -np.expm1(-pop.daily_hazard())
    assert probability.max() <= bound
    expected = np.flatnonzero((pop.state == CUSTOMER) & (uniforms < probability))
    assert len(expected) > 100
    np.testing.assert_array_equal(pop.churn(uniforms), expected)


def test_open_issue_multiplies_hazard_and_is_forgotten():
    pop = _population(100)
    before = pop.daily_hazard().copy()
    pop.open_issues[5] = 1
    assert pop.daily_hazard()[5] == pytest.approx(before[5] * pop.cfg.open_issue_churn_multiplier)
    # uniforms below 1 - exp(-1/open_issue_days) forget one issue
    threshold = -math.expm1(-1.0 / pop.cfg.open_issue_days)
    pop.open_issues[:] = 2
    u = np.full(100, 0.5)
    u[:30] = threshold * 0.5
    pop.forget_issues(u)
    assert (pop.open_issues[:30] == 1).all()
    assert (pop.open_issues[30:] == 2).all()


def test_revenue_per_day_formula():
    pop = _population(500)
    floor = pop.cfg.revenue_loyalty_floor
    margins = np.array([s.margin_per_day for s in pop.cfg.segments.values()])
    expected = margins[pop.segment] * (floor + (1 - floor) * pop.loyalty)
    np.testing.assert_allclose(pop.revenue_per_day(), expected)
    # the day's total, and one person's in scalar arithmetic: the same formula
    assert pop.revenue_sum(pop.daily_margin, pop.loyalty) == pytest.approx(
        expected.sum(), rel=1e-12
    )
    assert pop.revenue_of(7) == expected[7]


# ------------------------------------------------------------------ loyalty updates
def test_shift_loyalty_repeats_add_up_and_clip():
    pop = _population(10)
    pop.loyalty[:] = 0.5
    pop.shift_loyalty(np.array([1, 1, 1, 2]), 0.1)
    assert pop.loyalty[1] == pytest.approx(0.8)
    assert pop.loyalty[2] == pytest.approx(0.6)
    pop.shift_loyalty(np.array([1]), 5.0)
    pop.shift_loyalty(np.array([2]), -5.0)
    assert pop.loyalty[1] == 1.0
    assert pop.loyalty[2] == 0.0
    pop.drift(np.arange(10), np.linspace(-2, 2, 10))
    assert ((pop.loyalty >= 0) & (pop.loyalty <= 1)).all()


def test_drift_reverts_towards_baseline():
    pop = _population(10)
    rate = pop.cfg.loyalty_drift_per_day
    pop.loyalty[:] = 0.0
    pop.drift()
    np.testing.assert_allclose(pop.loyalty, rate * pop.baseline_loyalty)


def test_drift_shifts_the_people_listed_then_everyone_drifts():
    """What the few exposed saw, added and kept within [0, 1], then the drift: what adding
    every person's exposure (0 for the others) to everyone gave, to the last bit."""
    pop = _population(5_000, seed=9)
    rng = np.random.default_rng(9)
    people = np.sort(rng.choice(pop.size, 400, replace=False))
    shifts = rng.normal(0.0, 0.5, len(people))
    seen = np.zeros(pop.size)
    seen[people] = shifts
    expected = np.clip(pop.loyalty + seen, 0.0, 1.0)
    expected += (pop.baseline_loyalty - expected) * pop.cfg.loyalty_drift_per_day
    pop.drift(people, shifts)
    np.testing.assert_array_equal(pop.loyalty, expected)


def test_freeze_loyalty_holds_every_loyalty():
    pop = _population(10, freeze_loyalty=True)
    before = pop.loyalty.copy()
    pop.shift_loyalty(np.arange(5), -0.3)
    pop.drift(np.arange(10), np.full(10, 0.2))
    pop.drift()
    np.testing.assert_array_equal(pop.loyalty, before)


def _held_sparse(exposure: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A day's exposure of everyone as `FollowerGraph.exposure_sparse` gives it."""
    people = np.flatnonzero(exposure)
    return people, exposure[people]


def test_convert_only_prospects_and_counts():
    n = 200_000
    pop = _population(n, seed=4)
    pop.state[:] = PROSPECT
    pop.state[: n // 2] = CUSTOMER
    p, q = 0.01, pop.cfg.conversion.imitation_per_day
    share = np.full(n, 0.3)
    exposure = np.zeros(n)
    exposure[n // 2 + n // 4 :] = 0.5
    prob = conversion_probability(share, p, q) * np.exp(
        -pop.cfg.conversion.negative_sensitivity * exposure
    )
    u = np.random.default_rng(5).random(n)
    people, _, _ = pop.convert(u, share.__getitem__, p, _held_sparse(exposure))
    adopted = np.zeros(n, dtype=bool)
    adopted[people] = True
    assert not adopted[: n // 2].any()
    for part in (slice(n // 2, n // 2 + n // 4), slice(n // 2 + n // 4, n)):
        pr = prob[part][0]
        count = adopted[part].sum()
        trials = len(adopted[part])
        assert abs(count - trials * pr) < 5 * math.sqrt(trials * pr * (1 - pr))
    assert pop.converted_total == adopted.sum()
    assert (pop.state[adopted] == CUSTOMER).all()


def test_conversion_by_candidates_equals_the_comparison_over_everyone():
    """Thinning by the day's largest conversion probability leaves out nobody: the
    converts are exactly those whose uniform is below their own probability, with local
    shares at both ends of [0, 1], exposure, and uniforms just under the bound."""
    n = 60_000
    pop = _population(n, seed=6)
    rng = np.random.default_rng(7)
    pop.state[:] = rng.choice([PROSPECT, CUSTOMER, LAPSED, COMPETITOR], size=n).astype(np.int8)
    share = rng.choice([0.0, 1.0, 0.999999, 0.4], size=n)
    exposure = np.where(rng.random(n) < 0.3, rng.random(n), 0.0)
    innovation, conv = 0.002, pop.cfg.conversion
    prob = conversion_probability(share, innovation, conv.imitation_per_day) * np.exp(
        -conv.negative_sensitivity * exposure
    )
    prob = np.where(pop.state == LAPSED, conv.winback_per_day, prob)
    prob = np.where(pop.state == COMPETITOR, conv.competitor_winback_per_day, prob)
    prob = np.where(pop.state == CUSTOMER, 0.0, prob)
    uniforms = rng.random(n) * prob.max() * 1.05
    expected = np.flatnonzero(uniforms < prob)
    assert len(expected) > 1_000
    became, _, _ = pop.convert(uniforms, share.__getitem__, innovation, _held_sparse(exposure))
    np.testing.assert_array_equal(became, expected)


def test_winback_returns_lapsed_customers():
    seg = {"only": Segment(share=1.0)}
    pop = Population(
        PopulationConfig(segments=seg, initial_customer_share=0.0), 1000, np.random.default_rng(0)
    )
    pop.state[:] = LAPSED
    pop.state[500:] = COMPETITOR
    u = np.linspace(0, 1, 1000, endpoint=False) % 0.5  # uniforms 0..0.5 in each half
    pop.cfg.conversion.winback_per_day = 0.0
    pop.cfg.conversion.competitor_winback_per_day = 0.0
    no_share = np.zeros(1000).__getitem__
    assert not len(pop.convert(u, no_share, 0.0, _held_sparse(np.zeros(1000)))[0])
    pop.cfg.conversion.winback_per_day = 0.1
    pop.cfg.conversion.competitor_winback_per_day = 0.02
    back, from_lapsed, from_competitor = pop.convert(u, no_share, 0.0, _held_sparse(np.zeros(1000)))
    assert (back < 500).sum() == from_lapsed == 100  # uniforms below 0.1 among 0, ..., 0.499
    assert (back >= 500).sum() == from_competitor == 20
    assert (pop.state[back] == CUSTOMER).all()


def test_ignored_complainers_defect_and_count_as_churn():
    pop = _population(50)
    pop.state[:] = CUSTOMER
    pop.state[:5] = PROSPECT
    assert pop.defect(np.array([0, 10, 10, 11])) == 2  # prospects and repeats do not count
    assert (pop.state[[10, 11]] == COMPETITOR).all()
    assert pop.defected_total == 2 and pop.churned_total == 2


def test_turnover_renews_only_non_customers_outside_an_attack():
    pop = _population(20_000)
    pop.state[:] = CUSTOMER
    pop.state[:10_000] = LAPSED
    pop.crisis[:1000] = SPREADING
    pop.open_issues[:] = 3
    rate = 0.01
    slots, previous = pop.turnover(np.random.default_rng(4), rate)
    assert (slots >= 1000).all() and (slots < 10_000).all()
    assert (previous == LAPSED).all()
    assert (pop.state[slots] == PROSPECT).all() and (pop.open_issues[slots] == 0).all()
    np.testing.assert_array_equal(pop.loyalty[slots], pop.baseline_loyalty[slots])
    # candidates ~ Poisson(rate * size), a share 9000/20000 of them eligible
    expected = rate * 20_000 * 0.45
    assert abs(len(slots) - expected) < 4 * np.sqrt(expected)


def test_make_customers_only_converts_prospects():
    pop = _population(20)
    pop.state[:] = [PROSPECT, CUSTOMER, LAPSED, PROSPECT] * 5
    made = pop.make_customers(np.array([0, 1, 2, 3]))
    assert made == 2
    assert pop.state[:4].tolist() == [CUSTOMER, CUSTOMER, LAPSED, CUSTOMER]
    assert pop.converted_total == 2
    assert pop.counts() == (8, 7, 5, 0)


def test_the_kept_conversion_bound_follows_the_innovation_asked():
    """The bound kept for some inputs is theirs: a new innovation or rate recomputes it."""
    from sim.engine.population import _conversion_bound

    pop = _population(1_000, seed=1)

    def computed(innovation: float) -> float:  # without the cache
        conv = pop.cfg.conversion
        rates = (conv.imitation_per_day, conv.winback_per_day, conv.competitor_winback_per_day)
        return _conversion_bound.__wrapped__(innovation, *rates)

    low, high = pop.conversion_bound(1e-4), pop.conversion_bound(0.2)
    assert high > low
    assert pop.conversion_bound(1e-4) == low == computed(1e-4)
    assert pop.conversion_bound(0.2) == high == computed(0.2)
    pop.cfg.conversion.winback_per_day = 0.9  # a rate changed in place: asked again
    assert pop.conversion_bound(0.2) == computed(0.2) > high


@pytest.mark.parametrize("concentration", [2.0, 16.0])
def test_voice_is_spread_around_the_segments_as_its_concentration_says(concentration):
    """Voice propensity is Beta(kv, k(1 - v)): mean v whatever k, variance v(1 - v)/(k + 1).
    Tolerances: four standard errors of the sample mean and of the sample variance, the
    latter from the Beta's own fourth central moment."""
    from scipy import stats

    v, n = 0.05, 200_000
    seg = {"only": Segment(share=1.0, voice_propensity=v)}
    cfg = PopulationConfig(segments=seg, voice_concentration=concentration)
    voice = Population(cfg, n, np.random.default_rng(3)).voice
    law = stats.beta(v * concentration, (1.0 - v) * concentration)
    mean, variance, _, kurtosis = (float(x) for x in law.stats(moments="mvsk"))
    assert variance == pytest.approx(v * (1.0 - v) / (concentration + 1.0), rel=1e-12)
    assert abs(voice.mean() - mean) < 4.0 * math.sqrt(variance / n)
    fourth = (kurtosis + 3.0) * variance**2
    assert abs(voice.var() - variance) < 4.0 * math.sqrt((fourth - variance**2) / n)
