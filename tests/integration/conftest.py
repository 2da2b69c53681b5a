"""Real databases for the integration suite: a throwaway PostgreSQL database and a
SQLite file per test run, both built by the Alembic migrations themselves."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import URL

from adapters.sqlalchemy.database import EngineOptions, SqlDatabase, open_database
from application.idempotency import IdempotencyPolicy
from application.notes import NoteService
from application.paging import Pager
from application.tasks import TaskService
from entrypoints.migrations import migrate
from support.apps import app_over, client_of
from support.clock import SteppingClock
from support.databases import MemoryStore, SqlStore, Store
from support.postgres import postgres_server, throwaway_database


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[URL]:
    """A PostgreSQL server to create throwaway databases on."""
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
async def postgres_url(postgres_server_url: URL) -> AsyncIterator[str]:
    """The run's own database, migrated to the latest revision."""
    async with throwaway_database(postgres_server_url) as url:
        rendered = url.render_as_string(hide_password=False)
        await migrate(rendered)
        yield rendered


@pytest.fixture(scope="session")
async def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("sqlite") / "tasks.db"
    url = f"sqlite+aiosqlite:///{path}"
    await migrate(url)
    return url


@pytest.fixture(scope="session")
async def postgresql_database(postgres_url: str) -> AsyncIterator[SqlDatabase]:
    database = open_database(postgres_url, EngineOptions(pool_size=10))
    yield database
    await database.close()


@pytest.fixture(scope="session")
async def sqlite_database(sqlite_url: str) -> AsyncIterator[SqlDatabase]:
    database = open_database(sqlite_url, EngineOptions(pool_size=5))
    yield database
    await database.close()


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest) -> Store:
    """Each store in turn; a sync fixture, so it may set up the async session ones."""
    if request.param == "memory":
        return MemoryStore()
    database: SqlDatabase = request.getfixturevalue(f"{request.param}_database")
    return SqlStore(request.param, database)


@pytest.fixture
async def store(any_store: Store) -> Store:
    await any_store.reset()
    return any_store


@pytest.fixture
def tasks(store: Store, clock: SteppingClock, pager: Pager) -> TaskService:
    return TaskService(
        uow=store.unit_of_work, clock=clock, pager=pager, idempotency=IdempotencyPolicy()
    )


@pytest.fixture
def notes(store: Store, clock: SteppingClock, pager: Pager) -> NoteService:
    return NoteService(
        uow=store.unit_of_work, clock=clock, pager=pager, idempotency=IdempotencyPolicy()
    )


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
