"""The floor's SQL, written by hand: one statement per request.

With accounts, every statement is scoped by `owner_id = $1`; without, that
condition and its parameter are left out. A task's tags come back in its row,
aggregated only for the rows returned (never for the rows an OFFSET skips).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

COLUMNS: Final = "id, title, description, done, created_at, updated_at, version"
SORT_FIELDS: Final = frozenset({"id", "created_at", "updated_at", "title"})


def _tags(alias: str) -> str:
    return f'ARRAY(SELECT tag FROM task_tags WHERE task_id = {alias}.id ORDER BY tag COLLATE "C")'


@dataclass(frozen=True, slots=True)
class ListShape:
    """What a list statement depends on besides its values."""

    sort: str
    descending: bool
    search: bool
    done: bool
    tags: int
    keyset: bool
    with_total: bool


class Statements:
    """Every statement of the floor, for a schema with or without accounts."""

    def __init__(self, *, accounts: bool) -> None:
        self.accounts = accounts
        first = 2 if accounts else 1  # the first parameter after the owner's
        owner = " AND owner_id = $1" if accounts else ""
        self.get = (
            f"SELECT {COLUMNS}, {_tags('tasks')} AS tags FROM tasks WHERE id = ${first}{owner}"
        )
        owner_column, owner_value = (", owner_id", ", $1") if accounts else ("", "")
        p = [f"${first + n}" for n in range(6)]  # title, folded, description, done, at, tags
        self.create = f"""
WITH created AS (
    INSERT INTO tasks (title, title_folded, description, done, created_at, updated_at,
                       version{owner_column})
    VALUES ({p[0]}, {p[1]}, {p[2]}, {p[3]}, {p[4]}, {p[4]}, 1{owner_value})
    RETURNING {COLUMNS}
), tagged AS (
    INSERT INTO task_tags (task_id, tag{owner_column})
    SELECT created.id, unnest({p[5]}::text[]){owner_value} FROM created
)
SELECT {COLUMNS}, {p[5]}::text[] AS tags FROM created"""
        # id, title, folded, set description?, description, done
        q = [f"${first + n}" for n in range(6)]
        self.patch = f"""
WITH updated AS (
    UPDATE tasks SET
        title = coalesce({q[1]}, title),
        title_folded = coalesce({q[2]}, title_folded),
        description = CASE WHEN {q[3]}::boolean THEN {q[4]} ELSE description END,
        done = coalesce({q[5]}::boolean, done),
        updated_at = greatest(clock_timestamp(), updated_at + interval '1 microsecond'),
        version = version + 1
    WHERE id = {q[0]}{owner}
    RETURNING {COLUMNS}
)
SELECT {COLUMNS}, {_tags("updated")} AS tags FROM updated"""
        self._lists: dict[ListShape, tuple[str, tuple[str, ...]]] = {}

    def list(self, shape: ListShape) -> tuple[str, tuple[str, ...]]:
        """The statement of `shape`, and the names of its parameters in order."""
        found = self._lists.get(shape)
        if found is None:
            found = self._lists[shape] = self._build_list(shape)
        return found

    def _build_list(self, shape: ListShape) -> tuple[str, tuple[str, ...]]:
        names: list[str] = []

        def parameter(name: str, cast: str = "") -> str:
            names.append(name)
            return f"${len(names)}{cast}"

        conditions = []
        tag_owner = ""
        if self.accounts:
            conditions.append(f"owner_id = {parameter('owner')}")
            tag_owner = "owner_id = $1 AND "
        if shape.search:
            conditions.append(f"title_folded LIKE {parameter('search')} ESCAPE '\\'")
        if shape.done:
            conditions.append(f"done = {parameter('done')}")
        # One semi-join per tag, which PostgreSQL may drive from the list's index.
        conditions += [
            f"id IN (SELECT task_id FROM task_tags WHERE {tag_owner}tag = {parameter(f'tag_{n}')})"
            for n in range(shape.tags)
        ]
        where = " AND ".join(conditions) or "true"
        key = shape.sort
        direction = "DESC" if shape.descending else "ASC"
        order = f"{key} {direction}, id {direction}"
        keyset = ""
        if shape.keyset:
            comparison = "<" if shape.descending else ">"
            keyset = (
                f" AND ({key}, id) {comparison} "
                f"({parameter('after_value')}, {parameter('after_id', '::bigint')})"
            )
        page = (
            f"SELECT {COLUMNS} FROM tasks WHERE {where}{keyset} ORDER BY {order} "
            f"LIMIT {parameter('limit', '::bigint')} OFFSET {parameter('offset', '::bigint')}"
        )
        if not shape.with_total:
            statement = (
                f"SELECT page.*, {_tags('page')} AS tags FROM ({page}) AS page ORDER BY {order}"
            )
        else:
            # The count and the page in one round trip; an empty page still carries the count.
            statement = (
                f"SELECT counted.total, page.*, {_tags('page')} AS tags "
                f"FROM (SELECT count(*) AS total FROM tasks WHERE {where}) AS counted "
                f"LEFT JOIN LATERAL ({page}) AS page ON true "
                f"ORDER BY page.{key} {direction}, page.id {direction}"
            )
        return statement, tuple(names)
