"""`tasks-api seed`: many tasks and notes for one account, for demos and benchmarks.

Rows are written straight into the tables (the adapters' schema), in batches of
bulk statements, each batch its own transaction: an interrupted seed keeps what
it wrote, and memory stays flat however many rows are asked for. On PostgreSQL
the server generates each batch itself (`INSERT ... SELECT ... generate_series`,
the tags in the same statement), so no row crosses the network, and two
connections write batches at once (the work is the server's CPU, mostly
index upkeep); on SQLite the rows are built here and sent as multi-row INSERTs.

The data: titles from a small vocabulary plus the row's number (so searches
match some and not others), a description on two tasks in three, one task in
four done, and one or two of six tags on four tasks in five; timestamps one
second apart, ending now. Titles are ASCII, so their case folding (what search
compares, `domain.text.fold`) is the lower case both databases compute.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol, TextIO

from alembic.script import ScriptDirectory
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress
from sqlalchemy import exc, insert, pool, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from adapters.passwords import Argon2PasswordHasher
from adapters.sqlalchemy.tables import accounts, notes, task_tags, tasks
from domain.account import normalize_email
from domain.errors import InvalidValue
from entrypoints.migrate import MIGRATIONS, current_revision

WORDS: Final = (
    "deploy", "review", "refactor", "migrate", "design", "test", "api", "database", "cache",
    "cursor", "router", "schema", "service", "client", "server", "metrics", "logging", "restore",
    "upgrade", "security", "invoice", "report", "meeting", "budget", "roadmap", "release",
    "debug", "profile", "monitor", "audit", "plan", "triage", "update", "clean", "measure",
)  # fmt: skip
TAGS: Final = ("backend", "frontend", "urgent", "bug", "docs", "ops")

POSTGRESQL_BATCH: Final = 50_000
"""Rows a statement on PostgreSQL: 20 progress steps for a million, each well under a second."""
PG_CONNECTIONS: Final = 2
"""Batches written at once on PostgreSQL, each by a server process (a CPU) of its own."""
SQLITE_BATCH: Final = 5_000
"""Rows a transaction on SQLite, where every row is built and bound here."""
DEFAULT_ACCOUNT: Final = "demo@example.com"


class SeedError(Exception):
    """What stops a seed, told to the user without a traceback."""


class Progress(Protocol):
    """Where a seed reports how far it got."""

    def start(self, what: str, total: int) -> None: ...

    def advance(self, done: int) -> None:
        """`done` more rows of what was started have been written."""

    def finish(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Seeded:
    email: str
    password: str | None
    """The generated password of an account the seed created; None for an existing one."""
    tasks: int
    notes: int
    seconds: float


async def seed(
    url: str,
    *,
    tasks_wanted: int,
    notes_wanted: int,
    email: str,
    progress: Progress,
    batch: int | None = None,
) -> Seeded:
    """Add `tasks_wanted` tasks and `notes_wanted` notes to the account `email` (created if
    new) in the migrated database at `url`, `batch` rows a transaction (by default the
    database's own size, `POSTGRESQL_BATCH` or `SQLITE_BATCH`)."""
    try:
        email = normalize_email(email)
    except InvalidValue as error:
        raise SeedError(f"--account {email!r}: {error}") from None
    backend = make_url(url).get_backend_name()
    if backend not in {"postgresql", "sqlite"}:
        raise SeedError(f"cannot seed a {backend} database: it lives only inside a server")
    await _check_migrated(url)
    started = time.perf_counter()
    engine = create_async_engine(url, poolclass=pool.NullPool, hide_parameters=True)
    postgresql = backend == "postgresql"
    batch = batch or (POSTGRESQL_BATCH if postgresql else SQLITE_BATCH)
    try:
        async with engine.connect() as connection:
            owner, password = await _account(connection, email)
        # The newest row is the last one, made "now": each kind ends at the present.
        end = datetime.now(UTC)
        for what, wanted in (("tasks", tasks_wanted), ("notes", notes_wanted)):
            if not wanted:
                continue
            progress.start(what, wanted)
            first = end - timedelta(seconds=wanted)
            job = _Job(what, wanted, batch, owner, first, postgresql, progress)
            batches = iter(range(0, wanted, batch))
            # PostgreSQL runs each connection's statements on a core of its own; SQLite
            # has one writer at a time.
            writers = PG_CONNECTIONS if postgresql else 1
            await asyncio.gather(*(_write(engine, job, batches) for _ in range(writers)))
            progress.finish()
        if postgresql:
            async with engine.connect() as connection:
                # Statistics for the planner now, not whenever autovacuum comes by: a
                # million new rows change which index a list query should use.
                await connection.execute(text("ANALYZE accounts, tasks, task_tags, notes"))
                await connection.commit()
    finally:
        await engine.dispose()
    return Seeded(email, password, tasks_wanted, notes_wanted, time.perf_counter() - started)


@dataclass(frozen=True, slots=True)
class _Job:
    what: str
    """"tasks" or "notes"."""
    wanted: int
    batch: int
    owner: int
    first: datetime
    """When the first row was made; each next one a second later."""
    postgresql: bool
    progress: Progress


async def _write(engine: AsyncEngine, job: _Job, batches: Iterator[int]) -> None:
    """Write batches, one transaction each, taking the next free one from `batches` (which
    other writers share) until none is left."""
    async with engine.connect() as connection:
        for offset in batches:
            count = min(job.batch, job.wanted - offset)
            if job.postgresql:
                for setting in _PG_BULK_SETTINGS:
                    await connection.execute(setting)
                await _POSTGRESQL[job.what](connection, job.owner, offset, count, job.first)
            else:
                await _GENERIC[job.what](connection, job.owner, offset, count, job.first)
            await connection.commit()
            job.progress.advance(count)


async def _check_migrated(url: str) -> None:
    """Refuse a database that is not at the migrations' head: its tables may be missing or
    not those the rows are written for."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    try:
        current = await current_revision(url)
    except (OSError, exc.SQLAlchemyError) as error:
        raise SeedError(f"cannot read the database's revision: {error}") from None
    if current != head:
        at = "has never been migrated" if current is None else f"is at revision {current}"
        raise SeedError(
            f"the database {at} (this version needs revision {head}): run `tasks-api migrate` first"
        )


async def _account(connection: AsyncConnection, email: str) -> tuple[int, str | None]:
    """The id of the account `email`, and its password if it was created just now."""
    found = await connection.scalar(select(accounts.c.id).where(accounts.c.email == email))
    if found is not None:
        return found, None
    password = secrets.token_urlsafe(12)
    hasher = Argon2PasswordHasher(threads=1)
    try:
        password_hash = await hasher.hash(password)
    finally:
        hasher.close()
    created = await connection.scalar(
        insert(accounts)
        .values(email=email, password_hash=password_hash, created_at=datetime.now(UTC))
        .returning(accounts.c.id)
    )
    await connection.commit()
    assert created is not None
    return created, password


# --- PostgreSQL: each batch generated by the server -------------------------------------

_PG_BULK_SETTINGS: Final = (
    # Each batch's transaction only (SET LOCAL). A crash loses at most the last batches,
    # never consistency; the seed can be run again.
    text("SET LOCAL synchronous_commit = off"),
    # The trigram indexes take new entries into a pending list, merged into the index in
    # bulk when it fills: a larger list merges less often (and a vacuum merges the rest).
    text("SET LOCAL gin_pending_list_limit = '64MB'"),
    text("SET LOCAL work_mem = '64MB'"),
)
"""What makes a batch cheaper: measured on 50,000 tasks, 3.2 s with none, 2.7 s with all."""

# `i` numbers the rows from 0 across batches, so titles and timestamps go on where the
# last batch stopped. Tags: (3 * id + k) % 4 == 0 picks one or two of the six for each
# task, and every fifth task has none.
_PG_TASKS: Final = text("""
WITH p AS (SELECT CAST(:words AS text[]) AS words),
new AS (
    INSERT INTO tasks (owner_id, title, title_folded, description, done,
                       created_at, updated_at, version)
    SELECT :owner, t.title, lower(t.title),
           CASE WHEN i % 3 = 0 THEN NULL ELSE 'Seeded task number ' || (i + 1) END,
           i % 4 = 0, t.at, t.at, 1
    FROM p, generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS i,
    LATERAL (
        SELECT initcap(p.words[1 + i % cardinality(p.words)]) || ' '
                   || p.words[1 + (i / 7) % cardinality(p.words)] || ' #' || (i + 1) AS title,
               CAST(:start AS timestamptz) + i * interval '1 second' AS at
    ) AS t
    ORDER BY i
    RETURNING id
)
INSERT INTO task_tags (task_id, tag, owner_id)
SELECT new.id, g.tag, :owner
FROM new CROSS JOIN unnest(CAST(:tags AS text[])) WITH ORDINALITY AS g(tag, k)
WHERE new.id % 5 <> 0 AND (new.id * 3 + g.k) % 4 = 0
""")

_PG_NOTES: Final = text("""
INSERT INTO notes (owner_id, title, title_folded, body, body_folded,
                   created_at, updated_at, version)
SELECT :owner, t.title, lower(t.title), t.body, lower(t.body), t.at, t.at, 1
FROM (SELECT CAST(:words AS text[]) AS words) AS p,
     generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS i,
LATERAL (
    SELECT initcap(p.words[1 + i % cardinality(p.words)]) || ' notes #' || (i + 1) AS title,
           'Seeded note number ' || (i + 1) || ' about '
               || p.words[1 + (i / 3) % cardinality(p.words)] || '.' AS body,
           CAST(:start AS timestamptz) + i * interval '1 second' AS at
) AS t
ORDER BY i
""")


def _pg_parameters(owner: int, offset: int, count: int, start: datetime) -> dict[str, Any]:
    return {
        "owner": owner,
        "first": offset,
        "last": offset + count - 1,
        "words": list(WORDS),
        "start": start,
    }


async def _pg_tasks(
    connection: AsyncConnection, owner: int, offset: int, count: int, start: datetime
) -> None:
    parameters = _pg_parameters(owner, offset, count, start)
    await connection.execute(_PG_TASKS, {**parameters, "tags": list(TAGS)})


async def _pg_notes(
    connection: AsyncConnection, owner: int, offset: int, count: int, start: datetime
) -> None:
    await connection.execute(_PG_NOTES, _pg_parameters(owner, offset, count, start))


# --- SQLite (and any other): each batch built here ---------------------------------------


def _task_title(i: int) -> str:
    return f"{WORDS[i % len(WORDS)].capitalize()} {WORDS[(i // 7) % len(WORDS)]} #{i + 1}"


def _tags_of(task_id: int) -> list[str]:
    if task_id % 5 == 0:
        return []
    return [tag for k, tag in enumerate(TAGS, 1) if (task_id * 3 + k) % 4 == 0]


async def _generic_tasks(
    connection: AsyncConnection, owner: int, offset: int, count: int, start: datetime
) -> None:
    rows: list[dict[str, Any]] = []
    for i in range(offset, offset + count):
        title, at = _task_title(i), start + timedelta(seconds=i)
        rows.append(
            {
                "owner_id": owner,
                "title": title,
                "title_folded": title.lower(),
                "description": None if i % 3 == 0 else f"Seeded task number {i + 1}",
                "done": i % 4 == 0,
                "created_at": at,
                "updated_at": at,
                "version": 1,
            }
        )
    result = await connection.execute(
        insert(tasks).returning(tasks.c.id, sort_by_parameter_order=True), rows
    )
    ids: Sequence[int] = result.scalars().all()
    tags = [
        {"task_id": task_id, "tag": tag, "owner_id": owner}
        for task_id in ids
        for tag in _tags_of(task_id)
    ]
    if tags:
        await connection.execute(insert(task_tags), tags)


async def _generic_notes(
    connection: AsyncConnection, owner: int, offset: int, count: int, start: datetime
) -> None:
    rows: list[dict[str, Any]] = []
    for i in range(offset, offset + count):
        title = f"{WORDS[i % len(WORDS)].capitalize()} notes #{i + 1}"
        body = f"Seeded note number {i + 1} about {WORDS[(i // 3) % len(WORDS)]}."
        at = start + timedelta(seconds=i)
        rows.append(
            {
                "owner_id": owner,
                "title": title,
                "title_folded": title.lower(),
                "body": body,
                "body_folded": body.lower(),
                "created_at": at,
                "updated_at": at,
                "version": 1,
            }
        )
    await connection.execute(insert(notes), rows)


class _Writer(Protocol):
    async def __call__(
        self, connection: AsyncConnection, owner: int, offset: int, count: int, start: datetime
    ) -> None: ...


_POSTGRESQL: Final[dict[str, _Writer]] = {"tasks": _pg_tasks, "notes": _pg_notes}
_GENERIC: Final[dict[str, _Writer]] = {"tasks": _generic_tasks, "notes": _generic_notes}


# --- progress ----------------------------------------------------------------------------


class LineProgress:
    """Plain lines, one each time another tenth is written: for logs and pipes, which a bar
    redrawn in place would fill with control characters."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.what, self.total, self.done, self.reported = "", 0, 0, 0

    def start(self, what: str, total: int) -> None:
        self.what, self.total, self.done, self.reported = what, total, 0, 0

    def advance(self, done: int) -> None:
        self.done += done
        tenth = self.done * 10 // self.total
        if tenth > self.reported:
            self.reported = tenth
            print(
                f"{self.what}: {self.done}/{self.total} ({self.done * 100 // self.total}%)",
                file=self.stream,
                flush=True,
            )

    def finish(self) -> None:
        return None


class BarProgress:
    """rich's progress bar, on a terminal: rows written, rate and time left."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self._bar = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(file=stream),
        )
        self._task: TaskID | None = None

    def start(self, what: str, total: int) -> None:
        self._bar.start()
        self._task = self._bar.add_task(what, total=total)

    def advance(self, done: int) -> None:
        assert self._task is not None
        self._bar.advance(self._task, done)

    def finish(self) -> None:
        self._bar.stop()


def progress_for(stream: TextIO) -> Progress:
    """A bar on a terminal, lines otherwise."""
    return BarProgress(stream) if stream.isatty() else LineProgress(stream)
