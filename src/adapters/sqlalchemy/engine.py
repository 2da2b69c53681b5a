"""The engine, its connection settings per database, and the statements built for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Connection, event, exc, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import PoolProxiedConnection, QueuePool

from adapters.sqlalchemy.accounts import AccountStatements
from adapters.sqlalchemy.admission import AdmissionGate
from adapters.sqlalchemy.bounded import (
    BUDGET_MARGIN,
    CHECKING_OUT_SYNCHRONOUSLY,
    Parked,
    PoolWatch,
    bounded_connection,
)
from adapters.sqlalchemy.execution import (
    AsyncpgExecutor,
    CompiledStatements,
    Executor,
    SqlAlchemyExecutor,
)
from adapters.sqlalchemy.failures import unavailable_on_failure
from adapters.sqlalchemy.idempotency import IdempotencyStatements
from adapters.sqlalchemy.tables import metadata
from application.errors import StorageUnavailable


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineOptions:
    pool_size: int = 20
    """Connections kept open: as many as requests expected at once, so none waits or reconnects."""
    pool_wait: float = 2.0
    """Seconds a request may wait for a pooled connection before it is shed (503)."""
    connect_timeout: float = 5.0
    """Seconds to wait for the database to accept a new connection."""
    statement_timeout: float = 5.0
    """Seconds a statement may run before it is cancelled; plus `BUDGET_MARGIN`, what a
    whole unit of work may take, however the database fails."""

    @property
    def work_budget(self) -> float:
        return self.statement_timeout + BUDGET_MARGIN


_TABLES: Final = frozenset(metadata.tables)


def _missing_tables(connection: Connection) -> set[str]:
    # From the catalog, which a lock on a table does not block: a locked table is
    # no reason to take the process out of service.
    return set(_TABLES - set(inspect(connection).get_table_names()))


@dataclass(frozen=True, slots=True)
class PoolStats:
    """What this process's connection pool is doing at one moment."""

    in_use: int
    """Connections lent out to work in progress."""
    idle: int
    """Connections open and waiting in the pool for work."""
    waiting: int
    """Pieces of work queued at the admission gate for a connection."""


class SqlDatabase:
    """An engine, the statements built for its dialect, and the queue in front of its pool."""

    def __init__(self, engine: AsyncEngine, options: EngineOptions) -> None:
        self.engine = engine
        self.admission = AdmissionGate(options.pool_size, options.pool_wait)
        """Every use of a pooled connection passes here first, so waits are fair and bounded."""
        self.work_budget = options.work_budget
        """Seconds one piece of work may hold a connection, from connecting to giving it back."""
        dialect = engine.dialect.name
        self.idempotency = IdempotencyStatements(dialect)
        self.accounts = AccountStatements(dialect)
        self._compiled = CompiledStatements(engine.dialect) if dialect == "postgresql" else None
        """On PostgreSQL, the repositories' statements run straight on asyncpg (`execution`)."""
        self._watch = PoolWatch(engine) if dialect == "postgresql" else None
        """On PostgreSQL, idle connections are checked out without a greenlet (`bounded`)."""
        self._parked = Parked()
        """On PostgreSQL, connections between pieces of work: still checked out (`bounded`)."""

    def connection(
        self, *, read_only: bool = False
    ) -> AbstractAsyncContextManager[AsyncConnection]:
        """A pooled connection for one piece of work, in turn and within `work_budget`."""
        return bounded_connection(
            self.engine,
            self.admission,
            self.work_budget,
            # With asyncpg used directly, the unit of work sends BEGIN itself, and
            # SQLAlchemy must not open a transaction of its own beside it.
            autocommit=read_only or self._compiled is not None,
            watch=self._watch,
            parked=self._parked,
        )

    def executor(self, connection: AsyncConnection) -> Executor:
        """What runs the repositories' statements on `connection`."""
        if self._compiled is None:
            return SqlAlchemyExecutor(connection)
        # The pooled connection is checked out and valid: reading it does no I/O.
        sync = connection.sync_connection
        assert sync is not None, "a checked-out connection has started"
        raw = sync.connection.driver_connection
        assert raw is not None, "a checked-out connection has its driver's"
        return AsyncpgExecutor(connection, raw, self._compiled)

    async def ping(self) -> None:
        """Raise `StorageUnavailable` unless the database answers with the service's tables.

        A database that answers without them (never migrated, a table dropped)
        cannot serve a request either: not ready, though no retry will cure it.
        """
        async with unavailable_on_failure(), self.connection(read_only=True) as connection:
            missing = await connection.run_sync(_missing_tables)
        if missing:
            raise StorageUnavailable(f"tables missing: {', '.join(sorted(missing))}")

    def pool_stats(self) -> PoolStats:
        """The pool's connections in use and idle, and the work waiting for one: read, not
        measured, so cheap enough for every metrics scrape."""
        pool = self.engine.pool
        # Always a QueuePool here (`_pool_arguments`); anything else lends nothing out.
        if not isinstance(pool, QueuePool):  # pragma: no cover
            return PoolStats(in_use=0, idle=0, waiting=self.admission.waiting)
        parked = len(self._parked)  # checked out of the pool, but waiting for work
        return PoolStats(
            in_use=pool.checkedout() - parked,
            idle=pool.checkedin() + parked,
            waiting=self.admission.waiting,
        )

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction of its own, outside the units of work (commands that
        change many rows at once), committed when the block ends well.

        Parked connections go back to the pool first: with every connection
        parked, the engine would otherwise have none to give.
        """
        await self._parked.close()
        async with self.engine.begin() as connection:
            yield connection

    async def close(self) -> None:
        await self._parked.close()
        await self.engine.dispose()


def open_database(url: str, options: EngineOptions) -> SqlDatabase:
    backend = make_url(url).get_backend_name()
    # hide_parameters: SQL errors go to the log, the values bound in them (bodies,
    # password hashes) must not.
    if backend == "postgresql":
        engine = create_async_engine(url, hide_parameters=True, **_postgresql_arguments(options))
        event.listen(engine.sync_engine, "checkout", _discard_if_closed)
    elif backend == "sqlite":
        engine = create_async_engine(url, hide_parameters=True, **_sqlite_arguments(options))
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
    else:
        raise ValueError(f"unsupported database: {backend}")
    return SqlDatabase(engine, options)


def _pool_arguments(options: EngineOptions) -> dict[str, Any]:
    """A fixed set of connections: no overflow to open under a burst and close after it.

    Overflow connections are closed as soon as they come back to a full pool,
    so a load above `pool_size` opened and closed database sessions all the
    time (538 in 8 s at 256 clients). Requests queue in `SqlDatabase.admission`
    instead, which has as many places as the pool has connections: the pool's
    own timeout is only a backstop for connections taken around the gate.
    """
    return {
        "pool_size": options.pool_size,
        "max_overflow": 0,
        "pool_timeout": options.pool_wait,
    }


def _postgresql_arguments(options: EngineOptions) -> dict[str, Any]:
    return {
        **_pool_arguments(options),
        "connect_args": {
            "timeout": options.connect_timeout,
            # The client gives up a little after the server would have cancelled,
            # so a network that swallows packets cannot hang a request either.
            "command_timeout": options.statement_timeout + 1,
            "server_settings": {
                "statement_timeout": str(int(options.statement_timeout * 1000)),
                "application_name": "tasks-api",
            },
        },
    }


def _discard_if_closed(
    _dbapi_connection: Any, _record: object, proxy: PoolProxiedConnection
) -> None:
    """Keep the pool from handing out a connection the server has closed meanwhile.

    After a database restart every pooled connection is dead; asyncpg has seen
    each one closed, so checking costs no round trip (unlike `pool_pre_ping`).
    The pool replaces the connection and the request goes on, rather than
    failing once per pooled connection. A connection dropped silently (no
    FIN, e.g. a host that vanished) still fails its request, and is discarded.
    """
    if CHECKING_OUT_SYNCHRONOUSLY.get():
        return  # the lease checks, and discards a closed one without the pool's I/O
    driver = proxy.driver_connection
    if driver is not None and driver.is_closed():
        raise exc.DisconnectionError("the server closed this pooled connection")


def _sqlite_arguments(options: EngineOptions) -> dict[str, Any]:
    return {
        **_pool_arguments(options),
        # How long a writer waits for another writer's lock before failing.
        "connect_args": {"timeout": options.statement_timeout},
    }


def _configure_sqlite(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while one connection writes; foreign keys make
    # ON DELETE CASCADE work, as it does on PostgreSQL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
