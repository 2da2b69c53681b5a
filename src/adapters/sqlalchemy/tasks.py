"""The task repository on SQL databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Select, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.listing import (
    AnyRow,
    contains,
    like_pattern,
    to_slice,
    window_params,
    windowed,
)
from adapters.sqlalchemy.tables import task_tags, tasks
from application.filters import TaskFilters
from application.listing import Slice, Window
from application.ports import TaskRepository
from domain.listing import Sort
from domain.task import NewTask, Task
from domain.text import fold

_ListShape = tuple[Sort, bool, bool, bool, bool, bool]


class TaskStatements:
    """Every statement the task repository runs, built once per dialect and reused.

    Building a statement costs more than running a cached one, so none is
    built per request; list statements are built once per shape of query.
    """

    def __init__(self, dialect: str) -> None:
        # A task's tags come back in the same row, as a JSON array: one round trip.
        aggregate = func.json_agg if dialect == "postgresql" else func.json_group_array
        tags = (
            select(aggregate(task_tags.c.tag, type_=JSON()))
            .where(task_tags.c.task_id == tasks.c.id)
            .scalar_subquery()
            .label("tags")
        )
        self.columns = (
            tasks.c.id,
            tasks.c.title,
            tasks.c.description,
            tasks.c.done,
            tasks.c.created_at,
            tasks.c.updated_at,
            tasks.c.version,
            tags,
        )
        self.get = select(*self.columns).where(tasks.c.id == bindparam("task_id"))
        # SQLite has no row locks (its writers are serialised anyway): this renders
        # FOR UPDATE on PostgreSQL only.
        self.get_for_update = self.get.with_for_update(of=tasks)
        self.insert = insert(tasks).returning(tasks.c.id)
        self.insert_tags = insert(task_tags)
        self.update = update(tasks).where(
            tasks.c.id == bindparam("match_id"), tasks.c.version == bindparam("match_version")
        )
        self.delete_tags = delete(task_tags).where(task_tags.c.task_id == bindparam("task_id"))
        self.delete = delete(tasks).where(tasks.c.id == bindparam("task_id"))
        self.delete_version = self.delete.where(tasks.c.version == bindparam("match_version"))
        self._lists: dict[_ListShape, Select[Any]] = {}

    def list(self, filters: TaskFilters, window: Window) -> Select[Any]:
        shape = (
            window.sort,
            filters.search is not None,
            filters.done is not None,
            bool(filters.tags),
            window.after is not None,
            window.with_total,
        )
        statement = self._lists.get(shape)
        if statement is None:
            statement = self._lists[shape] = self._build_list(*shape)
        return statement

    def _build_list(
        self, sort: Sort, search: bool, done: bool, tagged: bool, keyset: bool, with_total: bool
    ) -> Select[Any]:
        conditions = []
        if search:
            conditions.append(contains(tasks.c.title_folded, "search"))
        if done:
            conditions.append(tasks.c.done == bindparam("done"))
        if tagged:
            # Tasks that have every tag named: as many matching tag rows as tags asked for.
            conditions.append(
                tasks.c.id.in_(
                    select(task_tags.c.task_id)
                    .where(task_tags.c.tag.in_(bindparam("tags", expanding=True)))
                    .group_by(task_tags.c.task_id)
                    .having(func.count() == bindparam("tag_count"))
                )
            )
        return windowed(
            tasks, self.columns, conditions, sort=sort, keyset=keyset, with_total=with_total
        )


def _list_params(filters: TaskFilters, window: Window) -> dict[str, Any]:
    params = window_params(window)
    if filters.search is not None:
        params["search"] = like_pattern(filters.search)
    if filters.done is not None:
        params["done"] = filters.done
    if filters.tags:
        params["tags"] = list(filters.tags)
        params["tag_count"] = len(filters.tags)
    return params


def _task(row: AnyRow) -> Task:
    # PostgreSQL's json_agg gives NULL for a task without tags, SQLite's json_group_array [].
    tags = row.tags or ()
    return Task(
        id=row.id,
        title=row.title,
        description=row.description,
        done=row.done,
        tags=tuple(sorted(tags)),
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


class SqlTaskRepository(TaskRepository):
    def __init__(self, connection: AsyncConnection, statements: TaskStatements) -> None:
        self._connection = connection
        self._sql = statements

    async def add(self, new: NewTask) -> Task:
        result = await self._connection.execute(
            self._sql.insert,
            {
                "title": new.title,
                "title_folded": fold(new.title),
                "description": new.description,
                "done": new.done,
                "created_at": new.created_at,
                "updated_at": new.created_at,
                "version": 1,
            },
        )
        task = new.stored_as(result.scalar_one())
        await self._insert_tags(task.id, task.tags)
        return task

    async def get(self, resource_id: int, *, for_update: bool = False) -> Task | None:
        statement = self._sql.get_for_update if for_update else self._sql.get
        result = await self._connection.execute(statement, {"task_id": resource_id})
        row = result.one_or_none()
        return None if row is None else _task(row)

    async def list(self, filters: TaskFilters, window: Window) -> Slice[Task]:
        result = await self._connection.execute(
            self._sql.list(filters, window), _list_params(filters, window)
        )
        return to_slice(result.all(), window, _task)

    async def update(self, current: Task, updated: Task) -> bool:
        result = await self._connection.execute(
            self._sql.update,
            {
                "match_id": current.id,
                "match_version": current.version,
                "title": updated.title,
                "title_folded": fold(updated.title),
                "description": updated.description,
                "done": updated.done,
                "updated_at": updated.updated_at,
                "version": updated.version,
            },
        )
        if result.rowcount != 1:
            return False
        if updated.tags != current.tags:
            await self._connection.execute(self._sql.delete_tags, {"task_id": current.id})
            await self._insert_tags(current.id, updated.tags)
        return True

    async def delete(self, resource_id: int, *, version: int | None = None) -> bool:
        if version is None:
            result = await self._connection.execute(self._sql.delete, {"task_id": resource_id})
        else:
            result = await self._connection.execute(
                self._sql.delete_version, {"task_id": resource_id, "match_version": version}
            )
        return result.rowcount == 1

    async def _insert_tags(self, task_id: int, tags: tuple[str, ...]) -> None:
        if tags:
            await self._connection.execute(
                self._sql.insert_tags, [{"task_id": task_id, "tag": tag} for tag in tags]
            )
