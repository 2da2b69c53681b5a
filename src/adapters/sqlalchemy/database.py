"""The engine, its connection settings per database, and the statements built for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import PoolProxiedConnection

from adapters.sqlalchemy.errors import unavailable_on_failure
from adapters.sqlalchemy.idempotency import IdempotencyStatements
from adapters.sqlalchemy.notes import NoteStatements
from adapters.sqlalchemy.tasks import TaskStatements


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineOptions:
    pool_size: int = 20
    """Connections kept open: as many as requests expected at once, so none waits or reconnects."""
    connect_timeout: float = 5.0
    """Seconds to wait for a connection, new or from the pool."""
    statement_timeout: float = 5.0
    """Seconds a statement may run before it is cancelled."""


class SqlDatabase:
    """An engine and the statements built for its dialect."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        dialect = engine.dialect.name
        self.tasks = TaskStatements(dialect)
        self.notes = NoteStatements()
        self.idempotency = IdempotencyStatements(dialect)

    async def ping(self) -> None:
        """Raise `StorageUnavailable` unless the database answers."""
        async with unavailable_on_failure(), self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def close(self) -> None:
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
    return SqlDatabase(engine)


def _postgresql_arguments(options: EngineOptions) -> dict[str, Any]:
    return {
        "pool_size": options.pool_size,
        "max_overflow": options.pool_size,
        "pool_timeout": options.connect_timeout,
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
    driver = proxy.driver_connection
    if driver is not None and driver.is_closed():
        raise exc.DisconnectionError("the server closed this pooled connection")


def _sqlite_arguments(options: EngineOptions) -> dict[str, Any]:
    return {
        "pool_size": options.pool_size,
        "max_overflow": options.pool_size,
        "pool_timeout": options.connect_timeout,
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
