"""Pure ASGI middleware: request ids and the last line of error handling, and the body size limit.

Pure ASGI rather than `BaseHTTPMiddleware`, which costs a task and a queue per request.
"""

from __future__ import annotations

import random
import re
import time
from typing import Final

import structlog
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.problems import problem
from entrypoints.log_setup import ACCOUNT_ID, FastLogger, request_id

_VALID_REQUEST_ID: Final = re.compile(rb"[\x21-\x7e]{1,128}")

log = structlog.stdlib.get_logger("tasks_api.access")
access = FastLogger("tasks_api.access")
"""The access line's: one per request, so written without structlog's generic path."""


def raw_header(scope: Scope, name: bytes) -> bytes | None:
    """A request header's raw value (`name` in lower case), without building a Headers object."""
    for key, value in scope["headers"]:
        if key == name:
            return value  # type: ignore[no-any-return]  # Starlette types a scope as Any
    return None


class RequestContextMiddleware:
    """Gives each request its id, echoes it, logs the request, and turns any
    unexpected exception into a 500 problem that reveals nothing internal."""

    def __init__(self, app: ASGIApp, *, access_log: bool = True) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        given = raw_header(scope, b"x-request-id")
        if given is not None and _VALID_REQUEST_ID.fullmatch(given):
            rid = given.decode("ascii")
        else:
            # 32 random hex digits, as a UUID4's hex. An id names a request, it guards
            # nothing: the process's Mersenne Twister (seeded from the OS, reseeded in
            # each forked worker) rather than a getrandom() system call per request.
            rid = f"{random.getrandbits(128):032x}"
        token = request_id.set(rid)
        # Unknown until the authentication dependency, in this same task, binds it.
        bound = structlog.contextvars.bind_contextvars(**{ACCOUNT_ID: None})
        header = (b"x-request-id", rid.encode("ascii"))
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error", method=scope["method"], route=route_template(scope))
            if not response_started:
                response = problem(scope, 500, "An unexpected error occurred")
                await response(scope, receive, send_with_id)
        finally:
            if self.access_log:
                self._log_access(scope, status, started)
            structlog.contextvars.reset_contextvars(**bound)
            request_id.reset(token)

    @staticmethod
    def _log_access(scope: Scope, status: int, started: float) -> None:
        # What identifies the request, never what it carries: no headers, no
        # query string (it may hold a token), no body.
        client = scope.get("client")
        access.info(
            "request",
            method=scope["method"],
            route=route_template(scope),
            status=status,
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
            client=client[0] if client else None,
        )


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/tasks/{task_id}`), or "unmatched"."""
    return getattr(scope.get("route"), "path", None) or "unmatched"


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes")


class BodyLimitMiddleware:
    """Rejects request bodies over `limit` bytes with a 413, while they are read.

    A declared Content-Length over the limit is refused before reading; a
    body without one is counted as it streams in and cut off at the limit,
    so no more than `limit` bytes are ever buffered.
    """

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = raw_header(scope, b"content-length")
        if length is None and raw_header(scope, b"transfer-encoding") is None:
            # No body at all (a GET, say): nothing to count.
            await self.app(scope, receive, send)
            return
        if length is not None and length.isdigit() and int(length) > self.limit:
            error = BodyTooLarge(self.limit)
            await problem(scope, 413, str(error.detail))(scope, receive, send)
            return

        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # Raised inside the framework's body reading, which hands
                    # HTTP exceptions to the problem handlers.
                    raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, receive_within_limit, send)
