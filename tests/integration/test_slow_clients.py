"""Slow, idle and greedy clients of a real `tasks-api serve`: closed or refused, not kept.

The server runs with a short receive timeout, so that these tests are quick;
what they check is the behaviour (the connection is closed, with a 408 when
nothing was being answered), not how long it took.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from support.problem_checks import PROBLEM_FIELDS, PROBLEMS, assert_problem
from support.servers import TASKS_API, serving

RECEIVE_TIMEOUT = 0.5
"""The server's REQUEST_RECEIVE_TIMEOUT_SECONDS."""
MAX_CONNECTIONS = 6
HEADER_BYTES = 4096
HANG = 15.0
"""Past this a socket read fails the test: the server did not close the connection."""


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, int]]:
    """The service, one worker on the in-memory store, as (host, port)."""
    environment = {
        "DATABASE_URL": "memory://",
        "REQUEST_RECEIVE_TIMEOUT_SECONDS": str(RECEIVE_TIMEOUT),
        "MAX_CONNECTIONS": str(MAX_CONNECTIONS),
        "MAX_REQUEST_HEADER_BYTES": str(HEADER_BYTES),
    }
    with serving(TASKS_API, environment) as base:
        url = httpx.URL(base)
        yield url.host, url.port or 80


def connect(server: tuple[str, int]) -> socket.socket:
    connection = socket.create_connection(server, timeout=HANG)
    connection.settimeout(HANG)
    return connection


def read_until_closed(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except TimeoutError:
        pytest.fail(f"the server kept the connection open for {HANG} s; sent {received!r}")
    except ConnectionResetError:
        pass  # closed, with unread bytes on its side: closed all the same
    return received


def assert_closing_problem(answer: bytes, kind: str, *, instance: str) -> None:
    """`answer` is one whole HTTP/1.1 response, the problem+json of `kind`; then the close."""
    status, title = PROBLEMS[kind]
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    assert status_line == f"HTTP/1.1 {status} {title}", answer
    headers = {
        name.lower(): value.strip()
        for name, _, value in (line.partition(":") for line in header_lines)
    }
    assert headers["content-type"] == "application/problem+json", headers
    assert headers["connection"] == "close"
    assert int(headers["content-length"]) == len(body), "exactly one response, whole"
    problem = json.loads(body)
    assert set(problem) == PROBLEM_FIELDS, problem
    assert problem["type"] == f"/problems/{kind}"
    assert (problem["status"], problem["title"]) == (status, title)
    assert problem["detail"]
    assert problem["instance"] == instance
    assert problem["request_id"] == headers["x-request-id"]


def shed_for_connections(server: tuple[str, int]) -> float:
    host, port = server
    scraped = httpx.get(f"http://{host}:{port}/metrics", timeout=HANG).text
    for family in text_string_to_metric_families(scraped):
        if family.name == "tasks_api_requests_shed":
            for sample in family.samples:
                if sample.name.endswith("_total") and sample.labels == {"reason": "connections"}:
                    return sample.value
    return 0.0


def health(server: tuple[str, int]) -> int:
    host, port = server
    return httpx.get(f"http://{host}:{port}/health", timeout=HANG).status_code


def test_a_half_sent_request_line_is_closed_with_408_while_others_are_served(
    server: tuple[str, int],
) -> None:
    with connect(server) as slow:
        slow.sendall(b"GET /hea")
        assert health(server) == 200, "a normal request on another connection is served"
        answer = read_until_closed(slow)
    # The path as far as it arrived: all the client sent of it.
    assert_closing_problem(answer, "request-timeout", instance="/hea")


def test_a_connection_that_sends_nothing_is_closed(server: tuple[str, int]) -> None:
    with connect(server) as idle:
        assert_closing_problem(read_until_closed(idle), "request-timeout", instance="")


def test_headers_trickled_past_the_deadline_are_closed(server: tuple[str, int]) -> None:
    with connect(server) as slow:
        slow.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        time.sleep(RECEIVE_TIMEOUT / 5)
        with contextlib.suppress(OSError):  # already closed: as good
            slow.sendall(b"X-Slow: 1\r\n")  # bytes keep coming, but not the whole request
        assert_closing_problem(read_until_closed(slow), "request-timeout", instance="/health")


def test_a_body_that_does_not_arrive_is_closed(server: tuple[str, int]) -> None:
    with connect(server) as slow:
        slow.sendall(
            b"POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"title": '
        )
        # The app has the request and waits for its body: closed, with no 408 in between.
        assert b"201" not in read_until_closed(slow)
    assert health(server) == 200


def test_a_keep_alive_connection_is_judged_per_request_not_per_connection(
    server: tuple[str, int],
) -> None:
    client = http.client.HTTPConnection(*server, timeout=HANG)
    try:
        client.request("GET", "/health")
        assert client.getresponse().read() == b'{"status":"ok"}'
        # Idle between requests is keep-alive's business (5 s), not the receive deadline's.
        time.sleep(RECEIVE_TIMEOUT * 2)
        client.request("GET", "/health")
        second = client.getresponse()
        assert second.status == 200
        second.read()
        # The next request, sent by half, has a deadline of its own.
        assert client.sock is not None
        client.sock.sendall(b"GET /heal")
        assert read_until_closed(client.sock).startswith(b"HTTP/1.1 408 ")
    finally:
        client.close()


def test_a_request_head_over_the_cap_gets_431(server: tuple[str, int]) -> None:
    with connect(server) as greedy:
        greedy.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * HEADER_BYTES)
        # Refused before any of it is parsed: no path to name.
        assert_closing_problem(
            read_until_closed(greedy), "request-header-fields-too-large", instance=""
        )
    assert health(server) == 200


def test_connections_beyond_the_cap_are_refused_with_503(server: tuple[str, int]) -> None:
    shed_before = shed_for_connections(server)
    with ExitStack() as held:
        # A request is refused once the open connections reach the cap.
        for _ in range(MAX_CONNECTIONS - 1):
            connection = held.enter_context(connect(server))
            connection.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert connection.recv(65536).startswith(b"HTTP/1.1 200 ")
        refused = httpx.get(f"http://{server[0]}:{server[1]}/health", timeout=HANG)
        # Written before the app sees the request, yet problem+json like every other error.
        assert_problem(refused, "overloaded", instance="/health")
        assert refused.headers["retry-after"] == "1"
        assert refused.headers["connection"] == "close"
    assert health(server) == 200
    assert shed_for_connections(server) == shed_before + 1
