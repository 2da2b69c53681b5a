"""In-memory repositories of tasks and notes: rows in dicts, written through the journal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from adapters.memory.journal import Journal
from adapters.memory.queries import select
from adapters.memory.store import Owned
from application.paging import Slice, Window
from application.ports import Repository
from application.resources import Versioned
from domain.note import NewNote, Note, NoteFilters
from domain.task import NewTask, Task, TaskFilters
from domain.text import fold

E = TypeVar("E", bound=Versioned)
N = TypeVar("N")
F = TypeVar("F")


class MemoryRepository(Repository[E, N, F], Generic[E, N, F]):
    """Rows kept in a dict, each with its owner; every write goes through the journal,
    for rollback. Another owner's row is treated exactly like a missing one.

    What differs between resources is given, not overridden: how a new one
    becomes a stored one, and which rows a list's filters match.
    """

    def __init__(
        self,
        rows: dict[int, Owned[E]],
        ids: Iterator[int],
        journal: Journal,
        *,
        stored_as: Callable[[N, int], E],
        matcher: Callable[[F], Callable[[E], bool]],
    ) -> None:
        self._rows = rows
        self._ids = ids
        self._journal = journal
        self._stored_as = stored_as
        self._matcher = matcher

    async def add(self, owner: int, new: N) -> E:
        stored = self._stored_as(new, next(self._ids))
        self._journal.put(self._rows, stored.id, Owned(owner, stored))
        return stored

    async def get(self, owner: int, resource_id: int, *, for_update: bool = False) -> E | None:
        # Nothing to lock: no other coroutine runs between a read and the write after it.
        return self._own(owner, resource_id)

    async def list(self, owner: int, filters: F, window: Window) -> Slice[E]:
        mine = (row.resource for row in self._rows.values() if row.owner == owner)
        return select(mine, self._matcher(filters), window)

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


def task_matcher(filters: TaskFilters) -> Callable[[Task], bool]:
    search, done, tags = filters.search, filters.done, set(filters.tags)

    def matches(task: Task) -> bool:
        return (
            (search is None or search in fold(task.title))
            and (done is None or task.done == done)
            and tags.issubset(task.tags)
        )

    return matches


def note_matcher(filters: NoteFilters) -> Callable[[Note], bool]:
    search = filters.search

    def matches(note: Note) -> bool:
        return search is None or search in fold(note.title) or search in fold(note.body)

    return matches


def task_repository(
    rows: dict[int, Owned[Task]], ids: Iterator[int], journal: Journal
) -> MemoryRepository[Task, NewTask, TaskFilters]:
    return MemoryRepository(rows, ids, journal, stored_as=NewTask.stored_as, matcher=task_matcher)


def note_repository(
    rows: dict[int, Owned[Note]], ids: Iterator[int], journal: Journal
) -> MemoryRepository[Note, NewNote, NoteFilters]:
    return MemoryRepository(rows, ids, journal, stored_as=NewNote.stored_as, matcher=note_matcher)
