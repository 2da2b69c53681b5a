"""A pooled connection for one piece of work: admitted in turn, bounded in time, and dropped
without a goodbye when it may be broken.

A database that stops answering (frozen, or a network that swallows packets)
used to cost a request the statement timeout, plus the client's one-second
margin over it (asyncpg's `command_timeout`), plus SQLAlchemy's two-second
graceful close of the broken connection: 8 s with 5-second timeouts. Here the
whole piece of work (connect, statements, and giving the connection back) has
one deadline, `budget` seconds, and a connection that failed or was cut off
is terminated at once: closing a connection to a server that does not answer
cannot be graceful anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from types import TracebackType
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import QueuePool

from adapters.sqlalchemy.admission import AdmissionGate
from adapters.sqlalchemy.failures import is_unavailable, unavailable_on_failure

log = logging.getLogger(__name__)

BUDGET_MARGIN = 0.5
"""Seconds a piece of work may take beyond the statement timeout, for connecting and returning."""


def bounded_connection(
    engine: AsyncEngine,
    admission: AdmissionGate,
    budget: float,
    *,
    autocommit: bool = False,
    watch: PoolWatch | None = None,
    parked: Parked | None = None,
) -> AbstractAsyncContextManager[AsyncConnection]:
    """A connection of `engine`'s pool, once `admission` lets this work in, for `budget` seconds.

    Connecting is cancelled at the budget (`TimeoutError`). Once connected, the
    budget is enforced by terminating the connection rather than by cancelling
    the task: SQLAlchemy answers a cancellation mid-statement with a graceful
    close that waits two seconds more for a server that will not answer, whereas
    a terminated connection fails the statement at once, as a disconnection
    (`StorageUnavailable`). Drivers that cannot terminate (SQLite's, whose
    statements are bounded by its own lock timeout) get the cancellation.
    """
    if (
        watch is not None
        and parked is not None
        and engine.dialect.name == "postgresql"
        and autocommit
    ):
        return _PostgresLease(engine, watch, admission, budget, parked)
    return _bounded_connection(engine, admission, budget, autocommit=autocommit)


class Parked:
    """PostgreSQL connections kept between pieces of work, still checked out of the pool.

    Checking a connection out of SQLAlchemy's pool and back in cost ~50 µs of a
    ~300 µs `GET /tasks/{id}`: a `Connection` built, a pool proxy and its weakref
    finalizer, the checkout event, the isolation level set and reset. A connection
    whose work went well and left nothing open is parked here instead, in
    autocommit mode as it was leased, and the next lease takes it in a list pop.
    The pool still opens every connection and bounds how many exist; the
    admission gate still bounds how many are in use. The most recently parked is
    taken first, so a light load keeps using the same few, warm connections.
    """

    def __init__(self) -> None:
        self._connections: list[AsyncConnection] = []

    def __len__(self) -> int:
        return len(self._connections)

    def take(self) -> AsyncConnection | None:
        return self._connections.pop() if self._connections else None

    def park(self, connection: AsyncConnection) -> bool:
        """Keep `connection` if it is clean (no transaction open, not invalidated, open)."""
        sync = connection.sync_connection
        if sync is None or sync.invalidated or sync.in_transaction():
            return False
        raw = sync.connection.driver_connection
        if raw is None or raw.is_closed() or raw.is_in_transaction():
            return False
        self._connections.append(connection)
        return True

    async def close(self) -> None:
        """Give every parked connection back to the pool, so disposing of it closes them."""
        while self._connections:
            await _close_after_failure(self._connections.pop())


class _PostgresLease:
    """`bounded_connection` on PostgreSQL in autocommit mode (every unit of work there, as
    asyncpg is used directly and the unit of work sends BEGIN itself), for ~60 us less.

    The same steps as the general case, without its generator-based context
    managers, and without SQLAlchemy's greenlet when no I/O is involved: a
    parked connection (`Parked`) is taken first; else one idle in the pool is
    checked out synchronously. After work that went well the connection is
    parked, or, if it cannot be (a transaction left open), given back to the
    pool. Connecting anew, and every failure, take the general path's steps.
    """

    __slots__ = ("_admission", "_budget", "_connection", "_cut", "_engine", "_parked", "_watch")

    def __init__(
        self,
        engine: AsyncEngine,
        watch: PoolWatch,
        admission: AdmissionGate,
        budget: float,
        parked: Parked,
    ) -> None:
        self._engine = engine
        self._watch = watch
        self._parked = parked
        self._admission = admission
        self._budget = budget
        self._connection: AsyncConnection | None = None
        self._cut: asyncio.TimerHandle | None = None

    async def __aenter__(self) -> AsyncConnection:
        await self._admission.enter()
        try:
            deadline = asyncio.get_running_loop().time() + self._budget
            connection = await self._parked_connection() or await self._pooled_connection(deadline)
            self._connection = connection
            self._cut = await _cut_at(deadline, connection)
        except BaseException:
            self._release()
            raise
        return connection

    async def _parked_connection(self) -> AsyncConnection | None:
        connection = self._parked.take()
        if connection is not None and _server_closed(connection):
            # After a database restart: drop it (its place reconnects when next used).
            await discard(connection)
            return None
        return connection

    async def _pooled_connection(self, deadline: float) -> AsyncConnection:
        """A connection checked out of the pool, in autocommit mode."""
        connection = _idle_connection(self._engine, self._watch)
        if connection is not None and _server_closed(connection):
            await discard(connection)
            connection = None
        if connection is None:
            async with unavailable_on_failure(), asyncio.timeout_at(deadline):
                connection = await self._engine.connect()
        try:
            await _autocommit(connection)
        except BaseException:
            await discard(connection)
            raise
        return connection

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        connection = self._connection
        assert connection is not None, "the lease was not entered"
        try:
            if error is not None:
                if not isinstance(error, Exception) or is_unavailable(error):
                    await discard(connection)
                else:
                    await _close_after_failure(connection)
            elif not self._parked.park(connection) and not _give_back_now(connection):
                await _close(connection)
        finally:
            self._release()

    def _release(self) -> None:
        if self._cut is not None:
            self._cut.cancel()
        self._admission.leave()


class PoolWatch:
    """Which of a pool's places have lost their connection, from the pool's own events.

    A place whose connection was invalidated (a failure, a discard) connects
    anew when next checked out, which needs SQLAlchemy's greenlet: while there
    is one, connections are checked out the general way.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.empty: set[int] = set()
        pool = engine.sync_engine.pool
        event.listen(pool, "invalidate", self._invalidated)
        event.listen(pool, "close", self._lost)
        event.listen(pool, "connect", self._connected)

    def _invalidated(self, _dbapi: Any, record: Any, _error: BaseException | None) -> None:
        self.empty.add(id(record))

    def _lost(self, _dbapi: Any, record: Any) -> None:
        self.empty.add(id(record))

    def _connected(self, _dbapi: Any, record: Any) -> None:
        self.empty.discard(id(record))


def _idle_connection(engine: AsyncEngine, watch: PoolWatch) -> AsyncConnection | None:
    """A connection idle in `engine`'s pool, checked out without I/O; None if there is none.

    A pool with no idle connection, or with a place that lost its connection,
    may have to connect, which needs SQLAlchemy's greenlet: the caller then
    goes through `engine.connect()`. A pooled connection the server has closed
    (see `engine._discard_if_closed`) is returned: the caller discards it.
    """
    pool = engine.sync_engine.pool
    if watch.empty or not isinstance(pool, QueuePool) or pool.checkedin() == 0:
        return None
    token = CHECKING_OUT_SYNCHRONOUSLY.set(True)
    try:
        sync = engine.sync_engine.connect()
    except exc.MissingGreenlet:  # pragma: no cover (the watch says when to expect it)
        return None
    finally:
        CHECKING_OUT_SYNCHRONOUSLY.reset(token)
    return AsyncConnection(engine, sync)


CHECKING_OUT_SYNCHRONOUSLY: ContextVar[bool] = ContextVar(
    "checking_out_synchronously", default=False
)
"""Set while `_idle_connection` checks out: the pool's checkout check (`engine._discard_if_closed`)
must then not make the pool replace the connection, which would need I/O; the
lease checks and discards it itself."""


def _server_closed(connection: AsyncConnection) -> bool:
    raw = connection.sync_connection.connection.driver_connection  # type: ignore[union-attr]  # SQLAlchemy types sync_connection Optional; a checked-out one has it
    return raw is None or bool(raw.is_closed())


def _give_back_now(connection: AsyncConnection) -> bool:
    """Return a healthy connection to the pool synchronously; False if that needs I/O."""
    sync = connection.sync_connection
    if sync is None or sync.invalidated or sync.in_transaction():
        return False
    try:
        sync.close()
    except exc.MissingGreenlet:  # pragma: no cover (autocommit: nothing to roll back)
        return False
    return True


@asynccontextmanager
async def _bounded_connection(
    engine: AsyncEngine, admission: AdmissionGate, budget: float, *, autocommit: bool = False
) -> AsyncIterator[AsyncConnection]:
    async with admission.admitted():
        loop = asyncio.get_running_loop()
        deadline = loop.time() + budget
        async with unavailable_on_failure(), asyncio.timeout_at(deadline):
            connection = await engine.connect()
        cut = await _cut_at(deadline, connection)
        try:
            async with asyncio.timeout_at(None if cut else deadline):
                try:
                    if autocommit:
                        # A single statement needs no BEGIN and COMMIT: two round trips fewer.
                        await _autocommit(connection)
                    yield connection
                except BaseException as error:
                    if not isinstance(error, Exception) or is_unavailable(error):
                        # Cancelled mid-statement, or the connection failed: it may be broken.
                        await discard(connection)
                    else:
                        await _close_after_failure(connection)
                    raise
                await _close(connection)
        finally:
            if cut is not None:
                cut.cancel()


async def _autocommit(connection: AsyncConnection) -> None:
    if connection.dialect.name == "postgresql":
        # asyncpg's adapter only records the level (it opens its transactions
        # itself, lazily): no I/O, so no hop into SQLAlchemy's greenlet, which
        # costs more than the rest of it.
        connection.sync_connection.execution_options(isolation_level="AUTOCOMMIT")  # type: ignore[union-attr]  # SQLAlchemy types sync_connection Optional; a checked-out one has it
    else:
        await connection.execution_options(isolation_level="AUTOCOMMIT")


async def _cut_at(deadline: float, connection: AsyncConnection) -> asyncio.TimerHandle | None:
    """Arrange for `connection` to be terminated at `deadline`, if its driver can do that."""
    dialect = connection.dialect
    if not dialect.has_terminate:
        return None
    # Read without `get_raw_connection()`'s greenlet hop: a connection just
    # checked out is valid, and reading it does no I/O.
    raw = connection.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]  # SQLAlchemy types sync_connection Optional; a checked-out one has it
    if raw is None:  # pragma: no cover (a connection just checked out has one)
        return None
    return asyncio.get_running_loop().call_at(deadline, _terminate, dialect, raw)


def _terminate(dialect: Dialect, raw: Any) -> None:
    """Close the socket under a statement that overran its budget: it fails at once."""
    log.warning("a unit of work overran its time budget; terminating its database connection")
    with contextlib.suppress(Exception):
        dialect.do_terminate(raw)


async def discard(connection: AsyncConnection) -> None:
    """Drop `connection` from the pool without waiting for the server: terminate, then invalidate.

    Drivers that can terminate (asyncpg) close the socket at once; SQLAlchemy's
    own invalidation would first try a graceful close for up to two seconds.
    """
    with contextlib.suppress(Exception):
        raw = await connection.get_raw_connection()
        dialect = connection.dialect
        if dialect.has_terminate and raw.dbapi_connection is not None:
            dialect.do_terminate(raw.dbapi_connection)
    with contextlib.suppress(Exception):
        await connection.invalidate()
    with contextlib.suppress(Exception):
        await connection.close()


async def _close_after_failure(connection: AsyncConnection) -> None:
    """Give the connection back after the work failed: the work's error is the one to report."""
    with contextlib.suppress(Exception):
        await connection.close()


async def _close(connection: AsyncConnection) -> None:
    """Give the connection back (rolling back whatever was not committed)."""
    try:
        await connection.close()
    except Exception as error:
        if not is_unavailable(error):
            raise
        # The work is done (committed, or read); a connection that broke while
        # being given back was invalidated by SQLAlchemy, and nothing is lost.
    except BaseException:
        # Cancelled (the budget ran out) while rolling back on a silent server.
        await discard(connection)
        raise
