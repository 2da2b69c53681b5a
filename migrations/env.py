"""Alembic environment: runs migrations on PostgreSQL or SQLite, from async code or the CLI.

The URL comes from the service's own settings unless the caller hands over a
connection (`config.attributes["connection"]`), as tests and `tasks-api
migrate` do from inside a running event loop.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.sqlalchemy.tables import TRIGRAM_INDEXES, metadata

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    # Trigram indexes need a PostgreSQL extension, so they live in the
    # migrations only; drift checks must not report them as extra.
    return not (type_ == "index" and name in TRIGRAM_INDEXES)


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=_include_object,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_url(url: str) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_migrations)
    finally:
        await engine.dispose()


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from entrypoints.settings import Settings

    return Settings().database_url


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    asyncio.run(_run_with_url(_url()))
