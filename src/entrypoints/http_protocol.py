"""The HTTP/1.1 protocol `tasks-api serve` runs uvicorn with: httptools, plus the limits it lacks.

uvicorn has no deadline for receiving a request: `timeout_keep_alive` runs only
between requests, and a new connection that sends nothing, or a request line
trickled a byte at a time, holds a file descriptor and a connection slot for as
long as the client likes (900 half-sent requests were all still open after
50 s). ASGI middleware cannot help: it runs only once the request is parsed.
This subclass arms a timer when a connection opens (and when each later request
on it begins) and closes the connection, with a 408 when no request is being
answered, if the request has not been received whole in time. It also caps the
bytes of a request head: httptools itself enforces no limit.

httptools rather than h11: it is what uvicorn picks by default here (so the
benchmarks measure what runs), and its C parser costs less CPU per request;
h11's one extra, `h11_max_incomplete_event_size`, is the header cap below.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from entrypoints.settings import Settings

log = logging.getLogger(__name__)


@functools.cache
def _limits() -> tuple[float, int]:
    """(receive timeout, header bytes): read once per worker, from the environment it was given."""
    settings = Settings()
    return settings.request_receive_timeout_seconds, settings.max_request_header_bytes


def _response(status: bytes, detail: bytes) -> bytes:
    return b"".join(
        (
            b"HTTP/1.1 " + status + b"\r\n",
            b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: " + str(len(detail)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
            detail,
        )
    )


REQUEST_TIMEOUT = _response(b"408 Request Timeout", b"The request did not arrive in time.")
HEADERS_TOO_LARGE = _response(
    b"431 Request Header Fields Too Large", b"The request head is too large."
)


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
        self.receive_timeout, self.max_head_bytes = _limits()
        self._deadline: asyncio.TimerHandle | None = None
        self._head_bytes: int | None = 0
        """Bytes of the current request head so far; None once the head is complete."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # A connection that never sends a byte is covered too.
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._head_bytes is not None:
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head_bytes:
                log.info(
                    "closed a connection whose request head passed %d bytes", self.max_head_bytes
                )
                self._refuse(HEADERS_TOO_LARGE)
                return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        # A request after keep-alive gets its own deadline; the first one keeps
        # the connection's, so idling before it does not extend it.
        self._arm()

    def on_headers_complete(self) -> None:
        self._head_bytes = None
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        self._head_bytes = 0
        super().on_message_complete()

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.receive_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

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
            self._refuse(REQUEST_TIMEOUT)

    def _refuse(self, response: bytes) -> None:
        self._disarm()
        self.transport.write(response)
        self.transport.close()
