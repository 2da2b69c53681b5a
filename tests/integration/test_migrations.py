"""The Alembic migrations on SQLite and PostgreSQL: up, down, up again, data kept, no drift."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import URL

from adapters.sqlalchemy.engine import EngineOptions, SqlDatabase, open_database
from adapters.sqlalchemy.tables import TRIGRAM_INDEXES, metadata
from adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from application.notes import NOTES
from application.tasks import TASKS
from domain.task import NewTask, Task
from entrypoints.migrate import MIGRATIONS, current_revision, migrate
from entrypoints.resources import SQL_RESOURCES
from support.connections import connected, empty_database_of
from support.databases import add_test_accounts
from support.owners import OWNER
from support.postgres import throwaway_database

SCRIPTS = ScriptDirectory(str(MIGRATIONS))
REVISIONS = [r.revision for r in reversed(list(SCRIPTS.walk_revisions("base", "heads")))]
HEAD = REVISIONS[-1]
TABLES = {table.name for table in metadata.sorted_tables}
LEGACY_EMAIL = "legacy@tasks-api.invalid"


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database with nothing in it, of each kind, for this test alone."""
    async with empty_database_of(request.param, request, tmp_path) as url:
        yield url


async def tables(url: str) -> set[str]:
    async with connected(url) as connection:
        names = await connection.run_sync(lambda c: inspect(c).get_table_names())
    return set(names) - {"alembic_version", "sqlite_sequence"}


async def test_the_revisions_form_one_line() -> None:
    assert SCRIPTS.get_heads() == [HEAD]
    for earlier, later in itertools.pairwise(REVISIONS):
        assert SCRIPTS.get_revision(later).down_revision == earlier


async def test_upgrade_downgrade_and_upgrade_again_step_by_step(empty_database: str) -> None:
    """The stairway: every revision goes up, down and up again cleanly."""
    previous = "base"
    for revision in REVISIONS:
        await migrate(empty_database, revision)
        await migrate(empty_database, previous)
        await migrate(empty_database, revision)
        assert await current_revision(empty_database) == revision
        previous = revision

    assert await tables(empty_database) == TABLES

    await migrate(empty_database, "base")
    assert await tables(empty_database) == set()
    assert await current_revision(empty_database) is None


async def legacy_owner(url: str) -> int:
    """The account the upgrade to accounts gave the rows it found."""
    async with connected(url) as connection:
        found = await connection.execute(
            text("SELECT id FROM accounts WHERE email = :email"), {"email": LEGACY_EMAIL}
        )
        owner: int = found.scalar_one()
    return owner


@asynccontextmanager
async def opened(url: str) -> AsyncIterator[SqlDatabase]:
    """The service's own database adapter on `url`, closed afterwards."""
    database = open_database(url, EngineOptions(pool_size=1))
    try:
        yield database
    finally:
        await database.close()


async def legacy_task(url: str, task_id: int = 1) -> Task | None:
    """Task `task_id` of the legacy account, as the service's repository reads it."""
    legacy = await legacy_owner(url)
    async with (
        opened(url) as database,
        SqlUnitOfWork(database, SQL_RESOURCES, read_only=True) as uow,
    ):
        return await uow.repository(TASKS).get(legacy, task_id)


async def test_the_migrations_build_exactly_the_schema_the_code_declares(
    empty_database: str,
) -> None:
    await migrate(empty_database)

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": lambda obj, name, type_, *_: (
                    not (type_ == "index" and name in TRIGRAM_INDEXES)
                ),
            },
        )
        return list(compare_metadata(context, metadata))

    async with connected(empty_database) as connection:
        assert await connection.run_sync(differences) == []


async def test_search_on_postgresql_is_served_by_trigram_indexes(
    postgres_server_url: URL,
) -> None:
    async with throwaway_database(postgres_server_url) as url:
        rendered = url.render_as_string(hide_password=False)
        await migrate(rendered)
        async with connected(rendered) as connection:
            result = await connection.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%trgm'")
            )
            definitions: dict[str, str] = dict(result.all())

    assert set(definitions) == set(TRIGRAM_INDEXES)
    assert all("gin_trgm_ops" in definition for definition in definitions.values())


async def test_tasks_from_the_first_release_survive_the_upgrade_without_tags(
    empty_database: str,
) -> None:
    await migrate(empty_database, "0001")
    created = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    async with connected(empty_database, begin=True) as connection:
        stamp = created if connection.dialect.name == "postgresql" else created.replace(tzinfo=None)
        await connection.execute(
            text(
                "INSERT INTO tasks (title, title_folded, description, done, created_at,"
                " updated_at, version) VALUES (:title, :folded, :description, :done,"
                " :created, :created, :version)"
            ),
            {
                "title": "Old Task",
                "folded": "old task",
                "description": "from 0001",
                "done": True,
                "created": stamp,
                "version": 3,
            },
        )

    await migrate(empty_database)

    task = await legacy_task(empty_database)
    assert task is not None
    assert (task.title, task.description, task.done, task.tags, task.version) == (
        "Old Task",
        "from 0001",
        True,
        (),
        3,
    )
    assert task.created_at == task.updated_at == created


async def test_downgrading_to_the_first_release_keeps_its_tasks(empty_database: str) -> None:
    await migrate(empty_database)
    async with opened(empty_database) as database:
        async with database.begin() as connection:
            await add_test_accounts(connection)
        async with SqlUnitOfWork(database, SQL_RESOURCES) as uow:
            await uow.repository(TASKS).add(
                OWNER, NewTask.create(title="kept", tags=["dropped"], now=datetime.now(UTC))
            )
            await uow.commit()

    await migrate(empty_database, "0001")
    assert await tables(empty_database) == {"tasks"}

    await migrate(empty_database)
    task = await legacy_task(empty_database)
    assert task is not None
    assert (task.title, task.tags) == ("kept", ())


async def test_rows_from_before_accounts_go_to_the_legacy_account_and_nothing_is_lost(
    empty_database: str,
) -> None:
    """Upgrading a database with data from the release before accounts: every task, its
    tags and every note now belong to one legacy account that nobody can sign in as."""
    before_accounts = SCRIPTS.get_revision("0004").down_revision
    assert isinstance(before_accounts, str)
    await migrate(empty_database, before_accounts)
    now = datetime(2026, 11, 30, 12, 0, 0, 1, tzinfo=UTC)
    async with connected(empty_database, begin=True) as connection:
        stamp = now if connection.dialect.name == "postgresql" else now.replace(tzinfo=None)
        for title in ("one", "two"):
            await connection.execute(
                text(
                    "INSERT INTO tasks (title, title_folded, description, done, created_at,"
                    " updated_at, version) VALUES (:t, :f, NULL, false, :at, :at, 1)"
                ),
                {"t": title, "f": title, "at": stamp},
            )
        await connection.execute(
            text("INSERT INTO task_tags (task_id, tag) VALUES (1, 'a'), (1, 'b')")
        )
        await connection.execute(
            text(
                "INSERT INTO notes (title, title_folded, body, body_folded, created_at,"
                " updated_at, version) VALUES ('n', 'n', 'body', 'body', :at, :at, 2)"
            ),
            {"at": stamp},
        )

    await migrate(empty_database)

    legacy = await legacy_owner(empty_database)
    async with opened(empty_database) as database:
        async with SqlUnitOfWork(database, SQL_RESOURCES, read_only=True) as uow:
            one, two = (
                await uow.repository(TASKS).get(legacy, 1),
                await uow.repository(TASKS).get(legacy, 2),
            )
            note = await uow.repository(NOTES).get(legacy, 1)
            stranger = await uow.repository(TASKS).get(legacy + 1, 1)
        # Its one connection is parked after the reads: `begin()` takes it back.
        async with database.begin() as connection:
            password_hash = (
                await connection.execute(
                    text("SELECT password_hash FROM accounts WHERE id = :id"), {"id": legacy}
                )
            ).scalar_one()
    assert one is not None
    assert two is not None
    assert note is not None
    assert (one.title, one.tags, two.title, two.tags) == ("one", ("a", "b"), "two", ())
    assert (note.body, note.version, note.created_at) == ("body", 2, now)
    assert stranger is None
    assert password_hash == "!", "a hash of no password: signing in as legacy is impossible"

    # And back: the rows stay, their owner goes.
    await migrate(empty_database, before_accounts)
    assert "accounts" not in await tables(empty_database)
    await migrate(empty_database)
    assert await legacy_owner(empty_database) > 0


async def test_an_empty_database_gets_no_legacy_account(empty_database: str) -> None:
    await migrate(empty_database)
    async with connected(empty_database) as connection:
        count = (await connection.execute(text("SELECT count(*) FROM accounts"))).scalar_one()
    assert count == 0


async def test_ids_of_deleted_rows_are_never_handed_out_again_on_sqlite(tmp_path: Path) -> None:
    """SQLite rebuilds a table to alter it; AUTOINCREMENT must survive every rebuild."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'ids.db'}"
    await migrate(url)
    async with connected(url) as connection:
        result = await connection.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        )
        definitions: dict[str, str] = dict(result.all())
    # The tables declared with it in the schema (every resource's, and accounts).
    autoincrement = [
        table.name
        for table in metadata.sorted_tables
        if table.dialect_options["sqlite"]["autoincrement"]
    ]
    assert len(autoincrement) >= 2
    for table in autoincrement:
        assert "AUTOINCREMENT" in definitions[table], table


async def test_the_searched_columns_get_a_larger_statistics_sample_and_give_it_back(
    postgres_server_url: URL,
) -> None:
    """So that PostgreSQL estimates a search's matches well (0006's docstring says why)."""
    query = text(
        "SELECT attrelid::regclass || '.' || attname, attstattarget FROM pg_attribute"
        " WHERE attrelid::regclass || '.' || attname"
        " IN ('tasks.title_folded', 'notes.title_folded', 'notes.body_folded')"
    )

    async def targets(url: str) -> dict[str, int]:
        async with connected(url) as connection:
            found = await connection.execute(query)
            # PostgreSQL 17 reports the default as NULL, earlier ones as -1.
            return {name: -1 if target is None else target for name, target in found}

    async with throwaway_database(postgres_server_url) as server_url:
        url = server_url.render_as_string(hide_password=False)
        await migrate(url)
        raised = await targets(url)
        await migrate(url, "0005")
        given_back = await targets(url)

    assert raised == dict.fromkeys(
        ["tasks.title_folded", "notes.title_folded", "notes.body_folded"], 1000
    )
    assert set(given_back.values()) == {-1}
