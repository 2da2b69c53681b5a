"""`tasks-api serve` in a process of its own on PostgreSQL, with a request made slow on purpose.

The slow request is a PATCH of a task the test holds a row lock on (`SELECT ... FOR
UPDATE` in a connection of its own): it waits in PostgreSQL until the test lets go.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import asyncpg
import httpx

from support.ports import free_port
from support.servers import TASKS_API, launch, stop
from support.settings import TEST_SECRET_KEY

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
    url: str, port: int, workers: int, environment: dict[str, str], log: IO[bytes]
) -> subprocess.Popen[bytes]:
    return launch(
        [str(TASKS_API), "serve", "--port", str(port), "--workers", str(workers)],
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
async def server(
    url: str, log_file: Path, *, workers: int = 1, **environment: str
) -> AsyncIterator[Server]:
    """`tasks-api serve` on the database at `url`, one connection in each worker's pool, and
    statements allowed to wait on locks for as long as the tests need; its log goes to
    `log_file`."""
    port = free_port()
    with log_file.open("wb") as log:
        process = start(url, port, workers, environment, log)
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
        # At once: a test that wanted a graceful stop has sent SIGTERM itself.
        stop(process, grace=0)


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


async def a_task(client: httpx.AsyncClient) -> int:
    created = await client.post("/tasks", json={"title": "drain me"})
    assert created.status_code == 201, created.text
    task_id: int = created.json()["id"]
    return task_id


def gauge(scraped: str, name: str) -> float:
    for line in scraped.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in the scrape")


def events_so_far(log_file: Path) -> list[str]:
    """The events of the complete JSON lines a running server has logged so far."""
    lines = log_file.read_text().splitlines()
    return [
        json.loads(line)["event"] for line in lines if line.startswith("{") and line.endswith("}")
    ]


async def until_logged(log_file: Path, event: str, times: int) -> None:
    """Wait until a running server has logged `event` `times` times."""
    for _ in range(PATIENCE * 20):
        if events_so_far(log_file).count(event) >= times:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{event!r} was not logged {times} times")
