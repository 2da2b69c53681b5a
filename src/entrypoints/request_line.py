"""The line a parsed request waits in, per worker, before the app starts on it.

Every request the app works on shares one event loop. With hundreds at once,
each turn of the loop runs a step of each, and a request that needs no
database (`/health`, `/metrics`, the docs) waits its turn behind all of them:
`/health` took 60 ms at p99 under 32 connections of reads, 300 ms with slow
clients held. So at most `capacity` requests are worked on at once; the others
wait here, parsed but not started (no task, no timer of their own), strictly
in arrival order, and a request still waiting after `patience` seconds is
answered at once with 503 `/problems/overloaded` and `Retry-After`, as the
database's own admission gate does (`tasks_api_requests_shed_total`,
reason `queue`). Requests that need no database skip the line.

The database gate stays behind this line, for the work that holds a
connection longer than it takes to answer (and for the tests and tools that
run the app without this server).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import Any, Final

from entrypoints.http.problems import overloaded_app

log = logging.getLogger(__name__)

UNQUEUED_PATHS: Final = frozenset({"/health", "/metrics", "/docs", "/redoc", "/openapi.json"})
UNQUEUED_PREFIXES: Final = ("/problems/", "/docs-assets/", "/redoc-assets/")
"""What needs no database: never waits behind what does."""

Start = Callable[[Any], None]
"""Starts the request's task with the ASGI app it is given."""
Alive = Callable[[], bool]
"""Whether the request's client is still connected."""


def needs_no_line(path: str) -> bool:
    return path in UNQUEUED_PATHS or path.startswith(UNQUEUED_PREFIXES)


class RequestLine:
    """At most `capacity` requests worked on at once; the others wait in arrival order."""

    def __init__(
        self,
        capacity: int,
        patience: float,
        loop: asyncio.AbstractEventLoop,
        on_shed: Callable[[], None] = lambda: None,
    ) -> None:
        if capacity < 1:
            raise ValueError("a request line needs at least one place")
        self.capacity = capacity
        self.patience = patience
        self.loop = loop
        self.on_shed = on_shed
        self.running = 0
        self._waiting: deque[tuple[float, Start, Alive, Any]] = deque()
        # One timer for the whole line, at the first waiter's deadline: not one per request.
        self._timer: asyncio.TimerHandle | None = None

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def admit(self, start: Start, alive: Alive, app: Any) -> None:
        """Start `app` for this request now if a place is free and nobody waits; else queue it."""
        if self.running < self.capacity and not self._waiting:
            self._start(start, app)
            return
        self._waiting.append((self.loop.time() + self.patience, start, alive, app))
        if self._timer is None:
            self._timer = self.loop.call_at(self._waiting[0][0], self._shed_expired)

    def _start(self, start: Start, app: Any) -> None:
        self.running += 1

        async def in_line(scope: Any, receive: Any, send: Any) -> None:
            try:
                await app(scope, receive, send)
            finally:
                self._leave()

        start(in_line)

    def _leave(self) -> None:
        self.running -= 1
        while self._waiting and self.running < self.capacity:
            deadline, start, alive, app = self._waiting.popleft()
            if not alive():
                continue  # its client left: nobody to answer
            if deadline <= self.loop.time():
                self._shed(start)
            else:
                self._start(start, app)

    def _shed_expired(self) -> None:
        self._timer = None
        now = self.loop.time()
        while self._waiting and self._waiting[0][0] <= now:
            _, start, alive, _ = self._waiting.popleft()
            if alive():
                self._shed(start)
        if self._waiting:
            self._timer = self.loop.call_at(self._waiting[0][0], self._shed_expired)

    def _shed(self, start: Start) -> None:
        log.warning("shed a request that waited %g s in line", self.patience)
        self.on_shed()
        start(shed)


shed = overloaded_app("The service is overloaded; try again shortly", close=False)
"""The answer to a request that waited its whole patience in line."""
