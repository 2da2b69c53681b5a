"""Cursor paging over every store: whole walks, concurrent changes, and bad cursors."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Unpack

import pytest

from application.notes import NoteService
from application.paging import ListRequest
from application.tasks import TaskService
from domain.errors import InvalidInput
from domain.note import NoteFilters
from domain.task import Task, TaskFilters
from support.arguments import FilterArguments
from support.owners import OWNER

SORTS = ["id", "-id", "created_at", "-created_at", "updated_at", "-updated_at", "title", "-title"]


async def walk(
    tasks: TaskService,
    *,
    sort: str,
    limit: int = 3,
    with_total: bool = False,
    **filters: Unpack[FilterArguments],
) -> list[Task]:
    """Every item of a list, fetched page by page through next_cursor."""
    found: list[Task] = []
    cursor = None
    for _ in range(100):
        page = await tasks.list(
            OWNER,
            TaskFilters.of(**filters),
            ListRequest(limit=limit, sort=sort, cursor=cursor, with_total=with_total),
        )
        found.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return found
    raise AssertionError("the walk did not end")


@pytest.fixture
async def ten_tasks(tasks: TaskService) -> list[Task]:
    created = []
    for n, title in enumerate(["d", "b", "a", "c", "b", "e", "a", "d", "c", "b"]):
        created.append(
            (
                await tasks.create(
                    OWNER, title=title, done=n % 2 == 0, tags=["even"] if n % 2 else []
                )
            ).resource
        )
    return created


@pytest.mark.parametrize("sort", SORTS)
async def test_walking_by_cursor_yields_the_whole_sorted_list_once(
    tasks: TaskService, ten_tasks: list[Task], sort: str
) -> None:
    everything = await tasks.list(OWNER, TaskFilters.of(), ListRequest(limit=100, sort=sort))

    walked = await walk(tasks, sort=sort)

    assert [t.id for t in walked] == [t.id for t in everything.items]


@pytest.mark.parametrize("sort", ["title", "-updated_at"])
async def test_a_filtered_walk_keeps_its_filters(
    tasks: TaskService, ten_tasks: list[Task], sort: str
) -> None:
    expected = await tasks.list(
        OWNER, TaskFilters.of(q="b", done=False), ListRequest(limit=100, sort=sort)
    )

    walked = await walk(tasks, sort=sort, limit=1, q="b", done=False)

    assert [t.id for t in walked] == [t.id for t in expected.items]
    assert walked


async def test_cursor_pages_have_no_total_unless_asked(
    tasks: TaskService, ten_tasks: list[Task]
) -> None:
    first = await tasks.list(OWNER, TaskFilters.of(), ListRequest(limit=4))
    plain = await tasks.list(
        OWNER, TaskFilters.of(), ListRequest(limit=4, cursor=first.next_cursor)
    )
    counted = await tasks.list(
        OWNER, TaskFilters.of(), ListRequest(limit=4, cursor=first.next_cursor, with_total=True)
    )

    assert first.total == 10
    assert (plain.total, plain.offset, plain.cursor_mode) == (None, 0, True)
    assert counted.total == 10
    assert [t.id for t in counted.items] == [t.id for t in plain.items]


async def test_an_offset_page_hands_over_to_cursor_paging(
    tasks: TaskService, ten_tasks: list[Task]
) -> None:
    by_offset = await tasks.list(
        OWNER, TaskFilters.of(), ListRequest(limit=3, offset=3, sort="title")
    )
    next_by_offset = await tasks.list(
        OWNER, TaskFilters.of(), ListRequest(limit=3, offset=6, sort="title")
    )

    by_cursor = await tasks.list(
        OWNER, TaskFilters.of(), ListRequest(limit=3, sort="title", cursor=by_offset.next_cursor)
    )

    assert [t.id for t in by_cursor.items] == [t.id for t in next_by_offset.items]


async def test_a_walk_survives_inserts_and_deletes_between_pages(
    tasks: TaskService, ten_tasks: list[Task]
) -> None:
    """Rows present throughout come exactly once; rows deleted mid-walk never reappear."""
    seen: list[int] = []
    cursor = None
    deleted: set[int] = set()
    for step in range(100):
        page = await tasks.list(
            OWNER, TaskFilters.of(), ListRequest(limit=2, sort="title", cursor=cursor)
        )
        seen.extend(t.id for t in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
        # Between pages: delete one row not yet seen, and add rows before and after.
        unseen = [t.id for t in ten_tasks if t.id not in seen and t.id not in deleted]
        if unseen:
            deleted.add(unseen[-1])
            await tasks.delete(OWNER, unseen[-1])
        await tasks.create(OWNER, title=f"a{step}")  # sorts before "b": already passed
        await tasks.create(OWNER, title=f"z{step}")  # sorts after everything: still ahead
    survivors = {t.id for t in ten_tasks} - deleted

    assert len(seen) == len(set(seen)), "no row comes twice"
    assert survivors <= set(seen), "no row present throughout is skipped"
    assert not deleted & set(seen), "rows deleted before their turn never appear"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),
        lambda c: c[:10],
        lambda c: "not a cursor",
        lambda c: "!!!",
        lambda c: base64.urlsafe_b64encode(b'{"s":"x","v":1,"i":1}').decode(),
        lambda c: c + "A" * 2000,
        lambda c: "é" + c,
    ],
)
async def test_a_tampered_or_made_up_cursor_is_invalid_input(
    tasks: TaskService, ten_tasks: list[Task], tamper: Callable[[str], str]
) -> None:
    page = await tasks.list(OWNER, TaskFilters.of(), ListRequest(limit=2))
    assert page.next_cursor is not None

    with pytest.raises(InvalidInput) as raised:
        await tasks.list(
            OWNER,
            TaskFilters.of(),
            ListRequest(limit=2, cursor=tamper(page.next_cursor)),
        )

    assert [e.field for e in raised.value.errors] == ["cursor"]


@pytest.mark.parametrize(
    ("filters", "sort"),
    [({"q": "b"}, None), ({"done": True}, None), ({"tags": ["even"]}, None), ({}, "title")],
)
async def test_a_cursor_only_continues_the_list_it_was_made_for(
    tasks: TaskService, ten_tasks: list[Task], filters: FilterArguments, sort: str | None
) -> None:
    page = await tasks.list(OWNER, TaskFilters.of(), ListRequest(limit=2))

    with pytest.raises(InvalidInput) as raised:
        await tasks.list(
            OWNER,
            TaskFilters.of(**filters),
            ListRequest(limit=2, sort=sort, cursor=page.next_cursor),
        )

    assert [e.field for e in raised.value.errors] == ["cursor"]


async def test_a_tasks_cursor_does_not_page_notes(
    tasks: TaskService, notes: NoteService, ten_tasks: list[Task]
) -> None:
    page = await tasks.list(OWNER, TaskFilters.of(), ListRequest(limit=2))

    with pytest.raises(InvalidInput):
        await notes.list(OWNER, NoteFilters.of(), ListRequest(limit=2, cursor=page.next_cursor))


async def test_cursor_and_offset_together_are_invalid(
    tasks: TaskService, ten_tasks: list[Task]
) -> None:
    page = await tasks.list(OWNER, TaskFilters.of(), ListRequest(limit=2))

    with pytest.raises(InvalidInput) as raised:
        await tasks.list(
            OWNER, TaskFilters.of(), ListRequest(limit=2, offset=0, cursor=page.next_cursor)
        )

    assert [e.field for e in raised.value.errors] == ["offset"]
