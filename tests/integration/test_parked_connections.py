"""PostgreSQL connections parked between units of work: reused as they are, replaced when the
server closed them, given back when the database closes, and counted as idle."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from adapters.sqlalchemy.engine import EngineOptions, SqlDatabase, open_database
from adapters.sqlalchemy.execution import AsyncpgExecutor


@pytest.fixture
async def database(postgres_url: str) -> AsyncIterator[SqlDatabase]:
    database = open_database(postgres_url, EngineOptions(pool_size=1))
    yield database
    await database.close()


async def session_of(database: SqlDatabase, *, read_only: bool = True) -> int:
    """The server process that serves one piece of work, as a unit of work leases it."""
    async with database.connection(read_only=read_only) as connection:
        executor = database.executor(connection)
        assert isinstance(executor, AsyncpgExecutor)
        await executor.raw.execute("SELECT 1")
        pid: int = executor.raw.get_server_pid()
        return pid


async def sessions(url: str, pid: int) -> int:
    """How many server sessions have process id `pid`, asked on a connection of its own."""
    database = open_database(url, EngineOptions(pool_size=1))
    try:
        async with database.begin() as connection:
            found = await connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            )
            return int(found.scalar_one())
    finally:
        await database.close()


async def test_units_of_work_in_turn_use_one_session_and_count_it_idle_between(
    database: SqlDatabase,
) -> None:
    first = await session_of(database)
    second = await session_of(database, read_only=False)

    assert second == first
    stats = database.pool_stats()
    assert (stats.in_use, stats.idle) == (0, 1)


async def test_a_parked_connection_the_server_closed_is_replaced_without_a_failure(
    database: SqlDatabase, postgres_url: str
) -> None:
    parked = await session_of(database)
    killer = open_database(postgres_url, EngineOptions(pool_size=1))
    try:
        async with killer.begin() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": parked})
    finally:
        await killer.close()
    # asyncpg sees the server close the socket on its next turn of the loop.
    for _ in range(100):
        if await sessions(postgres_url, parked) == 0:
            break

    replaced = await session_of(database)

    assert await sessions(postgres_url, parked) == 0, "terminated"
    assert replaced != parked


async def test_closing_the_database_closes_its_parked_connections(postgres_url: str) -> None:
    database = open_database(postgres_url, EngineOptions(pool_size=1))
    pid = await session_of(database)
    assert await sessions(postgres_url, pid) == 1

    await database.close()

    assert await sessions(postgres_url, pid) == 0
