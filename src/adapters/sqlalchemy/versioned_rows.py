"""What every versioned resource's table shares: its statements by id and version,
and running them. Each repository adds what is its own (columns, tags, filters)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.queries import AnyRow

E = TypeVar("E")


class RowStatements:
    """Statements on one table's rows by id (and version), built once and reused."""

    def __init__(self, table: Table, columns: Sequence[ColumnElement[Any]]) -> None:
        row_id, version = table.c.id, table.c.version
        self.get: Select[Any] = select(*columns).where(row_id == bindparam("row_id"))
        # SQLite has no row locks (its writers are serialised anyway): this
        # renders FOR UPDATE on PostgreSQL only.
        self.get_for_update = self.get.with_for_update(of=table)
        self.insert = insert(table).returning(row_id)
        # The SET clause comes from the values given; the match is on id and version.
        self.update = update(table).where(
            row_id == bindparam("match_id"), version == bindparam("match_version")
        )
        self.delete = delete(table).where(row_id == bindparam("row_id"))
        self.delete_version = self.delete.where(version == bindparam("match_version"))


class VersionedRows(Generic[E]):
    """One table's rows read and written by id, as entities."""

    def __init__(
        self,
        connection: AsyncConnection,
        statements: RowStatements,
        entity: Callable[[AnyRow], E],
    ) -> None:
        self._connection = connection
        self._sql = statements
        self._entity = entity

    async def get(self, row_id: int, *, for_update: bool = False) -> E | None:
        statement = self._sql.get_for_update if for_update else self._sql.get
        row = (await self._connection.execute(statement, {"row_id": row_id})).one_or_none()
        return None if row is None else self._entity(row)

    async def insert(self, values: dict[str, Any]) -> int:
        """Insert a row at version 1; returns its new id."""
        result = await self._connection.execute(self._sql.insert, {**values, "version": 1})
        row_id: int = result.scalar_one()
        return row_id

    async def update(self, row_id: int, version: int, values: dict[str, Any]) -> bool:
        """Write `values` only if the row is still at `version`: one atomic statement."""
        result = await self._connection.execute(
            self._sql.update, {**values, "match_id": row_id, "match_version": version}
        )
        return result.rowcount == 1

    async def delete(self, row_id: int, version: int | None) -> bool:
        if version is None:
            result = await self._connection.execute(self._sql.delete, {"row_id": row_id})
        else:
            result = await self._connection.execute(
                self._sql.delete_version, {"row_id": row_id, "match_version": version}
            )
        return result.rowcount == 1
