"""What the SQL repositories write, on both SQL databases (PostgreSQL through asyncpg
directly, SQLite through SQLAlchemy): a create for an account that no longer exists is
refused by the foreign key as `AccountGone`, whichever driver raised it, and leaves
nothing half-written; a task's tags are stored with it."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from adapters.sqlalchemy.engine import SqlDatabase
from adapters.sqlalchemy.tables import task_tags, tasks
from application.errors import AccountGone
from application.idempotency import IdempotencyPolicy, IdempotencyRequest
from application.notes import NoteService
from application.paging import Pager
from application.tasks import TASKS, TaskService
from domain.task import NewTask, TaskChanges
from support.clock import SteppingClock
from support.databases import SqlStore
from support.owners import OWNER

GONE = 999_999
"""An account id no test account has."""


@pytest.fixture
async def store(sql_store: tuple[SqlStore, str]) -> SqlStore:
    store, _ = sql_store
    await store.reset()
    return store


async def _rows(store: SqlStore) -> tuple[int, int]:
    async with store.database.engine.connect() as connection:
        task_count = (await connection.execute(select(func.count()).select_from(tasks))).scalar()
        tag_count = (await connection.execute(select(func.count()).select_from(task_tags))).scalar()
    return task_count or 0, tag_count or 0


@pytest.mark.parametrize("tags", [[], ["a", "b"]])
async def test_creating_a_task_for_a_deleted_account_is_refused_and_writes_nothing(
    store: SqlStore, pager: Pager, tags: list[str]
) -> None:
    tasks_service = TaskService(
        uow=store.unit_of_work, clock=SteppingClock(), pager=pager, idempotency=IdempotencyPolicy()
    )

    with pytest.raises(AccountGone):
        await tasks_service.create(GONE, title="orphan", tags=tags)

    assert await _rows(store) == (0, 0)


async def test_creating_a_note_or_claiming_a_key_for_a_deleted_account_is_refused(
    store: SqlStore, pager: Pager
) -> None:
    policy = IdempotencyPolicy()
    notes = NoteService(
        uow=store.unit_of_work, clock=SteppingClock(), pager=pager, idempotency=policy
    )
    tasks_service = TaskService(
        uow=store.unit_of_work, clock=SteppingClock(), pager=pager, idempotency=policy
    )

    with pytest.raises(AccountGone):
        await notes.create(GONE, title="orphan", body="")
    with pytest.raises(AccountGone):
        await tasks_service.create(
            GONE, title="orphan", idempotency=IdempotencyRequest("key", "f" * 64)
        )


async def test_a_task_with_its_tags_is_stored_together(store: SqlStore, pager: Pager) -> None:
    tasks_service = TaskService(
        uow=store.unit_of_work, clock=SteppingClock(), pager=pager, idempotency=IdempotencyPolicy()
    )

    created = (await tasks_service.create(OWNER, title="t", tags=["x", "y"])).resource

    assert (await tasks_service.get(OWNER, created.id)).tags == ("x", "y")
    assert await _rows(store) == (1, 2)


async def test_a_single_statement_unit_of_work_commits_each_write_as_it_runs_on_postgresql(
    store: SqlStore,
) -> None:
    # On PostgreSQL each repository write is one statement, so it runs without
    # BEGIN and COMMIT and stays even if the unit of work is left uncommitted;
    # on SQLite, where a task's tags are written apart from it, the unit of
    # work keeps its transaction, and leaving it uncommitted undoes the write.
    new = NewTask.create(title="t", tags=("a", "b"), now=SteppingClock().now())
    async with store.unit_of_work(single_statement=True) as uow:
        task = await uow.repository(TASKS).add(OWNER, new)
        changed = task.changed(TaskChanges(tags=["c"]), SteppingClock().now())
        assert await uow.repository(TASKS).update(OWNER, task, changed)

    if store.name == "postgresql":
        assert await _rows(store) == (1, 1)
        async with store.unit_of_work(read_only=True) as uow:
            assert await uow.repository(TASKS).get(OWNER, task.id) == changed
    else:
        assert await _rows(store) == (0, 0)


async def test_a_write_on_its_own_never_waits_for_a_rivals_row_lock_on_postgresql(
    postgresql_database: SqlDatabase,
) -> None:
    # Run on its own (autocommit), a write that waited on a lock would commit
    # whenever the rival let go, even after its request was cut and answered 503.
    # It writes nothing instead, and says so: the use case retries in a transaction.
    store = SqlStore("postgresql", postgresql_database)
    await store.reset()
    clock = SteppingClock()
    async with store.unit_of_work() as uow:
        task = await uow.repository(TASKS).add(OWNER, NewTask.create(title="t", now=clock.now()))
        await uow.commit()
    retitled = task.changed(TaskChanges(title="new"), clock.now())
    retagged = task.changed(TaskChanges(tags=["x"]), clock.now())

    async with store.unit_of_work() as rival:
        assert await rival.repository(TASKS).get(OWNER, task.id, for_update=True) == task
        async with asyncio.timeout(10), store.unit_of_work(single_statement=True) as uow:
            repository = uow.repository(TASKS)
            assert not await repository.update(OWNER, task, retitled)
            assert not await repository.update(OWNER, task, retagged)
            assert not await repository.delete(OWNER, task.id, version=task.version)
            assert not await repository.delete(OWNER, task.id)

    async with store.unit_of_work(read_only=True) as uow:
        assert await uow.repository(TASKS).get(OWNER, task.id) == task
    # Its own transaction's lock is no rival's: a locked read, then the write.
    async with store.unit_of_work() as uow:
        repository = uow.repository(TASKS)
        assert await repository.get(OWNER, task.id, for_update=True) == task
        assert await repository.update(OWNER, task, retitled)
        await uow.commit()
