"""sim.engine.posts: the post book, per-post marks, batch assembly and thinned daily arrivals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.config.schema import POST_KINDS, Posts
from sim.engine.arrivals import DAILY_KINDS, PostGenerator
from sim.engine.population import CUSTOMER, LAPSED, PROSPECT
from sim.engine.posts import (
    COMPLAINT,
    KIND,
    LEAD,
    MENTION,
    NEGATIVITY,
    PRAISE,
    QUESTION,
    PostBook,
    assemble,
    marks,
)


# ------------------------------------------------------------------ PostBook
def test_postbook_grows_and_keeps_rows():
    book = PostBook(capacity=4)
    first = book.extend(kind=np.array([0, 1, 2], dtype=np.int8), created=np.array([1.0, 2.0, 3.0]))
    second = book.extend(kind=np.full(10, 3, dtype=np.int8), created=np.arange(10.0) + 10)
    assert first.tolist() == [0, 1, 2]
    assert second.tolist() == list(range(3, 13))
    assert len(book) == 13
    assert book.kind.tolist() == [0, 1, 2] + [3] * 10
    np.testing.assert_array_equal(book.created[:3], [1.0, 2.0, 3.0])
    # unset columns keep their defaults
    assert np.isnan(book.first_response).all()
    assert (book.routed_to == -1).all()
    assert np.isinf(book.patience).all()
    with pytest.raises(AttributeError):
        _ = book.no_such_column


def test_a_columns_kept_address_follows_the_book_as_it_grows_and_is_copied():
    """The kernels read the columns at `PostBook.address`, kept between days: it must be
    where the column is after the book grows (new arrays) and in a copy of the model."""
    import copy

    from sim.engine import native

    book = PostBook(capacity=2)
    book.extend(kind=np.array([1], dtype=np.int8))
    before = book.address("kind")
    assert before == native.address(book._columns["kind"])
    book.extend(kind=np.full(5, 2, dtype=np.int8))  # grows: every column is a new array
    for name in ("kind", "created", "outcome"):
        assert book.address(name) == native.address(book._columns[name])
    copied = copy.deepcopy(book)
    for name in ("kind", "created", "outcome"):
        assert copied.address(name) == native.address(copied._columns[name])
        assert copied.address(name) != book.address(name)


def test_kind_constants_follow_schema_order():
    assert list(KIND) == list(POST_KINDS)
    assert KIND["complaint"] == COMPLAINT
    assert KIND["mention"] == MENTION


# ------------------------------------------------------------------ marks
def test_marks_distributions():
    cfg = Posts(patience_hours=48.0, addressed_share=0.6)
    n = 100_000
    m = marks(np.random.default_rng(0), n, cfg)
    assert {len(v) for v in m.values()} == {n}
    p = cfg.addressed_share
    assert abs(m["addressed"].mean() - p) < 5 * math.sqrt(p * (1 - p) / n)
    # exponential: mean = scale, sd of the mean = scale / sqrt(n)
    assert abs(m["patience"].mean() - 48.0) < 5 * 48.0 / math.sqrt(n)
    assert abs(m["handle_work"].mean() - 1.0) < 5 / math.sqrt(n)
    for u in ("follow_u", "listen_u"):
        assert ((m[u] >= 0) & (m[u] < 1)).all()
    no_patience = marks(np.random.default_rng(0), 5, Posts(patience_hours=0.0))
    assert np.isinf(no_patience["patience"]).all()


# ------------------------------------------------------------------ assemble
def _part(n, rng, addressed):
    return {
        "author": rng.integers(0, 10, n),
        "created": rng.uniform(0, 24, n),
        "topic": rng.integers(0, 4, n),
        "addressed": np.asarray(addressed),
        "handle_work": rng.random(n),
        "patience": rng.random(n),
        "spoke_work": rng.random(n),
        "follow_u": rng.random(n),
        "listen_u": rng.random(n),
        "defect_u": rng.random(n),
    }


def test_assemble_sorts_by_time_and_turns_untagged_posts_into_mentions():
    rng = np.random.default_rng(0)
    followers = np.arange(10) * 100
    platform = np.arange(10) % 3
    parts = [
        (COMPLAINT, _part(4, rng, [True, False, True, False])),
        (PRAISE, _part(2, rng, [False, True])),
        (QUESTION, _part(3, rng, [False, False, False])),
        (LEAD, _part(1, rng, [False])),
    ]
    batch = assemble(
        [{"kind": np.full(len(part["author"]), kind), **part} for kind, part in parts],
        followers,
        platform,
    )
    cols = batch.columns
    assert len(batch) == 10
    assert (np.diff(cols["created"]) >= 0).all()
    # recover each post's origin through its (unique) creation time
    origin = {}
    for kind, part in parts:
        for t, a in zip(part["created"], part["addressed"], strict=True):
            origin[float(t)] = (kind, bool(a))
    for i in range(10):
        kind, addressed = origin[float(cols["created"][i])]
        if kind in (COMPLAINT, PRAISE) and not addressed:
            assert cols["kind"][i] == MENTION
            assert not cols["addressed"][i]
        else:
            assert cols["kind"][i] == kind
            assert cols["addressed"][i]  # questions and leads are always addressed
        assert cols["negativity"][i] == NEGATIVITY[kind]  # negativity follows the original kind
    np.testing.assert_array_equal(cols["followers"], followers[cols["author"]])
    np.testing.assert_array_equal(cols["platform"], platform[cols["author"]])


def test_parts_with_their_marks_uniforms_assemble_to_the_same_batch():
    """`day(raw=True)` parts carry the marks' uniforms; `assemble` makes the marks once
    for the batch: the same batch, value for value, as from parts with their marks."""
    size = 4000
    cfg = Posts(incident_rate_per_day=0.02, question_rate_per_day=0.01, addressed_share=0.6)
    gen = PostGenerator(cfg, size, np.ones(len(cfg.topics)))
    state = np.full(size, CUSTOMER, dtype=np.int8)
    loyalty = np.linspace(0.0, 1.0, size)
    voice = np.full(size, 0.3)
    follower_counts = np.arange(size) % 17
    platform = (np.arange(size) % 3).astype(np.int8)

    def parts(raw):
        rng, other = np.random.default_rng(5), np.random.default_rng(6)
        level = np.ones(len(cfg.topics))
        sample = gen.day(rng, 24.0, 1.0, level, state, loyalty, raw=raw)
        reach = gen.day(
            other, 24.0, 1.0, level, state, loyalty, people=size * 3, voice=voice, raw=raw
        )
        reach["background"] = np.ones(len(reach["author"]), dtype=bool)
        return [sample, reach]

    marked = assemble(parts(False), follower_counts, platform).columns
    raw = parts(True)
    assert "u" in raw[0] and "handle_work" not in raw[0]
    assembled = assemble(raw, follower_counts, platform, cfg).columns
    assert len(marked["kind"]) > 100 and (marked["kind"] == MENTION).any()
    assert assembled.keys() == marked.keys()
    for name, values in marked.items():
        assert assembled[name].dtype == values.dtype, name
        np.testing.assert_array_equal(assembled[name], values, err_msg=name)
    with pytest.raises(ValueError, match="marks_cfg"):
        assemble(raw, follower_counts, platform)
    with pytest.raises(ValueError, match="all parts"):
        assemble([raw[0], parts(False)[1]], follower_counts, platform, cfg)


def test_assemble_of_nothing_is_empty():
    batch = assemble([], np.zeros(3, dtype=np.int64), np.zeros(3, dtype=np.int8))
    assert len(batch) == 0


# ------------------------------------------------------------------ PostGenerator
def _incidents(gen, rng, start, season, level, state):
    return gen.day(rng, start, season, level, state, np.zeros(len(state)), kinds=(COMPLAINT,))


def _chatter(gen, rng, start, season, state, loyalty):
    """{kind: its part} of a day's questions, praise and leads."""
    kinds = (QUESTION, PRAISE, LEAD)
    part = gen.day(rng, start, season, np.ones(len(gen.topic_p)), state, loyalty, kinds=kinds)
    return {k: {name: v[part["kind"] == k] for name, v in part.items()} for k in kinds}


def _generator(size, **kw):
    cfg = Posts(**kw)
    return cfg, PostGenerator(cfg, size, np.ones(len(cfg.topics)))


def test_incident_count_is_poisson_in_customers():
    size = 50_000
    cfg, gen = _generator(size)
    state = np.full(size, CUSTOMER, dtype=np.int8)
    state[: size // 5] = PROSPECT
    customers = (state == CUSTOMER).sum()
    rng = np.random.default_rng(1)
    level = np.ones(len(cfg.topics))
    counts = [len(_incidents(gen, rng, 0.0, 1.0, level, state)["author"]) for _ in range(20)]
    mean = cfg.incident_rate_per_day * customers  # per day
    total = sum(counts)
    # 20 days of a Poisson(mean) count: sd sqrt(20 * mean)
    assert abs(total - 20 * mean) < 5 * math.sqrt(20 * mean)


def test_incidents_only_from_customers_within_the_day():
    size = 5000
    _, gen = _generator(size, incident_rate_per_day=0.05)
    state = np.array([CUSTOMER, PROSPECT, LAPSED] * (size // 3) + [CUSTOMER] * (size % 3))
    part = _incidents(gen, np.random.default_rng(2), 48.0, 1.0, np.ones(4), state)
    assert len(part["author"]) > 0
    assert (state[part["author"]] == CUSTOMER).all()
    assert ((part["created"] >= 48.0) & (part["created"] < 72.0)).all()
    assert {"topic", "voice_u", "addressed", "patience"} <= set(part)


def test_thinning_by_defect_level_and_season():
    size = 50_000
    cfg = Posts(incident_rate_per_day=0.01)
    max_defect = np.array([2.0, 2.0, 2.0, 2.0])
    gen = PostGenerator(cfg, size, max_defect)
    state = np.full(size, CUSTOMER, dtype=np.int8)
    weights = np.array([t.weight for t in cfg.topics.values()])
    p = weights / weights.sum()
    level = np.array([2.0, 1.0, 0.5, 0.0])  # relative to the bound 2.0
    rng = np.random.default_rng(3)
    days = 10
    counts = np.zeros(4)
    for _ in range(days):
        part = _incidents(gen, rng, 0.0, 1.5, level, state)
        counts += np.bincount(part["topic"], minlength=4)
    expected = days * cfg.incident_rate_per_day * 1.5 * size * p * level
    sd = np.sqrt(expected)
    assert counts[3] == 0
    assert (np.abs(counts - expected) < 5 * sd + 1e-9).all()


def test_chatter_kinds_authors_and_praise_by_loyalty_squared():
    size = 100_000
    cfg, gen = _generator(
        size, question_rate_per_day=0.01, praise_rate_per_day=0.02, lead_rate_per_day=0.01
    )
    state = np.full(size, CUSTOMER, dtype=np.int8)
    state[: size // 4] = PROSPECT
    loyalty = np.where(np.arange(size) % 2 == 0, 0.9, 0.3)
    out = _chatter(gen, np.random.default_rng(4), 0.0, 1.0, state, loyalty)
    assert set(out) == {QUESTION, PRAISE, LEAD}
    assert (state[out[QUESTION]["author"]] == CUSTOMER).all()
    assert (state[out[PRAISE]["author"]] == CUSTOMER).all()
    assert (state[out[LEAD]["author"]] == PROSPECT).all()
    customers = (state == CUSTOMER).sum()
    for kind, rate, who in (
        (QUESTION, cfg.question_rate_per_day, customers),
        (LEAD, cfg.lead_rate_per_day, size - customers),
    ):
        mean = rate * who
        assert abs(len(out[kind]["author"]) - mean) < 5 * math.sqrt(mean)
    # praise accepted with probability loyalty^2: mean over customers of L^2
    accept = (loyalty[state == CUSTOMER] ** 2).mean()
    mean = cfg.praise_rate_per_day * customers * accept
    assert abs(len(out[PRAISE]["author"]) - mean) < 5 * math.sqrt(mean)
    praised = out[PRAISE]["author"]
    high = (loyalty[praised] == 0.9).mean()
    share = 0.81 / (0.81 + 0.09)  # loyal and disloyal customers are equally many
    assert abs(high - share) < 5 * math.sqrt(share * (1 - share) / len(praised))


def test_candidate_stream_does_not_depend_on_state():
    """Thinning: the same rng gives the same candidates whoever is a customer."""
    size = 10_000
    _, gen = _generator(size, incident_rate_per_day=0.02)
    all_customers = np.full(size, CUSTOMER, dtype=np.int8)
    half = all_customers.copy()
    half[::2] = LAPSED
    a = _incidents(gen, np.random.default_rng(9), 0.0, 1.0, np.ones(4), all_customers)
    b = _incidents(gen, np.random.default_rng(9), 0.0, 1.0, np.ones(4), half)
    kept = half[a["author"]] == CUSTOMER
    np.testing.assert_array_equal(a["created"][kept], b["created"])
    np.testing.assert_array_equal(a["author"][kept], b["author"])
    np.testing.assert_array_equal(a["patience"][kept], b["patience"])


def test_a_days_plan_is_kept_for_the_days_alike_and_read_only():
    """`plan` keeps what a day's draws come from for the days alike (the week's rhythm
    repeats them): the same arrays again, which no one may write; another weekday or
    season, or another reach, has its own; the loud people are the caller's of the day."""
    from sim.engine.clock import HOURS_PER_DAY

    _, gen = _generator(1000)
    gen.voice_bound = 0.1
    voice = np.linspace(0.0, 1.0, 1000)
    monday = gen.plan(0.0, 1.0, people=5e4, voice=voice, loud=np.array([999]))
    next_monday = gen.plan(7 * HOURS_PER_DAY, 1.0, people=5e4, voice=voice, loud=np.array([5]))
    assert next_monday[1] is monday[1] and next_monday[3][1] is monday[3][1]
    assert next_monday[3][0].tolist() == [5]  # today's loud people, not the kept day's
    assert not monday[1].flags.writeable and not monday[3][1].flags.writeable
    for other in (
        gen.plan(HOURS_PER_DAY, 1.0, people=5e4, voice=voice, loud=np.array([5])),  # Tuesday
        gen.plan(0.0, 1.5, people=5e4, voice=voice, loud=np.array([5])),  # a peak
        gen.plan(0.0, 1.0, people=6e4, voice=voice, loud=np.array([5])),  # another reach
    ):
        assert other[1] is not monday[1]
    scale = 5e4 * 1.0 * gen.rhythm.day_factor(0.0)
    np.testing.assert_array_equal(monday[1], gen._plan(scale, DAILY_KINDS, True)[1])
