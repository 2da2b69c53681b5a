"""Databases a test reaches past the app: a connection of its own, an empty database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import pool
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from support.postgres import throwaway_database


@asynccontextmanager
async def connected(url: str, *, begin: bool = False) -> AsyncIterator[AsyncConnection]:
    """A connection of its own to `url`, which the app knows nothing about; in a
    transaction committed at the end if `begin`. Its engine is disposed afterwards."""
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.begin() if begin else engine.connect() as connection:
            yield connection
    finally:
        await engine.dispose()


@asynccontextmanager
async def empty_database_of(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[str]:
    """The URL of a database of `kind` ("sqlite", "postgresql") with nothing in it, for
    one test alone."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    server: URL = request.getfixturevalue("postgres_server_url")
    async with throwaway_database(server) as url:
        yield url.render_as_string(hide_password=False)
