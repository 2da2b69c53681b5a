"""The in-memory repository of every kind of resource: rows in a dict, written through the
journal. The kind says all that differs: how a new one is stored, and which ones a
list's filters match."""

from __future__ import annotations

from collections.abc import Container, Iterator
from typing import Generic

from adapters.memory.journal import Journal
from adapters.memory.queries import select
from adapters.memory.store import Owned
from application.errors import AccountGone
from application.paging import Slice, Window
from application.ports import Repository
from application.resources import E, F, N, ResourceKind


class MemoryRepository(Repository[E, N, F], Generic[E, N, F]):
    """Rows kept in a dict, each with its owner; every write goes through the journal,
    for rollback. Another owner's row is treated exactly like a missing one."""

    def __init__(
        self,
        kind: ResourceKind[E, N, F],
        rows: dict[int, Owned[E]],
        ids: Iterator[int],
        journal: Journal,
        accounts: Container[int],
    ) -> None:
        self._kind = kind
        self._rows = rows
        self._ids = ids
        self._journal = journal
        self._accounts = accounts
        """The ids of the accounts that exist: a row's owner must be one (the SQL foreign key)."""

    async def add(self, owner: int, new: N) -> E:
        if owner not in self._accounts:
            raise AccountGone
        stored = self._kind.stored_as(new, next(self._ids))
        self._journal.put(self._rows, stored.id, Owned(owner, stored))
        return stored

    async def get(self, owner: int, resource_id: int, *, for_update: bool = False) -> E | None:
        # Nothing to lock: no other coroutine runs between a read and the write after it.
        return self._own(owner, resource_id)

    async def list(self, owner: int, filters: F, window: Window) -> Slice[E]:
        mine = (row.resource for row in self._rows.values() if row.owner == owner)
        matches = self._kind.matches
        return select(mine, lambda resource: matches(filters, resource), window)

    async def update(self, owner: int, current: E, updated: E) -> bool:
        stored = self._own(owner, current.id)
        if stored is None or stored.version != current.version:
            return False
        self._journal.put(self._rows, current.id, Owned(owner, updated))
        return True

    async def delete(self, owner: int, resource_id: int, *, version: int | None = None) -> bool:
        stored = self._own(owner, resource_id)
        if stored is None or (version is not None and stored.version != version):
            return False
        self._journal.put(self._rows, resource_id, None)
        return True

    def _own(self, owner: int, resource_id: int) -> E | None:
        row = self._rows.get(resource_id)
        return row.resource if row is not None and row.owner == owner else None
