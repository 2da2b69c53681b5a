"""`tasks-api seed` on SQLite and PostgreSQL: the rows it adds and whose they are, the account
it creates or reuses, its progress lines off a terminal, and its refusal of an unmigrated
database."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from adapters.passwords import Argon2PasswordHasher
from adapters.sqlalchemy.tables import accounts, notes, task_tags, tasks
from domain.text import fold
from entrypoints import cli
from entrypoints.migrate import migrate
from entrypoints.seed import LineProgress, seed
from support.connections import connected, empty_database_of

TASKS_API = Path(sys.executable).with_name("tasks-api")
CREATED = re.compile(r"^created account (\S+) with password (\S+)$", re.MULTILINE)


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def run_seed(url: str, *arguments: str, cwd: Path) -> Run:
    """`tasks-api seed` as a user runs it, its output captured (so not on a terminal)."""
    finished = subprocess.run(
        [str(TASKS_API), "seed", *arguments],
        env={**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Run(finished.returncode, finished.stdout, finished.stderr)


@dataclass(frozen=True)
class Counted:
    tasks: int
    done: int
    described: int
    tagged: int
    tags: int
    notes: int
    titles_folded: bool


async def counted(url: str, email: str) -> Counted:
    """What the account `email` owns."""
    async with connected(url) as connection:
        owner = await connection.scalar(select(accounts.c.id).where(accounts.c.email == email))
        owned = tasks.c.owner_id == owner

        async def count(query: object) -> int:
            return int(await connection.scalar(query) or 0)  # type: ignore[call-overload]

        rows = (await connection.execute(select(tasks.c.title, tasks.c.title_folded))).all()
        return Counted(
            tasks=await count(select(func.count()).where(owned)),
            done=await count(select(func.count()).where(owned, tasks.c.done)),
            described=await count(
                select(func.count()).where(owned, tasks.c.description.is_not(None))
            ),
            tagged=await count(
                select(func.count(func.distinct(task_tags.c.task_id))).where(
                    task_tags.c.owner_id == owner
                )
            ),
            tags=await count(
                select(func.count(func.distinct(task_tags.c.tag))).where(
                    task_tags.c.owner_id == owner
                )
            ),
            notes=await count(select(func.count()).where(notes.c.owner_id == owner)),
            titles_folded=all(folded == fold(title) for title, folded in rows),
        )


async def password_hash_of(url: str, email: str) -> str:
    async with connected(url) as connection:
        found = await connection.scalar(
            select(accounts.c.password_hash).where(accounts.c.email == email)
        )
    assert isinstance(found, str)
    return found


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest) -> str:
    """Each SQL database, migrated."""
    name = "postgres_url" if request.param == "postgresql" else "sqlite_url"
    found: str = request.getfixturevalue(name)
    return found


@pytest.fixture
async def unmigrated(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of each kind."""
    async with empty_database_of(request.param, request, tmp_path) as url:
        yield url


async def test_seed_creates_the_account_and_gives_it_the_rows_asked_for(
    url: str, tmp_path: Path
) -> None:
    email = f"seed-new-{tmp_path.name[-12:].lower()}@example.com"

    result = run_seed(url, "--tasks", "120", "--notes", "30", "--account", email, cwd=tmp_path)

    assert result.code == 0, result.err
    created = CREATED.search(result.out)
    assert created is not None, result.out
    assert created[1] == email
    hasher = Argon2PasswordHasher(threads=1)
    try:
        assert await hasher.verify(created[2], await password_hash_of(url, email))
    finally:
        hasher.close()
    found = await counted(url, email)
    assert (found.tasks, found.notes) == (120, 30)
    # Varied: a quarter done, two thirds described, four in five tagged, every tag used.
    assert found.done == 30
    assert found.described == 80
    assert 90 <= found.tagged <= 100
    assert found.tags == 6
    assert found.titles_folded
    # Not on a terminal: plain progress lines, no bar redrawn with control characters.
    lines = result.err.splitlines()
    assert "tasks: 120/120 (100%)" in lines
    assert "tasks: 60/120 (50%)" not in lines  # one batch: one line
    assert "notes: 30/30 (100%)" in lines
    assert "\x1b" not in result.err
    assert "\r" not in result.err


async def test_seed_adds_to_an_existing_account_without_a_new_password(
    url: str, tmp_path: Path
) -> None:
    email = f"seed-again-{tmp_path.name[-12:].lower()}@example.com"
    first = run_seed(url, "--tasks", "10", "--account", email, cwd=tmp_path)
    assert first.code == 0, first.err

    # The email as typed differently: it is the same account.
    again = run_seed(url, "--tasks", "5", "--notes", "2", "--account", email.upper(), cwd=tmp_path)

    assert again.code == 0, again.err
    assert CREATED.search(again.out) is None
    assert "password" not in again.out
    found = await counted(url, email)
    assert (found.tasks, found.notes) == (15, 2)


@pytest.mark.parametrize("unmigrated", ["sqlite", "postgresql"], indirect=True)
async def test_seed_refuses_a_database_that_is_not_migrated(
    unmigrated: str, tmp_path: Path
) -> None:
    result = run_seed(unmigrated, "--tasks", "10", cwd=tmp_path)

    assert result.code != 0
    assert "has never been migrated" in result.err
    assert "tasks-api migrate" in result.err
    assert "Traceback" not in result.err
    assert result.out == ""


async def test_seed_refuses_a_database_behind_the_latest_revision(tmp_path: Path) -> None:
    old = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await migrate(old, "0001")

    result = run_seed(old, "--tasks", "10", cwd=tmp_path)

    assert result.code != 0
    assert "is at revision 0001" in result.err
    assert "tasks-api migrate" in result.err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--tasks", "-1"], "must be 0 or more"),
        (["--notes", "many"], "invalid _count value"),
        (["--account", "not-an-email"], "must be an email address"),
    ],
)
def test_seed_refuses_bad_arguments_with_a_message(
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    message: str,
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)

    with pytest.raises(SystemExit) as refused:
        cli.main(["seed", *arguments])

    assert refused.value.code != 0
    assert message in f"{refused.value.code}{capsys.readouterr().err}"


def test_seed_says_so_when_the_database_cannot_be_reached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Nothing listens on port 1.
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://nobody:hidden@127.0.0.1:1/none")

    with pytest.raises(SystemExit) as refused:
        cli.main(["seed", "--tasks", "1"])

    message = str(refused.value.code)
    assert message.startswith("tasks-api seed: cannot read the database's revision")
    assert "hidden" not in message


async def test_seed_refuses_the_memory_database(tmp_path: Path) -> None:
    result = run_seed("memory://", "--tasks", "1", cwd=tmp_path)

    assert result.code != 0
    assert "cannot seed a memory database" in result.err


async def test_batches_add_up_to_exactly_the_rows_asked_for(url: str, tmp_path: Path) -> None:
    email = f"seed-batches-{tmp_path.name[-12:].lower()}@example.com"
    lines = io.StringIO()

    seeded = await seed(
        url, tasks_wanted=23, notes_wanted=8, email=email, progress=LineProgress(lines), batch=7
    )

    assert (seeded.tasks, seeded.notes) == (23, 8)
    # On PostgreSQL two connections write batches at once, so which batch ends first, and
    # so which tenths get a line, may vary; the count only grows, to the whole.
    written = [line.split(": ") for line in lines.getvalue().splitlines()]
    for kind, total in (("tasks", 23), ("notes", 8)):
        done = [int(count.split("/")[0]) for what, count in written if what == kind]
        assert done == sorted(set(done))
        assert done[-1] == total
    found = await counted(url, email)
    assert (found.tasks, found.notes) == (23, 8)
    assert found.done == 6  # rows 0, 4, ..., 20: numbering goes on across batches
