"""The database pool's gauges on the real databases, and the gauges with `--workers N`."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path

import httpx

from adapters.sqlalchemy.engine import SqlDatabase
from support.apps import app_over, client_of
from support.databases import SqlStore
from support.slow_server import (
    PATIENCE,
    a_task,
    gauge,
    row_locked,
    server,
    signed_up,
    until_blocked_on_the_lock,
    until_logged,
)

IN_USE = 'tasks_api_db_connections{state="in_use"}'
IDLE = 'tasks_api_db_connections{state="idle"}'


async def test_the_pool_gauges_count_the_connections_held_and_given_back(
    sql_store: tuple[SqlStore, str],
) -> None:
    _, url = sql_store
    app = app_over(url)

    async with client_of(app) as client:
        database: SqlDatabase = app.state.container.database()
        async with AsyncExitStack() as held:
            for _ in range(3):
                await held.enter_async_context(database.connection())
            holding = (await client.get("/metrics")).text
        released = (await client.get("/metrics")).text

    assert (gauge(holding, IN_USE), gauge(holding, IDLE)) == (3, 0)
    # Given back, the connections stay open in the pool.
    assert (gauge(released, IN_USE), gauge(released, IDLE)) == (0, 3)


async def test_with_two_workers_a_scrape_counts_the_other_workers_request_and_connection(
    postgres_url: str, tmp_path: Path
) -> None:
    # New connections for every scrape, so the kernel hands them to either worker.
    fresh = httpx.Limits(max_keepalive_connections=0)
    async with (
        server(postgres_url, tmp_path / "log", workers=2) as running,
        httpx.AsyncClient(base_url=running.base, timeout=PATIENCE) as client,
        httpx.AsyncClient(base_url=running.base, timeout=PATIENCE, limits=fresh) as scraper,
    ):
        # Both workers up, or every scrape might be the one worker's.
        await until_logged(running.log_file, "Application startup complete.", 2)
        await signed_up(client)
        task_id = await a_task(client)
        async with row_locked(postgres_url, task_id) as locker:
            patch = asyncio.create_task(client.patch(f"/tasks/{task_id}", json={"title": "x"}))
            await until_blocked_on_the_lock(locker)
            # Its worker writes its pool gauges within a second.
            for _ in range(PATIENCE * 20):
                if gauge((await scraper.get("/metrics")).text, IN_USE) == 1:
                    break
                await asyncio.sleep(0.05)
            scrapes = [(await scraper.get("/metrics")).text for _ in range(20)]
        assert (await patch).status_code == 200

        for _ in range(PATIENCE * 20):
            after = (await scraper.get("/metrics")).text
            if gauge(after, IN_USE) == 0 and gauge(after, "http_requests_in_flight") == 1:
                break
            await asyncio.sleep(0.05)

    # Whichever worker answered: the PATCH and the scrape itself are in flight (and at times
    # the scrape before, answered by the other worker, which has not yet counted it out),
    # and the PATCH's connection is in use (the pool has one connection per worker).
    assert {gauge(text, "http_requests_in_flight") for text in scrapes} <= {2, 3}
    assert {gauge(text, IN_USE) for text in scrapes} == {1}
    assert gauge(after, "http_requests_in_flight") == 1
    assert gauge(after, IN_USE) == 0
    assert gauge(after, IDLE) >= 1
