"""The receive deadline and header cap of `serve`'s HTTP protocol, over a fake transport (no I/O).

The real server is tested end to end in `tests/integration/test_slow_clients.py`;
this covers the protocol's branches in-process.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.config import Config
from uvicorn.server import ServerState

from entrypoints.http_protocol import DeadlineHttpToolsProtocol

DEADLINE = 0.05
"""The protocol's receive timeout here: short, the tests wait for it to pass."""


class FakeTransport(asyncio.Transport):
    """What the protocol writes, and whether it closed the connection."""

    def __init__(self) -> None:
        super().__init__()
        self.written = b""
        self.closed = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(
            name, default
        )

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += bytes(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        return None

    def resume_reading(self) -> None:
        return None


async def ok(scope: Any, receive: Any, send: Any) -> None:
    """An app that reads the whole body, then answers 204."""
    while (await receive()).get("more_body", False):
        pass
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def connected(max_head_bytes: int = 1024) -> tuple[DeadlineHttpToolsProtocol, FakeTransport]:
    config = Config(app=ok, lifespan="off", log_config=None)
    protocol = DeadlineHttpToolsProtocol(config, ServerState(), {})
    protocol.receive_timeout, protocol.max_head_bytes = DEADLINE, max_head_bytes
    transport = FakeTransport()
    protocol.connection_made(transport)
    return protocol, transport


async def past_the_deadline() -> None:
    await asyncio.sleep(DEADLINE * 4)


async def test_a_half_sent_request_line_gets_408_and_is_closed() -> None:
    protocol, transport = connected()
    protocol.data_received(b"GET /hea")
    await past_the_deadline()
    assert transport.closed
    assert transport.written.startswith(b"HTTP/1.1 408 ")
    protocol.connection_lost(None)


async def test_a_connection_that_sends_nothing_is_closed() -> None:
    protocol, transport = connected()
    await past_the_deadline()
    assert transport.closed
    protocol.connection_lost(None)


async def test_a_request_received_in_time_is_answered_and_not_cut_off() -> None:
    protocol, transport = connected()
    protocol.data_received(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok")
    await past_the_deadline()
    assert transport.written.startswith(b"HTTP/1.1 204 ")
    assert not transport.closed, "kept alive for the next request"
    protocol.connection_lost(None)


async def test_a_body_that_stalls_is_closed_without_a_408_while_the_app_has_the_request() -> None:
    protocol, transport = connected()
    protocol.data_received(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nok")
    await past_the_deadline()
    assert transport.closed
    assert b"408" not in transport.written
    protocol.connection_lost(None)
    await asyncio.sleep(0)


async def test_a_request_head_over_the_cap_gets_431() -> None:
    protocol, transport = connected(max_head_bytes=64)
    protocol.data_received(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 64)
    assert transport.closed
    assert transport.written.startswith(b"HTTP/1.1 431 ")
    protocol.connection_lost(None)


async def test_the_deadline_does_nothing_on_a_connection_already_closing() -> None:
    protocol, transport = connected()
    transport.closed = True
    await past_the_deadline()
    assert transport.written == b""
    protocol.connection_lost(None)


async def test_a_request_beyond_the_connection_cap_gets_503_problem_and_is_closed() -> None:
    config = Config(app=ok, lifespan="off", log_config=None, limit_concurrency=1)
    state = ServerState()
    first = DeadlineHttpToolsProtocol(config, state, {})
    first.connection_made(FakeTransport())
    second = DeadlineHttpToolsProtocol(config, state, {})
    refused = FakeTransport()
    second.connection_made(refused)

    second.data_received(b"GET /tasks HTTP/1.1\r\nHost: x\r\n\r\n")
    await asyncio.sleep(0)

    head, _, body = refused.written.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 ")
    assert b"content-type: application/problem+json" in head
    assert b"retry-after: 1" in head
    assert b"connection: close" in head
    assert json.loads(body)["type"] == "/problems/overloaded"
    assert refused.closed
    assert second.app is config.loaded_app, "the refusal was for this request only"
    for protocol in (first, second):
        protocol.connection_lost(None)


async def test_each_request_on_a_kept_alive_connection_has_its_own_deadline() -> None:
    protocol, transport = connected()
    protocol.data_received(b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
    await asyncio.sleep(DEADLINE * 0.6)
    protocol.data_received(b"GET /y HTTP/1.1\r\nHo")  # the next one, half sent
    await asyncio.sleep(DEADLINE * 0.6)
    assert not transport.closed, "past the first request's deadline, not the second's"

    await past_the_deadline()

    assert transport.closed
    assert b"HTTP/1.1 408 " in transport.written
    protocol.connection_lost(None)
