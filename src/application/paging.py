"""Turns a client's list request into a repository window, and a slice into a page.

The one piece of paging logic behind every list: limits, offset or cursor mode,
sort parsing, and the cursor to the next page.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.cursors import CursorCodec, CursorScope
from application.listing import E, Keyset, ListRequest, Page, Slice, Window
from domain.errors import InvalidValue
from domain.listing import DEFAULT_SORT, Sort, check_limit, check_offset
from domain.validation import Validation


def _sort(text: str | None) -> Sort:
    return DEFAULT_SORT if text is None else Sort.parse(text)


@dataclass(frozen=True, slots=True)
class PagePlan:
    """A validated list request: the window to fetch and how to turn its rows into a page."""

    window: Window
    page_size: int
    scope: CursorScope
    cursor_mode: bool


class Pager:
    def __init__(self, cursors: CursorCodec) -> None:
        self._cursors = cursors

    def plan(self, request: ListRequest, *, resource: str, filters: object) -> PagePlan:
        """Validate the paging parameters; `InvalidInput` names every bad one."""
        check = Validation()
        limit = check.check("limit", check_limit, request.limit)
        offset = check.check("offset", check_offset, request.offset or 0)
        sort = check.check("sort", _sort, request.sort)
        if request.cursor is not None and request.offset is not None:
            check.check("offset", _not_with_cursor, request.offset)
        scope = CursorScope(resource, sort, repr(filters))
        after: Keyset | None = None
        # A cursor is checked against the sort, so only once the sort is valid.
        if request.cursor is not None and isinstance(sort, Sort):
            after = check.check("cursor", lambda c: self._cursors.decode(c, scope), request.cursor)
        check.raise_if_invalid()
        cursor_mode = after is not None
        window = Window(
            sort=sort,
            # One row more than the page holds tells whether a next page exists.
            limit=limit + 1,
            offset=offset,
            after=after,
            with_total=request.with_total or not cursor_mode,
        )
        return PagePlan(window, limit, scope, cursor_mode)

    def page(self, plan: PagePlan, rows: Slice[E]) -> Page[E]:
        items = rows.items[: plan.page_size]
        has_next = len(rows.items) > plan.page_size
        next_cursor = (
            self._cursors.encode(plan.scope, Keyset.of(items[-1], plan.window.sort))
            if has_next
            else None
        )
        return Page(
            items=items,
            total=rows.total,
            limit=plan.page_size,
            offset=plan.window.offset,
            next_cursor=next_cursor,
            cursor_mode=plan.cursor_mode,
        )


def _not_with_cursor(_: int) -> int:
    raise InvalidValue("cannot be combined with cursor")
