"""The request line of a real `tasks-api serve`: a full worker queues requests, then sheds
them, while what needs no database is answered at once.

The worker works on one request at a time here, and the test holds that place
with a request whose body it never finishes sending (the app waits for it). What
comes next waits in line for DB_POOL_WAIT_SECONDS and gets a 503 of its own kind;
`/health` and `/metrics` skip the line.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from support.problem_checks import assert_problem
from support.servers import TASKS_API, serving

WAIT = 0.3
"""The server's DB_POOL_WAIT_SECONDS: how long a request may wait in line."""
HANG = 15.0


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The service, one worker on the in-memory store, one request at a time; its base URL."""
    environment = {
        "DATABASE_URL": "memory://",
        "MAX_REQUESTS_IN_FLIGHT": "1",
        "DB_POOL_WAIT_SECONDS": str(WAIT),
        # The held request must outlast the waits the test makes.
        "REQUEST_RECEIVE_TIMEOUT_SECONDS": "30",
    }
    with serving(TASKS_API, environment) as base:
        yield base


def shed_in_line(base: str) -> float:
    scraped = httpx.get(f"{base}/metrics", timeout=HANG).text
    for family in text_string_to_metric_families(scraped):
        if family.name == "tasks_api_requests_shed":
            for sample in family.samples:
                if sample.name.endswith("_total") and sample.labels == {"reason": "queue"}:
                    return sample.value
    return 0.0


def hold_the_only_place(base: str) -> socket.socket:
    """A request the app works on until its body arrives, which it does not."""
    host, port = base.removeprefix("http://").split(":")
    held = socket.create_connection((host, int(port)), timeout=HANG)
    held.sendall(
        b"POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"title": '
    )
    return held


def test_a_request_that_finds_the_worker_full_waits_then_is_shed_with_503(server: str) -> None:
    before = shed_in_line(server)
    with hold_the_only_place(server):
        # Skips the line: answered although the only place is taken.
        assert httpx.get(f"{server}/health", timeout=HANG).status_code == 200
        shed = httpx.get(f"{server}/tasks", timeout=HANG)
        assert_problem(shed, "overloaded", instance="/tasks")
        assert shed.headers["retry-after"] == "1"
        assert shed_in_line(server) == before + 1
    # The place is given back when its client leaves: the next request is worked on.
    for _ in range(100):
        answer = httpx.get(f"{server}/tasks", timeout=HANG)
        if answer.status_code != 503:
            break
        time.sleep(0.05)
    assert answer.status_code == 401, answer.text  # the app's own answer: no token


def test_what_needs_no_database_is_answered_while_the_worker_is_full(server: str) -> None:
    with hold_the_only_place(server):
        for path in ("/health", "/metrics", "/openapi.json", "/problems/overloaded"):
            assert httpx.get(f"{server}{path}", timeout=HANG).status_code == 200, path
