"""The task repository on SQL databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    ColumnElement,
    Select,
    String,
    all_,
    any_,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert

from adapters.sqlalchemy.execution import Executor, Row
from adapters.sqlalchemy.failures import account_gone_on_missing_owner
from adapters.sqlalchemy.queries import (
    contains,
    like_pattern,
    to_slice,
    window_params,
    windowed,
)
from adapters.sqlalchemy.tables import task_tags, tasks
from adapters.sqlalchemy.versioned_rows import RowStatements, VersionedRows
from application.paging import Slice, Window
from application.ports import Repository
from domain.sorting import Sort
from domain.task import NewTask, Task, TaskFilters
from domain.text import fold

_ListShape = tuple[Sort, bool, bool, bool, bool, bool]


class TaskStatements:
    """Every statement the task repository runs, built once per dialect and reused.

    Building a statement costs more than running a cached one, so none is
    built per request; list statements are built once per shape of query.
    """

    def __init__(self, dialect: str) -> None:
        # A task's tags come back in its own row, as a list: no second round trip.
        # PostgreSQL aggregates them into an array (cheaper than JSON); SQLite,
        # which has no arrays, into a JSON array.
        aggregate = (
            func.array_agg(task_tags.c.tag)
            if dialect == "postgresql"
            else func.json_group_array(task_tags.c.tag, type_=JSON())
        )

        def tags_of(task_id: ColumnElement[Any]) -> tuple[ColumnElement[Any]]:
            tags = select(aggregate).where(task_tags.c.task_id == task_id).scalar_subquery()
            return (tags.label("tags"),)

        self.tags_of = tags_of
        self.own_columns = (
            tasks.c.id,
            tasks.c.title,
            tasks.c.description,
            tasks.c.done,
            tasks.c.created_at,
            tasks.c.updated_at,
            tasks.c.version,
        )
        self.columns = (*self.own_columns, *tags_of(tasks.c.id))
        self.rows = RowStatements(tasks, self.columns)
        self.insert_tags = insert(task_tags)
        self.delete_tags = delete(task_tags).where(task_tags.c.task_id == bindparam("task_id"))
        postgresql = dialect == "postgresql"
        self.add: Select[Any] | None = _add_with_tags() if postgresql else None
        """On PostgreSQL, a task and its tags in one statement (one round trip)."""
        self.update_with_tags: Select[Any] | None = _update_with_tags() if postgresql else None
        """On PostgreSQL, a task's new version and its new tags in one statement."""
        self._postgresql = dialect == "postgresql"
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
            if self._postgresql:
                # `= ANY($n)`, one array parameter: the statement's text is the same
                # whatever the number of tags (asyncpg prepares it once).
                one_of = task_tags.c.tag == any_(bindparam("tags", type_=ARRAY(String())))
            else:
                one_of = task_tags.c.tag.in_(bindparam("tags", expanding=True))
            conditions.append(
                tasks.c.id.in_(
                    select(task_tags.c.task_id)
                    .where(task_tags.c.owner_id == bindparam("owner_id"), one_of)
                    .group_by(task_tags.c.task_id)
                    .having(func.count() == bindparam("tag_count"))
                )
            )
        return windowed(
            tasks,
            self.own_columns,
            conditions,
            sort=sort,
            keyset=keyset,
            with_total=with_total,
            per_row=self.tags_of,
        )


def _list_params(owner: int, filters: TaskFilters, window: Window) -> dict[str, Any]:
    params = window_params(owner, window)
    if filters.search is not None:
        params["search"] = like_pattern(filters.search)
    if filters.done is not None:
        params["done"] = filters.done
    if filters.tags:
        params["tags"] = list(filters.tags)
        params["tag_count"] = len(filters.tags)
    return params


def _add_with_tags() -> Select[Any]:
    """Insert a task and its tags (an array, maybe empty) in one statement; gives its id."""
    columns = ("owner_id", "title", "title_folded", "description", "done", "created_at")
    created = (
        insert(tasks)
        .values(
            {
                **{name: bindparam(f"new_{name}", type_=tasks.c[name].type) for name in columns},
                "updated_at": bindparam("new_created_at", type_=tasks.c.updated_at.type),
                "version": 1,
            }
        )
        .returning(tasks.c.id, tasks.c.owner_id)
        .cte("created")
    )
    tagged = (
        insert(task_tags)
        .from_select(
            ["task_id", "owner_id", "tag"],
            select(
                created.c.id,
                created.c.owner_id,
                func.unnest(bindparam("new_tags", type_=ARRAY(String()))),
            ),
        )
        .cte("tagged")
    )
    return select(created.c.id).add_cte(tagged)


def _update_with_tags() -> Select[Any]:
    """Write a task's new content if it is still at `match_version`, and make its tags
    `new_tags` (an array, maybe empty): one statement; gives how many tasks it wrote."""
    mine = (
        tasks.c.id == bindparam("match_id"),
        tasks.c.owner_id == bindparam("match_owner"),
        tasks.c.version == bindparam("match_version"),
    )
    columns = ("title", "title_folded", "description", "done", "updated_at", "version")
    updated = (
        update(tasks)
        .where(*mine)
        .values({name: bindparam(f"new_{name}", type_=tasks.c[name].type) for name in columns})
        .returning(tasks.c.id, tasks.c.owner_id)
        .cte("updated")
    )
    new_tags = bindparam("new_tags", type_=ARRAY(String()))
    # The tags dropped and the tags added never overlap: the statement's parts see
    # the same snapshot, and none of them sees what another writes.
    dropped = (
        delete(task_tags)
        .where(task_tags.c.task_id.in_(select(updated.c.id)), task_tags.c.tag != all_(new_tags))
        .cte("dropped")
    )
    added = (
        postgresql_insert(task_tags)
        .from_select(
            ["task_id", "owner_id", "tag"],
            select(updated.c.id, updated.c.owner_id, func.unnest(new_tags)),
        )
        .on_conflict_do_nothing()
        .cte("added")
    )
    return select(func.count().label("written")).select_from(updated).add_cte(dropped, added)


def _task(row: Row) -> Task:
    # PostgreSQL's array_agg gives NULL for a task without tags, SQLite's json_group_array [].
    tags = row["tags"] or ()
    return Task(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        done=row["done"],
        tags=tuple(sorted(tags)),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


def _values(task: Task | NewTask) -> dict[str, Any]:
    """The columns written for a task's content; search matches the folded title."""
    return {
        "title": task.title,
        "title_folded": fold(task.title),
        "description": task.description,
        "done": task.done,
    }


class SqlTaskRepository(Repository[Task, NewTask, TaskFilters]):
    def __init__(self, executor: Executor, statements: TaskStatements) -> None:
        self._execute = executor
        self._sql = statements
        self._rows = VersionedRows(executor, statements.rows, _task)

    async def add(self, owner: int, new: NewTask) -> Task:
        if self._sql.add is not None:
            values = {f"new_{name}": value for name, value in _values(new).items()}
            values |= {
                "new_owner_id": owner,
                "new_created_at": new.created_at,
                "new_tags": list(new.tags),
            }
            with account_gone_on_missing_owner():
                row = await self._execute.row(self._sql.add, values)
            assert row is not None, "an INSERT ... RETURNING gives its row"
            return new.stored_as(row["id"])
        values = {**_values(new), "created_at": new.created_at, "updated_at": new.created_at}
        task = new.stored_as(await self._rows.insert(owner, values))
        await self._insert_tags(owner, task.id, task.tags)
        return task

    async def get(self, owner: int, resource_id: int, *, for_update: bool = False) -> Task | None:
        return await self._rows.get(owner, resource_id, for_update=for_update)

    async def list(self, owner: int, filters: TaskFilters, window: Window) -> Slice[Task]:
        rows = await self._execute.rows(
            self._sql.list(filters, window), _list_params(owner, filters, window)
        )
        return to_slice(rows, window, _task)

    async def update(self, owner: int, current: Task, updated: Task) -> bool:
        values = {
            **_values(updated),
            "updated_at": updated.updated_at,
            "version": updated.version,
        }
        if updated.tags != current.tags and self._sql.update_with_tags is not None:
            params = {f"new_{name}": value for name, value in values.items()}
            params |= {
                "new_tags": list(updated.tags),
                "match_id": current.id,
                "match_owner": owner,
                "match_version": current.version,
            }
            row = await self._execute.row(self._sql.update_with_tags, params)
            return row is not None and row["written"] == 1
        if not await self._rows.update(owner, current.id, current.version, values):
            return False
        if updated.tags != current.tags:
            await self._execute.count(self._sql.delete_tags, {"task_id": current.id})
            await self._insert_tags(owner, current.id, updated.tags)
        return True

    async def delete(self, owner: int, resource_id: int, *, version: int | None = None) -> bool:
        # The task's tags go with it (ON DELETE CASCADE).
        return await self._rows.delete(owner, resource_id, version)

    async def _insert_tags(self, owner: int, task_id: int, tags: tuple[str, ...]) -> None:
        if tags:
            await self._execute.many(
                self._sql.insert_tags,
                [{"task_id": task_id, "owner_id": owner, "tag": tag} for tag in tags],
            )
