"""Reshare cascades: who sees a post beyond its author's followers.

Each post spreads as an independent cascade (Goldenberg et al. 2001): every
follower who sees it reshares it with probability p = share_prob * (1 +
negativity_boost * negativity), once. All of a day's cascades run together,
generation by generation, with numpy: a frontier of (post, person) pairs
expands to the followers of each person, keeps each with its post's
probability, and drops pairs already reached.
"""

from __future__ import annotations

import ctypes

import numpy as np

from sim.config.schema import Reshare
from sim.engine import native


def share_probability(cfg: Reshare, negativity: np.ndarray) -> np.ndarray:
    # np.minimum/np.maximum: np.clip's wrapper costs more than the work on a day's posts
    raw = cfg.share_prob * (1.0 + cfg.negativity_boost * negativity)
    return np.minimum(np.maximum(raw, 0.0), 1.0)


def cascades(
    graph,
    authors: np.ndarray,
    prob: np.ndarray,
    rng: np.random.Generator,
    max_generations: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Run one cascade per post; returns (post index, resharer) for every reshare."""
    if native.KERNELS is not None and not graph.complete:
        compiled = _cascades_compiled(graph, authors, prob, rng, max_generations)
        if compiled is not None:
            return compiled
    n = graph.size
    post = np.arange(len(authors), dtype=np.int64)
    person = authors.astype(np.int64)
    reached = np.sort(post * n + person)
    out_post, out_person = [], []
    for _ in range(max_generations):
        active = prob[post] > 0
        post, person = post[active], person[active]
        if not len(post):
            break
        owner, follower = graph.sample_audience(person, prob[post], rng)
        new_post = post[owner]
        keys = new_post * n + follower
        keys = np.unique(keys)
        fresh = ~_isin_sorted(keys, reached)
        keys = keys[fresh]
        if not len(keys):
            break
        reached = np.union1d(reached, keys)
        post, person = keys // n, keys % n
        out_post.append(post)
        out_person.append(person)
    if not out_post:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(out_post), np.concatenate(out_person)


def _isin_sorted(values: np.ndarray, sorted_ref: np.ndarray) -> np.ndarray:
    if not len(sorted_ref):
        return np.zeros(len(values), dtype=bool)
    idx = np.searchsorted(sorted_ref, values)
    idx[idx == len(sorted_ref)] = 0
    return sorted_ref[idx] == values


def _cascades_compiled(
    graph,
    authors: np.ndarray,
    prob: np.ndarray,
    rng: np.random.Generator,
    max_generations: int,
) -> tuple[np.ndarray, np.ndarray] | None:
    """`cascades` by the kernel of the same name (sim/engine/kernels.c): the same draws
    from `rng`'s bit generator in the same order, the same reshares. None, having drawn
    nothing, where the graph's rows are not int32 or the keys could overflow."""
    rows = _kernel_rows(graph, len(authors))
    if rows is None:
        return None
    n, indptr, indices = rows
    authors = np.ascontiguousarray(authors, dtype=np.int64)
    prob = np.ascontiguousarray(prob, dtype=np.float64)
    post_out, person_out = ctypes.c_void_p(), ctypes.c_void_p()
    with rng.bit_generator.lock:  # as numpy holds it while it draws
        count = native.KERNELS.cascades(
            rng.bit_generator.ctypes.bit_generator,
            n,
            native.address(indptr),
            native.address(indices),
            len(authors),
            native.address(authors),
            native.address(prob),
            max_generations,
            ctypes.byref(post_out),
            ctypes.byref(person_out),
        )
    return _taken(count, post_out, person_out)


def _kernel_rows(graph, posts: int) -> tuple[int, np.ndarray, np.ndarray] | None:
    """The graph's size and its followers' rows as the cascade kernels read them; None
    where the rows are not int32 or the keys (post x size + person) could overflow."""
    followers = graph.followers
    indptr, indices = followers.indptr, followers.indices
    n = graph.size
    if indptr.dtype != np.int32 or indices.dtype != np.int32 or (posts + 1) * n >= 2**62:
        return None
    return n, indptr, indices


def _taken(count: int, *pointers: ctypes.c_void_p) -> tuple[np.ndarray, ...]:
    """Copies of the `count` int64 values at each of the kernel's `pointers`, which are
    then freed (kernels_free)."""
    try:
        if count < 0:
            raise MemoryError("the day's reshare cascades")
        return tuple(
            np.ctypeslib.as_array((ctypes.c_int64 * count).from_address(pointer.value)).copy()
            if count
            else np.empty(0, np.int64)
            for pointer in pointers
        )
    finally:
        for pointer in pointers:
            native.KERNELS.kernels_free(pointer)


def cascades_weighed(
    graph,
    authors: np.ndarray,
    negativity: np.ndarray,
    negative: np.ndarray,
    praise: np.ndarray,
    cfg: Reshare,
    rng: np.random.Generator,
    negative_weight: np.ndarray,
    positive_weight: np.ndarray,
) -> np.ndarray:
    """The posts' cascades at `share_probability`, and every broadcaster (the authors in
    order, then the resharers as `cascades` lists them) weighed: its post's negativity
    added to `negative_weight` if the post is `negative` (else 0), and 1 to
    `positive_weight` if it is `praise` (else 0), in that order (as np.add.at adds).
    The resharers (persons). The kernel spread_day does it in one call with the same
    draws in the same order; this numpy is its twin."""
    compiled = _cascades_weighed_compiled(
        graph, authors, negativity, negative, praise, cfg, rng, negative_weight, positive_weight
    )
    if compiled is not None:
        return compiled
    prob = share_probability(cfg, negativity)
    post, resharer = cascades(graph, authors, prob, rng, cfg.max_generations)
    broadcasters = np.concatenate([authors, resharer])
    origin = np.concatenate([np.arange(len(authors)), post])
    np.add.at(negative_weight, broadcasters, np.where(negative[origin], negativity[origin], 0.0))
    np.add.at(positive_weight, broadcasters, praise[origin].astype(np.float64))
    return resharer


def _cascades_weighed_compiled(
    graph,
    authors: np.ndarray,
    negativity: np.ndarray,
    negative: np.ndarray,
    praise: np.ndarray,
    cfg: Reshare,
    rng: np.random.Generator,
    negative_weight: np.ndarray,
    positive_weight: np.ndarray,
) -> np.ndarray | None:
    """`cascades_weighed` by the kernel spread_day; None, having drawn and weighed
    nothing, where it cannot (no kernels, a complete graph, rows not int32, keys that
    could overflow, weights not writable float64)."""
    if native.KERNELS is None or graph.complete:
        return None
    rows = _kernel_rows(graph, len(authors))
    weights_ok = all(
        w.dtype == np.float64 and w.flags.c_contiguous and w.flags.writeable
        for w in (negative_weight, positive_weight)
    )
    if rows is None or not weights_ok:
        return None
    n, indptr, indices = rows
    authors = np.ascontiguousarray(authors, dtype=np.int64)
    negativity = np.ascontiguousarray(negativity, dtype=np.float64)
    negative = np.ascontiguousarray(negative, dtype=np.bool_)
    praise = np.ascontiguousarray(praise, dtype=np.bool_)
    person_out = ctypes.c_void_p()
    with rng.bit_generator.lock:  # as numpy holds it while it draws
        count = native.KERNELS.spread_day(
            rng.bit_generator.ctypes.bit_generator,
            n,
            native.address(indptr),
            native.address(indices),
            len(authors),
            *map(native.address, (authors, negativity, negative, praise)),
            cfg.share_prob,
            cfg.negativity_boost,
            cfg.max_generations,
            native.address(negative_weight),
            native.address(positive_weight),
            ctypes.byref(person_out),
        )
    return _taken(count, person_out)[0]
