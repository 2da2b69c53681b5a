"""The SQL unit of work: one connection, one transaction, committed only on request."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.accounts import (
    SqlAccountStore,
    SqlLoginAttempts,
    SqlRefreshTokenStore,
)
from adapters.sqlalchemy.engine import SqlDatabase
from adapters.sqlalchemy.failures import is_unavailable
from adapters.sqlalchemy.idempotency import SqlIdempotencyStore
from adapters.sqlalchemy.notes import SqlNoteRepository
from adapters.sqlalchemy.tasks import SqlTaskRepository
from application.errors import StorageUnavailable
from application.ports import UnitOfWork


class SqlUnitOfWork(UnitOfWork):
    """Each use case opens its own; leaving it without `commit()` rolls back.

    A read-only unit of work runs in autocommit mode: its single statement
    needs no BEGIN and COMMIT, which saves two round trips per read.
    """

    def __init__(self, database: SqlDatabase, *, read_only: bool = False) -> None:
        self._database = database
        self._read_only = read_only
        self._connection: AsyncConnection | None = None
        self._lease: AbstractAsyncContextManager[AsyncConnection] | None = None

    async def __aenter__(self) -> Self:
        # In line for a pooled connection (shed past the configured wait), then
        # the whole unit of work is bounded by the database's work budget.
        self._lease = self._database.connection(read_only=self._read_only)
        connection = await self._lease.__aenter__()
        self._connection = connection
        db = self._database
        self.tasks = SqlTaskRepository(connection, db.tasks)
        self.notes = SqlNoteRepository(connection, db.notes)
        self.idempotency = SqlIdempotencyStore(connection, db.idempotency)
        self.accounts = SqlAccountStore(connection, db.accounts)
        self.refresh_tokens = SqlRefreshTokenStore(connection, db.accounts)
        self.login_attempts = SqlLoginAttempts(connection, db.accounts)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        lease, self._lease = self._lease, None
        assert lease is not None, "the unit of work was not entered"
        self._connection = None
        try:
            # Giving the connection back rolls back whatever is uncommitted.
            await lease.__aexit__(exc_type, exc, traceback)
        except Exception as error:
            if is_unavailable(error) and not isinstance(error, StorageUnavailable):
                # The budget ran out (TimeoutError), or the connection failed.
                raise StorageUnavailable(error.__class__.__name__) from error
            raise
        if exc is not None and isinstance(exc, Exception) and is_unavailable(exc):
            raise StorageUnavailable(exc.__class__.__name__) from exc

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        assert self._connection is not None, "the unit of work was not entered"
        await self._connection.commit()
