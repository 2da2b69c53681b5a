"""What routes ask FastAPI for: services, checked headers, and list parameters."""

from __future__ import annotations

import hashlib
import re
from email.message import Message
from typing import Annotated, Any, Final, Literal, TypeAlias, TypeVar

from fastapi import Depends, Header, Query, Request
from pydantic import BaseModel, BeforeValidator
from starlette.exceptions import HTTPException

from application.cursors import MAX_CURSOR_LENGTH
from application.idempotency import IdempotencyRequest
from application.paging import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, ListRequest
from application.resources import Resources
from entrypoints.http.methods import ACCEPT_PATCH

S = TypeVar("S", bound=Resources[Any, Any, Any])


def resources(request: Request, service_type: type[S]) -> S:
    """The use cases of a resource, for a route that takes the `Request`:
    `tasks = resources(request, TaskService)`.

    Not a dependency: FastAPI's solving of one costs more per request than the
    lookup itself (about a tenth of a `GET /tasks/{id}` in process, with the
    other dependencies). Asked of the container on every request, so that
    `container.x.override()` takes effect whenever it is made
    (dependency-injector's documented use).
    """
    made: S = request.app.state.container.resources(service_type)
    return made


def _body_type(request: Request) -> str | None:
    """The media type of the request body (`type/subtype`, lower case); `None` without a body."""
    headers = request.headers
    if headers.get("content-length", "0") == "0" and "transfer-encoding" not in headers:
        return None
    given = headers.get("content-type", "")
    if given == "application/json":
        return given  # what nearly every client sends: no parser needed
    message = Message()
    message["content-type"] = given
    # Without a valid Content-Type, email's parser says text/plain: not JSON either.
    return message.get_content_type()


async def require_json(request: Request) -> None:
    """415 unless a request body, if any, is `application/json` (no `+json` variant: a
    body typed `application/merge-patch+json` or `vnd.foo+json` means something else)."""
    if _body_type(request) not in {None, "application/json"}:
        raise HTTPException(415, "The request body must be JSON (Content-Type: application/json)")


PATCH_TYPES: Final = frozenset({"application/merge-patch+json", "application/json"})


async def require_merge_patch(request: Request) -> None:
    """415, naming the accepted types in `Accept-Patch`, unless a PATCH body is a JSON
    merge patch (RFC 7396), typed as such or as plain JSON. A JSON Patch (RFC 6902) is
    a list of operations, which this API does not apply."""
    if _body_type(request) not in {None, *PATCH_TYPES}:
        raise HTTPException(
            415,
            "A PATCH body must be a JSON merge patch (Content-Type: "
            "application/merge-patch+json or application/json)",
            headers={"Accept-Patch": ACCEPT_PATCH},
        )


IdempotencyKey: TypeAlias = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="1..255 visible ASCII characters. A retry with the same key and body "
        "returns the first response instead of creating again, for 24 hours.",
        json_schema_extra={"pattern": "^[\\u0021-\\u007e]{1,255}$"},
    ),
]
IfMatch: TypeAlias = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="Only if the resource still has one of these ETags (or any, for `*`); "
        "412 otherwise.",
    ),
]
IfNoneMatch: TypeAlias = Annotated[
    str | None,
    Header(alias="If-None-Match", description="304 if the resource still has one of these ETags."),
]


def idempotency(key: str | None, payload: BaseModel) -> IdempotencyRequest | None:
    """The idempotency request of a POST: its key and a fingerprint of the body as sent."""
    if key is None:
        return None
    body = payload.model_dump_json(exclude_unset=True)
    return IdempotencyRequest(key, hashlib.sha256(body.encode()).hexdigest())


_INTEGER_TEXT: Final = re.compile(r"-?[0-9]+")


def _integer_text(value: object) -> object:
    """An integer in a URL is written in digits. Left to itself, pydantic also reads
    "1.0", " 1 ", "+1" and "1_000" as integers, which the published schema does not allow."""
    if isinstance(value, str) and not _INTEGER_TEXT.fullmatch(value):
        raise ValueError("must be an integer, written in digits")
    return value


INTEGER_TEXT: Final = BeforeValidator(_integer_text)
"""Goes after `Query(...)` in `Annotated`: before it, FastAPI would no longer apply the bounds."""
Id: TypeAlias = Annotated[int, INTEGER_TEXT]
"""The id of a resource, in its path."""

Sort: TypeAlias = Literal[
    "id", "-id", "created_at", "-created_at", "updated_at", "-updated_at", "title", "-title"
]
Flag: TypeAlias = Literal["true", "false"]
"""A boolean query parameter: exactly `true` or `false`."""


def flag(value: Flag | None) -> bool | None:
    return None if value is None else value == "true"


# Dependencies are `async def` even when they never await: FastAPI runs plain
# `def` ones in its thread pool, a hop that costs more than they do.
async def list_request(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Page size."), INTEGER_TEXT
    ] = DEFAULT_LIMIT,
    offset: Annotated[
        int | None,
        Query(ge=0, le=MAX_OFFSET, description="Rows to skip (offset mode); not with `cursor`."),
        INTEGER_TEXT,
    ] = None,
    cursor: Annotated[
        str | None,
        Query(
            max_length=MAX_CURSOR_LENGTH,
            description="`next_cursor` of the previous page (cursor mode), with the same "
            "filters and sort.",
        ),
    ] = None,
    sort: Annotated[
        Sort | None,
        Query(description="Sort key, `-` for descending; ties broken by id. Default `-id`."),
    ] = None,
    with_total: Annotated[
        Flag | None, Query(description="In cursor mode, also count the matches.")
    ] = None,
) -> ListRequest:
    return ListRequest(
        limit=limit, offset=offset, cursor=cursor, sort=sort, with_total=flag(with_total) or False
    )


Paging: TypeAlias = Annotated[ListRequest, Depends(list_request)]
