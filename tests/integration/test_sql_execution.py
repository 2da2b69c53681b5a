"""The executors of the SQL repositories agree: what each gives back, on its own database
(PostgreSQL through asyncpg directly, SQLite through SQLAlchemy)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, insert, select, text

from adapters.sqlalchemy.engine import SqlDatabase
from adapters.sqlalchemy.tables import task_tags, tasks
from support.databases import SqlStore
from support.owners import OWNER

_TITLES = select(tasks.c.title).where(tasks.c.owner_id == bindparam("owner")).order_by(tasks.c.id)


@pytest.fixture
async def store(sql_store: tuple[SqlStore, str]) -> SqlStore:
    store, _ = sql_store
    await store.reset()
    return store


def _task(title: str) -> dict[str, object]:
    now = datetime.now(UTC)
    return {
        "owner_id": OWNER,
        "title": title,
        "title_folded": title,
        "description": None,
        "done": False,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


async def test_many_runs_a_statement_for_each_set_of_values_in_the_transaction(
    store: SqlStore,
) -> None:
    database = store.database
    async with database.connection() as connection:
        executor = database.executor(connection)
        await executor.begin()
        await executor.many(insert(tasks), [_task("a"), _task("b")])
        await executor.many(insert(tasks), [])
        assert [row["title"] for row in await executor.rows(_TITLES, {"owner": OWNER})] == [
            "a",
            "b",
        ]
        await executor.end()  # not committed: rolled back

    async with database.connection(read_only=True) as connection:
        executor = database.executor(connection)
        assert await executor.rows(_TITLES, {"owner": OWNER}) == []


async def test_one_row_expected_and_several_found_is_a_bug(store: SqlStore) -> None:
    database = store.database
    async with database.connection() as connection:
        executor = database.executor(connection)
        await executor.begin()
        await executor.many(insert(tasks), [_task("a"), _task("b")])

        with pytest.raises(Exception, match=r"one row|Multiple rows"):
            await executor.row(_TITLES, {"owner": OWNER})
        await executor.end()


async def test_a_statement_that_asyncpg_cannot_take_is_refused_on_postgresql(
    postgresql_database: SqlDatabase,
) -> None:
    """An expanding IN (its text changes with the number of values) is no prepared statement."""
    expanding = select(task_tags.c.tag).where(
        task_tags.c.tag.in_(bindparam("tags", expanding=True))
    )
    async with postgresql_database.connection(read_only=True) as connection:
        executor = postgresql_database.executor(connection)
        with pytest.raises(ValueError, match="positional, plain parameters"):
            await executor.rows(expanding, {"tags": ["a"]})
        assert [row["one"] for row in await executor.rows(text("SELECT 1 AS one"), {})] == [1]
