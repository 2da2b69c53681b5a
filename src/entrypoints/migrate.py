"""Running the Alembic migrations from code: the CLI, the app's first start, and the tests."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, pool
from sqlalchemy.ext.asyncio import create_async_engine


def _script_location() -> Path:
    """Where the Alembic scripts are: inside the installed package (the wheel ships
    them there), or at the top of the checkout this module runs from."""
    installed = Path(str(files("entrypoints") / "migrations"))
    if (installed / "env.py").is_file():
        return installed
    return Path(__file__).resolve().parents[2] / "migrations"


MIGRATIONS: Final = _script_location()


def alembic_config(connection: Connection) -> Config:
    """A configuration that runs the project's migrations on `connection`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def migrate(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`, upgrading or downgrading as needed."""
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_migrate, revision)
            await connection.commit()
    finally:
        await engine.dispose()


async def current_revision(url: str) -> str | None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()


def _migrate(connection: Connection, revision: str) -> None:
    config = alembic_config(connection)
    if _is_downgrade(connection, config, revision):
        command.downgrade(config, revision)
    else:
        command.upgrade(config, revision)


def _is_downgrade(connection: Connection, config: Config, revision: str) -> bool:
    """Whether `revision` lies below the database's current revision."""
    current = MigrationContext.configure(connection).get_current_revision()
    if current is None:
        return False
    if revision == "base":
        return True
    script = ScriptDirectory.from_config(config)
    target = script.get_revision(revision)
    if target is None:
        return False
    below_current = {r.revision for r in script.iterate_revisions(current, "base")} - {current}
    return target.revision in below_current
