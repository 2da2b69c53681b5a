"""How lists of resources are ordered: the sort keys, and a total order over them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Final, TypeAlias

from domain.errors import InvalidValue

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
