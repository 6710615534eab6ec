"""sim.engine.network: graph generators, the CSR follower graph and the implicit complete graph."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import stats
from support import kernels_as

from sim.config.schema import Network
from sim.engine import native
from sim.engine.network import (
    CompleteGraph,
    FollowerGraph,
    _from_rows,
    build_graph,
    preferential_attachment,
    random_graph,
    small_world,
)

N = 3000
M = 8


def _generators():
    return {
        "preferential_attachment": lambda rng: preferential_attachment(N, M, 0.5, rng),
        "small_world": lambda rng: small_world(N, M, 0.1, rng),
        "random": lambda rng: random_graph(N, M, rng),
    }


@pytest.fixture(scope="module", params=sorted(_generators()))
def graph(request):
    return _generators()[request.param](np.random.default_rng(3))


def test_node_count_and_no_self_loops(graph):
    assert graph.size == N
    assert graph.followers.shape == (N, N)
    assert graph.followers.diagonal().sum() == 0
    # no duplicate edges, all weights 1
    assert (graph.followers.data == 1.0).all()
    coo = graph.followers.tocoo()
    assert len(set(zip(coo.row.tolist(), coo.col.tolist(), strict=True))) == graph.edges


def test_follower_counts_consistent_with_csr(graph):
    f = graph.followers
    np.testing.assert_array_equal(graph.follower_counts, np.diff(f.indptr))
    np.testing.assert_array_equal(graph.follower_counts, np.asarray(f.sum(axis=1)).ravel())
    np.testing.assert_array_equal(graph.following_counts, np.asarray(f.sum(axis=0)).ravel())
    assert graph.follower_counts.sum() == graph.edges == graph.following_counts.sum()
    # follows is the transpose of followers
    assert (graph.follows != f.T.tocsr()).nnz == 0


def test_each_person_follows_at_most_m(graph):
    assert graph.following_counts.max() <= M
    # duplicates and self-loops are rare: almost everybody follows m accounts
    assert graph.edges >= 0.95 * N * M


def test_small_world_without_rewiring_is_a_ring_lattice():
    g = small_world(50, 4, 0.0, np.random.default_rng(0))
    for i in range(50):
        followees = set(g.follows.indices[g.follows.indptr[i] : g.follows.indptr[i + 1]].tolist())
        assert followees == {(i + d) % 50 for d in (1, 2, -1, -2)}
    assert (g.follower_counts == 4).all()


def test_preferential_attachment_has_heavier_tail_than_random():
    rng_pa, rng_er = np.random.default_rng(5), np.random.default_rng(5)
    pa = preferential_attachment(N, M, 0.5, rng_pa)
    er = random_graph(N, M, rng_er)
    # random graph: follower counts ~ Binomial(N*M, 1/N) ~ Poisson(M); the chance that any of
    # the N nodes reaches 40 followers is below N * P(Poisson(8) >= 40), i.e. about 1e-12
    assert N * stats.poisson.sf(39, M) < 1e-9
    assert er.follower_counts.max() < 40
    # copying model with uniform_share 0.5: power law with exponent 3; the oldest nodes collect
    # on the order of M * sqrt(N) (~400) followers
    assert pa.follower_counts.max() > 100
    assert pa.follower_counts.max() > 3 * er.follower_counts.max()
    # same mean degree, very different spread
    assert pa.follower_counts.var() > 5 * er.follower_counts.var()


def test_random_graph_follower_counts_are_poisson_like():
    g = random_graph(N, M, np.random.default_rng(9))
    counts = g.follower_counts
    # each of the N*M follows is a self-loop with probability 1/N and repeats one of the same
    # person's other follows with probability < (M-1)/N: the mean loses at most M(M+1)/(2N)...
    bias = M * (1 + (M - 1) / 2) / N
    # ...and scatters with the standard error sqrt(M/N) of a Poisson(M) mean
    assert abs(counts.mean() - M) < bias + 5 * math.sqrt(M / N)
    # the sample variance of N Poisson(M) draws has sd sqrt((M + 2 M^2) / N)
    assert abs(counts.var() - M) < 2 * bias + 5 * math.sqrt((M + 2 * M**2) / N)


def test_generators_are_deterministic_per_seed():
    for make in _generators().values():
        a, b = make(np.random.default_rng(42)), make(np.random.default_rng(42))
        np.testing.assert_array_equal(a.followers.indptr, b.followers.indptr)
        np.testing.assert_array_equal(a.followers.indices, b.followers.indices)


@pytest.mark.parametrize("kind", ["preferential_attachment", "small_world", "random", "complete"])
def test_build_graph_dispatches_on_kind(kind):
    g = build_graph(200, Network(kind=kind), np.random.default_rng(1))
    assert g.size == 200
    assert isinstance(g, CompleteGraph if kind == "complete" else FollowerGraph)


def test_tiny_populations():
    for make in (
        lambda r: preferential_attachment(2, 8, 0.5, r),
        lambda r: small_world(2, 8, 0.1, r),
        lambda r: random_graph(2, 8, r),
    ):
        g = make(np.random.default_rng(0))
        assert g.size == 2
        assert g.followers.diagonal().sum() == 0


# ------------------------------------------------------------------ graph queries
def _toy() -> FollowerGraph:
    # followers[j] = who follows j: 1 and 2 follow 0; 2 follows 1; 0 follows 3
    rows, cols = [0, 0, 1, 3], [1, 2, 2, 0]
    return FollowerGraph(sp.csr_matrix((np.ones(4), (rows, cols)), shape=(4, 4)))


def test_followee_share_and_exposure_on_toy_graph():
    g = _toy()
    # who each person follows: 0 -> {3}; 1 -> {0}; 2 -> {0, 1}; 3 -> {}
    flag = np.array([True, False, False, True])
    np.testing.assert_allclose(g.followee_share(flag), [1.0, 1.0, 0.5, 0.0])
    weights = np.array([1.0, 10.0, 100.0, 1000.0])
    np.testing.assert_allclose(g.exposure(weights), [1000.0, 1.0, 11.0, 0.0])


def test_audience_of_lists_every_follower():
    g = _toy()
    owner, follower = g.audience_of(np.array([0, 3, 2, 0]))
    pairs = sorted(zip(owner.tolist(), follower.tolist(), strict=True))
    assert pairs == [(0, 1), (0, 2), (1, 0), (3, 1), (3, 2)]


def test_sample_audience_extremes_and_rate():
    g = _toy()
    rng = np.random.default_rng(0)
    owner, follower = g.sample_audience(np.array([0, 1]), np.array([1.0, 0.0]), rng)
    assert sorted(follower.tolist()) == [1, 2]
    assert set(owner.tolist()) == {0}
    big = random_graph(N, M, np.random.default_rng(2))
    nodes = np.arange(N)
    p = 0.3
    owner, follower = big.sample_audience(nodes, np.full(N, p), np.random.default_rng(4))
    trials = big.edges
    # binomial: mean trials*p, sd sqrt(trials*p*(1-p))
    assert abs(len(owner) - trials * p) < 5 * math.sqrt(trials * p * (1 - p))
    # every sampled pair is a real edge
    assert (big.followers[nodes[owner], follower] == 1).all()


def test_random_follower_is_a_follower():
    g = _toy()
    rng = np.random.default_rng(0)
    assert {g.random_follower(0, rng) for _ in range(50)} == {1, 2}
    assert g.random_follower(2, rng) == -1  # nobody follows 2


def test_complete_graph_matches_an_explicit_complete_graph():
    n = 7
    dense = np.ones((n, n)) - np.eye(n)
    explicit = FollowerGraph(sp.csr_matrix(dense))
    implicit = CompleteGraph(n)
    np.testing.assert_array_equal(implicit.follower_counts, explicit.follower_counts)
    assert implicit.edges == explicit.edges
    rng = np.random.default_rng(0)
    for _ in range(5):
        flag = rng.random(n) < 0.5
        weights = rng.random(n)
        np.testing.assert_allclose(implicit.followee_share(flag), explicit.followee_share(flag))
        np.testing.assert_allclose(implicit.exposure(weights), explicit.exposure(weights))


@pytest.mark.parametrize("posters", [0, 1, 40])
def test_the_exposure_of_a_few_posters_is_their_audiences_weights_summed_in_order(posters):
    """Dense and sparse, the sums of np.bincount over the posters' audiences to the last
    bit: each follower's weights added poster by poster."""
    rng = np.random.default_rng(posters)
    graph = preferential_attachment(N, M, 0.5, rng)
    who = np.sort(rng.choice(N, posters, replace=False))
    weights = rng.normal(0.0, 1.0, posters)
    assert graph._few_edges(who)
    owner, follower = graph.audience_of(who)
    expected = np.bincount(follower, weights=weights[owner], minlength=N)
    np.testing.assert_array_equal(graph.exposure_of(who, weights), expected)
    people, sums = graph.exposure_sparse(who, weights)
    np.testing.assert_array_equal(people, np.unique(follower))
    np.testing.assert_array_equal(sums, expected[people])


@pytest.mark.parametrize("kind", ["preferential_attachment", "small_world", "complete"])
def test_followers_among_counts_the_people_in_each_nodes_audience(kind):
    """Read from the people's rows of `follows`: the count of a node's followers whose
    flag is set, among them nodes that are themselves flagged or followed by nobody."""
    rng = np.random.default_rng(11)
    graph = CompleteGraph(N) if kind == "complete" else _generators()[kind](rng)
    counts = graph.follower_counts
    nodes = np.concatenate([np.argsort(-counts)[:10], np.flatnonzero(counts == 0)[:3], [0, 0]])
    for share in (0.0, 0.003, 0.05, 1.0):
        people = np.flatnonzero(rng.random(N) < share)
        people = np.union1d(people, nodes[:2])  # two of the nodes complain themselves
        flags = np.zeros(N, dtype=bool)
        flags[people] = True
        if kind == "complete":
            expected = [len(people) - flags[node] for node in nodes]
        else:
            followers = graph.followers
            expected = [
                int(flags[followers.indices[followers.indptr[n] : followers.indptr[n + 1]]].sum())
                for n in nodes
            ]
        repeated = np.concatenate([people[::-1], people[::3]])  # repeats counted once
        for kernels in (None, native.KERNELS):  # the numpy way and the compiled one
            with kernels_as(kernels):
                np.testing.assert_array_equal(graph.followers_among(nodes, people), expected)
                np.testing.assert_array_equal(graph.followers_among(nodes, repeated), expected)


def test_complete_graph_sample_audience_distinct_others_and_binomial_count():
    n, p = 400, 0.05
    g = CompleteGraph(n)
    nodes = np.array([0, 5, 5, 399] * 50)
    owner, follower = g.sample_audience(nodes, np.full(len(nodes), p), np.random.default_rng(8))
    assert (follower != nodes[owner]).all()
    assert ((follower >= 0) & (follower < n)).all()
    pairs = owner * n + follower
    assert len(np.unique(pairs)) == len(pairs)  # distinct followers per node
    trials = len(nodes) * (n - 1)
    assert abs(len(owner) - trials * p) < 5 * math.sqrt(trials * p * (1 - p))
    rng = np.random.default_rng(1)
    picks = [g.random_follower(3, rng) for _ in range(200)]
    assert 3 not in picks
    assert min(picks) >= 0
    assert max(picks) < n


def test_followee_share_kept_from_day_to_day_equals_the_full_product():
    """The share is updated through the audiences of the people whose flag changed; over
    days of a few changes, and a day of many (the full product again), it stays exact."""
    rng = np.random.default_rng(3)
    graph = build_graph(5_000, Network(kind="preferential_attachment"), rng)
    flag = rng.random(graph.size) < 0.6
    for changes in (0, 3, 40, 4_000, 12):
        flip = rng.choice(graph.size, size=changes, replace=False)
        flag[flip] = ~flag[flip]
        full = graph.follows @ flag.astype(np.float64)
        expected = np.divide(
            full, graph.following_counts, out=np.zeros(graph.size),
            where=graph.following_counts > 0,
        )  # fmt: skip
        np.testing.assert_array_equal(graph.followee_share(flag), expected)
        some = rng.choice(graph.size, size=50, replace=False)
        np.testing.assert_array_equal(graph.followee_share(flag, some), expected[some])


def test_exposure_from_a_few_posters_equals_the_full_product():
    rng = np.random.default_rng(4)
    graph = build_graph(5_000, Network(kind="preferential_attachment"), rng)
    for posters in (0, 1, 25, 5_000):
        weights = np.zeros(graph.size)
        weights[rng.choice(graph.size, size=posters, replace=False)] = rng.random(posters)
        np.testing.assert_allclose(
            graph.exposure(weights), graph.follows @ weights, rtol=1e-12, atol=1e-15
        )


def test_graph_from_follower_ordered_rows_is_the_canonical_matrix_of_its_edges():
    """`_from_rows` skips scipy's conversion and sort: it must give the same matrices as
    building from the unordered pairs, repeats and self-follows included."""
    rng = np.random.default_rng(11)
    size = 200
    follower = np.sort(rng.integers(0, size, 3000))
    followee = rng.integers(0, size, 3000)
    followee[:20] = follower[:20]  # self-follows, dropped
    graph = _from_rows(size, follower, followee)
    keep = follower != followee
    expected = sp.coo_matrix(
        (np.ones(int(keep.sum())), (followee[keep], follower[keep])), shape=(size, size)
    ).tocsr()
    expected.sum_duplicates()
    expected.data[:] = 1.0
    assert len(np.unique(followee[keep] * size + follower[keep])) < keep.sum()  # repeats exist
    for built, wanted in ((graph.followers, expected), (graph.follows, expected.T.tocsr())):
        assert np.array_equal(built.indptr, wanted.indptr)
        assert np.array_equal(built.indices, wanted.indices)
        assert np.array_equal(built.data, wanted.data)


def test_a_graph_from_its_follows_is_the_graph_from_its_followers():
    """One transposition (from_follows) gives the same matrices as two (the constructor),
    with repeated edges and unsorted rows."""
    rng = np.random.default_rng(5)
    n, edges = 200, 3000  # enough draws for repeated pairs
    follower, followee = rng.integers(0, n, edges), rng.integers(0, n, edges)
    order = np.argsort(follower, kind="stable")  # rows in order, each row's entries not
    indptr = np.concatenate([[0], np.cumsum(np.bincount(follower, minlength=n))])
    follows = sp.csr_matrix((np.ones(edges), followee[order], indptr), shape=(n, n))
    assert not follows.has_canonical_format
    one = FollowerGraph.from_follows(follows.copy())
    two = FollowerGraph(follows.T.tocsr())
    for name in ("followers", "follows"):
        a, b = getattr(one, name), getattr(two, name)
        assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
        assert (a.data == 1.0).all() and (b.data == 1.0).all()
    assert a.nnz < edges  # repeats were merged
    assert np.array_equal(one.follower_counts, two.follower_counts)
