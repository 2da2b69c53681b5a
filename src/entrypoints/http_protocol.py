"""The HTTP/1.1 protocol `tasks-api serve` runs uvicorn with: httptools, plus the limits it lacks.

uvicorn has no deadline for receiving a request: `timeout_keep_alive` runs only
between requests, and a new connection that sends nothing, or a request line
trickled a byte at a time, holds a file descriptor and a connection slot for as
long as the client likes (900 half-sent requests were all still open after
50 s). ASGI middleware cannot help: it runs only once the request is parsed.
This subclass arms a timer when a connection opens (and when each later request
on it begins) and closes the connection, with a 408 when no request is being
answered, if the request has not been received whole in time. It also caps the
bytes of a request head: httptools itself enforces no limit. And it refuses
requests beyond `MAX_CONNECTIONS` itself, as uvicorn's `limit_concurrency`
would but with the contract's problem+json (`/problems/overloaded`, counted in
`tasks_api_requests_shed_total{reason="connections"}`) instead of uvicorn's
text/plain. Every answer written here is problem+json, as every other error is.
A request the app is to work on is handed to the worker's request line
(`entrypoints/request_line.py`) rather than started at once. Last, a response's
head and body leave in one write (`entrypoints/coalesced_writes.py`).

httptools rather than h11: it is what uvicorn picks by default here (so the
benchmarks measure what runs), and its C parser costs less CPU per request;
h11's one extra, `h11_max_incomplete_event_size`, is the header cap below.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, Final

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle
from uvicorn.server import ServerState

from entrypoints.coalesced_writes import CoalescedWrites
from entrypoints.http.problems import (
    PROBLEM_JSON,
    TITLES,
    overloaded_app,
    problem_outside_app,
)
from entrypoints.request_line import RequestLine, needs_no_line
from entrypoints.settings import Settings

log = logging.getLogger(__name__)


@functools.cache
def _limits() -> tuple[float, int]:
    """(receive timeout, header bytes): read once per worker, from the environment it was given."""
    settings = Settings()
    return settings.request_receive_timeout_seconds, settings.max_request_header_bytes


@functools.cache
def _line(loop: asyncio.AbstractEventLoop, app: Any) -> RequestLine:
    """The worker's one request line (a worker runs one loop and one app)."""
    settings = Settings()
    return RequestLine(
        settings.max_requests_in_flight,
        settings.db_pool_wait_seconds,
        loop,
        on_shed=functools.partial(_count_shed, app, QUEUE_SHED_REASON),
    )


def closing_problem(status: int, kind: str, detail: str, path: str) -> bytes:
    """A whole HTTP/1.1 response carrying a problem, after which the connection is closed."""
    rid, body = problem_outside_app(status, kind, detail, path)
    return b"".join(
        (
            f"HTTP/1.1 {status} {TITLES[status]}\r\n".encode(),
            b"content-type: " + PROBLEM_JSON.encode() + b"\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"x-request-id: " + rid.encode() + b"\r\n",
            b"connection: close\r\n\r\n",
            body,
        )
    )


EVENT_LOOP: Final = "asyncio"
"""The event loop `tasks-api serve` runs: asyncio's own, not uvloop (uvicorn's "auto" choice).

Since libuv 1.45 (libuv/libuv#3696) uvloop accepts one connection per turn of
the loop. A busy worker turns its loop about a hundred times a second, so a
burst of 256 new connections waited seconds in the kernel's accept queue,
unseen by the admission gate and by the metrics: at 256 connections half the
clients got their answer in 0.25 s and a tenth waited over 1.5 s (p99 2.9 s),
although the server itself answered every request within 0.55 s. asyncio's
loop accepts the whole burst at once, so every request queues, in order, where
it is measured and bounded: p99 0.64 s at 256 connections, same throughput
at 32 connections (820 req/s against uvloop's 862, within the noise).
"""

SHED_REASON: Final = "connections"
"""The `reason` of `tasks_api_requests_shed_total` for requests refused beyond MAX_CONNECTIONS."""
QUEUE_SHED_REASON: Final = "queue"
"""... and for requests that waited their whole patience in the request line."""


_too_many_connections = overloaded_app(
    "The service has too many connections open; try again shortly", close=True
)
"""The answer to a request arriving beyond MAX_CONNECTIONS."""


def _count_shed(app: Any, reason: str) -> None:
    """Count a refusal in the app's metrics: the FastAPI app is under uvicorn's wrappers."""
    for _ in range(10):
        metrics = getattr(getattr(app, "state", None), "metrics", None)
        if metrics is not None:
            metrics.count_shed(reason)
            return
        app = getattr(app, "app", None)


class DeadlineHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with a deadline to receive each request, and a header cap."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        # uvicorn's own check would answer text/plain: this class checks instead.
        self.max_connections, self.limit_concurrency = self.limit_concurrency, None
        self.receive_timeout, self.max_head_bytes = _limits()
        self._deadline: float | None = None
        """When the request being received must be whole (loop time); None between requests."""
        self._timer: asyncio.TimerHandle | None = None
        """At most one per connection, due at or before the deadline (see `_arm`)."""
        self._head_bytes: int | None = 0
        """Bytes of the current request head so far; None once the head is complete."""
        self.line = _line(self.loop, self.app)

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        # Each request waits its turn in the worker's line, unless it needs no database.
        if app is _too_many_connections or needs_no_line(cycle.scope["path"]):
            super()._start_asgi_task(cycle, app)
            return
        start = functools.partial(super()._start_asgi_task, cycle)
        self.line.admit(start, self._connected, app)

    def _connected(self) -> bool:
        return not self.transport.is_closing()

    def connection_made(  # type: ignore[override]  # uvicorn narrows asyncio's transport type
        self, transport: asyncio.Transport
    ) -> None:
        # Each response's head and body in one write (`coalesced_writes.py`).
        super().connection_made(CoalescedWrites(transport, self.loop))
        # A connection that never sends a byte is covered too.
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._head_bytes is not None:
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head_bytes:
                log.info(
                    "closed a connection whose request head passed %d bytes", self.max_head_bytes
                )
                self._refuse(
                    closing_problem(
                        431,
                        "request-header-fields-too-large",
                        f"The request head is larger than {self.max_head_bytes} bytes",
                        self._path_so_far(),
                    )
                )
                return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        # A request after keep-alive gets its own deadline; the first one keeps
        # the connection's, so idling before it does not extend it.
        self._arm()

    def on_headers_complete(self) -> None:
        self._head_bytes = None
        if self.max_connections is not None and (
            len(self.connections) >= self.max_connections or len(self.tasks) >= self.max_connections
        ):
            log.warning(
                "refused a request: %d connections open, the cap is %d",
                len(self.connections),
                self.max_connections,
            )
            _count_shed(self.app, SHED_REASON)
            # uvicorn starts whichever app is `self.app` then: for this request, the refusal.
            app, self.app = self.app, _too_many_connections
            try:
                super().on_headers_complete()
            finally:
                self.app = app
            return
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        self._head_bytes = 0
        super().on_message_complete()

    def _arm(self) -> None:
        # A timer per request (armed, then cancelled when the request is whole) cost a
        # heap push and a cancelled handle in the loop's heap each time. The
        # connection's one timer is left running instead: when it fires before the
        # current deadline (set by a later request), it is set again for it.
        if self._deadline is None:
            self._deadline = self.loop.time() + self.receive_timeout
            if self._timer is None:
                self._timer = self.loop.call_at(self._deadline, self._check_deadline)

    def _disarm(self) -> None:
        self._deadline = None

    def _check_deadline(self) -> None:
        self._timer = None
        if self._deadline is None:  # no request is being received
            return
        if self.loop.time() < self._deadline:
            self._timer = self.loop.call_at(self._deadline, self._check_deadline)
            return
        self._too_slow()

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        log.info(
            "closed a connection whose request was not received within %g s", self.receive_timeout
        )
        answering = self.cycle is not None and not self.cycle.response_complete
        if answering:
            # The app has the request and may be writing a response: no 408 in between.
            self.transport.close()
        else:
            self._refuse(
                closing_problem(
                    408,
                    "request-timeout",
                    f"The request did not arrive whole within {self.receive_timeout:g} s",
                    self._path_so_far(),
                )
            )

    def _path_so_far(self) -> str:
        """The path of the request being received, as far as it arrived ("" if none did)."""
        url = getattr(self, "url", b"")  # set by uvicorn once a request begins
        try:
            path = httptools.parse_url(url).path if url else b""
        except httptools.HttpParserInvalidURLError:
            return ""
        return path.decode("ascii", errors="replace") if path else ""

    def _refuse(self, response: bytes) -> None:
        self._disarm()
        self.transport.write(response)
        self.transport.close()
