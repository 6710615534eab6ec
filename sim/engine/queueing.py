"""A multi-server priority queue in continuous time, with shifts and abandonment.

The hub and every spoke are a :class:`ServerPool`: posts arrive at exact
times, wait in a priority queue, and are served by whichever server becomes
available first (a server is available when it is free *and* on shift). A
waiting post whose author's patience runs out is abandoned. No time step is
involved: response times are exact event times, whatever the day tick.

Events are processed in time order by :meth:`ServerPool.advance`, SimPy-style:
arrivals, service starts and completions. Handlers for starts and completions
are callbacks, so the pool knows nothing about posts beyond their ids and the
time each gives up waiting (given on arrival: the queue asks it at every start).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Protocol

INF = float("inf")


class Server(Protocol):
    def available_from(self, time: float) -> float:
        """The earliest time >= `time` at which this server is on shift (inf: never)."""
        ...


class ServerPool:
    """Servers, a waiting line ordered by priority key, and pending events."""

    def __init__(
        self,
        servers: list[Server],
        duration: Callable[[int, Server], float],
        on_start: Callable[[int, float, Server], None] | None = None,
        on_complete: Callable[[int, float, Server], None] | None = None,
        on_abandon: Callable[[int, float], None] | None = None,
    ) -> None:
        self.servers: list[Server] = []
        self.duration = duration
        self.on_start = on_start
        self.on_complete = on_complete
        self.on_abandon = on_abandon
        self._seq = itertools.count()
        self._arrivals: list[tuple[float, int, int, tuple, float]] = []
        self._waiting: list[tuple[tuple, int, float]] = []  # (key, post, gives up at)
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

    def arrive(self, time: float, post: int, key: tuple, gives_up_at: float = INF) -> None:
        """`post` joins the line at `time`, ordered by `key` (unique: it should end with
        the post), and is abandoned if not taken up before `gives_up_at`."""
        heapq.heappush(self._arrivals, (time, next(self._seq), post, key, gives_up_at))

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
                _, _, post, key, gives_up_at = pop(arrivals)
                self.clock = t_arrival
                push(waiting, (key, post, gives_up_at))
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
            _, post, gave_up = heapq.heappop(self._waiting)
            if gave_up <= now:
                if self.on_abandon:
                    self.on_abandon(post, gave_up)
                continue
            if self.on_start:
                self.on_start(post, now, server)
            work = self.duration(post, server)
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
