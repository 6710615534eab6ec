"""Independent, named random streams per subsystem (common random numbers).

One seed per run; each subsystem draws from its own stream, derived from the
seed and the subsystem's name only. Two runs that differ in strategy or
staffing therefore see the same graph, the same customers, the same incidents
and the same attack, so paired differences between them have small variance.
"""

from __future__ import annotations

import functools
import zlib

import numpy as np

from sim.engine import native

STREAMS = (
    "graph",
    "population",
    "posts",
    "cascades",
    "attack",
    "influencers",
    "turnover",
    "outreach",
    "background",
    # the day's uniforms below a bound, one stream each: a process whose bound an arm
    # changes (conversion, by its company posts) must not move the draws of the others
    "forget",
    "churn",
    "conversion",
    "conversion_extra",
)


def _key(name: str) -> int:
    return zlib.crc32(name.encode())


class Streams:
    """`streams.graph`, `streams.attack`, ...: one numpy Generator per subsystem."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        for name in STREAMS:
            setattr(self, name, self.generator(name))

    def generator(self, name: str) -> np.random.Generator:
        """A stream that depends on the seed and the name only, not on creation order."""
        return np.random.default_rng(np.random.SeedSequence([self.seed, _key(name)]))

    def for_item(self, name: str, item: int) -> np.random.Generator:
        """A stream of one item (e.g. one person's attack post): the same in every arm,
        however many other items the run creates before it."""
        return np.random.default_rng(np.random.SeedSequence([self.seed, _key(name), int(item)]))


class LowUniforms:
    """A day's uniforms of `size` people, known only where they fall below `bound`.

    A person acts when their uniform falls below their own probability; when
    every probability of the day has a bound that does not depend on the run's
    state, only the people below the bound can act. Their number is
    Binomial(size, bound), they are a uniform sample of everyone, and their
    uniforms are uniform on [0, bound): the same joint distribution as a
    uniform per person, at the cost of the few instead of everyone, and with a
    number of draws that depends on size and bound only (arms stay aligned).
    """

    def __init__(self, rng: np.random.Generator, size: int, bound: float) -> None:
        self.bound = float(min(max(bound, 0.0), 1.0))
        count = int(rng.binomial(size, self.bound))
        self.people = sorted_sample(rng, size, count)
        self.values = rng.random(count) * self.bound

    @classmethod
    def layered(
        cls,
        rng: np.random.Generator,
        extra_rng: np.random.Generator,
        size: int,
        base: float,
        bound: float,
    ) -> LowUniforms:
        """The uniforms below `bound` in two layers: those below `base` from `rng`, as
        `LowUniforms(rng, size, base)`, and those in [base, bound) from `extra_rng`.

        An arm whose bound exceeds everyone's `base` (conversion: by its company posts)
        then shares the draws below `base` with every other arm, and only the band its
        own bound adds is drawn apart. The same joint law: given that a person's uniform
        is not below `base`, it is uniform on [base, 1), so the band holds a
        Binomial(size - count below base, (bound - base) / (1 - base)) number of the
        others, a uniform sample of them, with uniforms on [base, bound).
        """
        low = cls(rng, size, min(base, bound))
        bound = float(min(max(bound, 0.0), 1.0))
        if bound <= low.bound or low.bound >= 1.0:
            return low
        others = size - len(low.people)
        count = int(extra_rng.binomial(others, (bound - low.bound) / (1.0 - low.bound)))
        # the k-th person not below base: k plus the people below base up to there
        picks = sorted_sample(extra_rng, others, count)
        skipped = low.people - np.arange(len(low.people))
        people = picks + np.searchsorted(skipped, picks, side="right")
        values = low.bound + extra_rng.random(count) * (bound - low.bound)
        order = np.argsort(np.concatenate([low.people, people]), kind="stable")
        low.people = np.concatenate([low.people, people])[order]
        low.values = np.concatenate([low.values, values])[order]
        low.bound = bound
        return low


def sorted_sample(rng: np.random.Generator, size: int, count: int) -> np.ndarray:
    """`np.sort(rng.choice(size, count, replace=False))`: the same values, and `rng` left
    in the same state.

    The compiled kernel takes numpy's own way (a tail shuffle, or Floyd's algorithm and
    a shuffle) with numpy's draws from `rng`'s bit generator, but holds only the sample,
    not an array of everyone, and writes it sorted (sim/engine/kernels.c,
    sorted_sample); without the kernels, numpy itself.
    """
    if native.KERNELS is not None and 0 <= count <= size < 2**32 - 1 and _kernel_agrees():
        out = np.empty(count, dtype=np.int64)
        with rng.bit_generator.lock:  # as numpy holds it while it draws
            status = native.KERNELS.sorted_sample(
                rng.bit_generator.ctypes.bit_generator, size, count, native.address(out)
            )
        if status == 0:
            return out
    return np.sort(rng.choice(size, count, replace=False))


@functools.cache
def _kernel_agrees() -> bool:
    """Whether the kernel reproduces this numpy's `choice` (it follows numpy 2's
    algorithm; another could change it): compared once a process on each of numpy's
    ways and the edges between them, values and the draws that follow."""
    agrees = True
    for size, count in ((10_000, 9_000), (10_001, 200), (10_001, 201), (20_011, 20_011)):
        ours, theirs = (np.random.default_rng(size) for _ in range(2))
        out = np.empty(count, dtype=np.int64)
        status = native.KERNELS.sorted_sample(
            ours.bit_generator.ctypes.bit_generator, size, count, native.address(out)
        )
        expected = np.sort(theirs.choice(size, count, replace=False))
        agrees &= status == 0 and np.array_equal(out, expected)
        agrees &= ours.integers(2**62) == theirs.integers(2**62)
    return bool(agrees)


def below(uniforms: np.ndarray | LowUniforms, bound: float) -> tuple[np.ndarray, np.ndarray]:
    """The people whose uniform is below `bound` (sorted), and their uniforms."""
    if isinstance(uniforms, LowUniforms):
        if bound > uniforms.bound:
            raise ValueError(f"bound {bound} exceeds the drawn bound {uniforms.bound}")
        keep = uniforms.values < bound
        return uniforms.people[keep], uniforms.values[keep]
    people = np.flatnonzero(uniforms < bound)
    return people, uniforms[people]


def category_bounds(p: np.ndarray) -> tuple[float, ...]:
    """The upper bounds of the categories of shares `p` but the last (for `category`)."""
    cdf = np.cumsum(p, dtype=np.float64)
    cdf /= cdf[-1]
    return tuple(cdf[:-1].tolist())


def category(u: np.ndarray, bounds: tuple[float, ...]) -> np.ndarray:
    """The category of each uniform in `u` under `category_bounds` of the shares (the
    inverse of their cumulative shares; for a few categories, a comparison with each
    bound beats searchsorted). Compute the bounds once, where the shares are set."""
    index = np.zeros(len(u), dtype=np.int64)
    for bound in bounds:
        index += u >= bound
    return index
