"""How lists of resources are ordered and cut into pages."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Final, TypeAlias

from domain.errors import InvalidValue

DEFAULT_LIMIT: Final = 20
MAX_LIMIT: Final = 100
MAX_ID: Final = 2**63 - 1
"""Ids are 64-bit signed integers; anything larger cannot name a resource."""
MAX_OFFSET: Final = 2**63 - 1
"""Databases take OFFSET as a 64-bit signed integer; anything larger cannot be sent to them."""

SortValue: TypeAlias = int | str | datetime


class SortField(enum.StrEnum):
    ID = "id"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    TITLE = "title"


@dataclass(frozen=True, slots=True)
class Sort:
    """An order over one field; ties are always broken by id in the same direction,
    so the order is total and stable."""

    field: SortField
    descending: bool = False

    @classmethod
    def parse(cls, text: str) -> Sort:
        descending = text.startswith("-")
        name = text[1:] if descending else text
        try:
            return cls(SortField(name), descending)
        except ValueError:
            allowed = ", ".join(f.value for f in SortField)
            raise InvalidValue(
                f"must be one of {allowed}, each optionally prefixed by '-'"
            ) from None

    def __str__(self) -> str:
        return f"-{self.field.value}" if self.descending else self.field.value


DEFAULT_SORT: Final = Sort(SortField.ID, descending=True)


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
