"""The integration tier: real servers, processes and migrations, on the real databases
of the root conftest."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from adapters.sqlalchemy.engine import SqlDatabase
from support.apps import app_over, client_of
from support.databases import SqlStore


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_store(request: pytest.FixtureRequest) -> tuple[SqlStore, str]:
    """Each SQL database in turn, with its URL (sync, so it may set up async session fixtures)."""
    database: SqlDatabase = request.getfixturevalue(f"{request.param}_database")
    url: str = request.getfixturevalue(
        "postgres_url" if request.param == "postgresql" else "sqlite_url"
    )
    return SqlStore(request.param, database), url


@pytest.fixture
async def api(sql_store: tuple[SqlStore, str]) -> AsyncIterator[httpx.AsyncClient]:
    """The HTTP API end to end on each SQL database, emptied first."""
    store, url = sql_store
    await store.reset()
    async with client_of(app_over(url)) as client:
        yield client
