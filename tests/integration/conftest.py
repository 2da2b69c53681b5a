"""Real databases for the integration suite: a throwaway PostgreSQL database and a
SQLite file per test run, both built by the Alembic migrations themselves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.sqlalchemy.database import EngineOptions, SqlDatabase, open_database
from application.idempotency import IdempotencyPolicy
from application.notes import NoteService
from application.paging import Pager
from application.tasks import TaskService
from entrypoints.migrations import migrate
from support.clock import SteppingClock
from support.databases import MemoryStore, SqlStore, Store
from support.postgres import postgres_server, throwaway_database


@pytest.fixture(scope="session")
async def postgres_url() -> AsyncIterator[str]:
    with postgres_server() as server:
        async with throwaway_database(server) as url:
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
