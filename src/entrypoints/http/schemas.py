"""Request and response bodies of tasks and notes.

Request models are strict and forbid unknown fields (no mass assignment). Each
field also runs the domain's own rule for it, so that one 422 names every invalid
field (type errors and rule breaks alike); the use cases apply the same rules
again, as the source of truth. The JSON Schema states the rules that need
normalising first (trimming, tag case) as patterns, so that the published schema
accepts exactly what the API accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Generic, Self, TypeVar

from pydantic import MISSING, AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from application.paging import Page
from domain.errors import InvalidValue
from domain.note import BODY_MAX_LENGTH
from domain.tags import MAX_TAGS, TAG_MAX_LENGTH, normalize_tags
from domain.task import DESCRIPTION_MAX_LENGTH
from domain.text import (
    SEARCH_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    WHITESPACE,
    check_storable,
    normalize_title,
)
from domain.unset import UNSET

# Escaped code points read the same in Python's and ECMAScript's regular expressions.
_SPACE: Final = "".join(f"\\u{ord(c):04x}" for c in WHITESPACE)
NO_NUL: Final = "^[^\\u0000]*$"
# Trimmed, 1..200 characters, no NUL: written out because JSON Schema has no "trim".
TITLE_PATTERN: Final = (
    f"^[{_SPACE}]*[^{_SPACE}\\u0000]"
    f"(?:[^\\u0000]{{0,{TITLE_MAX_LENGTH - 2}}}[^{_SPACE}\\u0000])?[{_SPACE}]*$"
)
TAG_INPUT_PATTERN: Final = f"^[{_SPACE}]*[A-Za-z0-9_-]{{1,{TAG_MAX_LENGTH}}}[{_SPACE}]*$"


T = TypeVar("T")


def _schema(**extra: Any) -> dict[str, Any]:
    return extra


def _rule(rule: Callable[[T], object]) -> AfterValidator:
    """Check a value with a domain rule, leaving it as sent (the use case normalises it)."""

    def check(value: T) -> T:
        if value is not None:
            try:
                rule(value)
            except InvalidValue as error:
                raise ValueError(str(error)) from None
        return value

    return AfterValidator(check)


def given(value: Any) -> Any:
    """A request field left out (`MISSING`) is a field the change leaves alone (`UNSET`)."""
    return UNSET if value is MISSING else value


Title = Annotated[
    str,
    Field(
        description="1..200 characters after trimming white space; not blank.",
        json_schema_extra=_schema(pattern=TITLE_PATTERN),
    ),
    _rule(normalize_title),
]
Description = Annotated[
    str | None,
    Field(max_length=DESCRIPTION_MAX_LENGTH, json_schema_extra=_schema(pattern=NO_NUL)),
    _rule(check_storable),
]
Body = Annotated[
    str,
    Field(max_length=BODY_MAX_LENGTH, json_schema_extra=_schema(pattern=NO_NUL)),
    _rule(check_storable),
]
TagInput = Annotated[
    str,
    Field(
        description="Trimmed and lower-cased: 1..50 of a-z, 0-9, '-' and '_'.",
        json_schema_extra=_schema(pattern=TAG_INPUT_PATTERN),
    ),
    _rule(lambda tag: normalize_tags([tag])),
]
TagList = Annotated[
    list[TagInput],
    Field(
        max_length=MAX_TAGS, description="Duplicates are merged; the response lists them sorted."
    ),
]
SearchTerm = Annotated[
    str,
    Field(min_length=1, max_length=SEARCH_MAX_LENGTH, json_schema_extra=_schema(pattern=NO_NUL)),
    _rule(check_storable),
]


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


Timestamp = Annotated[datetime, PlainSerializer(_rfc3339, return_type=str, when_used="json")]
"""UTC with exactly six fraction digits, even when they are zeros: `…T07:00:00.000000Z`.
(Pydantic leaves out a zero fraction, and fixed-width text sorts as it reads.)"""

_INPUT = ConfigDict(extra="forbid", strict=True)


class TaskCreate(BaseModel):
    model_config = _INPUT

    title: Title
    description: Description = None
    done: bool = False
    tags: TagList = []


class TaskPatch(BaseModel):
    """Fields left out are unchanged; `description: null` clears it."""

    model_config = _INPUT

    title: Title | MISSING = MISSING
    description: Description | MISSING = MISSING
    done: bool | MISSING = MISSING
    tags: TagList | MISSING = MISSING


class TaskOut(BaseModel):
    id: int
    title: str
    description: str | None
    done: bool
    tags: list[str]
    created_at: Timestamp
    updated_at: Timestamp
    version: int


class NoteCreate(BaseModel):
    model_config = _INPUT

    title: Title
    body: Body = ""


class NotePatch(BaseModel):
    """Fields left out are unchanged."""

    model_config = _INPUT

    title: Title | MISSING = MISSING
    body: Body | MISSING = MISSING


class NoteOut(BaseModel):
    id: int
    title: str
    body: str
    created_at: Timestamp
    updated_at: Timestamp
    version: int


ItemT = TypeVar("ItemT", bound=BaseModel)


class PageOut(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    total: int | None = Field(
        description="Matches in all; null in cursor mode unless with_total=true."
    )
    limit: int
    offset: int
    next_cursor: str | None = Field(description="Continues after this page; null on the last one.")

    @classmethod
    def of(cls, page: Page[object], items: list[ItemT]) -> Self:
        return cls(
            items=items,
            total=page.total,
            limit=page.limit,
            offset=page.offset,
            next_cursor=page.next_cursor,
        )


class TaskPage(PageOut[TaskOut]):
    pass


class NotePage(PageOut[NoteOut]):
    pass
