"""What every resource's use cases do alike, over every store: run once per registered
resource (the `resource` fixture) on memory, SQLite and PostgreSQL, which must agree.

What is a resource's own (its fields, filters and their rules) is in its own file
(`test_task_contract.py`, `test_note_contract.py`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from application.paging import ListRequest
from application.preconditions import ANY_VERSION, Precondition
from domain.errors import NotFound, VersionMismatch
from domain.ids import MAX_ID
from support.clock import START, SteppingClock
from support.databases import Store
from support.owners import OWNER
from support.resources import Served


async def titles(resource: Served, *, q: str | None = None, sort: str | None = None) -> list[str]:
    page = await resource.service.list(
        OWNER, resource.kind.filters.of(q=q), ListRequest(limit=100, sort=sort)
    )
    return [item.title for item in page.items]


async def test_ids_are_never_reused(resource: Served) -> None:
    first = await resource.create("first")
    second = await resource.create("second")
    await resource.service.delete(OWNER, second.id)
    third = await resource.create("third")

    assert first.id < second.id < third.id


@pytest.mark.parametrize("resource_id", [1, 0, -1, MAX_ID, MAX_ID + 1, 10**30])
async def test_a_missing_one_is_not_found(resource: Served, resource_id: int) -> None:
    service = resource.service
    with pytest.raises(NotFound):
        await service.get(OWNER, resource_id)
    with pytest.raises(NotFound):
        await service.update(OWNER, resource_id, resource.kind.changes(title="x"))
    with pytest.raises(NotFound):
        await service.delete(OWNER, resource_id)


async def test_a_list_has_its_total_and_newest_first_by_default(resource: Served) -> None:
    for n in range(5):
        await resource.create(f"item {n}")

    page = await resource.service.list(
        OWNER, resource.kind.filters.of(), ListRequest(limit=2, offset=1)
    )

    assert [item.title for item in page.items] == ["item 3", "item 2"]
    assert (page.total, page.limit, page.offset) == (5, 2, 1)
    assert page.next_cursor is not None


async def test_an_offset_past_the_end_gives_an_empty_page_with_the_total(
    resource: Served,
) -> None:
    await resource.create("only")

    page = await resource.service.list(OWNER, resource.kind.filters.of(), ListRequest(offset=10))

    assert (list(page.items), page.total, page.next_cursor) == ([], 1, None)


async def test_an_empty_list(resource: Served) -> None:
    page = await resource.service.list(OWNER, resource.kind.filters.of(), ListRequest())

    assert (list(page.items), page.total, page.next_cursor) == ([], 0, None)


@pytest.mark.parametrize(
    ("q", "expected"),
    [("%", ["100% done"]), ("_", ["snake_case"]), ("\\", ["back\\slash"]), ("0%", ["100% done"])],
)
async def test_search_takes_like_wildcards_literally(
    resource: Served, q: str, expected: list[str]
) -> None:
    for title in ["100% done", "snake_case", "back\\slash", "plain"]:
        await resource.create(title)

    assert await titles(resource, q=q) == expected


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("key", ["id", "created_at", "updated_at", "title"])
async def test_every_sort_key_orders_by_it_then_by_id(
    resource: Served, clock: SteppingClock, key: str, descending: bool
) -> None:
    # Pairs of equal titles and timestamps, so ties must be broken by id.
    clock.step = timedelta(0)
    for title in ["b", "a", "b", "a"]:
        clock.advance(timedelta(seconds=1 if title == "b" else 0))
        await resource.create(title)
    sort = f"-{key}" if descending else key

    page = await resource.service.list(OWNER, resource.kind.filters.of(), ListRequest(sort=sort))

    def position(item: Any) -> tuple[object, int]:
        return getattr(item, key), item.id

    expected = sorted(page.items, key=position, reverse=descending)
    assert [item.id for item in page.items] == [item.id for item in expected]
    assert len({item.id for item in page.items}) == 4


async def test_titles_sort_by_code_point(resource: Served) -> None:
    for title in ["é", "a", "Z", "𝔸", "B", "ä"]:
        await resource.create(title)

    assert await titles(resource, sort="title") == ["B", "Z", "a", "ä", "é", "𝔸"]


async def test_updated_at_strictly_increases_even_when_the_clock_stands_still(
    resource: Served, clock: SteppingClock
) -> None:
    clock.step = timedelta(0)
    created = await resource.create("t")
    service, retitle = resource.service, resource.kind.changes

    first = await service.update(OWNER, created.id, retitle(title="first"))
    second = await service.update(OWNER, created.id, retitle(title="second"))

    assert created.updated_at < first.updated_at < second.updated_at
    assert (await service.get(OWNER, created.id)).updated_at == second.updated_at


async def test_a_conditional_update_needs_the_current_version(resource: Served) -> None:
    created = await resource.create("t")
    service, retitle = resource.service, resource.kind.changes

    with pytest.raises(VersionMismatch):
        await service.update(OWNER, created.id, retitle(title="x"), Precondition(frozenset({2, 3})))
    assert await service.get(OWNER, created.id) == created

    updated = await service.update(
        OWNER, created.id, retitle(title="x"), Precondition(frozenset({1}))
    )
    again = await service.update(OWNER, created.id, retitle(title="y"), ANY_VERSION)
    assert (updated.version, again.version) == (2, 3)


async def test_a_conditional_delete_needs_the_current_version(resource: Served) -> None:
    created = await resource.create("t")
    service = resource.service
    await service.update(OWNER, created.id, resource.kind.changes(title="x"))

    with pytest.raises(VersionMismatch):
        await service.delete(OWNER, created.id, Precondition(frozenset({1})))
    assert (await service.get(OWNER, created.id)).version == 2

    await service.delete(OWNER, created.id, Precondition(frozenset({2})))
    with pytest.raises(NotFound):
        await service.get(OWNER, created.id)
    with pytest.raises(NotFound):
        await service.delete(OWNER, created.id, ANY_VERSION)


async def test_the_repository_write_is_conditional_on_the_version_read(
    resource: Served, store: Store
) -> None:
    kind = resource.kind
    async with store.unit_of_work() as uow:
        created = await uow.repository(kind.kind).add(OWNER, kind.new.create(title="t", now=START))
        await uow.commit()
    first = created.changed(kind.changes(title="first"), START + timedelta(seconds=1))
    second = created.changed(kind.changes(title="second"), START + timedelta(seconds=2))

    async with store.unit_of_work() as uow:
        repository = uow.repository(kind.kind)
        assert await repository.update(OWNER, created, first)
        assert not await repository.update(OWNER, created, second)  # its version is stale now
        assert not await repository.delete(OWNER, created.id, version=created.version)
        await uow.commit()

    async with store.unit_of_work(read_only=True) as uow:
        assert await uow.repository(kind.kind).get(OWNER, created.id) == first
