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

from pydantic import (
    MISSING,
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic.config import JsonDict

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


def _ranges(characters: str) -> str:
    """A regular-expression class body for `characters`, with runs written as ranges."""
    points, parts = sorted(map(ord, characters)), []
    start = previous = points[0]
    for point in [*points[1:], -1]:
        if point == previous + 1:
            previous = point
            continue
        parts.append(
            f"\\u{start:04x}" if start == previous else f"\\u{start:04x}-\\u{previous:04x}"
        )
        start = previous = point
    return "".join(parts)


_SPACES: Final = _ranges(WHITESPACE)
TITLE_PATTERN: Final = f"^[^\\u0000]*[^{_SPACES}\\u0000][^\\u0000]*$"
"""Not blank and no NUL. The lengths are stated as `minLength`/`maxLength`; they apply
once white space is trimmed, which JSON Schema cannot say (the description does)."""
TAG_INPUT_PATTERN: Final = f"^[{_SPACE}]*[A-Za-z0-9_-]{{1,{TAG_MAX_LENGTH}}}[{_SPACE}]*$"


T = TypeVar("T")


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
        description=f"1..{TITLE_MAX_LENGTH} characters once surrounding white space is "
        "trimmed (the API trims it); not blank; no NUL character.",
        examples=["Ship FastAPI CRUD"],
        # The lengths apply to the trimmed title, which JSON Schema cannot express;
        # checked exactly by the domain rule.
        json_schema_extra={
            "minLength": 1,
            "maxLength": TITLE_MAX_LENGTH,
            "pattern": TITLE_PATTERN,
        },
    ),
    _rule(normalize_title),
]
Description = Annotated[
    str | None,
    Field(
        max_length=DESCRIPTION_MAX_LENGTH,
        examples=["Add async SQLAlchemy + migrations"],
        json_schema_extra={"pattern": NO_NUL},
    ),
    _rule(check_storable),
]
Body = Annotated[
    str,
    Field(max_length=BODY_MAX_LENGTH, examples=["World"], json_schema_extra={"pattern": NO_NUL}),
    _rule(check_storable),
]
TagInput = Annotated[
    str,
    Field(
        description="Trimmed and lower-cased: 1..50 of a-z, 0-9, '-' and '_'.",
        examples=["backend"],
        json_schema_extra={"pattern": TAG_INPUT_PATTERN},
    ),
    _rule(lambda tag: normalize_tags([tag])),
]
TagList = Annotated[
    list[TagInput],
    Field(
        max_length=MAX_TAGS,
        description="Duplicates are merged; the response lists them sorted.",
        examples=[["backend", "urgent"]],
    ),
]
SearchTerm = Annotated[
    str,
    Field(
        min_length=1,
        max_length=SEARCH_MAX_LENGTH,
        examples=["ship"],
        json_schema_extra={"pattern": NO_NUL},
    ),
    _rule(check_storable),
]


def _rfc3339(moment: datetime) -> str:
    # isoformat, not strftime: a fifth of the cost, on every timestamp of every page.
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"  # "+00:00" -> "Z"


Timestamp = Annotated[
    datetime,
    PlainSerializer(_rfc3339, return_type=str, when_used="json"),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "examples": ["2026-11-24T07:00:00.123456Z"]}
    ),
]
"""UTC with exactly six fraction digits, even when they are zeros: `…T07:00:00.000000Z`.
(Pydantic leaves out a zero fraction, and fixed-width text sorts as it reads.)"""


def example(value: JsonDict, *, strict_input: bool = False) -> ConfigDict:
    """A model's configuration with its example, which Swagger UI's "Try it out" sends;
    input models are strict and forbid unknown fields (no mass assignment)."""
    extra: JsonDict = {"examples": [value]}
    if strict_input:
        return ConfigDict(extra="forbid", strict=True, json_schema_extra=extra)
    return ConfigDict(json_schema_extra=extra)


TASK_EXAMPLE: Final[JsonDict] = {
    "id": 42,
    "title": "Ship FastAPI CRUD",
    "description": "Add async SQLAlchemy + migrations",
    "done": False,
    "tags": ["backend", "urgent"],
    "created_at": "2026-11-24T07:00:00.123456Z",
    "updated_at": "2026-11-24T07:00:00.123456Z",
    "version": 1,
}
NOTE_EXAMPLE: Final[JsonDict] = {
    "id": 7,
    "title": "Hello",
    "body": "World",
    "created_at": "2026-11-24T07:00:00.123456Z",
    "updated_at": "2026-11-24T07:00:00.123456Z",
    "version": 1,
}
_TASK_INPUT: Final[JsonDict] = {
    key: TASK_EXAMPLE[key] for key in ("title", "description", "done", "tags")
}


class TaskCreate(BaseModel):
    model_config = example(_TASK_INPUT, strict_input=True)

    title: Title
    description: Description = None
    done: bool = False
    tags: TagList = []


class TaskPatch(BaseModel):
    """Fields left out are unchanged; `description: null` clears it."""

    model_config = example({"done": True, "tags": ["backend"]}, strict_input=True)

    title: Title | MISSING = MISSING
    description: Description | MISSING = MISSING
    done: bool | MISSING = MISSING
    tags: TagList | MISSING = MISSING


class ResourceOut(BaseModel):
    """A resource as sent: its fields read from the entity by name, not listed again."""

    @classmethod
    def of(cls, entity: object) -> Self:
        return cls.model_validate(entity, from_attributes=True)


class TaskOut(ResourceOut):
    model_config = example(TASK_EXAMPLE)

    id: int
    title: str
    description: str | None
    done: bool
    tags: list[str]
    created_at: Timestamp
    updated_at: Timestamp
    version: int


class NoteCreate(BaseModel):
    model_config = example({"title": "Hello", "body": "World"}, strict_input=True)

    title: Title
    body: Body = ""


class NotePatch(BaseModel):
    """Fields left out are unchanged."""

    model_config = example({"body": "World, again"}, strict_input=True)

    title: Title | MISSING = MISSING
    body: Body | MISSING = MISSING


class NoteOut(ResourceOut):
    model_config = example(NOTE_EXAMPLE)

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


def _page_example(item: JsonDict) -> ConfigDict:
    return example({"items": [item], "total": 1, "limit": 20, "offset": 0, "next_cursor": None})


class TaskPage(PageOut[TaskOut]):
    model_config = _page_example(TASK_EXAMPLE)


class NotePage(PageOut[NoteOut]):
    model_config = _page_example(NOTE_EXAMPLE)
