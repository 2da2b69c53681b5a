"""The note repository on SQL databases: what is the notes' own, their search.

Everything else (statements by id and version, lists, row mapping) is what
every versioned table shares: `versioned_rows`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, or_

from adapters.sqlalchemy.queries import contains, like_pattern
from adapters.sqlalchemy.tables import notes
from adapters.sqlalchemy.versioned_rows import VersionedRepository, VersionedTable
from domain.note import NewNote, Note, NoteFilters


def _filter_params(filters: NoteFilters) -> dict[str, Any]:
    return {} if filters.search is None else {"search": like_pattern(filters.search)}


def _conditions(given: Collection[str]) -> list[ColumnElement[bool]]:
    if "search" not in given:
        return []
    return [or_(contains(notes.c.title_folded, "search"), contains(notes.c.body_folded, "search"))]


class NoteStatements(VersionedTable[Note, NewNote, NoteFilters]):
    """Every statement the note repository runs, the same on every database."""

    def __init__(self, _dialect: str) -> None:
        super().__init__(notes, Note, filter_params=_filter_params, conditions=_conditions)


class SqlNoteRepository(VersionedRepository[Note, NewNote, NoteFilters]):
    """Notes need nothing beyond what every versioned table does."""
