"""The note repository on SQL databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_

from adapters.sqlalchemy.execution import Executor, Row
from adapters.sqlalchemy.queries import (
    contains,
    like_pattern,
    to_slice,
    window_params,
    windowed,
)
from adapters.sqlalchemy.tables import notes
from adapters.sqlalchemy.versioned_rows import RowStatements, VersionedRows
from application.paging import Slice, Window
from application.ports import Repository
from domain.note import NewNote, Note, NoteFilters
from domain.sorting import Sort
from domain.text import fold

_ListShape = tuple[Sort, bool, bool, bool]


class NoteStatements:
    """Every statement the note repository runs, built once and reused
    (list statements once per shape of query)."""

    def __init__(self) -> None:
        self.columns = (
            notes.c.id,
            notes.c.title,
            notes.c.body,
            notes.c.created_at,
            notes.c.updated_at,
            notes.c.version,
        )
        self.rows = RowStatements(notes, self.columns)
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


def _note(row: Row) -> Note:
    return Note(
        id=row["id"],
        title=row["title"],
        body=row["body"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


def _values(note: Note | NewNote) -> dict[str, Any]:
    """The columns written for a note's content; search matches the folded copies."""
    return {
        "title": note.title,
        "title_folded": fold(note.title),
        "body": note.body,
        "body_folded": fold(note.body),
    }


class SqlNoteRepository(Repository[Note, NewNote, NoteFilters]):
    def __init__(self, executor: Executor, statements: NoteStatements) -> None:
        self._execute = executor
        self._sql = statements
        self._rows = VersionedRows(executor, statements.rows, _note)

    async def add(self, owner: int, new: NewNote) -> Note:
        values = {**_values(new), "created_at": new.created_at, "updated_at": new.created_at}
        return new.stored_as(await self._rows.insert(owner, values))

    async def get(self, owner: int, resource_id: int, *, for_update: bool = False) -> Note | None:
        return await self._rows.get(owner, resource_id, for_update=for_update)

    async def list(self, owner: int, filters: NoteFilters, window: Window) -> Slice[Note]:
        params = window_params(owner, window)
        if filters.search is not None:
            params["search"] = like_pattern(filters.search)
        rows = await self._execute.rows(self._sql.list(filters, window), params)
        return to_slice(rows, window, _note)

    async def update(self, owner: int, current: Note, updated: Note) -> bool:
        values = {
            **_values(updated),
            "updated_at": updated.updated_at,
            "version": updated.version,
        }
        return await self._rows.update(owner, current.id, current.version, values)

    async def delete(self, owner: int, resource_id: int, *, version: int | None = None) -> bool:
        return await self._rows.delete(owner, resource_id, version)
