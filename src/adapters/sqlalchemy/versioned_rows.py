"""What every versioned resource's table shares: its statements by id and version,
its list statements, the mapping between its rows and the entity, and the
repository running them. Each resource's module adds only what is its own
(its filters; a task's tags).

Derived from the entity's fields, so no field list is written out again: the
columns read are the fields the table has, a row becomes an entity field by
field, and the content written is every other field the table has, plus the
`<field>_folded` copies that search matches.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import Field, fields
from datetime import datetime
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, Table, bindparam, delete, insert, select, update

from adapters.sqlalchemy.execution import Executor, Row
from adapters.sqlalchemy.failures import account_gone_on_missing_owner
from adapters.sqlalchemy.queries import to_slice, window_params, windowed
from application.paging import Slice, Window
from application.ports import Repository
from domain.sorting import Sort
from domain.text import fold


class Stored(Protocol):
    """An entity as stored, a dataclass: its id and where it is in its history."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    @property
    def id(self) -> int: ...
    @property
    def version(self) -> int: ...
    @property
    def updated_at(self) -> datetime: ...


class New(Protocol):
    """An entity not stored yet."""

    @property
    def created_at(self) -> datetime: ...
    def stored_as(self, row_id: int, /) -> Any: ...


E = TypeVar("E", bound="Stored")
N = TypeVar("N", bound="New")
F = TypeVar("F")

_HISTORY = frozenset({"id", "owner_id", "created_at", "updated_at", "version"})
"""Columns the repository itself writes, not the entity's content."""
_FOLDED = "_folded"

PerRow = Callable[[ColumnElement[Any]], Sequence[ColumnElement[Any]]]
"""The columns computed from a row's id (a task's tags)."""


class VersionedTable(Generic[E, N, F]):
    """One resource's table: every statement its repository runs, built once and
    reused (a list statement once per shape of query), and its rows as entities.

    `filter_params(filters)` gives the values a list binds for its filters (none
    for a filter not given); `conditions(names)` gives the WHERE conditions using
    those names. The names given are the shape of the query. `per_row(id)` gives
    the columns computed from a row's id (a task's tags), and `convert[field]` turns
    what the database returns for a field into the entity's value.
    """

    def __init__(
        self,
        table: Table,
        entity: type[E],
        *,
        filter_params: Callable[[F], dict[str, Any]],
        conditions: Callable[[Collection[str]], list[ColumnElement[bool]]],
        per_row: PerRow = lambda _: (),
        convert: dict[str, Callable[[Any], Any]] | None = None,
    ) -> None:
        names = [field.name for field in fields(entity)]
        self.table = table
        self.own_columns = tuple(table.c[name] for name in names if name in table.c)
        """The columns of the entity's fields that the table has."""
        content = [column.name for column in self.own_columns if column.name not in _HISTORY]
        self._content = tuple(
            (name, f"{name}{_FOLDED}" if f"{name}{_FOLDED}" in table.c else None)
            for name in content
        )
        self.written = tuple(column for pair in self._content for column in pair if column)
        """The columns written for an entity's content: its fields, and their folded copies."""
        self._entity = entity
        self._names = names
        self._convert = convert or {}
        self._filter_params = filter_params
        self._conditions = conditions
        self._per_row = per_row
        self._lists: dict[tuple[Sort, bool, bool, tuple[str, ...]], Select[Any]] = {}

        row_id, version = table.c.id, table.c.version
        # Every statement names the owner: another owner's row is no row at all.
        # (Not "owner_id": an UPDATE reserves its column names for the SET clause.)
        mine = table.c.owner_id == bindparam("match_owner")
        columns = (*self.own_columns, *per_row(row_id))
        self.get: Select[Any] = select(*columns).where(row_id == bindparam("row_id"), mine)
        # SQLite has no row locks (its writers are serialised anyway): this
        # renders FOR UPDATE on PostgreSQL only.
        self.get_for_update = self.get.with_for_update(of=table)
        self.insert = insert(table).returning(row_id)
        # The SET clause comes from the values given; the match is on id and version.
        self.update = update(table).where(
            row_id == bindparam("match_id"),
            mine,
            version == bindparam("match_version"),
            unlocked(table, "match_id"),
        )
        self.delete = delete(table).where(
            row_id == bindparam("row_id"), mine, unlocked(table, "row_id")
        )
        self.delete_version = self.delete.where(version == bindparam("match_version"))

    def entity(self, row: Row) -> E:
        """The entity in a row of `get` or of a list."""
        values = {name: row[name] for name in self._names}
        for name, convert in self._convert.items():
            values[name] = convert(values[name])
        return self._entity(**values)

    def values(self, entity: E | N) -> dict[str, Any]:
        """The content columns written for `entity`."""
        values = {}
        for name, folded in self._content:
            value = values[name] = getattr(entity, name)
            if folded is not None:
                values[folded] = fold(value)
        return values

    def list(self, owner: int, filters: F, window: Window) -> tuple[Select[Any], dict[str, Any]]:
        """The statement for one page of `owner`'s list, and the values it binds."""
        given = self._filter_params(filters)
        shape = (window.sort, window.after is not None, window.with_total, tuple(given))
        statement = self._lists.get(shape)
        if statement is None:
            statement = self._lists[shape] = windowed(
                self.table,
                self.own_columns,
                self._conditions(shape[3]),
                sort=window.sort,
                keyset=window.after is not None,
                with_total=window.with_total,
                per_row=self._per_row,
            )
        return statement, window_params(owner, window) | given


def unlocked(table: Table, row_id: str) -> ColumnElement[bool]:
    """The row whose id is bound to `row_id`, unless another transaction holds its lock.

    A write conditioned on it never waits for a rival (FOR UPDATE SKIP LOCKED, on
    PostgreSQL; SQLite has no row locks): it writes nothing instead, which the use
    case takes as a lost race and retries in a transaction that waits its turn. A
    write run on its own (autocommit) that waited on a lock would commit whenever
    the lock is released, even after its request was cut and answered 503. The
    row locked by the write's own transaction is not skipped.
    """
    return table.c.id.in_(
        select(table.c.id).where(table.c.id == bindparam(row_id)).with_for_update(skip_locked=True)
    )


class VersionedRepository(Repository[E, N, F]):
    """A resource's rows read and written by id, each write matched on its version."""

    def __init__(self, executor: Executor, table: VersionedTable[E, N, F]) -> None:
        self._execute = executor
        self._table = table

    async def add(self, owner: int, new: N) -> E:
        values = self._table.values(new)
        values |= {"created_at": new.created_at, "updated_at": new.created_at}
        stored: E = new.stored_as(await self._insert(owner, values))
        return stored

    async def get(self, owner: int, resource_id: int, *, for_update: bool = False) -> E | None:
        statement = self._table.get_for_update if for_update else self._table.get
        row = await self._execute.row(statement, {"match_owner": owner, "row_id": resource_id})
        return None if row is None else self._table.entity(row)

    async def list(self, owner: int, filters: F, window: Window) -> Slice[E]:
        statement, params = self._table.list(owner, filters, window)
        return to_slice(await self._execute.rows(statement, params), window, self._table.entity)

    async def update(self, owner: int, current: E, updated: E) -> bool:
        """Write `updated` only if the row is still at `current`'s version: one statement."""
        params = self._changed_values(updated)
        params |= {"match_owner": owner, "match_id": current.id, "match_version": current.version}
        return await self._execute.count(self._table.update, params) == 1

    async def delete(self, owner: int, resource_id: int, *, version: int | None = None) -> bool:
        params: dict[str, Any] = {"match_owner": owner, "row_id": resource_id}
        if version is None:
            return await self._execute.count(self._table.delete, params) == 1
        params["match_version"] = version
        return await self._execute.count(self._table.delete_version, params) == 1

    def _changed_values(self, updated: E) -> dict[str, Any]:
        values = self._table.values(updated)
        values |= {"updated_at": updated.updated_at, "version": updated.version}
        return values

    async def _insert(self, owner: int, values: dict[str, Any]) -> int:
        """Insert a row of `owner` at version 1; returns its new id."""
        with account_gone_on_missing_owner():
            row = await self._execute.row(
                self._table.insert, {**values, "owner_id": owner, "version": 1}
            )
        assert row is not None, "an INSERT ... RETURNING gives its row"
        row_id: int = row["id"]
        return row_id
