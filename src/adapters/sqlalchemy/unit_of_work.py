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
from adapters.sqlalchemy.execution import Executor
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
        self._executor: Executor | None = None
        self._lease: AbstractAsyncContextManager[AsyncConnection] | None = None

    async def __aenter__(self) -> Self:
        # In line for a pooled connection (shed past the configured wait), then
        # the whole unit of work is bounded by the database's work budget.
        self._lease = self._database.connection(read_only=self._read_only)
        connection = await self._lease.__aenter__()
        db = self._database
        # Straight on asyncpg on PostgreSQL, through SQLAlchemy on SQLite (engine.py).
        executor = self._executor = db.executor(connection)
        if not self._read_only:
            try:
                await executor.begin()
            except BaseException as error:
                await self.__aexit__(type(error), error, error.__traceback__)
                raise
        self.tasks = SqlTaskRepository(executor, db.tasks)
        self.notes = SqlNoteRepository(executor, db.notes)
        self.idempotency = SqlIdempotencyStore(executor, db.idempotency)
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
        executor, self._executor = self._executor, None
        assert lease is not None, "the unit of work was not entered"
        assert executor is not None
        ending: BaseException | None = None
        if exc is None or (isinstance(exc, Exception) and not is_unavailable(exc)):
            # Roll back whatever is uncommitted, on a connection that still works
            # (a broken one is discarded by the lease instead).
            try:
                await executor.end()
            except BaseException as error:
                ending = error
                exc_type, exc, traceback = type(error), error, error.__traceback__
        try:
            await lease.__aexit__(exc_type, exc, traceback)
            if ending is not None:
                raise ending
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
        assert self._executor is not None, "the unit of work was not entered"
        await self._executor.commit()
