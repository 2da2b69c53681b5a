"""SIGTERM drains `tasks-api serve`, a real process on PostgreSQL: readiness turns 503, idle
keep-alive connections close, the request in flight finishes, new connections are refused,
and the process exits 0, with one worker or two; a request still running when the grace
period ends is cut and logged. (The slow request: see support/slow_server.py.)
"""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import time
from pathlib import Path

import asyncpg
import httpx

from support.slow_server import (
    PATIENCE,
    a_task,
    events_so_far,
    gauge,
    row_locked,
    server,
    signed_up,
    until_blocked_on_the_lock,
    until_logged,
)


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


def idle_keep_alive(port: int) -> socket.socket:
    """A connection that has had its answer and stays open for the next request."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE)
    connection.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
    answer = b""
    while not answer.endswith(b'{"status":"ok"}'):
        answer += connection.recv(4096)
    assert answer.startswith(b"HTTP/1.1 200")
    assert b"connection: close" not in answer.lower()
    return connection


async def test_with_two_workers_sigterm_drains_each_and_exits_0(
    postgres_url: str, tmp_path: Path
) -> None:
    async with (
        server(
            postgres_url, tmp_path / "log", workers=2, SHUTDOWN_GRACE_SECONDS=str(PATIENCE)
        ) as running,
        httpx.AsyncClient(base_url=running.base, timeout=PATIENCE) as client,
    ):
        # Both workers up (a loaded machine may make one slow enough to be replaced).
        await until_logged(running.log_file, "Application startup complete.", 2)
        await signed_up(client)
        task_id = await a_task(client)
        async with row_locked(postgres_url, task_id) as locker:
            patch = asyncio.create_task(client.patch(f"/tasks/{task_id}", json={"title": "2"}))
            await until_blocked_on_the_lock(locker)
            # The supervisor passes SIGTERM on to each worker.
            running.process.send_signal(signal.SIGTERM)
            # uvicorn logs this, then at once (no await between) stops listening and marks
            # each busy connection to close after its response.
            await until_logged(running.log_file, "Shutting down", 2)
            assert running.process.poll() is None, "it must not exit with a request in flight"
        patched = await patch
        exit_code = await asyncio.to_thread(wait_for_exit, running.process)

    assert patched.status_code == 200
    # Answered by a worker that was draining: it closes the connection after the response.
    assert patched.headers["connection"] == "close"
    assert exit_code == 0
    drained = events_so_far(running.log_file).count("draining: readiness answers 503 from now on")
    assert drained == 2


def wait_for_exit(process: subprocess.Popen[bytes]) -> int:
    return process.wait(timeout=PATIENCE)


async def test_sigterm_lets_the_request_in_flight_finish_and_exits_0(
    postgres_url: str, tmp_path: Path
) -> None:
    async with (
        server(
            postgres_url,
            tmp_path / "log",
            SHUTDOWN_GRACE_SECONDS=str(PATIENCE),
            # Only the drain may close the idle connection.
            KEEP_ALIVE_TIMEOUT_SECONDS=str(PATIENCE),
        ) as running,
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
            idle = await asyncio.to_thread(idle_keep_alive, running.port)

            running.process.send_signal(signal.SIGTERM)
            await asyncio.to_thread(until_refused, running.port)
            # An idle keep-alive connection is closed by the server, while the PATCH waits.
            assert await asyncio.to_thread(idle.recv, 1) == b""
            idle.close()
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
