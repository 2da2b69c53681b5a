"""The task repository on SQL databases: what is the tasks' own, their filters and tags.

Everything else (statements by id and version, lists, row mapping) is what
every versioned table shares: `versioned_rows`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Final

from sqlalchemy import (
    ARRAY,
    JSON,
    BindParameter,
    ColumnElement,
    Select,
    String,
    all_,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert

from adapters.sqlalchemy.execution import Executor
from adapters.sqlalchemy.failures import account_gone_on_missing_owner
from adapters.sqlalchemy.queries import contains, like_pattern
from adapters.sqlalchemy.tables import task_tags, tasks
from adapters.sqlalchemy.versioned_rows import VersionedRepository, VersionedTable, unlocked
from domain.task import NewTask, Task, TaskFilters

_TAG: Final = "tag_"
"""The prefix of the tag parameters' names."""


def _filter_params(filters: TaskFilters) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if filters.search is not None:
        params["search"] = like_pattern(filters.search)
    if filters.done is not None:
        params["done"] = filters.done
    # One parameter per tag, so that the query's shape (its parameters' names) has one
    # condition per tag (`tag_0`, `tag_1`, ...): see `_has_tag`.
    params |= {f"{_TAG}{number}": tag for number, tag in enumerate(filters.tags)}
    return params


def _sorted_tags(tags: list[str] | None) -> tuple[str, ...]:
    # PostgreSQL's array_agg gives NULL for a task without tags, SQLite's json_group_array [].
    return tuple(sorted(tags or ()))


class TaskStatements(VersionedTable[Task, NewTask, TaskFilters]):
    """Every statement the task repository runs, built once per dialect and reused."""

    def __init__(self, dialect: str) -> None:
        postgresql = dialect == "postgresql"
        # A task's tags come back in its own row, as a list: no second round trip.
        # PostgreSQL aggregates them into an array (cheaper than JSON); SQLite,
        # which has no arrays, into a JSON array.
        aggregate = (
            func.array_agg(task_tags.c.tag)
            if postgresql
            else func.json_group_array(task_tags.c.tag, type_=JSON())
        )

        def tags_of(task_id: ColumnElement[Any]) -> tuple[ColumnElement[Any]]:
            tags = select(aggregate).where(task_tags.c.task_id == task_id).scalar_subquery()
            return (tags.label("tags"),)

        def conditions(given: Collection[str]) -> list[ColumnElement[bool]]:
            found = []
            if "search" in given:
                found.append(contains(tasks.c.title_folded, "search"))
            if "done" in given:
                found.append(tasks.c.done == bindparam("done"))
            found += [_has_tag(name) for name in given if name.startswith(_TAG)]
            return found

        super().__init__(
            tasks,
            Task,
            filter_params=_filter_params,
            conditions=conditions,
            per_row=tags_of,
            convert={"tags": _sorted_tags},
        )
        self.insert_tags = insert(task_tags)
        self.delete_tags = delete(task_tags).where(task_tags.c.task_id == bindparam("task_id"))
        self.add_with_tags: Select[Any] | None = self._add_with_tags() if postgresql else None
        """On PostgreSQL, a task and its tags in one statement (one round trip)."""
        self.update_with_tags: Select[Any] | None = self._update_with_tags() if postgresql else None
        """On PostgreSQL, a task's new version and its new tags in one statement."""

    def _add_with_tags(self) -> Select[Any]:
        """Insert a task and its tags (an array, maybe empty) in one statement; gives its id."""
        columns = ("owner_id", *self.written, "created_at")
        created = (
            insert(tasks)
            .values(
                {
                    **{name: _new(name) for name in columns},
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

    def _update_with_tags(self) -> Select[Any]:
        """Write a task's new content if it is still at `match_version`, and make its tags
        `new_tags` (an array, maybe empty): one statement; gives how many tasks it wrote."""
        mine = (
            tasks.c.id == bindparam("match_id"),
            tasks.c.owner_id == bindparam("match_owner"),
            tasks.c.version == bindparam("match_version"),
            unlocked(tasks, "match_id"),
        )
        columns = (*self.written, "updated_at", "version")
        updated = (
            update(tasks)
            .where(*mine)
            .values({name: _new(name) for name in columns})
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


def _new(name: str) -> BindParameter[Any]:
    return bindparam(f"new_{name}", type_=tasks.c[name].type)


def _has_tag(parameter: str) -> ColumnElement[bool]:
    """Tasks that have the tag bound to `parameter`: one such condition per tag named.

    A semi-join per tag, which PostgreSQL may run either way: from the tag (all its
    tasks, for a rare tag) or from the list's own index, checking each task in the
    page's order and stopping at the page's end (a common tag, in cursor mode). A
    single "has all of these" subquery (GROUP BY ... HAVING count) can only be run
    the first way, which costs every task with the tag: 42 ms a page at 100,000
    tasks where a quarter have it.
    """
    return tasks.c.id.in_(
        select(task_tags.c.task_id).where(
            task_tags.c.owner_id == bindparam("owner_id"), task_tags.c.tag == bindparam(parameter)
        )
    )


class SqlTaskRepository(VersionedRepository[Task, NewTask, TaskFilters]):
    """Every versioned table's repository, writing a task's tags with it (they go with
    it on delete: ON DELETE CASCADE)."""

    def __init__(self, executor: Executor, statements: TaskStatements) -> None:
        super().__init__(executor, statements)
        self._sql = statements

    async def add(self, owner: int, new: NewTask) -> Task:
        if self._sql.add_with_tags is None:
            task = await super().add(owner, new)
            await self._insert_tags(owner, task.id, task.tags)
            return task
        values = {f"new_{name}": value for name, value in self._sql.values(new).items()}
        values |= {"new_owner_id": owner, "new_created_at": new.created_at}
        values["new_tags"] = list(new.tags)
        with account_gone_on_missing_owner():
            row = await self._execute.row(self._sql.add_with_tags, values)
        assert row is not None, "an INSERT ... RETURNING gives its row"
        return new.stored_as(row["id"])

    async def update(self, owner: int, current: Task, updated: Task) -> bool:
        if updated.tags == current.tags:
            return await super().update(owner, current, updated)
        if self._sql.update_with_tags is None:
            if not await super().update(owner, current, updated):
                return False
            await self._execute.count(self._sql.delete_tags, {"task_id": current.id})
            await self._insert_tags(owner, current.id, updated.tags)
            return True
        params = {f"new_{name}": value for name, value in self._changed_values(updated).items()}
        params |= {
            "new_tags": list(updated.tags),
            "match_id": current.id,
            "match_owner": owner,
            "match_version": current.version,
        }
        row = await self._execute.row(self._sql.update_with_tags, params)
        return row is not None and row["written"] == 1

    async def _insert_tags(self, owner: int, task_id: int, tags: tuple[str, ...]) -> None:
        if tags:
            await self._execute.many(
                self._sql.insert_tags,
                [{"task_id": task_id, "owner_id": owner, "tag": tag} for tag in tags],
            )
