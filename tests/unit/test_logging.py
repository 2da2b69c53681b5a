"""The service's log: one JSON object a line (or readable lines), one access line per
request, the request id on every line of a request, and nothing secret in any."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import logging.config
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import structlog
from fastapi import Depends, FastAPI

from entrypoints.app import create_app
from entrypoints.container import Container
from entrypoints.http.middleware import access
from entrypoints.log_setup import ACCOUNT_ID, FastLogger, LogFormat, logging_config, resolve
from support.owners import OWNER


def configure(log_format: LogFormat) -> io.StringIO:
    """The service's logging, as `tasks-api serve` configures it, written to a buffer."""
    logging.config.dictConfig(logging_config("INFO", log_format))
    buffer = io.StringIO()
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    return buffer


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    yield
    root.handlers[:], level = saved
    root.setLevel(level)
    structlog.reset_defaults()


@pytest.fixture
def json_lines(restore_logging: None) -> io.StringIO:
    return configure("json")


def records(buffer: io.StringIO) -> list[dict[str, Any]]:
    """Every line, each of which must be one JSON object (the access lines of the loop's
    current turn written first, as the end of the turn writes them)."""
    access.flush()
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def access_lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [r for r in records(buffer) if r["event"] == "request"]


async def test_each_request_has_one_access_line_with_what_identifies_it(
    client: httpx.AsyncClient, json_lines: io.StringIO
) -> None:
    await client.get("/tasks/1", headers={"X-Request-ID": "trace-me-42"})
    await client.get("/health", headers={"Authorization": ""})

    line, anonymous = access_lines(json_lines)
    assert line["event"] == "request"
    assert line["level"] == "info"
    assert line["method"] == "GET"
    assert line["route"] == "/tasks/{task_id}"
    assert line["status"] == 404
    assert line["request_id"] == "trace-me-42"
    assert line["account_id"] == OWNER, "the account the token named"
    assert anonymous["account_id"] is None, "an account never outlives its request"
    assert line["client"] == "127.0.0.1"
    assert isinstance(line["duration_ms"], float)
    assert line["timestamp"].endswith("Z")


async def test_an_unmatched_path_is_logged_as_such_not_by_its_path(
    client: httpx.AsyncClient, json_lines: io.StringIO
) -> None:
    await client.get("/no/such/thing")

    [line] = access_lines(json_lines)
    assert (line["route"], line["status"]) == ("unmatched", 404)


def app_with_routes(container: Container) -> FastAPI:
    """The app, plus routes that log through the standard library, fail, and authenticate."""
    app = create_app(container)

    @app.get("/logs-a-library-line")
    async def library_line() -> dict[str, str]:
        logging.getLogger("sqlalchemy.engine").warning("a library speaks")
        return {}

    @app.get("/fails")
    async def fails() -> dict[str, str]:
        raise RuntimeError("it broke")

    async def authenticated() -> int:
        # What the authentication dependency does once it knows the caller.
        structlog.contextvars.bind_contextvars(**{ACCOUNT_ID: 7})
        return 7

    @app.get("/mine")
    async def mine(account: int = Depends(authenticated)) -> dict[str, int]:
        return {"account": account}

    return app


@pytest.fixture
async def routes_client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_with_routes(container), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_library_lines_during_a_request_carry_its_id_in_the_same_format(
    routes_client: httpx.AsyncClient, json_lines: io.StringIO
) -> None:
    await routes_client.get("/logs-a-library-line", headers={"X-Request-ID": "lib-1"})

    [line] = [r for r in records(json_lines) if r["logger"] == "sqlalchemy.engine"]
    assert line == {
        "event": "a library speaks",
        "level": "warning",
        "logger": "sqlalchemy.engine",
        "request_id": "lib-1",
        "account_id": None,
        "timestamp": line["timestamp"],
    }


async def test_a_traceback_goes_to_the_log_with_the_request_id(
    routes_client: httpx.AsyncClient, json_lines: io.StringIO
) -> None:
    response = await routes_client.get("/fails", headers={"X-Request-ID": "boom-1"})

    assert response.status_code == 500
    [error] = [r for r in records(json_lines) if r["level"] == "error"]
    assert error["request_id"] == "boom-1"
    assert error["route"] == "/fails"
    assert "Traceback" in error["exception"]
    assert "RuntimeError: it broke" in error["exception"]
    [access] = access_lines(json_lines)
    assert (access["status"], access["request_id"]) == (500, "boom-1")


async def test_the_account_bound_by_authentication_is_on_the_access_line(
    routes_client: httpx.AsyncClient, json_lines: io.StringIO
) -> None:
    await routes_client.get("/mine")
    await routes_client.get("/health")

    mine, health = access_lines(json_lines)
    assert mine["account_id"] == 7
    assert health["account_id"] is None, "an account never outlives its request"


async def test_no_line_carries_credentials_tokens_or_bodies(
    client: httpx.AsyncClient, json_lines: io.StringIO
) -> None:
    secrets = ("Bearer sekrit-token", "hunter2-password", "token-in-query", "private-title")
    await client.post(
        "/tasks?access_token=token-in-query",
        json={"title": "private-title", "description": "hunter2-password"},
        headers={"Authorization": "Bearer sekrit-token", "Cookie": "session=hunter2-password"},
    )
    await client.post(
        "/tasks",
        content=b'{"title": "private-title"',
        headers={
            "Authorization": "Bearer sekrit-token",
            "Content-Type": "application/json",
        },
    )

    # The service's lines, not those of the test's own HTTP client.
    logged = json.dumps([r for r in records(json_lines) if r["logger"] != "httpx"])
    assert len(access_lines(json_lines)) == 2
    for secret in secrets:
        assert secret not in logged


def test_lines_outside_requests_have_no_request_id(json_lines: io.StringIO) -> None:
    structlog.stdlib.get_logger("tasks_api").warning("starting up", port=8000)

    [line] = records(json_lines)
    assert (line["event"], line["port"], line["level"]) == ("starting up", 8000, "warning")
    assert "request_id" not in line


def test_console_lines_are_readable_text(restore_logging: None) -> None:
    buffer = configure("console")

    logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
    structlog.stdlib.get_logger("tasks_api").info("migrating", database="tasks.db")

    library, ours = buffer.getvalue().splitlines()
    assert "Started server process [42]" in library
    assert "uvicorn.error" in library
    assert "migrating" in ours
    assert "database=tasks.db" in ours
    assert not library.startswith("{")


def test_uvicorns_own_access_log_stays_off(json_lines: io.StringIO) -> None:
    logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET / HTTP/1.1" 200')

    assert json_lines.getvalue() == ""


@pytest.mark.parametrize(("terminal", "chosen"), [(True, "console"), (False, "json")])
def test_auto_picks_console_on_a_terminal_and_json_otherwise(
    monkeypatch: pytest.MonkeyPatch, terminal: bool, chosen: str
) -> None:
    class Stderr(io.StringIO):
        def isatty(self) -> bool:
            return terminal

    monkeypatch.setattr("sys.stderr", Stderr())

    assert resolve("auto") == chosen
    assert resolve("json") == "json"
    assert resolve("console") == "console"


@pytest.mark.parametrize("log_format", ["json", "console"])
def test_the_fast_access_logger_writes_the_line_a_structlog_logger_writes(
    restore_logging: None, log_format: LogFormat
) -> None:
    buffer = configure(log_format)
    fields = {"method": "GET", "route": "/tasks/{task_id}", "status": 200, "client": "::1"}
    structlog.contextvars.bind_contextvars(**{ACCOUNT_ID: 7})
    try:
        structlog.stdlib.get_logger("tasks_api.access").info("request", **fields)
        FastLogger("tasks_api.access").info("request", **fields)
    finally:
        structlog.contextvars.unbind_contextvars(ACCOUNT_ID)

    slow, fast = buffer.getvalue().splitlines()
    if log_format == "json":
        slow_record, fast_record = json.loads(slow), json.loads(fast)
        assert slow_record.pop("timestamp") <= fast_record.pop("timestamp")
        assert list(fast_record.items()) == list(slow_record.items())
        assert fast_record[ACCOUNT_ID] == 7
    else:
        # The timestamp leads the line.
        assert fast.split(" ", 1)[1] == slow.split(" ", 1)[1]


def test_the_fast_access_logger_gives_any_other_handler_a_record(
    json_lines: io.StringIO,
) -> None:
    class Capture(logging.Handler):
        def __init__(self) -> None:
            super().__init__()
            self.records: list[logging.LogRecord] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.records.append(record)

    capture = Capture()
    capture.setFormatter(logging.getLogger().handlers[0].formatter)
    logging.getLogger().addHandler(capture)

    FastLogger("tasks_api.access").info("request", status=201)

    (record,) = capture.records
    assert json.loads(capture.format(record))["status"] == 201
    (line,) = records(json_lines)
    assert line["status"] == 201, "the stream handler beside it writes the line too"


def test_a_stream_that_fails_is_reported_by_its_handler_not_raised(
    json_lines: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    reported: list[logging.LogRecord] = []
    handler = logging.getLogger().handlers[0]
    monkeypatch.setattr(handler, "handleError", reported.append)
    json_lines.close()

    FastLogger("tasks_api.access").info("request", status=200)

    (record,) = reported
    assert record.name == "tasks_api.access"


async def test_in_a_loop_the_line_is_written_at_the_end_of_the_turn_in_its_own_context(
    json_lines: io.StringIO,
) -> None:
    logger = FastLogger("tasks_api.access", at_end_of_turn=True)
    structlog.contextvars.bind_contextvars(**{ACCOUNT_ID: 7})
    try:
        logger.info("request", status=200)
        logger.info("request", status=201)
    finally:
        structlog.contextvars.unbind_contextvars(ACCOUNT_ID)
    assert json_lines.getvalue() == "", "not yet: at the end of the turn"

    await asyncio.sleep(0)

    first, second = records(json_lines)
    assert (first["status"], second["status"]) == (200, 201), "in the order logged"
    assert first[ACCOUNT_ID] == second[ACCOUNT_ID] == 7, "the context they were logged in"


def test_a_loop_closed_before_its_turn_ended_holds_back_no_later_line(
    json_lines: io.StringIO,
) -> None:
    logger = FastLogger("tasks_api.access", at_end_of_turn=True)

    def log_and_stop(loop: asyncio.AbstractEventLoop, status: int) -> None:
        logger.info("request", status=status)
        loop.stop()  # this turn is the loop's last: the write was due at the next

    first = asyncio.new_event_loop()
    first.call_soon(log_and_stop, first, 200)
    first.run_forever()
    first.close()
    assert json_lines.getvalue() == ""
    second = asyncio.new_event_loop()
    second.call_soon(log_and_stop, second, 201)
    second.run_forever()
    second.run_until_complete(asyncio.sleep(0))
    written = json_lines.getvalue()
    second.close()

    assert [json.loads(line)["status"] for line in written.splitlines()] == [200, 201]
