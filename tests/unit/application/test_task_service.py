"""Task use cases over the in-memory adapter: create, get, list, update, delete."""

from datetime import timedelta
from typing import Unpack

import pytest

from adapters.memory.store import MemoryDatabase
from application.paging import ListRequest, Page
from application.preconditions import ANY_VERSION, Precondition
from application.tasks import TASKS, TaskService
from domain.errors import InvalidInput, NotFound, VersionMismatch
from domain.ids import MAX_ID
from domain.task import Task, TaskChanges, TaskFilters
from support.arguments import FilterArguments, TaskArguments
from support.clock import START, SteppingClock
from support.owners import OWNER


async def create_all(
    tasks: TaskService, *titles: str, **fields: Unpack[TaskArguments]
) -> list[Task]:
    return [(await tasks.create(OWNER, title=title, **fields)).resource for title in titles]


async def titles(
    tasks: TaskService, request: ListRequest | None = None, **filters: Unpack[FilterArguments]
) -> list[str]:
    page = await tasks.list(OWNER, TaskFilters.of(**filters), request or ListRequest())
    return [task.title for task in page.items]


def invalid_fields(error: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [e.field for e in error.value.errors]


# Create and get


async def test_a_new_task_is_stored_with_id_version_and_timestamps(tasks: TaskService) -> None:
    created = await tasks.create(OWNER, title="  Ship it ", description="now", tags=["Backend"])
    task = created.resource
    assert not created.replayed
    assert task == Task(
        id=1,
        title="Ship it",
        description="now",
        done=False,
        tags=("backend",),
        created_at=START,
        updated_at=START,
        version=1,
    )
    assert await tasks.get(OWNER, 1) == task


async def test_tasks_get_increasing_ids(tasks: TaskService) -> None:
    assert [t.id for t in await create_all(tasks, "a", "b", "c")] == [1, 2, 3]


async def test_an_invalid_task_is_rejected_and_nothing_is_stored(
    tasks: TaskService, database: MemoryDatabase
) -> None:
    with pytest.raises(InvalidInput) as error:
        await tasks.create(OWNER, title="", tags=["ok", "not ok"])
    assert invalid_fields(error) == ["title", "tags[1]"]
    assert database.table(TASKS) == {}


async def test_getting_an_unknown_task_is_not_found(tasks: TaskService) -> None:
    with pytest.raises(NotFound, match="Task 99 does not exist"):
        await tasks.get(OWNER, 99)


@pytest.mark.parametrize("task_id", [0, -1, MAX_ID + 1, 2**80])
async def test_an_id_that_cannot_exist_is_not_found(tasks: TaskService, task_id: int) -> None:
    with pytest.raises(NotFound):
        await tasks.get(OWNER, task_id)
    with pytest.raises(NotFound):
        await tasks.update(OWNER, task_id, TaskChanges(done=True))
    with pytest.raises(NotFound):
        await tasks.delete(OWNER, task_id)


# List


async def test_a_list_is_newest_first_by_default(tasks: TaskService) -> None:
    await create_all(tasks, "first", "second", "third")
    assert await titles(tasks) == ["third", "second", "first"]


async def test_a_list_can_be_sorted_by_title_with_ties_broken_by_id(tasks: TaskService) -> None:
    created = await create_all(tasks, "b", "a", "b", "B", "é")
    page = await tasks.list(OWNER, TaskFilters.of(), ListRequest(sort="title"))
    assert [(t.title, t.id) for t in page.items] == [
        ("B", created[3].id),
        ("a", created[1].id),
        ("b", created[0].id),
        ("b", created[2].id),
        ("é", created[4].id),
    ]


async def test_a_list_can_be_sorted_by_creation_time_descending(tasks: TaskService) -> None:
    await create_all(tasks, "old", "new")
    assert await titles(tasks, ListRequest(sort="-created_at")) == ["new", "old"]


async def test_a_list_can_be_sorted_by_last_change(tasks: TaskService) -> None:
    first, _ = await create_all(tasks, "first", "second")
    await tasks.update(OWNER, first.id, TaskChanges(done=True))
    assert await titles(tasks, ListRequest(sort="-updated_at")) == ["first", "second"]


async def test_a_search_matches_a_literal_substring_of_the_title_in_any_case(
    tasks: TaskService,
) -> None:
    await create_all(tasks, "Ship FastAPI", "SHIPPING", "50% off", "5000 off", "Straße")
    assert await titles(tasks, q="ship") == ["SHIPPING", "Ship FastAPI"]
    assert await titles(tasks, q="0%") == ["50% off"]
    assert await titles(tasks, q="STRASSE") == ["Straße"]


async def test_a_search_ignores_the_description(tasks: TaskService) -> None:
    await create_all(tasks, "title", description="needle")
    assert await titles(tasks, q="needle") == []


async def test_a_list_can_be_filtered_by_done(tasks: TaskService) -> None:
    _, finished = await create_all(tasks, "todo", "finished")
    await tasks.update(OWNER, finished.id, TaskChanges(done=True))
    assert await titles(tasks, done=True) == ["finished"]
    assert await titles(tasks, done=False) == ["todo"]


async def test_a_task_must_carry_every_tag_named(tasks: TaskService) -> None:
    await tasks.create(OWNER, title="both", tags=["a", "b"])
    await tasks.create(OWNER, title="only a", tags=["a"])
    await tasks.create(OWNER, title="none")
    assert await titles(tasks, tags=["A"]) == ["only a", "both"]
    assert await titles(tasks, tags=["a", " B "]) == ["both"]


def test_list_filters_are_normalised() -> None:
    filters = TaskFilters.of(q="Ship", done=False, tags=["B", "a", "b"])
    assert (filters.search, filters.done, filters.tags) == ("ship", False, ("a", "b"))


def test_every_invalid_list_filter_is_named() -> None:
    with pytest.raises(InvalidInput) as error:
        TaskFilters.of(q="", tags=["ok", "not ok"])
    assert invalid_fields(error) == ["q", "tag[1]"]


async def test_an_offset_page_counts_every_match_and_points_to_the_next_rows(
    tasks: TaskService,
) -> None:
    await create_all(tasks, *"abcde")
    page = await tasks.list(OWNER, TaskFilters.of(), ListRequest(limit=2, offset=1))
    assert [t.title for t in page.items] == ["d", "c"]
    assert (page.total, page.limit, page.offset, page.cursor_mode) == (5, 2, 1, False)
    assert page.next_cursor is not None
    following = await tasks.list(
        OWNER, TaskFilters.of(), ListRequest(limit=2, cursor=page.next_cursor)
    )
    assert [t.title for t in following.items] == ["b", "a"]


async def test_an_offset_past_the_end_gives_an_empty_page(tasks: TaskService) -> None:
    await create_all(tasks, "a")
    page = await tasks.list(OWNER, TaskFilters.of(), ListRequest(offset=5))
    assert (list(page.items), page.total, page.next_cursor) == ([], 1, None)


async def walk(
    tasks: TaskService, sort: str, limit: int, **filters: Unpack[FilterArguments]
) -> list[Page[Task]]:
    pages = [
        await tasks.list(OWNER, TaskFilters.of(**filters), ListRequest(limit=limit, sort=sort))
    ]
    while (cursor := pages[-1].next_cursor) is not None:
        request = ListRequest(limit=limit, sort=sort, cursor=cursor)
        pages.append(await tasks.list(OWNER, TaskFilters.of(**filters), request))
    return pages


@pytest.mark.parametrize("sort", ["id", "-id", "title", "-title", "created_at", "-updated_at"])
async def test_cursor_pages_list_every_match_once_in_order(tasks: TaskService, sort: str) -> None:
    await create_all(tasks, "b", "a", "c", "a", "b", "d", "a")
    everything = await tasks.list(OWNER, TaskFilters.of(), ListRequest(limit=100, sort=sort))
    pages = await walk(tasks, sort, limit=2)
    assert [t.id for page in pages for t in page.items] == [t.id for t in everything.items]
    assert [len(page.items) for page in pages] == [2, 2, 2, 1]


async def test_cursor_pages_keep_their_filters(tasks: TaskService) -> None:
    await create_all(tasks, "x1", "y1", "x2", "y2", "x3")
    pages = await walk(tasks, "id", limit=1, q="x")
    assert [t.title for page in pages for t in page.items] == ["x1", "x2", "x3"]


async def test_a_cursor_page_has_no_total_unless_asked(tasks: TaskService) -> None:
    await create_all(tasks, *"abc")
    first = await tasks.list(OWNER, TaskFilters.of(), ListRequest(limit=1))
    assert first.next_cursor is not None
    plain = await tasks.list(
        OWNER, TaskFilters.of(), ListRequest(limit=1, cursor=first.next_cursor)
    )
    counted = await tasks.list(
        OWNER, TaskFilters.of(), ListRequest(limit=1, cursor=first.next_cursor, with_total=True)
    )
    assert (plain.total, plain.offset, plain.cursor_mode) == (None, 0, True)
    assert counted.total == 3


async def test_a_cursor_cannot_be_used_with_other_filters(tasks: TaskService) -> None:
    await create_all(tasks, "a", "b")
    first = await tasks.list(OWNER, TaskFilters.of(), ListRequest(limit=1))
    assert first.next_cursor is not None
    with pytest.raises(InvalidInput) as error:
        await tasks.list(OWNER, TaskFilters.of(done=True), ListRequest(cursor=first.next_cursor))
    assert invalid_fields(error) == ["cursor"]


# Update


async def test_an_update_changes_the_task_and_stores_it(
    tasks: TaskService, clock: SteppingClock
) -> None:
    [task] = await create_all(tasks, "Ship it", description="old")
    clock.advance(timedelta(hours=1))
    updated = await tasks.update(
        OWNER, task.id, TaskChanges(title=" Shipped ", description=None, done=True, tags=["Done"])
    )
    assert (updated.title, updated.description, updated.done, updated.tags) == (
        "Shipped",
        None,
        True,
        ("done",),
    )
    assert updated.version == 2
    assert updated.updated_at > task.updated_at + timedelta(hours=1)
    assert updated.created_at == task.created_at
    assert await tasks.get(OWNER, task.id) == updated


async def test_an_update_to_the_current_values_changes_nothing(tasks: TaskService) -> None:
    [task] = await create_all(tasks, "Ship it", tags=["a", "b"])
    for changes in (
        TaskChanges(),
        TaskChanges(title=" Ship it ", tags=["B", "a", "b"], done=False),
    ):
        assert await tasks.update(OWNER, task.id, changes) == task
    assert await tasks.get(OWNER, task.id) == task


async def test_every_update_moves_updated_at_forward_even_if_the_clock_stands_still(
    tasks: TaskService, clock: SteppingClock
) -> None:
    [task] = await create_all(tasks, "t")
    clock.step = timedelta(0)
    first = await tasks.update(OWNER, task.id, TaskChanges(done=True))
    second = await tasks.update(OWNER, task.id, TaskChanges(done=False))
    assert task.updated_at < first.updated_at < second.updated_at
    assert second.version == 3


async def test_an_invalid_update_is_rejected_and_changes_nothing(tasks: TaskService) -> None:
    [task] = await create_all(tasks, "t")
    with pytest.raises(InvalidInput) as error:
        await tasks.update(OWNER, task.id, TaskChanges(title="", description="\x00"))
    assert invalid_fields(error) == ["title", "description"]
    assert await tasks.get(OWNER, task.id) == task


async def test_updating_an_unknown_task_is_not_found(tasks: TaskService) -> None:
    with pytest.raises(NotFound, match="Task 5 does not exist"):
        await tasks.update(OWNER, 5, TaskChanges(done=True))


async def test_an_update_conditional_on_an_old_version_changes_nothing(tasks: TaskService) -> None:
    [task] = await create_all(tasks, "t")
    await tasks.update(OWNER, task.id, TaskChanges(done=True))
    with pytest.raises(VersionMismatch):
        await tasks.update(OWNER, task.id, TaskChanges(title="mine"), Precondition(frozenset({1})))
    assert (await tasks.get(OWNER, task.id)).title == "t"


@pytest.mark.parametrize(
    "precondition", [ANY_VERSION, Precondition(frozenset({2})), Precondition(frozenset({1, 2}))]
)
async def test_an_update_conditional_on_the_current_version_succeeds(
    tasks: TaskService, precondition: Precondition
) -> None:
    [task] = await create_all(tasks, "t")
    await tasks.update(OWNER, task.id, TaskChanges(done=True))
    assert (
        await tasks.update(OWNER, task.id, TaskChanges(title="mine"), precondition)
    ).version == 3


async def test_a_no_op_update_still_checks_its_precondition(tasks: TaskService) -> None:
    [task] = await create_all(tasks, "t")
    with pytest.raises(VersionMismatch):
        await tasks.update(OWNER, task.id, TaskChanges(), Precondition(frozenset({7})))


# Delete


async def test_a_deleted_task_is_gone(tasks: TaskService) -> None:
    [task] = await create_all(tasks, "t")
    await tasks.delete(OWNER, task.id)
    with pytest.raises(NotFound):
        await tasks.get(OWNER, task.id)
    assert (await tasks.list(OWNER, TaskFilters.of(), ListRequest())).total == 0


@pytest.mark.parametrize("precondition", [None, ANY_VERSION, Precondition(frozenset({1}))])
async def test_deleting_an_unknown_task_is_not_found(
    tasks: TaskService, precondition: Precondition | None
) -> None:
    with pytest.raises(NotFound):
        await tasks.delete(OWNER, 3, precondition)


async def test_deleting_twice_is_not_found_the_second_time(tasks: TaskService) -> None:
    [task] = await create_all(tasks, "t")
    await tasks.delete(OWNER, task.id)
    with pytest.raises(NotFound):
        await tasks.delete(OWNER, task.id)


async def test_a_delete_conditional_on_an_old_version_deletes_nothing(tasks: TaskService) -> None:
    [task] = await create_all(tasks, "t")
    await tasks.update(OWNER, task.id, TaskChanges(done=True))
    with pytest.raises(VersionMismatch):
        await tasks.delete(OWNER, task.id, Precondition(frozenset({1})))
    assert (await tasks.get(OWNER, task.id)).version == 2


@pytest.mark.parametrize("precondition", [ANY_VERSION, Precondition(frozenset({1, 2}))])
async def test_a_delete_conditional_on_the_current_version_deletes(
    tasks: TaskService, precondition: Precondition
) -> None:
    [task] = await create_all(tasks, "t")
    await tasks.update(OWNER, task.id, TaskChanges(done=True))
    await tasks.delete(OWNER, task.id, precondition)
    with pytest.raises(NotFound):
        await tasks.get(OWNER, task.id)


async def test_ids_of_deleted_tasks_are_not_reused(tasks: TaskService) -> None:
    [task] = await create_all(tasks, "t")
    await tasks.delete(OWNER, task.id)
    assert (await tasks.create(OWNER, title="u")).resource.id == task.id + 1
