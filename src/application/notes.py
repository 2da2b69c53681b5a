"""Use cases of notes."""

from __future__ import annotations

from typing import ClassVar

from application.filters import NoteFilters
from application.idempotency import IdempotencyRequest
from application.ports import Repository, UnitOfWork
from application.resources import Created, ResourceService
from application.snapshots import dump_note, load_note
from domain.note import NewNote, Note, NoteChanges
from domain.text import normalize_search
from domain.validation import Validation


class NoteService(ResourceService[Note, NewNote, NoteChanges, NoteFilters]):
    name: ClassVar[str] = "Note"

    async def create(
        self, *, title: str, body: str = "", idempotency: IdempotencyRequest | None = None
    ) -> Created[Note]:
        new = NewNote.create(title=title, body=body, now=self._clock.now())
        return await self._create(new, idempotency)

    @staticmethod
    def filters(*, q: str | None = None) -> NoteFilters:
        """Validate list filters as the client gave them; `InvalidInput` names each bad one."""
        check = Validation()
        search = None if q is None else check.check("q", normalize_search, q)
        check.raise_if_invalid()
        return NoteFilters(search=search)

    def _repository(self, uow: UnitOfWork) -> Repository[Note, NewNote, NoteFilters]:
        return uow.notes

    def _dump(self, resource: Note) -> str:
        return dump_note(resource)

    def _load(self, snapshot: str) -> Note:
        return load_note(snapshot)
