"""sim.engine.queueing: priority order, arrivals, shifts, abandonment, chunking.

Every test runs on both queues: the Python `ServerPool` (the reference) and the
compiled `CompiledPool` (sim/engine/kernels.c), skipped only where the kernels
are not built outside CI (tests/engine/test_native.py).
"""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest

from sim.engine import native
from sim.engine.queueing import INF, CompiledPool, ServerPool
from sim.engine.shifts import Shift

ALWAYS = Shift(start_hour=0.0, hours=24.0)

POOLS = [
    ServerPool,
    pytest.param(
        CompiledPool,
        marks=pytest.mark.skipif(
            native.KERNELS is None and not os.environ.get("CI"),
            reason=f"compiled kernels: {native.STATUS}",
        ),
    ),
]


@pytest.fixture(params=POOLS, ids=["python", "compiled"])
def pool(request):
    """The queue class under test."""
    return request.param


class Recorder:
    """A ServerPool with fixed per-post durations and patience, logging every callback."""

    def __init__(self, pool, servers, durations, patience=None):
        self.durations = durations
        self.patience = patience or {}
        self.arrival: dict[int, float] = {}
        self.starts: dict[int, tuple[float, object]] = {}
        self.completions: dict[int, float] = {}
        self.abandoned: dict[int, float] = {}
        self.order: list[int] = []
        self.pool = pool(
            servers,
            on_start=self._start,
            on_complete=lambda post, t, server: self.completions.__setitem__(post, t),
            on_abandon=lambda post, t: self.abandoned.__setitem__(post, t),
        )

    def _start(self, post, t, server):
        assert post not in self.starts, "a post is served twice"
        self.starts[post] = (t, server)
        self.order.append(post)

    def arrive(self, time, post, order=None):
        self.arrival[post] = time
        order = (time, time) if order is None else order
        gives_up = time + self.patience.get(post, INF)
        self.pool.arrive(time, post, self.durations[post], order, gives_up)


def test_single_server_fifo_matches_lindley_recursion(pool):
    """FIFO on one always-on server: start_n = max(arrival_n, completion_{n-1}), exactly."""
    rng = np.random.default_rng(1)
    n = 400
    arrivals = np.cumsum(rng.exponential(1.0, n))
    durations = rng.exponential(0.9, n)
    rec = Recorder(pool, [ALWAYS], dict(enumerate(durations)))
    for i, t in enumerate(arrivals):
        rec.arrive(float(t), i)
    rec.pool.advance(arrivals[-1] + 1000.0)
    expected_start = np.empty(n)
    done = 0.0
    for i in range(n):
        expected_start[i] = max(arrivals[i], done)
        done = expected_start[i] + durations[i]
    got = np.array([rec.starts[i][0] for i in range(n)])
    np.testing.assert_allclose(got, expected_start, rtol=0, atol=1e-9)
    got_done = np.array([rec.completions[i] for i in range(n)])
    np.testing.assert_allclose(got_done, expected_start + durations, rtol=0, atol=1e-9)
    assert rec.pool.busy_hours == pytest.approx(durations.sum())


def test_serves_in_priority_order(pool):
    # five posts wait before the shift starts at 08:00; keys decide the order
    keys = {0: (3.0, 0.0), 1: (1.0, 0.0), 2: (5.0, 0.0), 3: (2.0, 0.0), 4: (4.0, 0.0)}
    rec = Recorder(pool, [Shift(8.0, 8.0)], dict.fromkeys(keys, 0.5))
    for post, key in keys.items():
        rec.arrive(1.0 + 0.1 * post, post, key)
    rec.pool.advance(24.0)
    assert rec.order == [1, 3, 0, 4, 2]
    assert [rec.starts[p][0] for p in rec.order] == pytest.approx([8.0, 8.5, 9.0, 9.5, 10.0])


def test_priority_applies_only_among_arrived_posts(pool):
    # a high-priority post arriving later does not jump ahead of a service already started,
    # and is never started before it arrives
    rec = Recorder(pool, [ALWAYS], {0: 2.0, 1: 2.0, 2: 2.0})
    rec.arrive(0.0, 0, (9.0, 0.0))
    rec.arrive(0.5, 1, (5.0, 0.5))
    rec.arrive(1.0, 2, (0.0, 1.0))
    rec.pool.advance(10.0)
    assert rec.order == [0, 2, 1]
    assert rec.starts[0][0] == 0.0
    assert rec.starts[2][0] == 2.0
    assert rec.starts[1][0] == 4.0


def test_never_starts_before_arrival_and_servers_never_overlap(pool):
    rng = np.random.default_rng(7)
    n = 600
    arrivals = rng.uniform(0.0, 24.0 * 10, n)
    durations = rng.exponential(0.7, n)
    shifts = [Shift(8.0, 8.0, 7, 0), Shift(12.0, 8.0, 5, 1), Shift(20.0, 6.0, 7, 0)]
    keys = rng.random(n)
    rec = Recorder(pool, shifts, dict(enumerate(durations)))
    for i in range(n):
        rec.arrive(float(arrivals[i]), i, (float(keys[i]), float(arrivals[i])))
    rec.pool.advance(24.0 * 40)
    assert len(rec.starts) == n  # everyone is eventually served (no patience)
    busy: dict[int, list[tuple[float, float]]] = {}
    for post, (start, server) in rec.starts.items():
        assert start >= arrivals[post]
        # respects shifts: a service only starts while the server is on shift
        assert server.available_from(start) == start
        busy.setdefault(id(server), []).append((start, start + durations[post]))
    for intervals in busy.values():
        intervals.sort()
        for (_, end), (start, _) in itertools.pairwise(intervals):
            assert start >= end - 1e-12


def test_no_service_starts_off_shift(pool):
    rec = Recorder(pool, [Shift(9.0, 8.0, days_per_week=5)], dict.fromkeys(range(50), 0.25))
    for i in range(50):
        rec.arrive(i * 3.7, i)  # arrivals around the clock, weekend included
    rec.pool.advance(24.0 * 30)
    starts = np.array([rec.starts[i][0] for i in range(50)])
    hour = starts % 24.0
    day = np.floor(starts / 24.0).astype(int)
    assert ((hour >= 9.0) & (hour < 17.0)).all()
    assert (day % 7 < 5).all()


def test_work_started_near_shift_end_may_finish_after_it(pool):
    rec = Recorder(pool, [Shift(8.0, 8.0)], {0: 3.0, 1: 1.0})
    rec.arrive(15.5, 0)
    rec.arrive(15.6, 1)
    rec.pool.advance(48.0)
    assert rec.starts[0][0] == 15.5
    assert rec.completions[0] == 18.5
    assert rec.starts[1][0] == 32.0  # the next morning, not at 18.5


def test_multiple_servers_work_in_parallel(pool):
    rec = Recorder(pool, [ALWAYS, ALWAYS], {0: 5.0, 1: 5.0, 2: 5.0})
    for i in range(3):
        rec.arrive(0.0, i)
    rec.pool.advance(20.0)
    assert sorted(s for s, _ in rec.starts.values()) == [0.0, 0.0, 5.0]


def test_abandons_posts_whose_patience_ran_out(pool):
    # the only server starts at 08:00; the author of post 0 gives up at 05:00
    rec = Recorder(pool, [Shift(8.0, 8.0)], {0: 1.0, 1: 1.0}, patience={0: 5.0, 1: 10.0})
    rec.arrive(0.0, 0)
    rec.arrive(0.0, 1)
    rec.pool.advance(24.0)
    assert 0 not in rec.starts
    assert rec.abandoned == {0: 5.0}
    assert rec.starts[1][0] == 8.0


def test_post_served_just_before_patience_runs_out_is_not_abandoned(pool):
    rec = Recorder(pool, [Shift(8.0, 8.0)], {0: 1.0}, patience={0: 8.0 + 1e-9})
    rec.arrive(0.0, 0)
    rec.pool.advance(24.0)
    assert rec.abandoned == {}
    assert rec.starts[0][0] == 8.0


def test_a_post_whose_patience_ends_as_its_service_could_start_is_abandoned(pool):
    rec = Recorder(pool, [Shift(8.0, 8.0)], {0: 1.0, 1: 1.0}, patience={0: 8.0})
    rec.arrive(0.0, 0)  # gives up at 08:00 exactly, when the shift starts
    rec.arrive(0.0, 1)
    rec.pool.advance(24.0)
    assert rec.abandoned == {0: 8.0}
    assert rec.starts[1][0] == 8.0


def test_backlog_counts_live_waiting_posts_and_records_abandonment(pool):
    rec = Recorder(
        pool, [Shift(8.0, 8.0)], dict.fromkeys(range(4), 1.0), patience={0: 2.0, 1: 30.0}
    )
    rec.arrive(0.0, 0)  # gives up at 2
    rec.arrive(1.0, 1)  # gives up at 31
    rec.arrive(3.0, 2)  # never gives up
    rec.arrive(6.0, 3)  # arrives after the backlog is read
    rec.pool.advance(4.0)
    assert rec.pool.backlog(4.0) == 2  # posts 1 and 2: post 0 gave up, post 3 not there yet
    assert rec.abandoned == {0: 2.0}
    rec.pool.advance(8.0)
    # at 08:00 the server starts post 1 (FIFO), two remain waiting
    assert rec.starts[1][0] == 8.0
    assert rec.pool.backlog(8.0) == 2
    rec.pool.advance(24.0)
    assert rec.pool.backlog(24.0) == 0
    assert set(rec.starts) == {1, 2, 3}


def test_pool_without_servers_serves_nobody(pool):
    rec = Recorder(pool, [], {0: 1.0})
    rec.arrive(0.0, 0)
    rec.pool.advance(1000.0)
    assert rec.starts == {}
    assert rec.pool.waiting == 1
    assert rec.pool.backlog(1000.0) == 1


def test_server_added_later_serves_only_from_then(pool):
    rec = Recorder(pool, [], dict.fromkeys(range(3), 1.0))
    for i in range(3):
        rec.arrive(float(i), i)
    rec.pool.advance(10.0)
    assert rec.starts == {}
    rec.pool.add_server(Shift(0.0, 24.0, active_from=30.0, active_until=40.0), 30.0)
    rec.pool.advance(100.0)
    assert [rec.starts[i][0] for i in range(3)] == [30.0, 31.0, 32.0]


def test_temporary_server_stops_at_end_of_contract(pool):
    temp = Shift(0.0, 24.0, active_from=0.0, active_until=5.0)
    rec = Recorder(pool, [temp], dict.fromkeys(range(10), 1.0))
    for i in range(10):
        rec.arrive(0.0, i)
    rec.pool.advance(100.0)
    assert sorted(s for s, _ in rec.starts.values()) == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert rec.pool.waiting == 5


def test_advancing_day_by_day_equals_advancing_at_once(pool):
    """The model advances the pool at each day's end: chunking must not change anything."""
    rng = np.random.default_rng(11)
    n = 500
    arrivals = rng.uniform(0.0, 24.0 * 12, n)
    durations = rng.exponential(0.5, n)
    patience = dict(enumerate(rng.exponential(20.0, n)))
    keys = rng.integers(0, 3, n)
    shifts = [Shift(8.0, 8.0), Shift(12.0, 8.0, 6, 1)]

    def simulate(step):
        rec = Recorder(pool, shifts, dict(enumerate(durations)), patience)
        for i in np.argsort(arrivals):
            rec.arrive(float(arrivals[i]), int(i), (float(keys[i]), float(arrivals[i])))
        t = 0.0
        while t < 24.0 * 20:
            t += step
            rec.pool.advance(t)
            rec.pool.backlog(t)
        return rec

    once, daily = simulate(24.0 * 20), simulate(24.0)
    assert {p: s for p, (s, _) in once.starts.items()} == {
        p: s for p, (s, _) in daily.starts.items()
    }
    assert once.abandoned == daily.abandoned
    assert set(once.starts) | set(once.abandoned) == set(range(n))
    assert not set(once.starts) & set(once.abandoned)


def test_busy_through_counts_the_work_done_by_then_whenever_it_started(pool):
    """A 2-hour post from 23:00 is one hour of work on each side of midnight; the days'
    differences add up to all the work once it is done."""
    rec = Recorder(pool, [ALWAYS], {0: 2.0, 1: 0.5})
    rec.arrive(23.0, 0)
    rec.arrive(23.5, 1)  # waits for the first: served 01:00-01:30
    rec.pool.advance(24.0)
    assert rec.pool.busy_through(24.0) == pytest.approx(1.0)
    assert rec.pool.busy_hours == pytest.approx(2.0)  # the work started, for comparison
    assert [post for post, _ in rec.pool.under_way()] == [0]
    rec.pool.advance(48.0)
    assert rec.pool.busy_through(48.0) == pytest.approx(2.5)
    assert rec.pool.completed_hours == pytest.approx(2.5) and rec.pool.under_way() == []


@pytest.mark.skipif(
    native.KERNELS is None and not os.environ.get("CI"),
    reason=f"compiled kernels: {native.STATUS}",
)
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_compiled_queue_calls_back_as_the_python_one_does_to_the_last_bit(seed):
    """Random shifts (rotations, weekdays, contracts, servers added later), patience,
    priorities with ties and equal arrival times, advanced a day at a time with every
    reading the team takes: the same callbacks in the same order with the same values."""
    rng = np.random.default_rng(seed)
    n, days = 3000, 30

    def shift():
        start, hours = float(rng.integers(0, 24)), float(rng.choice([4.0, 8.0, 10.0, 24.0]))
        if rng.random() < 0.3:
            weekdays = frozenset(rng.choice(7, rng.integers(1, 8), replace=False).tolist())
            return Shift(start, hours, weekdays=weekdays)
        active_from = float(rng.uniform(0, 24 * 10)) if rng.random() < 0.2 else 0.0
        return Shift(
            start,
            hours,
            int(rng.integers(1, 8)),
            int(rng.integers(0, 7)),
            active_from,
            active_from + float(rng.uniform(24, 24 * 20)) if active_from else INF,
        )

    servers = [shift() for _ in range(int(rng.integers(1, 6)))]
    later = [(shift(), float(rng.uniform(0, 24 * days))) for _ in range(3)]
    arrival = np.round(rng.uniform(0, 24 * days, n), 1)  # rounded: equal times happen
    work = rng.exponential(0.8, n)
    patience = np.where(rng.random(n) < 0.7, rng.exponential(30.0, n), INF)
    primary = rng.integers(0, 4, n).astype(float)  # ties, broken by arrival then post

    def simulate(pool_type):
        log = []
        pool = pool_type(
            servers,
            on_start=lambda post, t, server: log.append(("start", post, t, id(server))),
            on_complete=lambda post, t, server: log.append(("done", post, t, id(server))),
            on_abandon=lambda post, t: log.append(("abandon", post, t)),
        )
        order = np.argsort(arrival, kind="stable")
        for day in range(days):
            today = order[(arrival[order] >= 24 * day) & (arrival[order] < 24 * (day + 1))]
            half = len(today) // 2  # some one by one, some at once, as the team does
            for post in today[:half].tolist():
                pool.arrive(
                    arrival[post],
                    post,
                    work[post],
                    (primary[post], arrival[post]),
                    arrival[post] + patience[post],
                )
            rest = today[half:]
            pool.arrive_many(
                arrival[rest],
                rest,
                work[rest],
                primary[rest],
                arrival[rest],
                arrival[rest] + patience[rest],
            )
            for server, at in later:
                if 24 * day <= at < 24 * (day + 1):
                    pool.add_server(server, at)
            end = 24.0 * (day + 1)
            pool.advance(end)
            log.append(("day", pool.backlog(end), pool.waiting, pool.busy_through(end)))
            log.append(("under way", [(p, id(s)) for p, s in pool.under_way()]))
            log.append(("hours", pool.busy_hours, pool.completed_hours, pool.clock))
        return log

    python_log, compiled_log = simulate(ServerPool), simulate(CompiledPool)
    assert sum(entry[0] == "start" for entry in python_log) > n // 4
    assert any(entry[0] == "abandon" for entry in python_log)
    assert compiled_log == python_log


def test_a_nan_place_in_line_is_refused(pool):
    queue = pool([ALWAYS])
    with pytest.raises(ValueError, match="NaN"):
        queue.arrive(1.0, 0, 1.0, (float("nan"), 1.0))
    with pytest.raises(ValueError, match="NaN"):
        queue.arrive_many(*(np.array([value]) for value in (1.0, 1, 1.0, 0.0, np.nan, INF)))
