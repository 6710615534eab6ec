"""sim.engine.crisis.Firestorm: launch, rumour spreading, stifling, detection and the response."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from sim.config.schema import Attack, Crisis
from sim.config.schema import Population as PopulationConfig
from sim.engine.crisis import Firestorm
from sim.engine.network import CompleteGraph, FollowerGraph
from sim.engine.population import SPREADING, STIFLED, UNAWARE, Population
from sim.engine.strategy import effective_stance
from sim.validation import theory


def _population(n: int, seed: int = 0) -> Population:
    return Population(PopulationConfig(), n, np.random.default_rng(seed))


def _storm(n=50, graph=None, attack=None, protocol=None, seed=0) -> Firestorm:
    return Firestorm(
        attack or Attack(enabled=True, start_day=1.0),
        protocol or Crisis(),
        graph or CompleteGraph(n),
        _population(n, seed),
        np.random.default_rng(seed),
    )


def _check_consistent(storm: Firestorm) -> None:
    crisis = storm.population.crisis
    assert sorted(storm.spreaders) == sorted(np.flatnonzero(crisis == SPREADING).tolist())
    assert {p: storm.spreaders[i] for p, i in storm.position.items()} == {
        p: p for p in storm.spreaders
    }
    assert storm.ever_aware == int((crisis != UNAWARE).sum())


def test_launch_makes_origins_aware_spreaders_and_hits_their_loyalty():
    storm = _storm(attack=Attack(enabled=True, start_day=2.0, loyalty_hit=0.1, is_true=False))
    before = storm.population.loyalty.copy()
    posts = storm.launch(np.array([3, 7, 3]))
    assert storm.start == 48.0
    assert [(p.author, p.time) for p in posts] == [(3, 48.0), (7, 48.0)]  # repeats ignored
    assert storm.population.crisis[[3, 7]].tolist() == [SPREADING, SPREADING]
    expected = np.clip(before[[3, 7]] - 0.1, 0, 1)
    np.testing.assert_allclose(storm.population.loyalty[[3, 7]], expected)
    np.testing.assert_allclose(storm.population.attack_damage[[3, 7]], before[[3, 7]] - expected)
    _check_consistent(storm)


def test_true_accusation_hurts_more():
    attack = Attack(enabled=True, loyalty_hit=0.1, is_true=True, true_hit_factor=1.5)
    storm = _storm(attack=attack)
    storm.population.loyalty[:] = 0.5
    storm.launch(np.array([0]))
    assert storm.population.loyalty[0] == pytest.approx(0.5 - 0.15)


def test_stifle_swap_removes_spreaders():
    storm = _storm()
    storm.launch(np.arange(6))
    for person in (2, 5, 0):
        storm.stifle(person)
        assert storm.population.crisis[person] == STIFLED
        _check_consistent(storm)
    assert sorted(storm.spreaders) == [1, 3, 4]
    storm.stifle(40)  # an unaware person told to stop becomes stifled, nothing else changes
    assert storm.population.crisis[40] == STIFLED
    assert sorted(storm.spreaders) == [1, 3, 4]


def test_advance_before_launch_does_nothing():
    storm = _storm()
    storm.advance(1000.0, lambda person, time: pytest.fail("no posts before launch"))
    assert storm.ever_aware == 0


def test_spreader_without_followers_stops():
    n = 5
    graph = FollowerGraph(sp.csr_matrix((n, n)))
    storm = _storm(n=n, graph=graph)
    storm.launch(np.array([1]))
    storm.advance(storm.start + 100.0, lambda person, time: None)
    assert storm.spreaders == []
    assert storm.population.crisis[1] == STIFLED
    assert storm.ever_aware == 1


def test_without_stifling_everybody_hears_it():
    n = 60
    attack = Attack(
        enabled=True,
        start_day=0.0,
        transmission=1.0,
        stifling=0.0,
        contact_rate_per_hour=1.0,
        post_prob=1.0,
    )
    posts = []
    storm = _storm(n=n, attack=attack)
    storm.launch(np.array([0]))
    storm.advance(500.0, lambda person, time: posts.append((person, time)))
    assert storm.ever_aware == n
    assert (storm.population.crisis == SPREADING).all()
    # with post_prob 1 every newly aware person posts once, at increasing times
    assert sorted(p for p, _ in posts) == list(range(1, n))
    times = [t for _, t in posts]
    assert times == sorted(times)
    assert times[0] > 0.0 and times[-1] <= 500.0
    assert storm.clock == 500.0
    _check_consistent(storm)


def test_advance_in_steps_never_goes_back_in_time():
    storm = _storm(n=400, attack=Attack(enabled=True, start_day=0.0), seed=3)
    storm.launch(np.array([0, 1, 2]))
    times = []
    for day in range(1, 15):
        storm.advance(24.0 * day, lambda person, time: times.append(time))
        assert storm.clock == 24.0 * day
        _check_consistent(storm)
    assert times == sorted(times)
    assert storm.peak_spreaders >= 3
    assert storm.ever_aware <= 400


def test_maki_thompson_final_size_on_complete_graph():
    """transmission = stifling = 1 on the complete graph is Maki & Thompson (1973).

    The never-aware share converges to theta solving theta = exp(-2 (1 - theta))
    (~0.2032, Sudbury 1985) and is asymptotically normal (Watson 1988) with
    variance theta (1 - theta) / (1 - 2 theta) / n (~0.273 / n). The mean of R
    runs is checked within 3 standard errors. (Tightened from 5 SE plus an
    O(1/n) bias allowance when the engine moved to per-person contact streams:
    the finite-size bias at n = 2000 is ~0.0002, a twentieth of the SE.)
    """
    theta = theory.maki_thompson_never_aware()
    assert theta == pytest.approx(math.exp(-2.0 * (1.0 - theta)), abs=1e-12)
    n, runs = 2000, 10
    unaware = []
    for seed in range(runs):
        attack = Attack(enabled=True, start_day=0.0, transmission=1.0, stifling=1.0)
        storm = _storm(n=n, attack=attack, seed=seed)
        storm.launch(np.array([0]))
        storm.advance(1e6, lambda person, time: None)
        assert storm.spreaders == []
        unaware.append(1.0 - storm.ever_aware / n)
    assert abs(np.mean(unaware) - theta) < 3.0 * theory.maki_thompson_sd(n) / math.sqrt(runs)


def test_detection_threshold_counts_seen_posts_only():
    storm = _storm(protocol=Crisis(protocol=True, detection_threshold=3, stance="deny"))
    storm.notice(10.0, True)
    storm.notice(11.0, False)
    storm.notice(12.0, True)
    assert math.isnan(storm.detected_at)
    storm.notice(13.0, True)
    assert storm.detected_at == 13.0
    storm.notice(14.0, True)
    assert storm.detected_at == 13.0


def test_no_protocol_never_detects_or_responds():
    storm = _storm(protocol=Crisis(protocol=False, detection_threshold=1, stance="deny"))
    for t in range(5):
        storm.notice(float(t), True)
    assert math.isnan(storm.detected_at)
    assert storm.stance == "silence"
    assert storm.response_time == math.inf


def test_silence_stance_never_responds():
    storm = _storm(protocol=Crisis(protocol=True, detection_threshold=1, stance="silence"))
    storm.notice(30.0, True)
    assert storm.detected_at == 30.0
    assert storm.response_time == math.inf


def test_matched_stance_follows_scct():
    assert effective_stance("matched", is_true=True) == "apologise"
    assert effective_stance("matched", is_true=False) == "deny"
    assert effective_stance("diminish", is_true=True) == "diminish"
    storm = _storm(
        attack=Attack(enabled=True, is_true=False),
        protocol=Crisis(protocol=True, stance="matched"),
    )
    assert storm.stance == "deny"
    assert storm.effect == storm.cfg.effects["deny"]["false"]


def test_response_changes_rates_and_restores_loyalty():
    attack = Attack(enabled=True, start_day=0.0, transmission=0.5, stifling=0.5, loyalty_hit=0.2)
    protocol = Crisis(protocol=True, detection_threshold=1, stance="deny", delay_hours=5.0)
    storm = _storm(n=300, attack=attack, protocol=protocol, seed=2)
    storm.population.loyalty[:] = 0.6
    storm.launch(np.array([0]))
    storm.notice(0.0, True)
    assert storm.response_time == 5.0
    storm.advance(4.9, lambda person, time: None)
    assert math.isnan(storm.responded_at)
    damaged = np.flatnonzero(storm.population.attack_damage > 0)
    damage = storm.population.attack_damage[damaged].copy()
    loyalty = storm.population.loyalty[damaged].copy()
    storm.advance(5.0, lambda person, time: None)
    assert storm.responded_at == 5.0
    effect = attack.effects["deny"]["false"]
    # a late statement restores less: the share decays with the time since the attack began
    restored = effect.loyalty_shift * math.exp(-(5.0 - storm.start) / attack.response_decay_hours)
    assert storm.transmission == pytest.approx(min(1.0, 0.5 * effect.transmission))
    assert storm.stifling == pytest.approx(min(1.0, 0.5 * effect.stifling))
    assert storm.hit_factor == effect.hit_factor
    np.testing.assert_allclose(storm.population.loyalty[damaged], loyalty + restored * damage)
    np.testing.assert_allclose(storm.population.attack_damage[damaged], damage * (1 - restored))
    # after the response a new listener is hit by loyalty_hit * hit_factor
    assert storm.cfg.loyalty_hit * storm.hit_factor == pytest.approx(0.2 * effect.hit_factor)
