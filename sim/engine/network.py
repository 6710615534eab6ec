"""The directed follower graph: who sees whose posts.

`followers` is a CSR matrix whose row j lists the people who follow j (the
audience of j's posts). Generators are vectorised so that a million-node graph
builds in seconds. The complete graph is implicit (no n^2 matrix) and is used
for validation against mean-field theory.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from sim.config.schema import Network
from sim.engine import native


def _canonical(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """`matrix` as CSR with sorted rows and each edge once, of weight 1."""
    matrix = matrix.tocsr()
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


class FollowerGraph:
    """A sparse follower graph: `followers[j]` are j's audience."""

    complete = False

    def __init__(self, followers: sp.csr_matrix) -> None:
        followers = _canonical(followers)
        self._hold(followers, followers.T.tocsr())

    @classmethod
    def from_follows(cls, follows: sp.csr_matrix) -> FollowerGraph:
        """The graph whose row i of `follows` lists the accounts i follows.

        Made canonical in that direction (each row's few entries sorted), then
        transposed once: the generators list edges by follower, and a second
        transposition cost as much as the first (1M people: 568 -> 269 ms).
        """
        follows = _canonical(follows)
        graph = cls.__new__(cls)
        graph._hold(follows.T.tocsr(), follows)
        return graph

    def _hold(self, followers: sp.csr_matrix, follows: sp.csr_matrix) -> None:
        self.followers = followers
        self.size = self.followers.shape[0]
        self.follower_counts = np.diff(self.followers.indptr).astype(np.int64)
        # follows[i] are the accounts i follows (for word-of-mouth shares)
        self.follows = follows
        self.following_counts = np.diff(self.follows.indptr).astype(np.int64)
        # followee_share's last flag and counts: a day changes few people's flags
        self._flag: np.ndarray | None = None
        self._flag_counts = np.zeros(0)

    @property
    def edges(self) -> int:
        return int(self.followers.nnz)

    def followee_share(self, flag: np.ndarray, people: np.ndarray | None = None) -> np.ndarray:
        """Of each of `people` (everyone by default), the share of the accounts they follow
        for which `flag` holds.

        The counts are kept from the previous call and updated through the audiences of
        the people whose flag changed (a day's churn and conversions: about a thousand of a
        million), which touches their followers only; the counts are whole numbers, so the
        result is the full product's exactly.
        """
        flag = np.ascontiguousarray(flag, dtype=bool)
        previous = self._flag
        if previous is not None and self._compiled_rows:
            self._count_flag_changes(flag)
        else:
            changed = None if previous is None else np.flatnonzero(flag != previous)
            if changed is not None and self._few_edges(changed):
                if len(changed):
                    owner, follower = self.audience_of(changed)
                    signs = np.where(flag[changed], 1.0, -1.0)[owner]
                    np.add.at(self._flag_counts, follower, signs)
            else:
                self._flag_counts = self.follows @ flag.astype(np.float64)
            if changed is None or len(changed):
                self._flag = flag.copy()
        counts = self._flag_counts if people is None else self._flag_counts[people]
        following = self.following_counts if people is None else self.following_counts[people]
        return np.divide(counts, following, out=np.zeros(len(counts)), where=following > 0)

    @property
    def _compiled_rows(self) -> bool:
        """Whether the kernels may walk the followers' rows (int32 indices, as built)."""
        followers = self.followers
        return (
            native.KERNELS is not None
            and followers.indptr.dtype == np.int32
            and followers.indices.dtype == np.int32
        )

    def _count_flag_changes(self, flag: np.ndarray) -> None:
        """`followee_share`'s update by the kernel `flag_changes`: the same whole counts,
        in one pass over everyone; recounted by the product when the changes are many."""
        followers = self.followers
        scratch = np.empty(self.size, dtype=np.int64)
        changed = native.KERNELS.flag_changes(
            self.size,
            native.address(flag),
            native.address(self._flag),
            native.address(followers.indptr),
            native.address(followers.indices),
            native.address(self._flag_counts),
            -(-followers.nnz // 4),  # as _few_edges: a quarter of the edges or more
            native.address(scratch),
        )
        if changed < 0:
            self._flag_counts = self.follows @ flag.astype(np.float64)
            self._flag = flag.copy()

    def _few_edges(self, nodes: np.ndarray) -> bool:
        """Whether the audiences of `nodes` are a small part of all edges (a quarter)."""
        return int(self.follower_counts[nodes].sum()) * 4 < self.followers.nnz

    def audience_of(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position in `nodes`, follower) for every follower of every node."""
        return _rows_of(self.followers, nodes)

    def followers_among(self, nodes: np.ndarray, people: np.ndarray) -> np.ndarray:
        """Of each of `nodes`, how many of `people` (repeats counted once) follow it.

        Read from the few people's own rows of `follows`: an influencer's followers
        run to thousands (a million people: 5,600-7,000 each for the top ten), a day's
        complainers to a few dozen (ten influencers 323 -> ~20 us a day); with the
        kernels in one compiled pass (followers_among), the same counts.
        """
        follows = self.follows
        if (
            native.KERNELS is not None
            and follows.indptr.dtype == np.int32
            and follows.indices.dtype == np.int32
        ):
            nodes = np.ascontiguousarray(nodes, dtype=np.int64)
            people = np.ascontiguousarray(people, dtype=np.int64)
            seen = np.empty(len(nodes), dtype=np.int64)
            status = native.KERNELS.followers_among(
                native.address(follows.indptr),
                native.address(follows.indices),
                len(nodes),
                native.address(nodes),
                len(people),
                native.address(people),
                native.address(seen),
            )
            if status != 0:
                raise MemoryError("the followers among a day's complainers")
            return seen
        followed = np.sort(_rows_of(follows, np.unique(people))[1])
        return np.searchsorted(followed, nodes, side="right") - np.searchsorted(followed, nodes)

    def sample_audience(
        self, nodes: np.ndarray, prob: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each follower of each node kept independently with that node's probability."""
        owner, follower = self.audience_of(nodes)
        keep = rng.random(len(owner)) < prob[owner]
        return owner[keep], follower[keep]

    def exposure(self, weights: np.ndarray) -> np.ndarray:
        """Per person, the summed weight of the posts they see (their followees' posts).

        A day's weights sit on its few posters: summing over their audiences reads those
        edges only, where the full product reads every edge (40 ms a call at a million).
        """
        posters = np.flatnonzero(weights)
        return self.exposure_of(posters, weights[posters])

    def exposure_of(self, posters: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """`exposure` of weights given on `posters` only (sorted, distinct), zero elsewhere."""
        if self._few_edges(posters):
            people, sums = self._audience_sums(posters, weights)
            out = np.zeros(self.size)
            out[people] = sums
            return out
        dense = np.zeros(self.size)
        dense[posters] = weights
        return self.follows @ dense

    def exposure_sparse(
        self, posters: np.ndarray, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """`exposure_of` held sparse: the people it reaches (sorted, each once) and their
        sums; everyone else's is 0.

        A day's posts reach few people (a median of 4 a day at 50,000 people, 195 at a
        million), where `exposure_of` writes an array of everyone (8 MB at a million).
        """
        if self._few_edges(posters):
            return self._audience_sums(posters, weights)
        dense = self.exposure_of(posters, weights)
        people = np.flatnonzero(dense)  # an exact 0 adds nothing: x + 0.0 is x
        return people, dense[people]

    def _audience_sums(
        self, posters: np.ndarray, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The followers of `posters` (sorted, each once) and the sum of the weights each
        sees, added poster by poster in order (np.bincount's order over `audience_of`)."""
        owner, follower = self.audience_of(posters)
        people, at = np.unique(follower, return_inverse=True)
        sums = np.bincount(at, weights=weights[owner], minlength=len(people))
        return people.astype(np.int64), sums

    def random_follower(self, node: int, rng: np.random.Generator) -> int:
        start, end = self.followers.indptr[node], self.followers.indptr[node + 1]
        if end == start:
            return -1
        return int(self.followers.indices[start + int(rng.integers(end - start))])


def _rows_of(matrix: sp.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position in `rows`, column) for every entry of each of `rows`, row by row."""
    starts = matrix.indptr[rows]
    lengths = matrix.indptr[rows + 1] - starts
    owner = np.repeat(np.arange(len(rows)), lengths)
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return owner, matrix.indices[np.repeat(starts, lengths) + offsets]


class CompleteGraph:
    """Everyone follows everyone else, held implicitly (validation against mean-field theory)."""

    complete = True

    def __init__(self, size: int) -> None:
        self.size = size
        self.follower_counts = np.full(size, size - 1, dtype=np.int64)
        self.following_counts = self.follower_counts

    @property
    def edges(self) -> int:
        return self.size * (self.size - 1)

    def followee_share(self, flag: np.ndarray, people: np.ndarray | None = None) -> np.ndarray:
        total = flag.sum()
        mine = flag if people is None else flag[people]
        return (total - mine) / max(self.size - 1, 1)

    def followers_among(self, nodes: np.ndarray, people: np.ndarray) -> np.ndarray:
        """Of each of `nodes`, how many of `people` (repeats counted once) follow it: all
        but itself."""
        people = np.unique(people)
        return len(people) - np.isin(nodes, people).astype(np.int64)

    def sample_audience(
        self, nodes: np.ndarray, prob: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each of the n-1 followers kept with probability p (a binomial count of others)."""
        counts = rng.binomial(self.size - 1, prob)
        owner = np.repeat(np.arange(len(nodes)), counts)
        source = np.asarray(nodes)[owner]
        follower = np.empty(len(owner), dtype=np.int64)
        # many picks out of few people: draw those without replacement, one node at a time
        dense = counts.astype(np.float64) ** 2 > self.size
        starts = np.concatenate([[0], np.cumsum(counts)])
        for i in np.flatnonzero(dense):
            picks = rng.choice(self.size - 1, size=int(counts[i]), replace=False)
            follower[starts[i] : starts[i + 1]] = picks + (picks >= nodes[i])
        redo = np.flatnonzero(~dense[owner])
        while len(redo):
            pick = rng.integers(0, self.size - 1, len(redo))
            follower[redo] = pick + (pick >= source[redo])
            # a node's picks must be distinct: redraw all but the first of each repeat
            key = owner * self.size + follower
            _, first = np.unique(key, return_index=True)
            duplicate = np.ones(len(owner), dtype=bool)
            duplicate[first] = False
            duplicate &= ~dense[owner]
            redo = np.flatnonzero(duplicate)
        return owner, follower

    def exposure(self, weights: np.ndarray) -> np.ndarray:
        return weights.sum() - weights

    def exposure_of(self, posters: np.ndarray, weights: np.ndarray) -> np.ndarray:
        dense = np.zeros(self.size)
        dense[posters] = weights
        return self.exposure(dense)

    def exposure_sparse(
        self, posters: np.ndarray, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """`exposure_of` as (everyone, their sums): everyone sees everyone else."""
        return np.arange(self.size, dtype=np.int64), self.exposure_of(posters, weights)

    def random_follower(self, node: int, rng: np.random.Generator) -> int:
        if self.size < 2:
            return -1
        other = int(rng.integers(self.size - 1))
        return other + (other >= node)


# ------------------------------------------------------------------ generators
def _from_rows(size: int, follower: np.ndarray, followee: np.ndarray) -> FollowerGraph:
    """The graph of edges follower -> followee listed in ascending follower order.

    Edges so ordered are already the rows of `follows`, where building it from
    unordered pairs costs a conversion, a sort and a transposition (preferential
    attachment, median of ten: 63 -> 56 ms at 50,000 people; at a million 1.49 -> 1.48 s
    of three, where the draws dominate; the matrices are the same). Self-follows are
    dropped.
    """
    if native.KERNELS is not None:
        graph = _from_rows_compiled(size, follower, followee)
        if graph is not None:
            return graph
    keep = follower != followee
    counts = np.bincount(follower[keep], minlength=size)
    indptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    follows = sp.csr_matrix((np.ones(int(indptr[-1])), followee[keep], indptr), shape=(size, size))
    return FollowerGraph.from_follows(follows)


def _from_regular_rows(size: int, per_row: int, followee: np.ndarray) -> FollowerGraph:
    """`_from_rows` of a graph in which everyone follows `per_row`: person i's are the
    `per_row` edges from i * per_row (the kernel needs no array saying so)."""
    if native.KERNELS is not None:
        graph = _from_rows_compiled(size, None, followee, per_row)
        if graph is not None:
            return graph
    return _from_rows(size, np.repeat(np.arange(size), per_row), followee)


def _from_rows_compiled(
    size: int, follower: np.ndarray | None, followee: np.ndarray, per_row: int = 0
) -> FollowerGraph | None:
    """`_from_rows` by the kernel `graph_rows`: both matrices built in two passes, where
    scipy makes one canonical (a sort) and transposes it; None if the kernel refuses.
    With `follower` None, everyone follows `per_row` (`_from_regular_rows`)."""
    if follower is not None:
        follower = np.ascontiguousarray(follower, dtype=np.int64)
    followee = np.ascontiguousarray(followee, dtype=np.int64)
    count = len(followee)
    if size >= 2**31 - 1 or count >= 2**31 - 1:
        return None  # scipy's int64 indices: the numpy twin
    rows = _empty_rows(size, count)
    kept = native.KERNELS.graph_rows(
        size,
        count,
        per_row,
        None if follower is None else native.address(follower),
        native.address(followee),
        *(native.address(values) for values in rows),
    )
    return None if kept < 0 else _graph_of_rows(size, rows, kept)


def _empty_rows(size: int, count: int) -> tuple[np.ndarray, ...]:
    """What the kernels write a graph into: `follows`' indptr and indices, then
    `followers`', int32 as scipy makes them, with room for `count` edges."""
    return (
        np.empty(size + 1, np.int32),
        np.empty(count, np.int32),
        np.empty(size + 1, np.int32),
        np.empty(count, np.int32),
    )


def _graph_of_rows(size: int, rows: tuple[np.ndarray, ...], kept: int) -> FollowerGraph:
    """The graph of the kernels' two canonical row structures (`_empty_rows`, `kept`
    edges each)."""
    follows_indptr, follows_indices, followers_indptr, followers_indices = rows
    # both matrices' weights, all ones: one array, read-only so that neither changes alone
    ones = np.ones(kept)
    ones.flags.writeable = False
    graph = FollowerGraph.__new__(FollowerGraph)
    graph._hold(
        _canonical_rows(size, followers_indptr, followers_indices[:kept], ones),
        _canonical_rows(size, follows_indptr, follows_indices[:kept], ones),
    )
    return graph


def _canonical_rows(
    size: int, indptr: np.ndarray, indices: np.ndarray, ones: np.ndarray
) -> sp.csr_matrix:
    """A square CSR matrix of `ones` from rows already sorted, each entry once."""
    matrix = sp.csr_matrix((ones, indices, indptr), shape=(size, size))
    matrix.has_canonical_format = True  # sorted and without duplicates: scipy need not check
    return matrix


def resolve_copies(copies: np.ndarray, pointer: np.ndarray, target: np.ndarray) -> None:
    """Give each edge in `copies` (ascending) the target of the earlier edge it points at,
    in place (`pointer` may change). Pointers point backwards: in C one pass in order
    does it (the kernel `resolve_copies`), in numpy pointer jumping in O(log n) rounds."""
    if native.KERNELS is not None:
        copies = np.ascontiguousarray(copies, dtype=np.int64)
        for values in (pointer, target):
            if values.dtype != np.int64 or not values.flags.c_contiguous:
                raise TypeError(f"resolve_copies writes contiguous int64, got {values.dtype}")
        native.KERNELS.resolve_copies(
            len(copies), native.address(copies), native.address(pointer), native.address(target)
        )
        return
    pending = copies  # the jumps shorten `pointer` in place: it is scratch
    while len(pending):
        p = pointer[pending]
        resolved = target[p] >= 0
        target[pending[resolved]] = target[p[resolved]]
        pending = pending[~resolved]
        pointer[pending] = pointer[p[~resolved]]


def preferential_attachment(
    size: int, follows: int, uniform_share: float, rng: np.random.Generator
) -> FollowerGraph:
    """Copying model (Kleinberg et al. 1999): linear preferential attachment, vectorised.

    Person t follows `follows` earlier people: with probability `uniform_share`
    a uniform one, otherwise whoever an earlier random follow points at. Copying
    a random earlier edge picks a target in proportion to its follower count,
    which gives a power-law follower distribution (exponent 1 + 1/(1 - a)).
    Copy pointers always point backwards, so they resolve in one pass
    (`resolve_copies`). People are shuffled at the end so that age and
    index are unrelated.
    """
    m = min(follows, max(size - 1, 1))
    seed_nodes = m + 1
    if native.KERNELS is not None and size >= seed_nodes and size * m < 2**31 - 1:
        return _copying_model_compiled(size, m, uniform_share, rng)
    # the first m+1 people follow each other (a small complete core)
    core = np.array([(i, j) for i in range(seed_nodes) for j in range(seed_nodes) if i != j])
    newcomers = np.arange(seed_nodes, size)
    # the newcomers' edges, in order: edge len(core) + k belongs to follower[k]
    follower = np.repeat(newcomers, m)
    n_edges = len(core) + len(follower)
    target = np.full(n_edges, -1, dtype=np.int64)
    target[: len(core)] = core[:, 1]
    uniform = rng.random(len(follower)) < uniform_share
    picks = np.flatnonzero(uniform)
    target[len(core) + picks] = (rng.random(len(picks)) * follower[picks]).astype(np.int64)
    pointer = np.full(n_edges, -1, dtype=np.int64)
    copies = np.flatnonzero(~uniform)
    # a copy points at any edge made before its follower's first (whose index it is)
    first_edge = len(core) + (follower[copies] - seed_nodes) * m
    copy_edges = len(core) + copies
    pointer[copy_edges] = (rng.random(len(copies)) * first_edge).astype(np.int64)
    resolve_copies(copy_edges, pointer, target)
    relabel = rng.permutation(size)
    # every person follows m people, so the rows of person relabel[t] are t's m edges
    original = np.empty(size, dtype=np.int64)
    original[relabel] = np.arange(size)
    followee = relabel[target.reshape(size, m)[original].ravel()]
    return _from_regular_rows(size, m, followee)


def _copying_model_compiled(
    size: int, m: int, uniform_share: float, rng: np.random.Generator
) -> FollowerGraph:
    """`preferential_attachment` built by the kernel `copying_model_rows` from the same
    draws, made in the same order (the twin's numpy steps make them between its passes
    over the edges), straight into the two matrices `_from_rows` would make."""
    newcomer_edges = (size - m - 1) * m
    uniform_u = rng.random(newcomer_edges)
    picks = int(np.count_nonzero(uniform_u < uniform_share))
    pick_u = rng.random(picks)
    copy_u = rng.random(newcomer_edges - picks)
    relabel = rng.permutation(size)
    rows = _empty_rows(size, size * m)
    kept = native.KERNELS.copying_model_rows(
        size,
        m,
        native.address(uniform_u),
        float(uniform_share),
        native.address(pick_u),
        native.address(copy_u),
        native.address(relabel),
        *(native.address(values) for values in rows),
    )
    if kept < 0:
        raise MemoryError(f"the copying model's graph of {size:,} people")
    return _graph_of_rows(size, rows, kept)


def small_world(size: int, follows: int, rewire: float, rng: np.random.Generator) -> FollowerGraph:
    """Watts & Strogatz (1998): a ring where each follows its k nearest, rewired at random."""
    k = min(follows, size - 1)
    follower = np.repeat(np.arange(size), k)
    offsets = np.tile(
        np.concatenate([np.arange(1, k // 2 + 1), -np.arange(1, k - k // 2 + 1)]), size
    )
    followee = (follower + offsets) % size
    rewired = rng.random(len(followee)) < rewire
    followee[rewired] = rng.integers(0, size, int(rewired.sum()))
    return _from_regular_rows(size, k, followee)


def random_graph(size: int, follows: int, rng: np.random.Generator) -> FollowerGraph:
    """Erdos-Renyi-like directed graph: each person follows `follows` uniform others."""
    followee = rng.integers(0, size, size * follows)
    return _from_regular_rows(size, follows, followee)


def build_graph(size: int, cfg: Network, rng: np.random.Generator) -> FollowerGraph | CompleteGraph:
    """The follower graph named by `network.kind`."""
    if cfg.kind == "complete":
        return CompleteGraph(size)
    if cfg.kind == "small_world":
        return small_world(size, cfg.follows_per_person, cfg.rewire_prob, rng)
    if cfg.kind == "random":
        return random_graph(size, cfg.follows_per_person, rng)
    return preferential_attachment(size, cfg.follows_per_person, cfg.uniform_share, rng)
