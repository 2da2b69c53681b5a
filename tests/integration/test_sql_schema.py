"""What the SQL schema itself guarantees, beyond what the ports can observe."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from adapters.sqlalchemy.tables import task_tags
from adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from application.tasks import TASKS
from domain.task import NewTask
from entrypoints.resources import SQL_RESOURCES
from support.databases import SqlStore
from support.owners import OWNER


async def test_deleting_a_task_leaves_no_tag_rows_behind(sql_store: tuple[SqlStore, str]) -> None:
    store, _ = sql_store
    await store.reset()
    async with SqlUnitOfWork(store.database, SQL_RESOURCES) as uow:
        task = await uow.repository(TASKS).add(
            OWNER, NewTask.create(title="t", tags=["a", "b"], now=datetime.now(UTC))
        )
        await uow.commit()

    async with SqlUnitOfWork(store.database, SQL_RESOURCES) as uow:
        assert await uow.repository(TASKS).delete(OWNER, task.id)
        await uow.commit()

    async with store.database.engine.connect() as connection:
        remaining = await connection.scalar(select(func.count()).select_from(task_tags))
    assert remaining == 0
