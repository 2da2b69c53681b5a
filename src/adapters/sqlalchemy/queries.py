"""List queries: filters, sort, offset or keyset window, and the total, in one statement."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, Table, bindparam, func, select, true, tuple_

from adapters.sqlalchemy.execution import Row
from application.paging import Slice, Window
from domain.sorting import Sort

E = TypeVar("E")


def like_pattern(term: str) -> str:
    """A LIKE pattern matching `term` anywhere, with `%`, `_` and `\\` taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column: ColumnElement[str], parameter: str) -> ColumnElement[bool]:
    return column.like(bindparam(parameter), escape="\\")


def window_params(owner: int, window: Window) -> dict[str, Any]:
    params: dict[str, Any] = {"owner_id": owner, "limit": window.limit, "offset": window.offset}
    if window.after is not None:
        params["after_value"] = window.after.value
        params["after_id"] = window.after.id
    return params


def windowed(
    table: Table,
    columns: Sequence[ColumnElement[Any]],
    conditions: Sequence[ColumnElement[bool]],
    *,
    sort: Sort,
    keyset: bool,
    with_total: bool,
    per_row: Callable[[ColumnElement[Any]], Sequence[ColumnElement[Any]]] = lambda _: (),
) -> Select[Any]:
    """The statement for one shape of list query; its values are bound at execution.

    `per_row(id)` gives the columns computed from each returned row's id (a
    task's tags): they are selected around the page, so they are evaluated for
    the rows returned only, not for every row that an OFFSET skips.

    It always reads one owner's rows (`owner_id` is bound like the rest), so no
    list can forget whose it is.

    With a total, the count and the page come back in one round trip: a
    one-row count joined to the page, so an empty page still carries it. The
    count is a separate subquery rather than `count(*) over ()`, so the page
    itself can stop after `limit` rows of an index scan.
    """
    key, row_id = table.c[sort.field.value], table.c.id
    conditions = [table.c.owner_id == bindparam("owner_id"), *conditions]
    page = select(*columns).where(*conditions)
    if keyset:
        position = tuple_(key, row_id)
        after = tuple_(
            bindparam("after_value", type_=key.type), bindparam("after_id", type_=row_id.type)
        )
        page = page.where(position < after if sort.descending else position > after)
    page = (
        page.order_by(*_order(key, row_id, sort))
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    rows = page.subquery()
    order = _order(rows.c[sort.field.value], rows.c.id, sort)
    if not with_total:
        return select(*rows.c, *per_row(rows.c.id)).order_by(*order)

    counts = select(func.count().label("total")).select_from(table).where(*conditions).subquery()
    return (
        select(counts.c.total, *rows.c, *per_row(rows.c.id))
        .select_from(counts.outerjoin(rows, true()))
        .order_by(*order)
    )


def _order(key: ColumnElement[Any], row_id: ColumnElement[Any], sort: Sort) -> tuple[Any, ...]:
    if sort.descending:
        return key.desc(), row_id.desc()
    return key.asc(), row_id.asc()


def to_slice(rows: Sequence[Row], window: Window, entity: Callable[[Row], E]) -> Slice[E]:
    """The slice in the rows of a `windowed()` statement."""
    if not window.with_total:
        return Slice([entity(row) for row in rows], None)
    # The count comes on every row, and alone on one row when the page is empty.
    return Slice([entity(row) for row in rows if row["id"] is not None], rows[0]["total"])
