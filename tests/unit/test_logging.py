"""Every log line written while a request is handled carries that request's id."""

from __future__ import annotations

import io
import logging
import logging.config
from collections.abc import Iterator

import httpx
import pytest

from entrypoints.logs import logging_config


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The service's logging, as `tasks-api serve` configures it, written to a buffer."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    logging.config.dictConfig(logging_config("INFO"))
    buffer = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    yield buffer
    root.handlers[:], level = saved
    root.setLevel(level)


async def test_the_access_log_line_names_the_request_id(
    client: httpx.AsyncClient, log_lines: io.StringIO
) -> None:
    await client.get("/tasks/1", headers={"X-Request-ID": "trace-me-42"})

    lines = [line for line in log_lines.getvalue().splitlines() if "GET /tasks/1 404" in line]
    assert len(lines) == 1
    assert "[trace-me-42]" in lines[0]


async def test_lines_outside_requests_say_so(log_lines: io.StringIO) -> None:
    logging.getLogger("tasks_api").warning("starting up")

    assert "[-] starting up" in log_lines.getvalue()
