"""The note repository on SQL databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.listing import (
    AnyRow,
    contains,
    like_pattern,
    to_slice,
    window_params,
    windowed,
)
from adapters.sqlalchemy.tables import notes
from application.filters import NoteFilters
from application.listing import Slice, Window
from application.ports import NoteRepository
from domain.listing import Sort
from domain.note import NewNote, Note
from domain.text import fold

_ListShape = tuple[Sort, bool, bool, bool]


class NoteStatements:
    """Every statement the note repository runs, built once and reused."""

    def __init__(self) -> None:
        self.columns = (
            notes.c.id,
            notes.c.title,
            notes.c.body,
            notes.c.created_at,
            notes.c.updated_at,
            notes.c.version,
        )
        self.get = select(*self.columns).where(notes.c.id == bindparam("note_id"))
        # SQLite has no row locks (its writers are serialised anyway): this renders
        # FOR UPDATE on PostgreSQL only.
        self.get_for_update = self.get.with_for_update(of=notes)
        self.insert = insert(notes).returning(notes.c.id)
        self.update = update(notes).where(
            notes.c.id == bindparam("match_id"), notes.c.version == bindparam("match_version")
        )
        self.delete = delete(notes).where(notes.c.id == bindparam("note_id"))
        self.delete_version = self.delete.where(notes.c.version == bindparam("match_version"))
        self._lists: dict[_ListShape, Select[Any]] = {}

    def list(self, filters: NoteFilters, window: Window) -> Select[Any]:
        shape = (
            window.sort,
            filters.search is not None,
            window.after is not None,
            window.with_total,
        )
        statement = self._lists.get(shape)
        if statement is None:
            statement = self._lists[shape] = self._build_list(*shape)
        return statement

    def _build_list(self, sort: Sort, search: bool, keyset: bool, with_total: bool) -> Select[Any]:
        conditions = []
        if search:
            conditions.append(
                or_(
                    contains(notes.c.title_folded, "search"),
                    contains(notes.c.body_folded, "search"),
                )
            )
        return windowed(
            notes, self.columns, conditions, sort=sort, keyset=keyset, with_total=with_total
        )


def _note(row: AnyRow) -> Note:
    return Note(
        id=row.id,
        title=row.title,
        body=row.body,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


class SqlNoteRepository(NoteRepository):
    def __init__(self, connection: AsyncConnection, statements: NoteStatements) -> None:
        self._connection = connection
        self._sql = statements

    async def add(self, new: NewNote) -> Note:
        result = await self._connection.execute(
            self._sql.insert,
            {
                "title": new.title,
                "title_folded": fold(new.title),
                "body": new.body,
                "body_folded": fold(new.body),
                "created_at": new.created_at,
                "updated_at": new.created_at,
                "version": 1,
            },
        )
        return new.stored_as(result.scalar_one())

    async def get(self, resource_id: int, *, for_update: bool = False) -> Note | None:
        statement = self._sql.get_for_update if for_update else self._sql.get
        result = await self._connection.execute(statement, {"note_id": resource_id})
        row = result.one_or_none()
        return None if row is None else _note(row)

    async def list(self, filters: NoteFilters, window: Window) -> Slice[Note]:
        params = window_params(window)
        if filters.search is not None:
            params["search"] = like_pattern(filters.search)
        result = await self._connection.execute(self._sql.list(filters, window), params)
        return to_slice(result.all(), window, _note)

    async def update(self, current: Note, updated: Note) -> bool:
        result = await self._connection.execute(
            self._sql.update,
            {
                "match_id": current.id,
                "match_version": current.version,
                "title": updated.title,
                "title_folded": fold(updated.title),
                "body": updated.body,
                "body_folded": fold(updated.body),
                "updated_at": updated.updated_at,
                "version": updated.version,
            },
        )
        return result.rowcount == 1

    async def delete(self, resource_id: int, *, version: int | None = None) -> bool:
        if version is None:
            result = await self._connection.execute(self._sql.delete, {"note_id": resource_id})
        else:
            result = await self._connection.execute(
                self._sql.delete_version, {"note_id": resource_id, "match_version": version}
            )
        return result.rowcount == 1
