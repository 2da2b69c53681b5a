"""Fair, bounded admission to the connection pool: first come, first served, or shed.

SQLAlchemy's `QueuePool` hands a returned connection to whichever waiter its
condition variable wakes, not to the one that has waited longest, and a waiter
that reaches `pool_timeout` gets the same `TimeoutError` as a database that
does not answer. Under a burst that made most requests fast and a few wait
seconds, then fail as "database unavailable" although the database was healthy.

This gate sits in front of `engine.connect()` with as many places as the pool
has connections, so the pool itself never makes anyone wait: requests queue
here, strictly in arrival order, each for at most `patience` seconds, after
which it is refused at once (`StorageOverloaded`: a 503 the client may retry)
rather than left to wait longer for an answer it would likely give up on.
(CPython's own `asyncio.Semaphore` became strictly FIFO only in 3.11.x point
releases and has no deadline; this is small enough to own.)
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from application.errors import StorageOverloaded


class AdmissionGate:
    """At most `capacity` holders at once; the others wait in arrival order."""

    def __init__(self, capacity: int, patience: float) -> None:
        if capacity < 1:
            raise ValueError("an admission gate needs at least one place")
        self.capacity = capacity
        self.patience = patience
        """Seconds a request may wait for a place before it is shed."""
        self._free = capacity
        # Invariant: a free place exists only while nobody waits; `leave` hands
        # a place straight to the first live waiter instead of freeing it.
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        """How many requests wait for a place now."""
        return sum(1 for waiter in self._waiters if not waiter.done())

    async def enter(self) -> None:
        """Take a place, waiting behind everyone who came earlier; shed past `patience`.

        Raises `StorageOverloaded` when no place came in time.
        """
        if self._free:
            self._free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(self.patience):
                await waiter
        except BaseException as error:
            if waiter.done() and not waiter.cancelled():
                # The place arrived together with the deadline or a cancellation:
                # pass it on rather than lose it.
                self.leave()
            else:
                waiter.cancel()  # `leave` skips it
            if isinstance(error, TimeoutError):
                raise StorageOverloaded(
                    f"no database connection free within {self.patience:g} s"
                ) from None
            raise

    def leave(self) -> None:
        """Give a place back: to the request that has waited longest, if any."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1

    @asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        await self.enter()
        try:
            yield
        finally:
            self.leave()
