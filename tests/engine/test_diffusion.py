"""sim.engine.diffusion: reshare probability and independent cascades on the follower graph."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from sim.config.schema import Reshare
from sim.engine.diffusion import cascades, share_probability
from sim.engine.network import CompleteGraph, FollowerGraph, random_graph


def _graph(edges: list[tuple[int, int]], n: int) -> FollowerGraph:
    """`edges` are (followee, follower) pairs: follower sees followee's posts."""
    rows = [a for a, _ in edges]
    cols = [b for _, b in edges]
    return FollowerGraph(sp.csr_matrix((np.ones(len(edges)), (rows, cols)), shape=(n, n)))


def _tree() -> FollowerGraph:
    # 0 -> 1, 2; 1 -> 3, 4; 2 -> 5; 5 -> 6; 7 is isolated; 3 -> 0 (cycle back to the author)
    return _graph([(0, 1), (0, 2), (1, 3), (1, 4), (2, 5), (5, 6), (3, 0)], 8)


def test_share_probability_formula_and_clipping():
    cfg = Reshare(share_prob=0.01, negativity_boost=2.0)
    neg = np.array([0.0, 0.5, 1.0])
    np.testing.assert_allclose(share_probability(cfg, neg), [0.01, 0.02, 0.03])
    big = Reshare(share_prob=0.6, negativity_boost=2.0)
    assert share_probability(big, np.array([1.0]))[0] == 1.0


def test_zero_probability_means_no_reshares():
    post, person = cascades(_tree(), np.array([0, 1]), np.zeros(2), np.random.default_rng(0), 20)
    assert len(post) == len(person) == 0


def test_certain_resharing_reaches_every_descendant_once():
    post, person = cascades(_tree(), np.array([0]), np.ones(1), np.random.default_rng(0), 20)
    assert (post == 0).all()
    # everyone downstream of 0 except the author itself; 7 is unreachable
    assert sorted(person.tolist()) == [1, 2, 3, 4, 5, 6]


def test_max_generations_caps_cascade_depth():
    g = _tree()
    for depth, reached in ((0, []), (1, [1, 2]), (2, [1, 2, 3, 4, 5]), (3, [1, 2, 3, 4, 5, 6])):
        _, person = cascades(g, np.array([0]), np.ones(1), np.random.default_rng(0), depth)
        assert sorted(person.tolist()) == reached


def test_posts_cascade_independently():
    g = _tree()
    post, person = cascades(g, np.array([0, 2, 7]), np.ones(3), np.random.default_rng(0), 20)
    pairs = sorted(zip(post.tolist(), person.tolist(), strict=True))
    assert pairs == [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (0, 6), (1, 5), (1, 6)]


def test_nobody_reshares_the_same_post_twice():
    g = random_graph(500, 10, np.random.default_rng(1))
    authors = np.arange(0, 500, 25)
    post, person = cascades(g, authors, np.full(len(authors), 0.3), np.random.default_rng(2), 20)
    keys = post * 500 + person
    assert len(np.unique(keys)) == len(keys)
    assert not (person == authors[post]).any()


def test_first_generation_size_is_binomial():
    # a star: 5000 followers of node 0, nobody follows them
    n = 5001
    g = _graph([(0, j) for j in range(1, n)], n)
    p = 0.02
    trials = 200
    sizes = [
        len(cascades(g, np.array([0]), np.array([p]), np.random.default_rng(s), 20)[1])
        for s in range(trials)
    ]
    mean = (n - 1) * p
    sd_of_mean = math.sqrt((n - 1) * p * (1 - p) / trials)
    assert abs(np.mean(sizes) - mean) < 5 * sd_of_mean


def test_cascades_on_complete_graph():
    n = 40
    g = CompleteGraph(n)
    post, person = cascades(g, np.array([0]), np.array([1.0]), np.random.default_rng(0), 20)
    assert sorted(person.tolist()) == list(range(1, n))
    assert (post == 0).all()
    _, person = cascades(g, np.array([4]), np.array([0.0]), np.random.default_rng(0), 20)
    assert len(person) == 0


@pytest.mark.parametrize("seed", [0, 1])
def test_cascades_are_deterministic_per_seed(seed):
    g = random_graph(400, 8, np.random.default_rng(5))
    authors = np.array([1, 50, 99])
    prob = np.array([0.1, 0.2, 0.05])
    a = cascades(g, authors, prob, np.random.default_rng(seed), 20)
    b = cascades(g, authors, prob, np.random.default_rng(seed), 20)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
