"""RFC 9457 problem details: the one shape of every error response, and the table
that maps each kind of error to it."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import Scope

from application.errors import (
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    StorageUnavailable,
    TooMuchContention,
)
from application.idempotency import KEY_FIELD
from domain.errors import FieldError, InvalidInput, NotFound, VersionMismatch
from entrypoints.log_setup import request_id

PROBLEM_JSON: Final = "application/problem+json"
RETRY_AFTER_SECONDS: Final = 5

TITLES: Final = {
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

log = logging.getLogger(__name__)


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """An error, as `application/problem+json` (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    request_id: str


class ValidationProblem(Problem):
    """A 422: `errors` names every invalid field of the request."""

    errors: list[FieldProblem]


def problem(
    scope: Scope,
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    errors: Sequence[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    title = TITLES.get(status, "Error")
    body: dict[str, Any] = {
        "type": f"/problems/{kind or title.lower().replace(' ', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": scope.get("path", ""),
        "request_id": request_id.get(),
    }
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
    """`("body", "tags", 2)` → `tags[2]`: the field as the client names it."""
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
        allowed = allowed_methods(request.app, request.scope)
        headers["Allow"] = ", ".join(allowed)
        detail = f"{request.method} is not supported here; use {', '.join(allowed)}"
    else:
        detail = str(error.detail)
    return problem(request.scope, status, detail, kind=kind, headers=headers)


_METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """Every method some route serves at this path.

    Starlette's own 405 names only the methods of the first route that matched
    the path; asking every route about every method finds them all.
    """
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**scope, "method": method})[0] is Match.FULL
            for route in app.router.routes
        )
    ]


async def _invalid_input(request: Request, error: Exception) -> Response:
    assert isinstance(error, InvalidInput)
    return _invalid(request.scope, error.errors)


async def _not_found(request: Request, error: Exception) -> Response:
    return problem(request.scope, 404, str(error))


async def _version_mismatch(request: Request, error: Exception) -> Response:
    return problem(request.scope, 412, str(error))


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


Handler = Callable[[Request, Exception], Awaitable[Response]]

HANDLERS: Final[dict[type[Exception], Handler]] = {
    RequestValidationError: _request_validation,
    HTTPException: _http_error,
    InvalidInput: _invalid_input,
    NotFound: _not_found,
    VersionMismatch: _version_mismatch,
    IdempotencyKeyInUse: _key_in_use,
    IdempotencyKeyReused: _key_reused,
    TooMuchContention: _contention,
    StorageUnavailable: _unavailable,
}
"""Every expected error and its response. Anything else is a bug: a 500, from the middleware."""


def install(app: FastAPI) -> None:
    for error_type, handler in HANDLERS.items():
        app.add_exception_handler(error_type, handler)
