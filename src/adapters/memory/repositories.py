"""In-memory repositories of tasks and notes."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterator
from typing import Generic, Protocol, TypeVar

from adapters.memory.journal import Journal
from adapters.memory.listing import select
from application.filters import NoteFilters, TaskFilters
from application.listing import Slice, Window
from application.ports import NoteRepository, TaskRepository
from application.resources import Versioned
from domain.note import NewNote, Note
from domain.task import NewTask, Task
from domain.text import fold

E = TypeVar("E", bound=Versioned)  # type: ignore[type-arg]
E_co = TypeVar("E_co", covariant=True)
F = TypeVar("F")


class _Storable(Protocol[E_co]):
    def stored_as(self, resource_id: int, /) -> E_co: ...


N = TypeVar("N", bound=_Storable)  # type: ignore[type-arg]


class _MemoryRepository(Generic[E, N, F]):
    """Rows kept in a dict; every write goes through the journal, for rollback."""

    def __init__(self, rows: dict[int, E], ids: Iterator[int], journal: Journal) -> None:
        self._rows = rows
        self._ids = ids
        self._journal = journal

    @abstractmethod
    def _matches(self, filters: F) -> Callable[[E], bool]: ...

    async def add(self, new: N) -> E:
        stored: E = new.stored_as(next(self._ids))
        self._journal.put(self._rows, stored.id, stored)
        return stored

    async def get(self, resource_id: int, *, for_update: bool = False) -> E | None:
        # Nothing to lock: no other coroutine runs between a read and the write after it.
        return self._rows.get(resource_id)

    async def list(self, filters: F, window: Window) -> Slice[E]:
        return select(self._rows.values(), self._matches(filters), window)

    async def update(self, current: E, updated: E) -> bool:
        stored = self._rows.get(current.id)
        if stored is None or stored.version != current.version:
            return False
        self._journal.put(self._rows, current.id, updated)
        return True

    async def delete(self, resource_id: int, *, version: int | None = None) -> bool:
        stored = self._rows.get(resource_id)
        if stored is None or (version is not None and stored.version != version):
            return False
        self._journal.put(self._rows, resource_id, None)
        return True


class MemoryTaskRepository(_MemoryRepository[Task, NewTask, TaskFilters], TaskRepository):
    def _matches(self, filters: TaskFilters) -> Callable[[Task], bool]:
        search, done, tags = filters.search, filters.done, set(filters.tags)

        def matches(task: Task) -> bool:
            return (
                (search is None or search in fold(task.title))
                and (done is None or task.done == done)
                and tags.issubset(task.tags)
            )

        return matches


class MemoryNoteRepository(_MemoryRepository[Note, NewNote, NoteFilters], NoteRepository):
    def _matches(self, filters: NoteFilters) -> Callable[[Note], bool]:
        search = filters.search

        def matches(note: Note) -> bool:
            return search is None or search in fold(note.title) or search in fold(note.body)

        return matches
