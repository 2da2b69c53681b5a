"""Where the PostgreSQL tests get their server, and the throwaway database each run works in.

`TEST_DATABASE_URL` names a server to use (any database on it: the run creates
its own and drops it afterwards). Without it, testcontainers starts one when a
Docker engine answers. With neither, PostgreSQL tests are skipped, unless
`REQUIRE_POSTGRES=1`, where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import pytest
from sqlalchemy import pool, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import create_async_engine

HOW_TO_ENABLE = (
    "PostgreSQL tests need a server: set TEST_DATABASE_URL "
    "(e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/postgres) or start a Docker engine "
    "for testcontainers."
)


def unavailable(reason: str) -> None:
    """Skip the PostgreSQL tests, or fail them when PostgreSQL is required."""
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}. {HOW_TO_ENABLE}", pytrace=False)
    pytest.skip(f"{reason}. {HOW_TO_ENABLE}")


@contextmanager
def postgres_server() -> Iterator[URL]:
    """The URL of a PostgreSQL server the tests may create databases on."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield make_url(configured).set(drivername="postgresql+asyncpg")
        return
    try:
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:16-alpine", driver="asyncpg")
        container.start()
    except Exception as error:  # no Docker engine: DockerException, ConnectionError, ...
        unavailable(f"TEST_DATABASE_URL is not set and testcontainers failed ({error!r})")
        raise  # unreachable: unavailable() raises
    try:
        yield make_url(container.get_connection_url())
    finally:
        container.stop()


@asynccontextmanager
async def throwaway_database(server: URL) -> AsyncIterator[URL]:
    """A new, empty database on `server`, dropped afterwards: no test touches real data."""
    name = f"tasks_api_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        await admin.dispose()
        unavailable(f"PostgreSQL at {server.render_as_string()} cannot be used ({error!r})")
    try:
        yield server.set(database=name)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
