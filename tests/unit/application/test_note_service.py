"""Note use cases over the in-memory adapter."""

import pytest

from adapters.memory.store import MemoryDatabase
from application.idempotency import IdempotencyRequest
from application.notes import NOTES, NoteService
from application.paging import ListRequest
from application.preconditions import Precondition
from application.tasks import TaskService
from domain.errors import InvalidInput, NotFound, VersionMismatch
from domain.note import Note, NoteChanges, NoteFilters
from domain.task import TaskFilters
from support.clock import START
from support.owners import OWNER


async def titles(
    notes: NoteService, request: ListRequest | None = None, **filters: str
) -> list[str]:
    page = await notes.list(OWNER, NoteFilters.of(**filters), request or ListRequest())
    return [note.title for note in page.items]


async def test_a_new_note_is_stored_with_id_version_and_timestamps(notes: NoteService) -> None:
    created = await notes.create(OWNER, title=" Hello ", body="  World  ")
    assert not created.replayed
    assert created.resource == Note(
        id=1, title="Hello", body="  World  ", created_at=START, updated_at=START, version=1
    )
    assert await notes.get(OWNER, 1) == created.resource


async def test_a_note_has_an_empty_body_by_default(notes: NoteService) -> None:
    assert (await notes.create(OWNER, title="Hello")).resource.body == ""


async def test_an_invalid_note_is_rejected_and_nothing_is_stored(
    notes: NoteService, database: MemoryDatabase
) -> None:
    with pytest.raises(InvalidInput) as error:
        await notes.create(OWNER, title="\t", body="\x00")
    assert [e.field for e in error.value.errors] == ["title", "body"]
    assert database.table(NOTES) == {}


async def test_getting_an_unknown_note_is_not_found(notes: NoteService) -> None:
    with pytest.raises(NotFound, match="Note 4 does not exist"):
        await notes.get(OWNER, 4)


async def test_notes_and_tasks_have_ids_of_their_own(
    notes: NoteService, tasks: TaskService
) -> None:
    await tasks.create(OWNER, title="a task")
    assert (await notes.create(OWNER, title="a note")).resource.id == 1


async def test_a_search_matches_the_title_or_the_body_in_any_case(notes: NoteService) -> None:
    await notes.create(OWNER, title="Groceries", body="milk, EGGS")
    await notes.create(OWNER, title="Eggs benedict", body="recipe")
    await notes.create(OWNER, title="Other", body="nothing")
    assert await titles(notes, q="eggs") == ["Eggs benedict", "Groceries"]
    assert await titles(notes, q="MILK") == ["Groceries"]


async def test_a_search_treats_wildcards_literally(notes: NoteService) -> None:
    await notes.create(OWNER, title="a", body="100%")
    await notes.create(OWNER, title="b", body="1000")
    await notes.create(OWNER, title="c", body="snake_case")
    await notes.create(OWNER, title="d", body="snakeXcase")
    assert await titles(notes, q="0%") == ["a"]
    assert await titles(notes, q="e_c") == ["c"]


def test_an_empty_search_is_rejected() -> None:
    with pytest.raises(InvalidInput) as error:
        NoteFilters.of(q="")
    assert [e.field for e in error.value.errors] == ["q"]


async def test_cursor_pages_list_every_note_once(notes: NoteService) -> None:
    for title in "abcde":
        await notes.create(OWNER, title=title)
    seen: list[str] = []
    request = ListRequest(limit=2, sort="title")
    while True:
        page = await notes.list(OWNER, NoteFilters.of(), request)
        seen += [note.title for note in page.items]
        if page.next_cursor is None:
            break
        request = ListRequest(limit=2, sort="title", cursor=page.next_cursor)
    assert seen == list("abcde")


async def test_a_task_cursor_is_not_accepted_for_notes(
    notes: NoteService, tasks: TaskService
) -> None:
    for title in "ab":
        await tasks.create(OWNER, title=title)
        await notes.create(OWNER, title=title)
    task_page = await tasks.list(OWNER, TaskFilters.of(), ListRequest(limit=1))
    with pytest.raises(InvalidInput) as error:
        await notes.list(
            OWNER, NoteFilters.of(), ListRequest(limit=1, cursor=task_page.next_cursor)
        )
    assert [e.field for e in error.value.errors] == ["cursor"]


async def test_an_update_changes_the_note_and_bumps_its_version(notes: NoteService) -> None:
    note = (await notes.create(OWNER, title="Hello", body="World")).resource
    updated = await notes.update(OWNER, note.id, NoteChanges(body="Everyone"))
    assert (updated.title, updated.body, updated.version) == ("Hello", "Everyone", 2)
    assert updated.updated_at > note.updated_at
    assert await notes.get(OWNER, note.id) == updated


async def test_an_update_to_the_current_values_changes_nothing(notes: NoteService) -> None:
    note = (await notes.create(OWNER, title="Hello", body="World")).resource
    assert await notes.update(OWNER, note.id, NoteChanges(title=" Hello ", body="World")) == note
    assert await notes.get(OWNER, note.id) == note


async def test_an_update_conditional_on_an_old_version_changes_nothing(notes: NoteService) -> None:
    note = (await notes.create(OWNER, title="Hello")).resource
    await notes.update(OWNER, note.id, NoteChanges(body="x"))
    with pytest.raises(VersionMismatch, match="Note 1"):
        await notes.update(OWNER, note.id, NoteChanges(body="y"), Precondition(frozenset({1})))
    assert (await notes.get(OWNER, note.id)).body == "x"


async def test_a_deleted_note_is_gone(notes: NoteService) -> None:
    note = (await notes.create(OWNER, title="Hello")).resource
    await notes.delete(OWNER, note.id, Precondition(frozenset({1})))
    with pytest.raises(NotFound):
        await notes.get(OWNER, note.id)


async def test_a_note_created_with_an_idempotency_key_is_replayed(notes: NoteService) -> None:
    request = IdempotencyRequest("note-key", "fingerprint")
    first = await notes.create(OWNER, title="Hello", idempotency=request)
    again = await notes.create(OWNER, title="Hello", idempotency=request)
    assert (again.resource, again.replayed) == (first.resource, True)
