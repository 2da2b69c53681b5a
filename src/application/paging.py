"""List paging, offset and cursor, whole: what a client may ask, what a repository is
asked for, and the page that comes back.

A list request is validated once, here, into a `PagePlan`: the `Window` of the
sorted, filtered rows a repository returns, and how to turn those rows into a
`Page` with the cursor to the next one. Cursors themselves are signed and read
in `application.cursors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Generic, Protocol, TypeVar

from application.cursors import CursorCodec, CursorScope, Keyset
from domain.errors import InvalidValue
from domain.sorting import DEFAULT_SORT, Sort
from domain.validation import Validation

DEFAULT_LIMIT: Final = 20
MAX_LIMIT: Final = 100
MAX_OFFSET: Final = 2**63 - 1
"""Databases take OFFSET as a 64-bit signed integer; anything larger cannot be sent to them."""


class Listable(Protocol):
    """What a resource needs for keyset paging: an id and the sortable fields."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...


E = TypeVar("E", bound=Listable)
E_co = TypeVar("E_co", covariant=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class ListRequest:
    """The paging part of a list request, as the client sent it."""

    limit: int = DEFAULT_LIMIT
    offset: int | None = None
    cursor: str | None = None
    sort: str | None = None
    with_total: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Window:
    """Which rows of the sorted, filtered list a repository should return.

    Either `offset` rows are skipped, or the rows come strictly `after` a keyset,
    which costs the same however deep the page is.
    """

    sort: Sort
    limit: int
    offset: int = 0
    after: Keyset | None = None
    with_total: bool = True


@dataclass(frozen=True, slots=True)
class Slice(Generic[E_co]):
    """What a repository returns for a window: the rows, and the total if it was asked for."""

    items: Sequence[E_co]
    total: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Page(Generic[E_co]):
    items: Sequence[E_co]
    total: int | None
    limit: int
    offset: int
    next_cursor: str | None
    cursor_mode: bool
    """Whether this page was asked for by cursor rather than by offset."""


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

    def plan(self, request: ListRequest, *, owner: int, resource: str, filters: object) -> PagePlan:
        """Validate the paging parameters; `InvalidInput` names every bad one."""
        check = Validation()
        limit = check.check("limit", check_limit, request.limit)
        offset = check.check("offset", check_offset, request.offset or 0)
        sort = check.check("sort", _sort, request.sort)
        if request.cursor is not None and request.offset is not None:
            check.check("offset", _not_with_cursor, request.offset)
        after: Keyset | None = None
        # A cursor is bound to its sort, so it can only be read once the sort is valid.
        if request.cursor is not None and isinstance(sort, Sort):
            scope = CursorScope(owner, resource, sort, repr(filters))
            decoded = check.check(
                "cursor", lambda c: self._cursors.decode(c, scope), request.cursor
            )
            after = decoded if isinstance(decoded, Keyset) else None
        check.raise_if_invalid()
        assert isinstance(sort, Sort)  # raise_if_invalid() let only a valid sort through
        cursor_mode = after is not None
        window = Window(
            sort=sort,
            # One row more than the page holds tells whether a next page exists.
            limit=limit + 1,
            offset=offset,
            after=after,
            with_total=request.with_total or not cursor_mode,
        )
        scope = CursorScope(owner, resource, sort, repr(filters))
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


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidValue(f"must be between 1 and {MAX_LIMIT}")
    return limit


def check_offset(offset: int) -> int:
    if offset < 0:
        raise InvalidValue("must be 0 or more")
    if offset > MAX_OFFSET:
        raise InvalidValue(f"must be at most {MAX_OFFSET}")
    return offset


def _sort(text: str | None) -> Sort:
    return DEFAULT_SORT if text is None else Sort.parse(text)


def _not_with_cursor(_: int) -> int:
    raise InvalidValue("cannot be combined with cursor")
