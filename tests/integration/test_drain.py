"""SIGTERM drains `tasks-api serve`, a real process on PostgreSQL: readiness turns 503, the
request in flight finishes, new connections are refused, and the process exits 0; a request
still running when the grace period ends is cut and logged.

The slow request is a PATCH of a task the test holds a row lock on (`SELECT ... FOR
UPDATE` in a connection of its own): it waits in PostgreSQL until the test lets go.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import asyncpg
import httpx

from support.ports import free_port
from support.settings import TEST_SECRET_KEY

TASKS_API = Path(sys.executable).with_name("tasks-api")
PATIENCE = 60
"""Seconds anything in these tests may take before it is a failure (never reached when it works)."""


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    port: int
    log_file: Path

    def log(self) -> list[dict[str, Any]]:
        """The server's JSON log lines; only once it has exited."""
        lines = self.log_file.read_text().splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]


def start(
    url: str, port: int, environment: dict[str, str], log: IO[bytes]
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(TASKS_API), "serve", "--port", str(port)],
        env={
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": TEST_SECRET_KEY,
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "DB_POOL_SIZE": "1",
            "DB_POOL_WAIT_SECONDS": str(PATIENCE),
            "DB_STATEMENT_TIMEOUT": str(PATIENCE),
            **environment,
        },
        stdout=subprocess.DEVNULL,
        # A file, not a pipe: a pipe nobody reads until the end could fill and block the server.
        stderr=log,
    )


@asynccontextmanager
async def server(url: str, log_file: Path, **environment: str) -> AsyncIterator[Server]:
    """`tasks-api serve` on the database at `url`, one connection in its pool, and statements
    allowed to wait on locks for as long as the tests need; its log goes to `log_file`."""
    port = free_port()
    with log_file.open("wb") as log:
        process = start(url, port, environment, log)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as client:
            for _ in range(PATIENCE * 10):
                assert process.poll() is None, "the service exited on start"
                try:
                    if (await client.get("/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("the service did not start")
        yield Server(process, base, port, log_file)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


async def signed_up(client: httpx.AsyncClient) -> None:
    """Sign up a new account and keep its bearer token on `client`."""
    email, password = f"drain-{time.monotonic_ns()}@example.com", "correct horse battery"
    created = await client.post("/users", json={"email": email, "password": password})
    assert created.status_code == 201, created.text
    token = await client.post(
        "/auth/token", data={"grant_type": "password", "username": email, "password": password}
    )
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"


@asynccontextmanager
async def row_locked(url: str, task_id: int) -> AsyncIterator[asyncpg.Connection]:
    """Task `task_id` locked for update by a transaction of the test's own, until the block ends."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        async with connection.transaction():
            await connection.execute("SELECT id FROM tasks WHERE id = $1 FOR UPDATE", task_id)
            yield connection
    finally:
        await connection.close()


async def until_blocked_on_the_lock(locker: asyncpg.Connection) -> None:
    """Wait until one of the service's statements waits for a row lock."""
    for _ in range(PATIENCE * 20):
        waiting = await locker.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE application_name = 'tasks-api' AND wait_event_type = 'Lock'"
            " AND datname = current_database()"
        )
        if waiting:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the PATCH never waited for the lock")


def gauge(scraped: str, name: str) -> float:
    for line in scraped.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in the scrape")


async def until_waiting_for_a_connection(client: httpx.AsyncClient) -> None:
    """Wait until a request queues for the pool's one connection (the PATCH holds it)."""
    for _ in range(PATIENCE * 20):
        scraped = (await client.get("/metrics")).text
        if gauge(scraped, "tasks_api_db_requests_waiting") >= 1:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the readiness check never queued for a connection")


def until_refused(port: int) -> None:
    """Wait until the port refuses new connections."""
    for _ in range(PATIENCE * 20):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except ConnectionRefusedError:
            return
        time.sleep(0.05)
    raise AssertionError("new connections were still accepted after SIGTERM")


def wait_for_exit(process: subprocess.Popen[bytes]) -> int:
    return process.wait(timeout=PATIENCE)


async def a_task(client: httpx.AsyncClient) -> int:
    created = await client.post("/tasks", json={"title": "drain me"})
    assert created.status_code == 201, created.text
    task_id: int = created.json()["id"]
    return task_id


async def test_sigterm_lets_the_request_in_flight_finish_and_exits_0(
    postgres_url: str, tmp_path: Path
) -> None:
    async with (
        server(postgres_url, tmp_path / "log", SHUTDOWN_GRACE_SECONDS=str(PATIENCE)) as running,
        httpx.AsyncClient(base_url=running.base, timeout=PATIENCE) as client,
        httpx.AsyncClient(base_url=running.base, timeout=PATIENCE) as other,
    ):
        await signed_up(client)
        task_id = await a_task(client)
        async with row_locked(postgres_url, task_id) as locker:
            patch = asyncio.create_task(
                client.patch(f"/tasks/{task_id}", json={"title": "drained"})
            )
            await until_blocked_on_the_lock(locker)
            # Asked before the stop; answered after it, once the PATCH gives the connection back.
            ready = asyncio.create_task(other.get("/health/ready"))
            await until_waiting_for_a_connection(client)

            running.process.send_signal(signal.SIGTERM)
            await asyncio.to_thread(until_refused, running.port)
            assert running.process.poll() is None, "it must not exit with a request in flight"
        # The lock is released: the PATCH goes on.

        patched = await patch
        readiness = await ready
        exit_code = await asyncio.to_thread(wait_for_exit, running.process)

    assert patched.status_code == 200, patched.text
    assert patched.json()["title"] == "drained"
    assert patched.headers["connection"] == "close"
    assert readiness.status_code == 503
    assert readiness.headers["content-type"] == "application/problem+json"
    assert readiness.json()["detail"] == "The service is stopping"
    assert exit_code == 0
    events = [line["event"] for line in running.log()]
    assert "draining: readiness answers 503 from now on" in events
    assert not any(event.startswith("request cut") for event in events)


async def test_a_request_still_running_after_the_grace_period_is_cut_and_logged(
    postgres_url: str, tmp_path: Path
) -> None:
    async with (
        server(postgres_url, tmp_path / "log", SHUTDOWN_GRACE_SECONDS="1") as running,
        httpx.AsyncClient(base_url=running.base, timeout=PATIENCE) as client,
    ):
        await signed_up(client)
        task_id = await a_task(client)
        async with row_locked(postgres_url, task_id) as locker:
            patch = asyncio.create_task(
                client.patch(
                    f"/tasks/{task_id}",
                    json={"title": "never"},
                    headers={"X-Request-ID": "cut-me"},
                )
            )
            await until_blocked_on_the_lock(locker)

            running.process.send_signal(signal.SIGTERM)
            # Still locked: the PATCH cannot finish, the grace period ends, the process exits.
            exit_code = await asyncio.to_thread(wait_for_exit, running.process)
            answer = await patch
        unchanged = await locker_free_title(postgres_url, task_id)

    assert exit_code == 0
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"] == "The service stopped before this request finished"
    assert unchanged == "drain me"
    log = running.log()
    cut = [line for line in log if line["event"].startswith("request cut")]
    assert len(cut) == 1
    assert cut[0]["request_id"] == "cut-me"
    assert cut[0]["route"] == "/tasks/{task_id}"
    assert cut[0]["level"] == "error"


async def locker_free_title(url: str, task_id: int) -> str:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        title: str = await connection.fetchval("SELECT title FROM tasks WHERE id = $1", task_id)
        return title
    finally:
        await connection.close()
