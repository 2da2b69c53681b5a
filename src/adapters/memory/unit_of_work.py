"""The in-memory unit of work: writes go straight to the dicts; what is not committed is undone."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from adapters.memory.accounts import (
    MemoryAccountStore,
    MemoryLoginAttempts,
    MemoryRefreshTokenStore,
)
from adapters.memory.idempotency import MemoryIdempotencyStore
from adapters.memory.journal import Journal
from adapters.memory.repositories import MemoryRepository
from adapters.memory.store import MemoryDatabase
from application.ports import Repository, UnitOfWork
from application.resources import E, F, N, ResourceKind


class MemoryUnitOfWork(UnitOfWork):
    def __init__(
        self, database: MemoryDatabase, *, read_only: bool = False, single_statement: bool = False
    ) -> None:
        # `single_statement` changes nothing here: every unit of work is as cheap.
        self._database = database
        self._read_only = read_only
        self._journal = Journal()
        self.committed = False
        """Whether `commit()` was called: lets unit tests check that a use case commits."""

    async def __aenter__(self) -> Self:
        db = self._database
        accounts = db.account_tables.accounts
        self.idempotency = MemoryIdempotencyStore(db.idempotency, self._journal, accounts)
        # The tables of every kind stored so far, which an account's deletion empties
        # of its rows. A table made later holds none of them: nothing in memory
        # yields to another coroutine between a unit of work's start and its writes.
        owned: tuple[dict[int, Any], ...] = tuple(db.resources.values())
        self.accounts = MemoryAccountStore(
            db.account_tables, self._journal, owned=owned, keys=db.idempotency
        )
        self.refresh_tokens = MemoryRefreshTokenStore(db.account_tables, self._journal)
        self.login_attempts = MemoryLoginAttempts(db.account_tables, self._journal)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._journal.rollback()

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self._journal.forget()
        self.committed = True

    def repository(self, kind: ResourceKind[E, N, F]) -> Repository[E, N, F]:
        db = self._database
        return MemoryRepository(
            kind, db.table(kind), db.ids[kind.name], self._journal, db.account_tables.accounts
        )
