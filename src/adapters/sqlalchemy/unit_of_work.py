"""The SQL unit of work: one connection, one transaction, committed only on request."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Generic, Self, TypeVar
from weakref import WeakKeyDictionary

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
from application.errors import StorageUnavailable
from application.ports import Repository, UnitOfWork
from application.resources import E, F, N, ResourceKind

S = TypeVar("S")


@dataclass(frozen=True, slots=True, eq=False)
class SqlResource(Generic[S]):
    """How the SQL store serves one kind of resource: its repository, on the unit of
    work's executor, with the statements it runs.

    The statements are built once per database (building a statement costs more
    than running a cached one) and kept as long as the database is.
    """

    repository: Callable[[Executor, S], Repository[Any, Any, Any]]
    statements: Callable[[str], S]
    """The statements for a dialect ("postgresql", "sqlite")."""
    _built: WeakKeyDictionary[SqlDatabase, S] = field(
        default_factory=WeakKeyDictionary, init=False, repr=False
    )

    def on(self, database: SqlDatabase, executor: Executor) -> Repository[Any, Any, Any]:
        statements = self._built.get(database)
        if statements is None:
            statements = self._built[database] = self.statements(database.engine.dialect.name)
        return self.repository(executor, statements)


SqlResources = Mapping[str, SqlResource[Any]]
"""By the name of the kind each serves."""


class SqlUnitOfWork(UnitOfWork):
    """Each use case opens its own; leaving it without `commit()` rolls back.

    A read-only unit of work runs in autocommit mode: its single statement
    needs no BEGIN and COMMIT, which saves two round trips per read. So does a
    `single_statement` one on PostgreSQL, where each repository write is one
    statement (a task's add and its tag-changing update are each one statement
    with CTEs: tasks.py); on SQLite, where they are several, it keeps its
    transaction.
    """

    def __init__(
        self,
        database: SqlDatabase,
        resources: SqlResources,
        *,
        read_only: bool = False,
        single_statement: bool = False,
    ) -> None:
        self._database = database
        self._resources = resources
        self._read_only = read_only
        self._autocommit = read_only or (
            single_statement and database.engine.dialect.name == "postgresql"
        )
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
        if not self._autocommit:
            try:
                await executor.begin()
            except BaseException as error:
                await self.__aexit__(type(error), error, error.__traceback__)
                raise
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
        if not self._autocommit:  # each statement was committed as it ran
            await self._executor.commit()

    def repository(self, kind: ResourceKind[E, N, F]) -> Repository[E, N, F]:
        assert self._executor is not None, "the unit of work was not entered"
        return self._resources[kind.name].on(self._database, self._executor)
