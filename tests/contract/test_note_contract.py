"""The note use cases over every store."""

from __future__ import annotations

import pytest

from application.notes import NoteService
from application.paging import ListRequest
from domain.errors import InvalidInput
from domain.note import NoteChanges, NoteFilters
from support.owners import OWNER


async def titles(notes: NoteService, q: str | None = None, sort: str | None = None) -> list[str]:
    page = await notes.list(OWNER, NoteFilters.of(q=q), ListRequest(limit=100, sort=sort))
    return [note.title for note in page.items]


async def test_a_created_note_is_stored_as_returned(notes: NoteService) -> None:
    note = (await notes.create(OWNER, title=" Hello ", body="World")).resource

    assert (note.title, note.body, note.version) == ("Hello", "World", 1)
    assert await notes.get(OWNER, note.id) == note


async def test_the_body_defaults_to_empty(notes: NoteService) -> None:
    note = (await notes.create(OWNER, title="t")).resource

    assert (await notes.get(OWNER, note.id)).body == ""


async def test_search_matches_title_or_body(notes: NoteService) -> None:
    await notes.create(OWNER, title="Groceries", body="eggs, MILK")
    await notes.create(OWNER, title="Milk run", body="")
    await notes.create(OWNER, title="Other", body="nothing")

    assert await titles(notes, q="milk") == ["Milk run", "Groceries"]
    assert await titles(notes, q="s, m") == ["Groceries"]
    assert await titles(notes, q="%") == []


async def test_an_update_and_a_no_op(notes: NoteService) -> None:
    note = (await notes.create(OWNER, title="t", body="old")).resource

    updated = await notes.update(OWNER, note.id, NoteChanges(body="new"))
    same = await notes.update(OWNER, note.id, NoteChanges(title=" t ", body="new"))

    assert (updated.body, updated.version) == ("new", 2)
    assert same == updated
    assert await titles(notes, q="new") == ["t"]
    assert await titles(notes, q="old") == []


async def test_invalid_notes_are_refused(notes: NoteService) -> None:
    with pytest.raises(InvalidInput) as raised:
        await notes.create(OWNER, title="", body="x" * 50_001)

    assert [e.field for e in raised.value.errors] == ["title", "body"]
    assert await titles(notes) == []
