"""Query and page types shared by every list: what is asked of a repository and what comes back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from domain.listing import DEFAULT_LIMIT, Sort, SortValue


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


@dataclass(frozen=True, slots=True)
class Keyset:
    """A position in a sorted list: the sort value and id of the last row already seen."""

    value: SortValue
    id: int

    @classmethod
    def of(cls, item: Listable, sort: Sort) -> Keyset:
        value: SortValue = getattr(item, sort.field.value)
        return cls(value, item.id)


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
class ListRequest:
    """The paging part of a list request, as the client sent it."""

    limit: int = DEFAULT_LIMIT
    offset: int | None = None
    cursor: str | None = None
    sort: str | None = None
    with_total: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Page(Generic[E_co]):
    items: Sequence[E_co]
    total: int | None
    limit: int
    offset: int
    next_cursor: str | None
    cursor_mode: bool
    """Whether this page was asked for by cursor rather than by offset."""
