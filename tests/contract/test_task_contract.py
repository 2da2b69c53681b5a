"""The task use cases over every store: memory, SQLite and PostgreSQL must agree exactly."""

from __future__ import annotations

from datetime import timedelta
from typing import Unpack

import pytest

from application.paging import ListRequest
from application.preconditions import ANY_VERSION, Precondition
from application.tasks import TASKS, TaskService
from domain.errors import InvalidInput, NotFound, VersionMismatch
from domain.ids import MAX_ID
from domain.task import NewTask, Task, TaskChanges, TaskFilters
from support.arguments import FilterArguments
from support.clock import SteppingClock
from support.databases import Store
from support.owners import OWNER


async def titles(
    tasks: TaskService, *, sort: str | None = None, **filters: Unpack[FilterArguments]
) -> list[str]:
    page = await tasks.list(OWNER, TaskFilters.of(**filters), ListRequest(limit=100, sort=sort))
    return [task.title for task in page.items]


async def test_a_created_task_is_stored_as_returned(tasks: TaskService) -> None:
    created = await tasks.create(
        OWNER, title="  Ship it  ", description="soon", tags=["Backend", " urgent", "backend"]
    )
    task = created.resource

    assert (task.title, task.description, task.done, task.tags) == (
        "Ship it",
        "soon",
        False,
        ("backend", "urgent"),
    )
    assert task.version == 1
    assert task.created_at == task.updated_at
    assert task.created_at.utcoffset() == timedelta(0)
    assert await tasks.get(OWNER, task.id) == task


async def test_ids_are_never_reused(tasks: TaskService) -> None:
    first = (await tasks.create(OWNER, title="first")).resource
    second = (await tasks.create(OWNER, title="second")).resource
    await tasks.delete(OWNER, second.id)
    third = (await tasks.create(OWNER, title="third")).resource

    assert first.id < second.id < third.id


@pytest.mark.parametrize("task_id", [1, 0, -1, MAX_ID, MAX_ID + 1, 10**30])
async def test_a_missing_task_is_not_found(tasks: TaskService, task_id: int) -> None:
    with pytest.raises(NotFound):
        await tasks.get(OWNER, task_id)
    with pytest.raises(NotFound):
        await tasks.update(OWNER, task_id, TaskChanges(done=True))
    with pytest.raises(NotFound):
        await tasks.delete(OWNER, task_id)


async def test_a_list_has_its_total_and_newest_first_by_default(tasks: TaskService) -> None:
    for n in range(5):
        await tasks.create(OWNER, title=f"task {n}")

    page = await tasks.list(OWNER, TaskFilters.of(), ListRequest(limit=2, offset=1))

    assert [t.title for t in page.items] == ["task 3", "task 2"]
    assert (page.total, page.limit, page.offset) == (5, 2, 1)
    assert page.next_cursor is not None


async def test_an_offset_past_the_end_gives_an_empty_page_with_the_total(
    tasks: TaskService,
) -> None:
    await tasks.create(OWNER, title="only")

    page = await tasks.list(OWNER, TaskFilters.of(), ListRequest(offset=10))

    assert (list(page.items), page.total, page.next_cursor) == ([], 1, None)


async def test_an_empty_list(tasks: TaskService) -> None:
    page = await tasks.list(OWNER, TaskFilters.of(), ListRequest())

    assert (list(page.items), page.total, page.next_cursor) == ([], 0, None)


async def test_search_is_a_case_insensitive_substring_of_the_title(tasks: TaskService) -> None:
    for title in ["Buy MILK", "milkshake", "Milan", "École", "STRASSE", "other"]:
        await tasks.create(OWNER, title=title, description="milk in the description does not count")

    assert await titles(tasks, q="milk") == ["milkshake", "Buy MILK"]
    assert await titles(tasks, q="ÉCOLE") == ["École"]
    assert await titles(tasks, q="straße") == ["STRASSE"]  # full Unicode case folding


@pytest.mark.parametrize(
    ("q", "expected"),
    [("%", ["100% done"]), ("_", ["snake_case"]), ("\\", ["back\\slash"]), ("0%", ["100% done"])],
)
async def test_search_takes_like_wildcards_literally(
    tasks: TaskService, q: str, expected: list[str]
) -> None:
    for title in ["100% done", "snake_case", "back\\slash", "plain"]:
        await tasks.create(OWNER, title=title)

    assert await titles(tasks, q=q) == expected


async def test_done_filter(tasks: TaskService) -> None:
    await tasks.create(OWNER, title="open")
    await tasks.create(OWNER, title="closed", done=True)

    assert await titles(tasks, done=True) == ["closed"]
    assert await titles(tasks, done=False) == ["open"]


async def test_tag_filter_needs_every_tag(tasks: TaskService) -> None:
    await tasks.create(OWNER, title="both", tags=["a", "b"])
    await tasks.create(OWNER, title="a only", tags=["a"])
    await tasks.create(OWNER, title="b and c", tags=["b", "c"])
    await tasks.create(OWNER, title="none")

    assert await titles(tasks, tags=["a"]) == ["a only", "both"]
    assert await titles(tasks, tags=["A", "b"]) == ["both"]
    assert await titles(tasks, tags=["a", "c"]) == []
    assert await titles(tasks, tags=["b"], q="c", done=False) == ["b and c"]


async def test_filters_are_validated(tasks: TaskService) -> None:
    with pytest.raises(InvalidInput) as raised:
        TaskFilters.of(q="", tags=["ok", "not ok"])

    assert {e.field for e in raised.value.errors} == {"q", "tag[1]"}


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("key", ["id", "created_at", "updated_at", "title"])
async def test_every_sort_key_orders_by_it_then_by_id(
    tasks: TaskService, clock: SteppingClock, key: str, descending: bool
) -> None:
    # Pairs of equal titles and timestamps, so ties must be broken by id.
    clock.step = timedelta(0)
    for title in ["b", "a", "b", "a"]:
        clock.advance(timedelta(seconds=1 if title == "b" else 0))
        await tasks.create(OWNER, title=title)
    sort = f"-{key}" if descending else key

    page = await tasks.list(OWNER, TaskFilters.of(), ListRequest(sort=sort))

    def position(task: Task) -> tuple[object, int]:
        return getattr(task, key), task.id

    expected = sorted(page.items, key=position, reverse=descending)
    assert [t.id for t in page.items] == [t.id for t in expected]
    assert len({t.id for t in page.items}) == 4


async def test_titles_sort_by_code_point(tasks: TaskService) -> None:
    for title in ["é", "a", "Z", "𝔸", "B", "ä"]:
        await tasks.create(OWNER, title=title)

    assert await titles(tasks, sort="title") == ["B", "Z", "a", "ä", "é", "𝔸"]


async def test_an_update_changes_the_fields_given_and_bumps_the_version(
    tasks: TaskService,
) -> None:
    task = (await tasks.create(OWNER, title="draft", description="text", tags=["x"])).resource

    updated = await tasks.update(
        OWNER, task.id, TaskChanges(title=" final ", description=None, done=True, tags=["Y", "z"])
    )

    assert (updated.title, updated.description, updated.done, updated.tags) == (
        "final",
        None,
        True,
        ("y", "z"),
    )
    assert updated.version == 2
    assert updated.updated_at > task.updated_at
    assert updated.created_at == task.created_at
    assert await tasks.get(OWNER, task.id) == updated
    assert await titles(tasks, tags=["x"]) == []
    assert await titles(tasks, tags=["z"]) == ["final"]


async def test_an_update_that_changes_nothing_keeps_the_version(tasks: TaskService) -> None:
    task = (await tasks.create(OWNER, title="same", tags=["a", "b"])).resource

    unchanged = await tasks.update(
        OWNER, task.id, TaskChanges(title=" same ", tags=["B", "a", "a"])
    )
    empty = await tasks.update(OWNER, task.id, TaskChanges())

    assert unchanged == empty == task
    assert await tasks.get(OWNER, task.id) == task


async def test_updated_at_strictly_increases_even_when_the_clock_stands_still(
    tasks: TaskService, clock: SteppingClock
) -> None:
    clock.step = timedelta(0)
    task = (await tasks.create(OWNER, title="t")).resource

    first = await tasks.update(OWNER, task.id, TaskChanges(done=True))
    second = await tasks.update(OWNER, task.id, TaskChanges(done=False))

    assert task.updated_at < first.updated_at < second.updated_at
    assert (await tasks.get(OWNER, task.id)).updated_at == second.updated_at


async def test_an_invalid_update_changes_nothing(tasks: TaskService) -> None:
    task = (await tasks.create(OWNER, title="keep")).resource

    with pytest.raises(InvalidInput) as raised:
        await tasks.update(OWNER, task.id, TaskChanges(title=" ", tags=["ok", "bad tag"]))

    assert [e.field for e in raised.value.errors] == ["title", "tags[1]"]
    assert await tasks.get(OWNER, task.id) == task


async def test_a_conditional_update_needs_the_current_version(tasks: TaskService) -> None:
    task = (await tasks.create(OWNER, title="t")).resource

    with pytest.raises(VersionMismatch):
        await tasks.update(OWNER, task.id, TaskChanges(done=True), Precondition(frozenset({2, 3})))
    assert await tasks.get(OWNER, task.id) == task

    updated = await tasks.update(
        OWNER, task.id, TaskChanges(done=True), Precondition(frozenset({1}))
    )
    again = await tasks.update(OWNER, task.id, TaskChanges(done=False), ANY_VERSION)
    assert (updated.version, again.version) == (2, 3)


async def test_a_conditional_delete_needs_the_current_version(tasks: TaskService) -> None:
    task = (await tasks.create(OWNER, title="t")).resource
    await tasks.update(OWNER, task.id, TaskChanges(done=True))

    with pytest.raises(VersionMismatch):
        await tasks.delete(OWNER, task.id, Precondition(frozenset({1})))
    assert (await tasks.get(OWNER, task.id)).version == 2

    await tasks.delete(OWNER, task.id, Precondition(frozenset({2})))
    with pytest.raises(NotFound):
        await tasks.get(OWNER, task.id)
    with pytest.raises(NotFound):
        await tasks.delete(OWNER, task.id, ANY_VERSION)


async def test_deleting_a_task_deletes_its_tags(tasks: TaskService) -> None:
    task = (await tasks.create(OWNER, title="tagged", tags=["gone"])).resource

    await tasks.delete(OWNER, task.id)
    await tasks.create(OWNER, title="new")

    assert await titles(tasks, tags=["gone"]) == []


async def test_the_repository_write_is_conditional_on_the_version_read(store: Store) -> None:
    from support.clock import START

    async with store.unit_of_work() as uow:
        task = await uow.repository(TASKS).add(OWNER, NewTask.create(title="t", now=START))
        await uow.commit()
    first = task.changed(TaskChanges(title="first"), START + timedelta(seconds=1))
    second = task.changed(TaskChanges(title="second"), START + timedelta(seconds=2))

    async with store.unit_of_work() as uow:
        tasks = uow.repository(TASKS)
        assert await tasks.update(OWNER, task, first)
        assert not await tasks.update(OWNER, task, second)  # task's version is stale now
        assert not await tasks.delete(OWNER, task.id, version=task.version)
        await uow.commit()

    async with store.unit_of_work(read_only=True) as uow:
        assert await uow.repository(TASKS).get(OWNER, task.id) == first


async def test_leaving_a_unit_of_work_without_commit_rolls_back(store: Store) -> None:
    from support.clock import START

    async with store.unit_of_work() as uow:
        kept = await uow.repository(TASKS).add(
            OWNER, NewTask.create(title="kept", tags=["a"], now=START)
        )
        await uow.commit()
    async with store.unit_of_work() as uow:
        await uow.repository(TASKS).add(OWNER, NewTask.create(title="dropped", now=START))
        await uow.repository(TASKS).update(
            OWNER, kept, kept.changed(TaskChanges(tags=["b"]), START)
        )
        await uow.repository(TASKS).delete(OWNER, kept.id)

    async with store.unit_of_work(read_only=True) as uow:
        assert await uow.repository(TASKS).get(OWNER, kept.id) == kept
        assert await uow.repository(TASKS).get(OWNER, kept.id + 1) is None


async def test_a_change_of_tags_keeps_drops_and_adds_them(tasks: TaskService) -> None:
    task = (await tasks.create(OWNER, title="t", tags=["keep", "drop"])).resource

    updated = await tasks.update(OWNER, task.id, TaskChanges(tags=["keep", "add"]))

    assert updated.tags == ("add", "keep")
    assert await tasks.get(OWNER, task.id) == updated
    assert await titles(tasks, tags=["drop"]) == []
    assert await titles(tasks, tags=["add", "keep"]) == ["t"]


async def test_a_stale_write_of_new_tags_writes_nothing(store: Store) -> None:
    from support.clock import START

    async with store.unit_of_work() as uow:
        stale = await uow.repository(TASKS).add(
            OWNER, NewTask.create(title="t", tags=["a"], now=START)
        )
        await uow.commit()
    async with store.unit_of_work() as uow:
        current = stale.changed(TaskChanges(done=True), START)
        assert await uow.repository(TASKS).update(OWNER, stale, current)
        await uow.commit()

    async with store.unit_of_work() as uow:
        written = await uow.repository(TASKS).update(
            OWNER, stale, stale.changed(TaskChanges(tags=["b"]), START)
        )
        await uow.commit()

    assert not written
    async with store.unit_of_work(read_only=True) as uow:
        assert await uow.repository(TASKS).get(OWNER, stale.id) == current
