"""RFC 9457 problem details: the one shape of every error response, and the table
that maps each kind of error to it."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from pydantic.config import JsonDict
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from application.errors import (
    EmailTaken,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    InvalidGrant,
    InvalidIdempotencyKey,
    InvalidToken,
    StorageOverloaded,
    StorageUnavailable,
    TokenProblem,
    TooManyAttempts,
    TooMuchContention,
)
from domain.errors import FieldError, InvalidInput, NotFound, VersionMismatch
from entrypoints.http.auth import REALM
from entrypoints.http.etags import etag
from entrypoints.http.methods import paths_of
from entrypoints.http.schemas import example
from entrypoints.log_setup import request_id

PROBLEM_JSON: Final = "application/problem+json"
RETRY_AFTER_SECONDS: Final = 5
OVERLOADED_RETRY_AFTER_SECONDS: Final = 1
"""A shed request may come back soon: the database is healthy, only busy."""
KEY_FIELD: Final = "Idempotency-Key"
"""How a 422 names the idempotency key: by its header."""

TITLES: Final = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

log = logging.getLogger(__name__)

TYPES: Final = {
    "malformed-json": (400, "The request body is not valid JSON (or not UTF-8)."),
    "unauthorized": (401, "The request needs a valid bearer token (`Authorization: Bearer …`)."),
    "not-found": (404, "No resource at this path: an unknown id or route."),
    "method-not-allowed": (
        405,
        "The path does not answer this method; `Allow` lists those it does.",
    ),
    "idempotency-key-in-use": (
        409,
        "A request with this `Idempotency-Key` is still being processed; retry it later.",
    ),
    "conflict": (409, "The resource is being changed by others all the time; retry later."),
    "precondition-failed": (
        412,
        "`If-Match` named no current ETag of the resource; nothing was changed. The "
        "response's `ETag` is the current one: re-read the resource and decide again.",
    ),
    "content-too-large": (413, "The request body is larger than 1 MiB."),
    "unsupported-media-type": (
        415,
        "The body is not of a type this operation takes: `application/json`, or for a "
        "PATCH a JSON merge patch (`Accept-Patch` lists the types).",
    ),
    "invalid-input": (422, "Some input is invalid: `errors` names each field and what is wrong."),
    "idempotency-key-reused": (
        422,
        "This `Idempotency-Key` was first used with a different body; use a new key.",
    ),
    "email-taken": (409, "An account with this email exists already."),
    "invalid-grant": (
        400,
        "The email or password is wrong, or the refresh token is not valid (RFC 6749 "
        "`invalid_grant`, in `error`).",
    ),
    "unsupported-grant-type": (
        400,
        "`grant_type` must be `password` (with `username` and `password`) or `refresh_token` "
        "(with `refresh_token`); RFC 6749 `unsupported_grant_type`, in `error`.",
    ),
    "too-many-requests": (429, "Too many attempts; retry after `Retry-After` seconds."),
    "request-timeout": (
        408,
        "The request did not arrive whole in time (10 s by default, from the moment the "
        "connection opened or the request began); the connection is closed. Send it again.",
    ),
    "request-header-fields-too-large": (
        431,
        "The request line and headers are larger than the service takes (64 KiB by default); "
        "the connection is closed.",
    ),
    "internal-server-error": (
        500,
        "An unexpected error; it is logged with the request id. Nothing internal is revealed.",
    ),
    "service-unavailable": (
        503,
        "The database is unavailable, or the service is stopping; retry after `Retry-After` "
        "seconds.",
    ),
    "overloaded": (
        503,
        "The service is busy, not broken: no database connection came free in time, or the "
        "worker has as many connections open as it takes. Retry after `Retry-After` seconds.",
    ),
}
"""Every `type` a problem can have (the name after `/problems/`): its status and what it means.
`GET /problems/{name}` serves these descriptions."""


class FieldProblem(BaseModel):
    model_config = example({"field": "title", "message": "must not be blank"})

    field: str = Field(
        description='The field by its bare name (`tags[2]`); `""` is the whole body.'
    )
    message: str


NOT_FOUND: Final[JsonDict] = {"type": "/problems/not-found", "title": "Not Found", "status": 404}
"""The common part of the documentation's examples of a problem."""


class Problem(BaseModel):
    """An error, as `application/problem+json` (RFC 9457)."""

    model_config = example(
        {
            **NOT_FOUND,
            "detail": "Task 42 does not exist",
            "instance": "/tasks/42",
            "request_id": "6f1c2a0e9b",
        }
    )

    type: str
    title: str
    status: int
    detail: str
    instance: str
    request_id: str


class ValidationProblem(Problem):
    """A 422: `errors` names every invalid field of the request."""

    model_config = example(
        {
            "type": "/problems/invalid-input",
            "title": "Unprocessable Content",
            "status": 422,
            "detail": "The request has 1 invalid field",
            "instance": "/tasks",
            "request_id": "6f1c2a0e9b",
            "errors": [{"field": "title", "message": "must not be blank"}],
        }
    )

    errors: list[FieldProblem]


def problem_body(
    status: int, detail: str, *, kind: str | None, instance: str, request_id: str
) -> dict[str, Any]:
    """The members every problem has; `kind` defaults to the status's title (`not-found`)."""
    title = TITLES.get(status, "Error")
    return {
        "type": f"/problems/{kind or title.lower().replace(' ', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "request_id": request_id,
    }


def problem_outside_app(status: int, kind: str, detail: str, path: str) -> tuple[str, bytes]:
    """(request id, JSON body) of a problem the server answers before the app sees the request.

    The id is a fresh one: the request's own `X-Request-ID` may not have arrived.
    """
    rid = uuid.uuid4().hex
    body = problem_body(status, detail, kind=kind, instance=path, request_id=rid)
    return rid, json.dumps(body).encode()


def overloaded_app(detail: str, *, close: bool) -> ASGIApp:
    """An ASGI app answering 503 `/problems/overloaded` with `Retry-After`, the app unbothered."""

    async def overloaded(scope: Scope, receive: Receive, send: Send) -> None:
        rid, body = problem_outside_app(503, "overloaded", detail, scope["path"])
        headers = [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(OVERLOADED_RETRY_AFTER_SECONDS).encode()),
            (b"x-request-id", rid.encode()),
        ]
        if close:
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return overloaded


def problem(
    scope: Scope,
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    errors: Sequence[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, str] | None = None,
) -> Response:
    body = problem_body(
        status, detail, kind=kind, instance=scope.get("path", ""), request_id=request_id.get()
    )
    if extra is not None:
        body.update(extra)
    if errors is not None:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    return Response(
        json.dumps(body, ensure_ascii=False).encode(),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _invalid(scope: Scope, errors: Sequence[FieldError]) -> Response:
    count = len(errors)
    detail = f"The request has {count} invalid field{'s' if count != 1 else ''}"
    return problem(scope, 422, detail, kind="invalid-input", errors=errors)


def _field_name(location: Sequence[str | int]) -> str:
    """`("body", "tags", 2)` → `tags[2]`: the field as the client names it.

    The body as a whole (`("body",)`: missing, or not an object) is `""`, the JSON
    Pointer of the whole document, so it never reads as a field called `body`.
    """
    if tuple(location) == ("body",):
        return ""
    parts = list(location[1:]) if len(location) > 1 else list(location)
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


async def _request_validation(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    issues = error.errors()
    if any(issue["type"] == "json_invalid" for issue in issues):
        return problem(
            request.scope, 400, "The request body is not valid JSON", kind="malformed-json"
        )
    errors = [FieldError(_field_name(issue["loc"]), _message(issue)) for issue in issues]
    return _invalid(request.scope, errors)


def _message(issue: Any) -> str:
    # A domain rule's own message, without pydantic's "Value error, " in front.
    if issue["type"] == "value_error" and "error" in issue.get("ctx", {}):
        return str(issue["ctx"]["error"])
    return str(issue["msg"])


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    status = error.status_code
    headers = dict(error.headers or {})
    kind = None
    if status == 400:
        # FastAPI's own 400: a body it could not decode (not UTF-8, say).
        kind, detail = "malformed-json", "The request body is not valid JSON"
    elif status == 404:
        detail = f"No resource at {request.url.path}"
    elif status == 405:
        allowed = paths_of(request.scope).allowed(request.scope)
        headers["Allow"] = ", ".join(allowed)
        detail = f"{request.method} is not supported here; use {', '.join(allowed)}"
    else:
        detail = str(error.detail)
    return problem(request.scope, status, detail, kind=kind, headers=headers)


async def _invalid_input(request: Request, error: Exception) -> Response:
    assert isinstance(error, InvalidInput)
    return _invalid(request.scope, error.errors)


def _unauthorized(request: Request, detail: str, *, invalid_token: bool) -> Response:
    # RFC 6750 §3: the challenge names the realm, and the error once a token was given.
    challenge = f'{REALM}, error="invalid_token"' if invalid_token else REALM
    headers = {"WWW-Authenticate": challenge}
    return problem(request.scope, 401, detail, kind="unauthorized", headers=headers)


async def _invalid_token(request: Request, error: Exception) -> Response:
    assert isinstance(error, InvalidToken)
    if error.problem is TokenProblem.MISSING:
        return _unauthorized(request, str(error), invalid_token=False)
    # Why a token was refused goes to the log; the client learns only that it was.
    log.info("access token refused: %s", error)
    return _unauthorized(request, "The access token is invalid or has expired", invalid_token=True)


class UnsupportedGrant(Exception):
    """A grant type the token endpoint does not issue tokens for, or one missing its fields."""


_NO_STORE: Final = {"Cache-Control": "no-store"}


async def _email_taken(request: Request, error: Exception) -> Response:
    return problem(request.scope, 409, str(error), kind="email-taken")


async def _invalid_grant(request: Request, error: Exception) -> Response:
    # RFC 6749's error code, inside the problem: OAuth clients look for `error`.
    return problem(
        request.scope,
        400,
        str(error),
        kind="invalid-grant",
        extra={"error": "invalid_grant"},
        headers=_NO_STORE,
    )


async def _unsupported_grant(request: Request, error: Exception) -> Response:
    return problem(
        request.scope,
        400,
        "grant_type must be `password` (with username and password) or `refresh_token` "
        "(with refresh_token)",
        kind="unsupported-grant-type",
        extra={"error": "unsupported_grant_type"},
        headers=_NO_STORE,
    )


async def _too_many_attempts(request: Request, error: Exception) -> Response:
    assert isinstance(error, TooManyAttempts)
    return problem(
        request.scope,
        429,
        str(error),
        kind="too-many-requests",
        headers={**_NO_STORE, "Retry-After": str(error.retry_after)},
    )


async def _invalid_key(request: Request, error: Exception) -> Response:
    return _invalid(request.scope, (FieldError(KEY_FIELD, str(error)),))


async def _not_found(request: Request, error: Exception) -> Response:
    return problem(request.scope, 404, str(error))


async def _version_mismatch(request: Request, error: Exception) -> Response:
    assert isinstance(error, VersionMismatch)
    # The current ETag, so that the client can re-read knowingly, or retry at once.
    return problem(request.scope, 412, str(error), headers={"ETag": etag(error.current_version)})


async def _key_in_use(request: Request, error: Exception) -> Response:
    return problem(request.scope, 409, str(error), kind="idempotency-key-in-use")


async def _key_reused(request: Request, error: Exception) -> Response:
    return problem(
        request.scope,
        422,
        str(error),
        kind="idempotency-key-reused",
        errors=[FieldError(KEY_FIELD, str(error))],
    )


async def _contention(request: Request, error: Exception) -> Response:
    return problem(request.scope, 409, str(error))


async def _unavailable(request: Request, error: Exception) -> Response:
    log.warning("database unavailable: %s", error)
    return problem(
        request.scope,
        503,
        "The database is unavailable; try again shortly",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def _overloaded(request: Request, error: Exception) -> Response:
    request.app.state.metrics.count_shed("database-wait")
    log.warning("shed %s %s: %s", request.method, request.url.path, error)
    return problem(
        request.scope,
        503,
        "The service is overloaded; try again shortly",
        kind="overloaded",
        headers={"Retry-After": str(OVERLOADED_RETRY_AFTER_SECONDS)},
    )


Handler = Callable[[Request, Exception], Awaitable[Response]]

HANDLERS: Final[dict[type[Exception], Handler]] = {
    RequestValidationError: _request_validation,
    HTTPException: _http_error,
    InvalidInput: _invalid_input,
    InvalidIdempotencyKey: _invalid_key,
    InvalidToken: _invalid_token,
    EmailTaken: _email_taken,
    InvalidGrant: _invalid_grant,
    UnsupportedGrant: _unsupported_grant,
    TooManyAttempts: _too_many_attempts,
    NotFound: _not_found,
    VersionMismatch: _version_mismatch,
    IdempotencyKeyInUse: _key_in_use,
    IdempotencyKeyReused: _key_reused,
    TooMuchContention: _contention,
    StorageUnavailable: _unavailable,
    StorageOverloaded: _overloaded,
}
"""Every expected error and its response. Anything else is a bug: a 500, from the middleware."""


def install(app: FastAPI) -> None:
    for error_type, handler in HANDLERS.items():
        app.add_exception_handler(error_type, handler)
