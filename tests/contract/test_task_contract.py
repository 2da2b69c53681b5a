"""The task use cases over every store: memory, SQLite and PostgreSQL must agree exactly."""

from __future__ import annotations

from datetime import timedelta
from typing import Unpack

import pytest

from application.paging import ListRequest
from application.tasks import TASKS, TaskService
from domain.errors import InvalidInput
from domain.task import NewTask, TaskChanges, TaskFilters
from support.arguments import FilterArguments
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


async def test_search_is_a_case_insensitive_substring_of_the_title(tasks: TaskService) -> None:
    for title in ["Buy MILK", "milkshake", "Milan", "École", "STRASSE", "other"]:
        await tasks.create(OWNER, title=title, description="milk in the description does not count")

    assert await titles(tasks, q="milk") == ["milkshake", "Buy MILK"]
    assert await titles(tasks, q="ÉCOLE") == ["École"]
    assert await titles(tasks, q="straße") == ["STRASSE"]  # full Unicode case folding


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


async def test_an_invalid_update_changes_nothing(tasks: TaskService) -> None:
    task = (await tasks.create(OWNER, title="keep")).resource

    with pytest.raises(InvalidInput) as raised:
        await tasks.update(OWNER, task.id, TaskChanges(title=" ", tags=["ok", "bad tag"]))

    assert [e.field for e in raised.value.errors] == ["title", "tags[1]"]
    assert await tasks.get(OWNER, task.id) == task


async def test_deleting_a_task_deletes_its_tags(tasks: TaskService) -> None:
    task = (await tasks.create(OWNER, title="tagged", tags=["gone"])).resource

    await tasks.delete(OWNER, task.id)
    await tasks.create(OWNER, title="new")

    assert await titles(tasks, tags=["gone"]) == []


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
