"""Fixtures for every tier: a test clock, a pager, and the real databases (created on
demand, so the unit tier never touches them)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import structlog
from sqlalchemy.engine import URL

from adapters.sqlalchemy.engine import EngineOptions, SqlDatabase, open_database
from application.cursors import CursorCodec
from application.paging import Pager
from entrypoints.migrate import migrate
from support.clock import SteppingClock
from support.postgres import postgres_server, throwaway_database

CURSOR_SECRET = b"test-cursor-secret-0123456789abcdef"


@pytest.fixture(autouse=True)
def plain_tracebacks() -> None:
    """structlog's defaults (what a test gets unless it configures logging itself, as
    `test_logging.py` does) print a logged error's traceback with rich, every frame's
    local variables included: five seconds for one 500. A plain traceback says as much.

    The defaults are reset first: `configure` keeps what it is not given, and a
    test that ran the service's own configuration (`tasks-api migrate`) leaves
    `cache_logger_on_first_use` on, which would pin these processors to every
    logger used from here on, past a later test's own configuration.
    """
    structlog.reset_defaults()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.StackInfoRenderer(),
            structlog.dev.set_exc_info,
            structlog.processors.TimeStamper(fmt="%Y-%m-%d %H:%M:%S", utc=False),
            structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback),
        ]
    )


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
def pager() -> Pager:
    return Pager(CursorCodec(CURSOR_SECRET))


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
