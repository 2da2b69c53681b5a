"""The request line: at most `capacity` requests worked on, the rest in arrival order, or shed.

No server and no I/O: each request is a `start` callback that records the ASGI
app the line hands it, and the test runs that app when it chooses.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from entrypoints.request_line import RequestLine, needs_no_line, shed

PATIENT = 30.0
"""A wait no test reaches unless it means to."""


class Request:
    """One parsed request: what the line started it with, and whether its client is there."""

    def __init__(self, name: str, started: list[str] | None = None) -> None:
        self.name = name
        self.app: Any = None
        self.connected = True
        self.started = started if started is not None else []
        self.began = asyncio.Event()

    def start(self, app: Any) -> None:
        self.app = app
        self.started.append(self.name)
        self.began.set()

    def alive(self) -> bool:
        return self.connected


class Answered:
    """An ASGI app's whole answer to one request, and a way to hold it until released."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.release = asyncio.Event()

    async def app(self, scope: Any, receive: Any, send: Any) -> None:
        await self.release.wait()

    async def run(self, app: Any, path: str = "/tasks") -> None:
        async def send(message: dict[str, Any]) -> None:
            self.messages.append(message)

        await app({"path": path, "method": "GET"}, None, send)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_requests_start_at_once_while_places_are_free() -> None:
    line = RequestLine(2, PATIENT, asyncio.get_running_loop())
    first, second = Request("first"), Request("second")
    work = Answered()

    line.admit(first.start, first.alive, work.app)
    line.admit(second.start, second.alive, work.app)

    assert first.app is not None
    assert second.app is not None
    assert (line.running, line.waiting) == (2, 0)


async def test_waiting_requests_start_in_the_order_they_came_as_places_free() -> None:
    line = RequestLine(1, PATIENT, asyncio.get_running_loop())
    started: list[str] = []
    requests = [Request(str(n), started) for n in range(4)]
    work = [Answered() for _ in requests]
    for request, answer in zip(requests, work, strict=True):
        line.admit(request.start, request.alive, answer.app)
    assert (started, line.waiting) == (["0"], 3)

    # Release them out of order: the line still starts the waiters in arrival order.
    running = [
        asyncio.create_task(answer.run(request.app)) for request, answer in [(requests[0], work[0])]
    ]
    for n in (0, 1, 2, 3):
        work[n].release.set()
        await running[-1]
        if n < 3:
            assert started == [str(i) for i in range(n + 2)]
            running.append(asyncio.create_task(work[n + 1].run(requests[n + 1].app)))
    assert line.waiting == 0
    assert line.running == 0


async def test_a_request_that_waits_past_its_patience_is_shed_with_503_and_counted() -> None:
    sheds: list[None] = []
    line = RequestLine(1, 0.01, asyncio.get_running_loop(), on_shed=lambda: sheds.append(None))
    work = Answered()
    holder, late = Request("holder"), Request("late")
    line.admit(holder.start, holder.alive, work.app)
    line.admit(late.start, late.alive, work.app)

    # The line's own timer sheds it: nobody leaves the line meanwhile.
    await asyncio.wait_for(late.began.wait(), timeout=PATIENT)

    assert late.app is shed
    answer = Answered()
    await answer.run(late.app)
    start, body = answer.messages
    assert start["status"] == 503
    headers = dict(start["headers"])
    assert headers[b"content-type"] == b"application/problem+json"
    assert headers[b"retry-after"] == b"1"
    assert b"/problems/overloaded" in body["body"]
    assert sheds == [None]
    assert line.waiting == 0
    assert line.running == 1, "a shed request took no place"


async def test_a_request_found_past_its_patience_when_a_place_frees_is_shed_not_started() -> None:
    line = RequestLine(1, PATIENT, asyncio.get_running_loop())
    holder, within, expired = Request("holder"), Request("within"), Request("expired")
    work = Answered()
    work.release.set()
    line.admit(holder.start, holder.alive, work.app)
    line.admit(within.start, within.alive, work.app)
    line.patience = 0.0  # this one's patience is over as soon as it is in line
    line.admit(expired.start, expired.alive, work.app)

    await work.run(holder.app)
    assert within.app is not shed, "it came within its patience: it is worked on"
    assert expired.app is None, "it waits while the only place is taken"
    await work.run(within.app)

    assert expired.app is shed
    assert line.running == 0


async def test_a_request_whose_client_left_while_waiting_is_dropped() -> None:
    line = RequestLine(1, PATIENT, asyncio.get_running_loop())
    work = Answered()
    holder, gone, after = Request("holder"), Request("gone"), Request("after")
    for request in (holder, gone, after):
        line.admit(request.start, request.alive, work.app)
    gone.connected = False

    running = asyncio.create_task(work.run(holder.app))
    work.release.set()
    await running

    assert gone.app is None, "nobody to answer"
    assert after.app is not None
    assert line.running == 1


async def test_a_failing_request_gives_its_place_back() -> None:
    line = RequestLine(1, PATIENT, asyncio.get_running_loop())

    async def fails(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    first, second = Request("first"), Request("second")
    line.admit(first.start, first.alive, fails)
    line.admit(second.start, second.alive, fails)
    with pytest.raises(RuntimeError):
        await Answered().run(first.app)

    assert second.app is not None
    assert line.running == 1


@pytest.mark.parametrize(
    "path", ["/health", "/metrics", "/docs", "/redoc", "/openapi.json", "/problems/overloaded"]
)
def test_what_needs_no_database_skips_the_line(path: str) -> None:
    assert needs_no_line(path)


@pytest.mark.parametrize("path", ["/tasks", "/tasks/1", "/health/ready", "/notes", "/token"])
def test_what_may_need_the_database_waits_in_line(path: str) -> None:
    assert not needs_no_line(path)


async def test_a_line_needs_a_place() -> None:
    with pytest.raises(ValueError, match="at least one place"):
        RequestLine(0, PATIENT, asyncio.get_running_loop())
