"""The SQL unit of work: one connection, one transaction, committed only on request."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.engine import SqlDatabase
from adapters.sqlalchemy.failures import is_unavailable, unavailable_on_failure
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

    async def __aenter__(self) -> Self:
        # In line for a pooled connection first: strictly in arrival order, and
        # shed (StorageOverloaded) past the configured wait.
        await self._database.admission.enter()
        try:
            async with unavailable_on_failure():
                connection = await self._database.engine.connect()
            if self._read_only:
                try:
                    await connection.execution_options(isolation_level="AUTOCOMMIT")
                except BaseException:
                    await connection.close()
                    raise
        except BaseException:
            self._database.admission.leave()
            raise
        self._connection = connection
        db = self._database
        self.tasks = SqlTaskRepository(connection, db.tasks)
        self.notes = SqlNoteRepository(connection, db.notes)
        self.idempotency = SqlIdempotencyStore(connection, db.idempotency)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        assert connection is not None, "the unit of work was not entered"
        try:
            # Returning the connection to the pool rolls back whatever is uncommitted.
            await connection.close()
        except Exception as error:
            if exc is None and not is_unavailable(error):
                raise
            # The original error, if any, is the one to report; a connection that
            # broke has already been invalidated by SQLAlchemy.
        finally:
            # The connection is back in the pool: the next in line may take it.
            self._database.admission.leave()
        if exc is not None and isinstance(exc, Exception) and is_unavailable(exc):
            raise StorageUnavailable(exc.__class__.__name__) from exc

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        assert self._connection is not None, "the unit of work was not entered"
        await self._connection.commit()
