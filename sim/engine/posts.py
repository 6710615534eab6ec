"""Posts: what customers, prospects, influencers and attackers publish about the brand.

Posts live in a growable structure of arrays (:class:`PostBook`), one row per
post. Everything random about a post (its handling work, its author's patience,
the spoke's work, whether a promised fix happens) is drawn once, when the post
is created, so two strategies facing the same post face the same post. A day's
parts (sim.engine.arrivals) become one time-sorted batch (`assemble`), marks
and all, before the book takes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.config.schema import POST_KINDS, Posts
from sim.engine import native

KIND = {name: i for i, name in enumerate(POST_KINDS)}
COMPLAINT, QUESTION, PRAISE, LEAD, MENTION, ATTACK = (KIND[k] for k in POST_KINDS)

# negativity in [0, 1]: drives reshare probability and bystander effects
NEGATIVITY = {COMPLAINT: 0.7, QUESTION: 0.1, PRAISE: 0.0, LEAD: 0.0, ATTACK: 1.0}
_NEGATIVITY_BY_KIND = np.array([NEGATIVITY.get(k, 0.0) for k in range(len(POST_KINDS))])
# a post at or above this negativity counts as negative (share of voice, exposure)
NEGATIVE = 0.5


def is_problem(kind: np.ndarray | int, negativity: np.ndarray | float) -> np.ndarray | bool:
    """Complaints, tagged or found by listening (a mention with negativity), as a mask or bool."""
    return (kind == COMPLAINT) | ((kind == MENTION) & (negativity > 0))


# default queue severity by kind (higher is served first under `severity`)
SEVERITY = np.array([2.0, 1.0, 0.3, 1.5, 1.0, 3.0])
# first-response deadline as a multiple of strategy.sla_hours, by kind (assumption)
SLA_FACTOR = np.array([1.0, 2.0, 8.0, 1.0, 4.0, 0.5])

OUTCOMES = (
    "pending",
    "unanswered",
    "abandoned",
    "replied",
    "routed",
    "resolved",
    "broken_promise",
)
OUTCOME = {name: i for i, name in enumerate(OUTCOMES)}

_FIELDS: dict[str, tuple[type, float]] = {
    "kind": (np.int8, 0),
    "topic": (np.int8, -1),
    "author": (np.int64, -1),
    "followers": (np.int64, 0),
    "platform": (np.int8, 0),
    "created": (np.float64, np.nan),
    "addressed": (np.bool_, False),
    "queued": (np.bool_, False),
    "negativity": (np.float64, 0.0),
    "handle_work": (np.float64, 1.0),
    "patience": (np.float64, np.inf),
    "spoke_work": (np.float64, 1.0),
    "follow_u": (np.float64, 0.0),
    "listen_u": (np.float64, 1.0),
    "defect_u": (np.float64, 1.0),
    "service_start": (np.float64, np.nan),
    "first_response": (np.float64, np.nan),
    "routed_to": (np.int8, -1),
    "spoke_start": (np.float64, np.nan),
    # the author's loyalty just before the incident, just after the fix, and the revenue
    # uplift a reply gave them: what the calibration targets measure
    "loyalty_before": (np.float64, np.nan),
    "loyalty_after_fix": (np.float64, np.nan),
    "reply_uplift": (np.float64, np.nan),
    "resolved_at": (np.float64, np.nan),
    "outcome": (np.int8, 0),
    # a complaint, tagged or found by listening (is_problem), set when the post is added
    "problem": (np.bool_, False),
    # posted by someone outside the simulated sample of a larger reach (population.reach):
    # it loads the team like any post and moves no simulated person
    "background": (np.bool_, False),
}


class PostBook:
    """Every post of a run, as growable numpy columns.

    The one way to read or write a column is its attribute: `posts.kind` is the
    live view of the posts so far (length `len(posts)`), indexed by post id, and
    writing through it (`posts.outcome[post] = ...`) writes the book. The views
    are plain attributes, refreshed whenever posts are added, so a scalar access
    in the team's per-post callbacks costs no more than a dict lookup.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self.n = 0
        self._columns = {
            name: np.full(capacity, fill, dtype=dt) for name, (dt, fill) in _FIELDS.items()
        }
        self._table: np.ndarray | None = None  # the columns' addresses for book_batch
        self._addresses: dict[str, int] | None = None  # the same, by name, for the kernels
        self._refresh()

    def __getstate__(self) -> dict:
        # addresses are this process's and these arrays': a copy makes its own
        return {**self.__dict__, "_table": None, "_addresses": None}

    def __len__(self) -> int:
        return self.n

    def address(self, name: str) -> int:
        """The address of column `name`'s first byte, for a kernel: the same until the
        book grows (a day's new views start where the column does), so it is kept."""
        if self._addresses is None:
            self._addresses = {
                column: native.address(values) for column, values in self._columns.items()
            }
        return self._addresses[name]

    def _refresh(self) -> None:
        n = self.n
        self.__dict__.update({name: column[:n] for name, column in self._columns.items()})

    def _grow(self, needed: int) -> None:
        capacity = len(self._columns["kind"])
        if needed <= capacity:
            return
        new = max(needed, 2 * capacity)
        for name, (dt, fill) in _FIELDS.items():
            column = np.full(new, fill, dtype=dt)
            column[: self.n] = self._columns[name][: self.n]
            self._columns[name] = column
            setattr(self, name, column[: self.n])  # frees the old column now, not at the end
        self._table = self._addresses = None

    def extend(self, **columns: np.ndarray) -> np.ndarray:
        """Append posts (columns of equal length); returns their ids."""
        count = len(columns["kind"])
        self._grow(self.n + count)
        ids = np.arange(self.n, self.n + count)
        for name, values in columns.items():
            self._columns[name][self.n : self.n + count] = values
        rows = slice(self.n, self.n + count)
        self._columns["problem"][rows] = is_problem(
            self._columns["kind"][rows], self._columns["negativity"][rows]
        )
        self.n += count
        self._refresh()
        return ids

    def extend_parts(
        self,
        parts: list[Part],
        follower_counts: np.ndarray,
        platform: np.ndarray,
        marks_cfg: Posts,
    ) -> np.ndarray:
        """`extend(**assemble(parts, follower_counts, platform, marks_cfg).columns)`: the
        same posts written, with the compiled kernel in one pass where it can (parts with
        their marks' uniforms); returns their ids."""
        parts = [part for part in parts if len(part["author"])]
        usable = (
            native.KERNELS is not None
            and parts
            and all("u" in part for part in parts)
            and follower_counts.dtype == np.int64
            and platform.dtype == np.int8
            and follower_counts.flags.c_contiguous
            and platform.flags.c_contiguous
        )
        if usable:
            ids = self._extend_compiled(parts, follower_counts, platform, marks_cfg)
            if ids is not None:
                return ids
        return self.extend(**assemble(parts, follower_counts, platform, marks_cfg).columns)

    def _extend_compiled(
        self,
        parts: list[Part],
        follower_counts: np.ndarray,
        platform: np.ndarray,
        marks_cfg: Posts,
    ) -> np.ndarray | None:
        """`extend_parts` by the kernel book_batch (sim/engine/kernels.c); None, having
        written nothing, where the kernel refuses (an author outside the people)."""
        merged = _merged(parts, _KERNEL_INPUTS)
        inputs = [
            np.ascontiguousarray(merged[name], dtype=dt)
            for name, dt in zip(_KERNEL_INPUTS, _KERNEL_INPUT_TYPES, strict=True)
        ]
        u = np.ascontiguousarray(np.concatenate([part["u"] for part in parts]), dtype=np.float64)
        count = len(inputs[0])
        if u.shape != (count, len(_MARKS)):
            raise ValueError(f"the marks' uniforms: {u.shape}, not ({count}, {len(_MARKS)})")

        def write(at: int, table: int) -> int:
            return native.KERNELS.book_batch(
                count,
                *(native.address(values) for values in inputs),
                native.address(u),
                *book_constants(marks_cfg, follower_counts, platform),
                at,
                table,
            )

        return self.write_compiled(count, write, marks_cfg)

    def write_compiled(
        self, count: int, write: Callable[[int, int], int], marks_cfg: Posts
    ) -> np.ndarray | None:
        """Room for `count` posts, then `write(row, columns)`, a kernel writing them as
        book_batch does at `row` of the columns whose addresses are at `columns`; their
        ids, or None where it refused (0 is done, -2 out of memory, else refused).

        The kernels write -u in the exponential marks' columns: numpy's own log1p turns
        it into the marks, as `_marks_from` makes them (numpy's may be vectorised)."""
        self._grow(self.n + count)
        if self._table is None:
            self._table = np.array([self.address(name) for name in _BOOK_COLUMNS], dtype=np.int64)
        status = write(self.n, native.address(self._table))
        if status == -2:
            raise MemoryError("the day's posts' order")
        if status != 0:
            return None
        rows = slice(self.n, self.n + count)
        for name in ("handle_work", "spoke_work"):
            column = self._columns[name][rows]
            np.log1p(column, out=column)
            np.negative(column, out=column)
        patience = self._columns["patience"][rows]
        if marks_cfg.patience_hours > 0:
            np.log1p(patience, out=patience)
            np.multiply(patience, -marks_cfg.patience_hours, out=patience)
        else:
            patience[:] = np.inf
        ids = np.arange(self.n, self.n + count)
        self.n += count
        self._refresh()
        return ids


@dataclass
class DayReading:
    """What the ledger and the reshare cascades read of a day's posts (`read_day`)."""

    negative_posts: int
    negative_mentions: int
    complaints: np.ndarray  # the sampled complaints' ids
    # the sampled posts that spread (negative, or praise), in order
    spread_author: np.ndarray
    spread_negativity: np.ndarray
    spread_negative: np.ndarray
    spread_praise: np.ndarray
    negative_authors: np.ndarray  # of the sampled negative posts, in order


def read_day(book: PostBook, first: int, count: int, by_kind: np.ndarray) -> DayReading:
    """The day's `count` posts from id `first`: each counted by kind into `by_kind` (in
    place), and what the ledger and the cascades read of them. The kernel day_reading
    where it can read the book's columns; this numpy is its twin."""
    if native.KERNELS is not None and by_kind.dtype == np.int64 and by_kind.flags.c_contiguous:
        reading = _read_day_compiled(book, first, count, by_kind)
        if reading is not None:
            return reading
    rows = slice(first, first + count)
    kind, negativity, author = book.kind[rows], book.negativity[rows], book.author[rows]
    sampled = ~book.background[rows]
    by_kind += np.bincount(kind, minlength=len(by_kind))
    negative = negativity >= NEGATIVE
    praise = (kind == PRAISE) | ((negativity == 0) & (kind == MENTION))
    spreading = (negative | praise) & sampled  # the cascades read the sampled posts alone
    return DayReading(
        negative_posts=int(negative.sum()),
        negative_mentions=int(((kind == MENTION) & (negativity > 0)).sum()),
        complaints=first + np.flatnonzero((kind == COMPLAINT) & sampled),
        spread_author=author[spreading],
        spread_negativity=negativity[spreading],
        spread_negative=negative[spreading],
        spread_praise=praise[spreading],
        negative_authors=author[negative & sampled],
    )


def _read_day_compiled(
    book: PostBook, first: int, count: int, by_kind: np.ndarray
) -> DayReading | None:
    """`read_day` by the kernel day_reading; None, having counted nothing, where a kind is
    outside the kinds (numpy's bincount would count it in a longer array)."""
    # one block of integers, one of flags: an address each, the rest at their offsets
    integers = np.empty(5 + 3 * count, dtype=np.int64)
    tallies = integers[:5]
    complaints, spread_author, negative_authors = integers[5:].reshape(3, count)
    spread_negativity = np.empty(count)
    flags = np.empty((2, count), dtype=np.bool_)
    at = native.address(integers)
    row = 8 * count  # bytes
    flag_at = native.address(flags)
    status = native.KERNELS.day_reading(
        first,
        count,
        *(book.address(name) for name in ("kind", "negativity", "background", "author")),
        len(by_kind),
        COMPLAINT,
        PRAISE,
        MENTION,
        NEGATIVE,
        native.address(by_kind),
        at,
        at + 40,
        at + 40 + row,
        native.address(spread_negativity),
        flag_at,
        flag_at + count,
        at + 40 + 2 * row,
    )
    if status != 0:
        return None
    negative_posts, negative_mentions, complained, spreading, negatives = tallies.tolist()
    return DayReading(
        negative_posts=negative_posts,
        negative_mentions=negative_mentions,
        complaints=complaints[:complained],
        spread_author=spread_author[:spreading],
        spread_negativity=spread_negativity[:spreading],
        spread_negative=flags[0, :spreading],
        spread_praise=flags[1, :spreading],
        negative_authors=negative_authors[:negatives],
    )


@dataclass
class Batch:
    """Posts created in one window, sorted by time (columns for PostBook.extend)."""

    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.columns["kind"])


def marks(rng: np.random.Generator, count: int, cfg: Posts) -> dict[str, np.ndarray]:
    """The per-post random marks of `count` posts, drawn in turn from a sequential stream."""
    patience = (
        rng.exponential(cfg.patience_hours, count)
        if cfg.patience_hours > 0
        else np.full(count, np.inf)
    )
    return {
        "addressed": rng.random(count) < cfg.addressed_share,
        "handle_work": rng.exponential(1.0, count),
        "patience": patience,
        "spoke_work": rng.exponential(1.0, count),
        "follow_u": rng.random(count),
        "listen_u": rng.random(count),
        "defect_u": rng.random(count),
    }


# a candidate's keyed fields (sim.engine.keyed): when, the thinning tests, the marks
_TIME, _ACCEPT, _TOPIC, _VOICE = range(1, 5)
_MARKS = {
    "addressed": 5,
    "handle_work": 6,
    "patience": 7,
    "spoke_work": 8,
    "follow_u": 9,
    "listen_u": 10,
    "defect_u": 11,
}


# the fields a kept candidate draws at the end, in one block: its time, then its marks
_PART_FIELDS = np.array([_TIME, *_MARKS.values()], dtype=np.uint64)


def _marks_from(u: np.ndarray, cfg: Posts) -> dict[str, np.ndarray]:
    """The marks from a block of uniforms, a column per field of `_MARKS` in order."""
    column = {name: u[:, i] for i, name in enumerate(_MARKS)}
    return {
        "addressed": column["addressed"] < cfg.addressed_share,
        "handle_work": -np.log1p(-column["handle_work"]),
        "patience": -cfg.patience_hours * np.log1p(-column["patience"])
        if cfg.patience_hours > 0
        else np.full(len(u), np.inf),
        "spoke_work": -np.log1p(-column["spoke_work"]),
        **{name: column[name] for name in ("follow_u", "listen_u", "defect_u")},
    }


Part = dict[str, np.ndarray]


_BATCH_COLUMNS = (
    "author",
    "created",
    "topic",
    "addressed",
    *["handle_work", "patience", "spoke_work", "follow_u", "listen_u", "defect_u"],
    "loyalty_before",
    "background",
)
# the columns of parts that carry their marks' uniforms instead of the marks
_RAW_COLUMNS = tuple(name for name in _BATCH_COLUMNS if name not in (*_MARKS, "addressed"))


# what book_batch reads of the merged parts, and as which types
_KERNEL_INPUTS = ("kind", "author", "created", "topic", "loyalty_before", "background")
_KERNEL_INPUT_TYPES = (np.int8, np.int64, np.float64, np.int64, np.float64, np.bool_)
# the book's columns that book_batch writes, in the order of kernels.c's BOOK_ columns
_BOOK_COLUMNS = (
    *("kind", "topic", "author", "followers", "platform", "created", "addressed"),
    *("negativity", "handle_work", "patience", "spoke_work", "follow_u", "listen_u"),
    *("defect_u", "loyalty_before", "background", "problem"),
)


def book_constants(
    marks_cfg: Posts,
    follower_counts: np.ndarray,
    platform: np.ndarray,
    address: Callable[[np.ndarray], int] = native.address,
) -> tuple[float | int, ...]:
    """What the kernels that write the book (book_batch, day_book) read besides the
    posts: the tagging share, the kinds' codes and negativity, followers and platforms
    (their addresses by `address`: a caller may keep them, `native.Addresses`)."""
    return (
        marks_cfg.addressed_share,
        COMPLAINT,
        PRAISE,
        ATTACK,
        MENTION,
        address(_NEGATIVITY_BY_KIND),
        len(_NEGATIVITY_BY_KIND),
        address(follower_counts),
        address(platform),
        min(len(follower_counts), len(platform)),
    )


def _merged(parts: list[Part], names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The parts' columns `names` concatenated in the parts' order; a column a part lacks
    takes the book's fill value."""
    return {
        name: np.concatenate(
            [
                part[name] if name in part else np.full(len(part["author"]), _FIELDS[name][1])
                for part in parts
            ]
        )
        for name in names
    }


def assemble(
    parts: list[Part],
    follower_counts: np.ndarray,
    platform: np.ndarray,
    marks_cfg: Posts | None = None,
) -> Batch:
    """A time-sorted batch from parts, each with its `kind` column.

    Complaints and praise that do not tag the brand become mentions: relevant
    posts found only by listening. Negativity follows the original kind.

    Parts with their marks' uniforms (`u`, `PostGenerator.day(raw=True)`) have their
    marks made here, once for the batch, under `marks_cfg`: the same values as each
    part's own, in a few array operations instead of a few per part.
    """
    parts = [part for part in parts if len(part["author"])]
    if not parts:
        return Batch({name: np.empty(0, dt) for name, (dt, _) in _FIELDS.items()})
    raw = ["u" in part for part in parts]
    if any(raw) and not (all(raw) and marks_cfg is not None):
        raise ValueError("parts with their marks' uniforms need all parts so, and marks_cfg")
    merged = _merged(parts, ("kind", *(_RAW_COLUMNS if raw[0] else _BATCH_COLUMNS)))
    # sorted first: what follows is element by element, and the marks come from the
    # sorted uniforms
    order = np.argsort(merged["created"], kind="stable")
    merged = {name: values[order] for name, values in merged.items()}
    if raw[0]:
        merged.update(_marks_from(np.concatenate([part["u"] for part in parts])[order], marks_cfg))
    kind = merged["kind"].astype(np.int8)
    # untagged complaints and praise become mentions; untagged attack posts stay attacks
    can_mention = (kind == COMPLAINT) | (kind == PRAISE)
    merged["addressed"] = merged["addressed"] | ~(can_mention | (kind == ATTACK))
    merged["kind"] = np.where(merged["addressed"] | ~can_mention, kind, MENTION).astype(np.int8)
    merged["negativity"] = _NEGATIVITY_BY_KIND[kind]
    merged["author"] = merged["author"].astype(np.int64)
    merged["followers"] = follower_counts[merged["author"]]
    merged["platform"] = platform[merged["author"]]
    return Batch(merged)
