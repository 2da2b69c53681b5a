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
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.sqlalchemy.admission import AdmissionGate
from adapters.sqlalchemy.failures import is_unavailable, unavailable_on_failure

log = logging.getLogger(__name__)

BUDGET_MARGIN = 0.5
"""Seconds a piece of work may take beyond the statement timeout, for connecting and returning."""


@asynccontextmanager
async def bounded_connection(
    engine: AsyncEngine, admission: AdmissionGate, budget: float, *, autocommit: bool = False
) -> AsyncIterator[AsyncConnection]:
    """A connection of `engine`'s pool, once `admission` lets this work in, for `budget` seconds.

    Connecting is cancelled at the budget (`TimeoutError`). Once connected, the
    budget is enforced by terminating the connection rather than by cancelling
    the task: SQLAlchemy answers a cancellation mid-statement with a graceful
    close that waits two seconds more for a server that will not answer, whereas
    a terminated connection fails the statement at once, as a disconnection
    (`StorageUnavailable`). Drivers that cannot terminate (SQLite's, whose
    statements are bounded by its own lock timeout) get the cancellation.
    """
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
        connection.sync_connection.execution_options(isolation_level="AUTOCOMMIT")  # type: ignore[union-attr]
    else:
        await connection.execution_options(isolation_level="AUTOCOMMIT")


async def _cut_at(deadline: float, connection: AsyncConnection) -> asyncio.TimerHandle | None:
    """Arrange for `connection` to be terminated at `deadline`, if its driver can do that."""
    dialect = connection.dialect
    if not dialect.has_terminate:
        return None
    # Read without `get_raw_connection()`'s greenlet hop: a connection just
    # checked out is valid, and reading it does no I/O.
    raw = connection.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
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
