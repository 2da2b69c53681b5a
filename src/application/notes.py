"""Use cases of notes: the shared flow of `Resources`, plus how a note is created and changed."""

from __future__ import annotations

from typing import Final

from application import snapshots
from application.idempotency import Created, IdempotencyRequest
from application.preconditions import Precondition
from application.resources import ResourceKind, Resources
from domain.note import NewNote, Note, NoteChanges, NoteFilters

NOTES: Final[ResourceKind[Note, NewNote, NoteFilters]] = ResourceKind(
    name="Note",
    codec=snapshots.codec(Note),
    stored_as=NewNote.stored_as,
    matches=NoteFilters.matches,
)


class NoteService(Resources[Note, NewNote, NoteFilters]):
    kind = NOTES

    async def create(
        self,
        owner: int,
        *,
        title: str,
        body: str = "",
        idempotency: IdempotencyRequest | None = None,
    ) -> Created[Note]:
        new = NewNote.create(title=title, body=body, now=self._clock.now())
        return await self._create(owner, new, idempotency)

    async def update(
        self,
        owner: int,
        note_id: int,
        changes: NoteChanges,
        precondition: Precondition | None = None,
    ) -> Note:
        return await self._update(
            owner, note_id, lambda note, now: note.changed(changes, now), precondition
        )
