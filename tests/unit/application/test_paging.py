"""The pager: validates a client's list request, plans the window, and builds the page."""

from datetime import UTC, datetime, timedelta
from typing import Unpack

import pytest

from application.cursors import Keyset
from application.paging import ListRequest, PagePlan, Pager, Slice
from domain.errors import InvalidInput
from domain.sorting import Sort, SortField
from domain.task import NewTask, Task, TaskFilters
from support.arguments import ListArguments

START = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
FILTERS = TaskFilters(done=False)


def task(task_id: int) -> Task:
    new = NewTask.create(title=f"Task {task_id}", now=START + timedelta(seconds=task_id))
    return new.stored_as(task_id)


def plan(pager: Pager, filters: object = FILTERS, **request: Unpack[ListArguments]) -> PagePlan:
    return pager.plan(ListRequest(**request), owner=1, resource="Task", filters=filters)


def invalid_fields(pager: Pager, **request: Unpack[ListArguments]) -> list[str]:
    with pytest.raises(InvalidInput) as error:
        plan(pager, **request)
    return [e.field for e in error.value.errors]


def cursor_after(
    pager: Pager, last_id: int, *, filters: object = FILTERS, sort: str = "-id"
) -> str:
    """A genuine cursor, as the pager hands it out on a page with more rows after `last_id`."""
    first = plan(pager, filters, limit=1, sort=sort)
    page = pager.page(first, Slice([task(last_id), task(last_id - 1)], total=None))
    assert page.next_cursor is not None
    return page.next_cursor


# Validation


def test_a_request_with_defaults_asks_for_the_newest_twenty_by_offset(pager: Pager) -> None:
    planned = plan(pager)
    assert planned.window.sort == Sort(SortField.ID, descending=True)
    assert (planned.page_size, planned.window.offset, planned.window.after) == (20, 0, None)
    assert not planned.cursor_mode


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": -5}, "limit"),
        ({"offset": -1}, "offset"),
        ({"sort": "bogus"}, "sort"),
        ({"sort": ""}, "sort"),
        ({"cursor": "garbage"}, "cursor"),
        ({"cursor": ""}, "cursor"),
    ],
)
def test_an_invalid_paging_parameter_is_named(
    pager: Pager, request_: ListArguments, field: str
) -> None:
    assert invalid_fields(pager, **request_) == [field]


def test_every_invalid_paging_parameter_is_named_at_once(pager: Pager) -> None:
    assert invalid_fields(pager, limit=0, offset=-1, sort="bogus") == ["limit", "offset", "sort"]


def test_an_invalid_cursor_is_named_with_the_other_invalid_parameters(pager: Pager) -> None:
    assert invalid_fields(pager, limit=0, cursor="garbage") == ["limit", "cursor"]


@pytest.mark.parametrize("offset", [0, 5])
def test_an_offset_cannot_be_combined_with_a_cursor(pager: Pager, offset: int) -> None:
    with pytest.raises(InvalidInput) as error:
        plan(pager, offset=offset, cursor=cursor_after(pager, 10))
    assert [(e.field, e.message) for e in error.value.errors] == [
        ("offset", "cannot be combined with cursor")
    ]


def test_a_cursor_for_other_filters_is_rejected(pager: Pager) -> None:
    cursor = cursor_after(pager, 10, filters=TaskFilters(done=True))
    assert invalid_fields(pager, cursor=cursor) == ["cursor"]


def test_a_cursor_for_another_sort_is_rejected(pager: Pager) -> None:
    cursor = cursor_after(pager, 10, sort="-id")
    assert invalid_fields(pager, cursor=cursor, sort="id") == ["cursor"]


def test_a_cursor_for_another_resource_is_rejected(pager: Pager) -> None:
    cursor = cursor_after(pager, 10)
    with pytest.raises(InvalidInput) as error:
        pager.plan(ListRequest(cursor=cursor), owner=1, resource="Note", filters=FILTERS)
    assert [e.field for e in error.value.errors] == ["cursor"]


# The window


@pytest.mark.parametrize("limit", [1, 20, 100])
def test_the_window_asks_for_one_row_more_than_the_page_holds(pager: Pager, limit: int) -> None:
    planned = plan(pager, limit=limit)
    assert (planned.page_size, planned.window.limit) == (limit, limit + 1)


def test_the_window_keeps_the_sort_and_offset(pager: Pager) -> None:
    planned = plan(pager, sort="title", offset=40)
    assert (planned.window.sort, planned.window.offset) == (Sort(SortField.TITLE), 40)


def test_a_cursor_asks_for_the_rows_after_its_keyset(pager: Pager) -> None:
    planned = plan(pager, cursor=cursor_after(pager, 10))
    assert planned.cursor_mode
    assert planned.window.after == Keyset(10, 10)
    assert planned.window.offset == 0


@pytest.mark.parametrize("with_total", [False, True])
def test_an_offset_page_always_counts_the_total(pager: Pager, with_total: bool) -> None:
    assert plan(pager, with_total=with_total).window.with_total


@pytest.mark.parametrize("with_total", [False, True])
def test_a_cursor_page_counts_the_total_only_when_asked(pager: Pager, with_total: bool) -> None:
    planned = plan(pager, cursor=cursor_after(pager, 10), with_total=with_total)
    assert planned.window.with_total is with_total


# The page


def test_a_page_with_more_rows_after_it_has_a_cursor_to_them(pager: Pager) -> None:
    planned = plan(pager, limit=2)
    page = pager.page(planned, Slice([task(9), task(8), task(7)], total=9))
    assert [t.id for t in page.items] == [9, 8]
    assert (page.total, page.limit, page.offset) == (9, 2, 0)
    assert page.next_cursor is not None
    assert plan(pager, cursor=page.next_cursor).window.after == Keyset(8, 8)


@pytest.mark.parametrize("rows", [0, 1, 2])
def test_the_last_page_has_no_next_cursor(pager: Pager, rows: int) -> None:
    page = pager.page(
        plan(pager, limit=2), Slice([task(i) for i in range(rows, 0, -1)], total=rows)
    )
    assert len(page.items) == rows
    assert page.next_cursor is None


def test_the_next_cursor_follows_the_sort_field(pager: Pager) -> None:
    planned = plan(pager, limit=1, sort="-created_at")
    page = pager.page(planned, Slice([task(2), task(1)], total=2))
    assert page.next_cursor is not None
    after = plan(pager, cursor=page.next_cursor, sort="-created_at").window.after
    assert after == Keyset(task(2).created_at, 2)


def test_an_offset_page_reports_its_offset(pager: Pager) -> None:
    page = pager.page(plan(pager, offset=40), Slice([task(1)], total=41))
    assert (page.offset, page.cursor_mode) == (40, False)


def test_a_cursor_page_reports_offset_zero_and_no_total_unless_asked(pager: Pager) -> None:
    planned = plan(pager, cursor=cursor_after(pager, 10))
    page = pager.page(planned, Slice([task(9)], total=None))
    assert (page.offset, page.total, page.cursor_mode) == (0, None, True)
