"""A multi-server priority queue in continuous time, with shifts and abandonment.

The hub and every spoke are a :class:`ServerPool`: posts arrive at exact
times, wait in a priority queue, and are served by whichever server becomes
available first (a server is available when it is free *and* on shift). A
waiting post whose author's patience runs out is abandoned. No time step is
involved: response times are exact event times, whatever the day tick.

Events are processed in time order by :meth:`ServerPool.advance`, SimPy-style:
arrivals, service starts and completions. Handlers for starts and completions
are callbacks, so the pool knows nothing about posts beyond their ids, their
work, their place in the line and the time each gives up waiting (all given on
arrival).

:class:`CompiledPool` is the same queue in C (sim/engine/kernels.c): its events
are logged and the callbacks then called in the same order with the same
values, so a run is the same to the last bit with either (tests/engine/
test_native.py). :func:`pool_class` picks it when the kernels are built.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Protocol

import numpy as np

from sim.engine import native
from sim.engine.shifts import Shift

INF = float("inf")
NAN_ORDER = "a post's place in the line is NaN"


class Server(Protocol):
    shift: Shift  # when the server works (a Shift itself may serve)

    def available_from(self, time: float) -> float:
        """The earliest time >= `time` at which this server is on shift (inf: never)."""
        ...


class ServerPool:
    """Servers, a waiting line ordered by priority key, and pending events."""

    def __init__(
        self,
        servers: list[Server],
        on_start: Callable[[int, float, Server], None] | None = None,
        on_complete: Callable[[int, float, Server], None] | None = None,
        on_abandon: Callable[[int, float], None] | None = None,
    ) -> None:
        self.servers: list[Server] = []
        self.on_start = on_start
        self.on_complete = on_complete
        self.on_abandon = on_abandon
        self._seq = itertools.count()
        self._arrivals: list[tuple[float, int, int, tuple, float, float]] = []
        # (key, post, gives up at, work), the key (primary, secondary, post)
        self._waiting: list[tuple[tuple, int, float, float]] = []
        self._free: list[tuple[float, int, int]] = []  # (available from, seq, server index)
        # (done, seq, post, server index, work): the services under way
        self._completions: list[tuple[float, int, int, int, float]] = []
        self.clock = 0.0
        self.busy_hours = 0.0  # work of the services started
        self.completed_hours = 0.0  # work of the services completed
        for server in servers:
            self.add_server(server, 0.0)

    # ---------------------------------------------------------------- input
    def add_server(self, server: Server, from_time: float) -> None:
        self.servers.append(server)
        start = server.available_from(from_time)
        if start < INF:
            heapq.heappush(self._free, (start, next(self._seq), len(self.servers) - 1))

    def arrive(
        self,
        time: float,
        post: int,
        work: float,
        order: tuple[float, float],
        gives_up_at: float = INF,
    ) -> None:
        """`post` joins the line at `time` with `work` hours to do, ordered by `order` (two
        numbers, not NaN; ties go to the smaller post), and is abandoned if not taken up
        before `gives_up_at`."""
        if order[0] != order[0] or order[1] != order[1]:
            raise ValueError(NAN_ORDER)
        key = (order[0], order[1], post)
        heapq.heappush(self._arrivals, (time, next(self._seq), post, key, gives_up_at, work))

    def arrive_many(
        self,
        time: np.ndarray,
        post: np.ndarray,
        work: np.ndarray,
        primary: np.ndarray,
        secondary: np.ndarray,
        gives_up_at: np.ndarray,
    ) -> None:
        """`arrive` for each post in turn (arrays of equal length)."""
        for t, p, w, first, second, gives_up in zip(
            time.tolist(),
            post.tolist(),
            work.tolist(),
            primary.tolist(),
            secondary.tolist(),
            gives_up_at.tolist(),
            strict=True,
        ):
            self.arrive(t, p, w, (first, second), gives_up)

    @property
    def waiting(self) -> int:
        """Posts in the waiting line (abandoned ones are dropped lazily, see `backlog`)."""
        return len(self._waiting)

    def backlog(self, time: float) -> int:
        """Posts arrived by `time`, not yet taken up and not abandoned by then.

        Call it only once the pool has advanced to `time`: it records the
        abandonments due by then, so the waiting line holds live posts only.
        """
        self.drain_abandoned(time)
        return len(self._waiting)

    # ---------------------------------------------------------------- engine
    def advance(self, until: float) -> None:
        """Process every event up to and including `until`."""
        arrivals, waiting, free, completions = (
            self._arrivals,
            self._waiting,
            self._free,
            self._completions,
        )
        pop, push = heapq.heappop, heapq.heappush
        while True:
            # the earliest of the three heads; ties: completion, then arrival, then service
            t_arrival = arrivals[0][0] if arrivals else INF
            if free and waiting:
                t_server = free[0][0]
                if t_server < self.clock:
                    t_server = self.clock
            else:
                t_server = INF
            t_done = completions[0][0] if completions else INF
            if t_done <= t_arrival and t_done <= t_server:
                if t_done > until or t_done == INF:
                    break
                _, _, post, index, work = pop(completions)
                self.completed_hours += work
                self.clock = t_done
                if self.on_complete:
                    self.on_complete(post, t_done, self.servers[index])
            elif t_arrival <= t_server:
                if t_arrival > until or t_arrival == INF:
                    break
                _, _, post, key, gives_up_at, work = pop(arrivals)
                self.clock = t_arrival
                push(waiting, (key, post, gives_up_at, work))
            else:
                if t_server > until:
                    break
                self._serve(t_server)
        if until > self.clock:
            self.clock = until

    def _serve(self, now: float) -> None:
        _, _, index = heapq.heappop(self._free)
        server = self.servers[index]
        start = server.available_from(now)
        self.clock = now
        if start > now:  # shift ended while idle: wait for the next shift
            if start < INF:
                heapq.heappush(self._free, (start, next(self._seq), index))
            return
        while self._waiting:
            _, post, gave_up, work = heapq.heappop(self._waiting)
            if gave_up <= now:
                if self.on_abandon:
                    self.on_abandon(post, gave_up)
                continue
            if self.on_start:
                self.on_start(post, now, server)
            self.busy_hours += work
            done = now + work
            heapq.heappush(self._completions, (done, next(self._seq), post, index, work))
            after = server.available_from(done)
            if after < INF:
                heapq.heappush(self._free, (after, next(self._seq), index))
            return
        heapq.heappush(self._free, (now, next(self._seq), index))

    def busy_through(self, time: float) -> float:
        """Hours of work done by `time`: completed services in full, those under way up to
        `time` (call it once the pool has advanced to `time`). The difference between two
        times is the work done between them, whenever each service started."""
        under_way = 0.0
        for done, _, _, _, work in self._completions:
            under_way += min(work, max(0.0, time - (done - work)))
        return self.completed_hours + under_way

    def under_way(self) -> list[tuple[int, Server]]:
        """(post, server) of every service under way."""
        return [(post, self.servers[index]) for _, _, post, index, _ in self._completions]

    def drain_abandoned(self, until: float) -> None:
        """Record abandonment of waiting posts whose patience ran out by `until`."""
        keep = []
        for entry in self._waiting:
            gave_up = entry[2]
            if gave_up <= until:
                if self.on_abandon:
                    self.on_abandon(entry[1], gave_up)
            else:
                keep.append(entry)
        heapq.heapify(keep)
        self._waiting = keep


START, COMPLETE, ABANDON = 0, 1, 2  # the kinds of event kernels.c logs


def _shift_of(server: Server | Shift) -> Shift:
    return server if isinstance(server, Shift) else server.shift


class CompiledPool:
    """:class:`ServerPool` in C (sim/engine/kernels.c): the same interface and results.

    Arrivals are gathered and handed over in one call before anything else is
    asked of the pool, in the order they came (so each gets the sequence number
    the Python pool would give it). After each advance the logged events are
    handed to the callbacks in the order they happened.
    """

    def __init__(
        self,
        servers: list[Server],
        on_start: Callable[[int, float, Server], None] | None = None,
        on_complete: Callable[[int, float, Server], None] | None = None,
        on_abandon: Callable[[int, float], None] | None = None,
    ) -> None:
        self._kernels = native.KERNELS
        if self._kernels is None:
            raise RuntimeError(f"compiled kernels: {native.STATUS}")
        self._pool = self._kernels.pool_new()
        if not self._pool:
            raise MemoryError("a compiled queue")
        self.servers: list[Server] = []
        self.on_start, self.on_complete, self.on_abandon = on_start, on_complete, on_abandon
        self._pending: list[tuple[float, int, float, float, float, float]] = []
        for server in servers:
            self.add_server(server, 0.0)

    def __del__(self) -> None:
        if getattr(self, "_pool", None):
            self._kernels.pool_free(self._pool)
            self._pool = None

    # ---------------------------------------------------------------- input
    def add_server(self, server: Server, from_time: float) -> None:
        self._flush()
        shift = _shift_of(server)
        works = np.array([shift.works_on(d) for d in range(7)], dtype=np.int8)
        self.servers.append(server)
        status = self._kernels.pool_add_server(
            self._pool,
            shift.start_hour,
            shift.hours,
            native.address(works),
            shift.hours <= 0 or not works.any(),
            shift.always,
            shift.active_from,
            shift.active_until,
            from_time,
        )
        if status:
            raise MemoryError("a compiled queue's server")

    def arrive(
        self,
        time: float,
        post: int,
        work: float,
        order: tuple[float, float],
        gives_up_at: float = INF,
    ) -> None:
        """See :meth:`ServerPool.arrive`."""
        if order[0] != order[0] or order[1] != order[1]:
            raise ValueError(NAN_ORDER)
        self._pending.append((time, post, order[0], order[1], gives_up_at, work))

    def arrive_many(
        self,
        time: np.ndarray,
        post: np.ndarray,
        work: np.ndarray,
        primary: np.ndarray,
        secondary: np.ndarray,
        gives_up_at: np.ndarray,
    ) -> None:
        """See :meth:`ServerPool.arrive_many`."""
        if np.isnan(primary).any() or np.isnan(secondary).any():
            raise ValueError(NAN_ORDER)
        self._flush()
        columns = [
            np.ascontiguousarray(values, dtype=dtype)
            for values, dtype in (
                (time, np.float64),
                (post, np.int64),
                (primary, np.float64),
                (secondary, np.float64),
                (gives_up_at, np.float64),
                (work, np.float64),
            )
        ]
        self._hand_over(columns)

    def take_up(self, *arguments: object) -> int:
        """The kernel pool_take_up on this pool (`arguments` after the pool: the book's
        rows and what it reads of them, Team._take_up_compiled), after the arrivals handed
        over one by one, as `arrive_many` has them go first. Returns its status."""
        self._flush()
        return self._kernels.pool_take_up(self._pool, *arguments)

    def _flush(self) -> None:
        if not self._pending:
            return
        time, post, primary, secondary, gives_up, work = zip(*self._pending, strict=True)
        self._pending = []
        self._hand_over(
            [
                np.array(time, dtype=np.float64),
                np.array(post, dtype=np.int64),
                np.array(primary, dtype=np.float64),
                np.array(secondary, dtype=np.float64),
                np.array(gives_up, dtype=np.float64),
                np.array(work, dtype=np.float64),
            ]
        )

    def _hand_over(self, columns: list[np.ndarray]) -> None:
        time, post, primary, secondary, gives_up, work = columns
        count = len(time)
        if any(len(column) != count for column in columns):
            raise ValueError("arrivals need columns of equal length")
        status = self._kernels.pool_arrive(
            self._pool,
            count,
            native.address(time),
            native.address(post),
            native.address(primary),
            native.address(secondary),
            native.address(gives_up),
            native.address(work),
        )
        if status:
            raise MemoryError("a compiled queue's arrivals")

    # ---------------------------------------------------------------- state
    @property
    def waiting(self) -> int:
        self._flush()
        return self._kernels.pool_waiting(self._pool)

    @property
    def clock(self) -> float:
        return self._kernels.pool_clock(self._pool)

    @property
    def busy_hours(self) -> float:
        return self._kernels.pool_busy_hours(self._pool)

    @property
    def completed_hours(self) -> float:
        return self._kernels.pool_completed_hours(self._pool)

    def backlog(self, time: float) -> int:
        """See :meth:`ServerPool.backlog`."""
        self.drain_abandoned(time)
        return self._kernels.pool_waiting(self._pool)

    # ---------------------------------------------------------------- engine
    def advance(self, until: float) -> None:
        """Process every event up to and including `until`."""
        self._flush()
        self._dispatch(self._kernels.pool_advance(self._pool, until))

    def drain_abandoned(self, until: float) -> None:
        """Record abandonment of waiting posts whose patience ran out by `until`."""
        self._flush()
        self._dispatch(self._kernels.pool_drain_abandoned(self._pool, until))

    def _dispatch(self, count: int) -> None:
        """Hand the logged events to the callbacks, in order."""
        if count < 0:
            raise MemoryError("a compiled queue's events")
        if count == 0:
            return
        kind = np.empty(count, dtype=np.int8)
        post = np.empty(count, dtype=np.int64)
        time = np.empty(count, dtype=np.float64)
        server = np.empty(count, dtype=np.int64)
        self._kernels.pool_read_log(
            self._pool,
            native.address(kind),
            native.address(post),
            native.address(time),
            native.address(server),
        )
        servers, on_start, on_complete, on_abandon = (
            self.servers,
            self.on_start,
            self.on_complete,
            self.on_abandon,
        )
        events = zip(kind.tolist(), post.tolist(), time.tolist(), server.tolist(), strict=True)
        for k, p, t, s in events:
            if k == COMPLETE:
                if on_complete:
                    on_complete(p, t, servers[s])
            elif k == START:
                if on_start:
                    on_start(p, t, servers[s])
            elif on_abandon:
                on_abandon(p, t)

    def busy_through(self, time: float) -> float:
        """See :meth:`ServerPool.busy_through`."""
        self._flush()
        return self._kernels.pool_busy_through(self._pool, time)

    def under_way(self) -> list[tuple[int, Server]]:
        """(post, server) of every service under way, in the order the Python pool keeps."""
        self._flush()
        count = self._kernels.pool_services(self._pool)
        if count == 0:  # most days, most spokes: no arrays to read into
            return []
        post = np.empty(count, dtype=np.int64)
        server = np.empty(count, dtype=np.int64)
        self._kernels.pool_under_way(self._pool, native.address(post), native.address(server))
        return [(p, self.servers[s]) for p, s in zip(post.tolist(), server.tolist(), strict=True)]


def pool_class() -> type[ServerPool] | type[CompiledPool]:
    """The compiled queue when the kernels are built, else the Python one (the reference)."""
    return CompiledPool if native.KERNELS is not None else ServerPool
