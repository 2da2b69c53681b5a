"""What every versioned resource's table shares: its statements by id and version,
and running them. Each repository adds what is its own (columns, tags, filters)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, Table, bindparam, delete, insert, select, update

from adapters.sqlalchemy.execution import Executor, Row
from adapters.sqlalchemy.failures import account_gone_on_missing_owner

E = TypeVar("E")


class RowStatements:
    """Statements on one table's rows by id (and version), built once and reused."""

    def __init__(self, table: Table, columns: Sequence[ColumnElement[Any]]) -> None:
        row_id, version = table.c.id, table.c.version
        # Every statement names the owner: another owner's row is no row at all.
        # (Not "owner_id": an UPDATE reserves its column names for the SET clause.)
        mine = table.c.owner_id == bindparam("match_owner")
        self.get: Select[Any] = select(*columns).where(row_id == bindparam("row_id"), mine)
        # SQLite has no row locks (its writers are serialised anyway): this
        # renders FOR UPDATE on PostgreSQL only.
        self.get_for_update = self.get.with_for_update(of=table)
        self.insert = insert(table).returning(row_id)
        # The SET clause comes from the values given; the match is on id and version.
        self.update = update(table).where(
            row_id == bindparam("match_id"), mine, version == bindparam("match_version")
        )
        self.delete = delete(table).where(row_id == bindparam("row_id"), mine)
        self.delete_version = self.delete.where(version == bindparam("match_version"))


class VersionedRows(Generic[E]):
    """One table's rows read and written by id, as entities."""

    def __init__(
        self,
        executor: Executor,
        statements: RowStatements,
        entity: Callable[[Row], E],
    ) -> None:
        self._execute = executor
        self._sql = statements
        self._entity = entity

    async def get(self, owner: int, row_id: int, *, for_update: bool = False) -> E | None:
        statement = self._sql.get_for_update if for_update else self._sql.get
        params = {"match_owner": owner, "row_id": row_id}
        row = await self._execute.row(statement, params)
        return None if row is None else self._entity(row)

    async def insert(self, owner: int, values: dict[str, Any]) -> int:
        """Insert a row of `owner` at version 1; returns its new id."""
        with account_gone_on_missing_owner():
            row = await self._execute.row(
                self._sql.insert, {**values, "owner_id": owner, "version": 1}
            )
        assert row is not None, "an INSERT ... RETURNING gives its row"
        row_id: int = row["id"]
        return row_id

    async def update(self, owner: int, row_id: int, version: int, values: dict[str, Any]) -> bool:
        """Write `values` only if the row is still at `version`: one atomic statement."""
        params = {**values, "match_owner": owner, "match_id": row_id, "match_version": version}
        return await self._execute.count(self._sql.update, params) == 1

    async def delete(self, owner: int, row_id: int, version: int | None) -> bool:
        params: dict[str, Any] = {"match_owner": owner, "row_id": row_id}
        if version is None:
            return await self._execute.count(self._sql.delete, params) == 1
        changed = await self._execute.count(
            self._sql.delete_version, {**params, "match_version": version}
        )
        return changed == 1
