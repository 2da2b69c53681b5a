"""On SQLite only a locked database and I/O errors are "unavailable" (503, retry); any
other failure, a missing table above all, is a bug or a database never migrated: a 500,
and not ready."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import exc

from adapters.sqlalchemy.failures import is_unavailable
from entrypoints.migrate import migrate
from support.apps import app_over, client_of
from support.owners import OWNER


def _failure(run: str, path: Path) -> exc.OperationalError:
    """The error SQLAlchemy raises for what SQLite says when it runs `run`."""
    connection = sqlite3.connect(path, timeout=0)
    try:
        connection.execute(run)
    except sqlite3.Error as error:
        return exc.OperationalError(run, {}, error)
    finally:
        connection.close()
    raise AssertionError(f"{run!r} did not fail")


def test_a_locked_sqlite_database_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        error = _failure("SELECT * FROM t", path)
    finally:
        holder.close()

    assert "database is locked" in str(error)
    assert is_unavailable(error)


@pytest.mark.parametrize(
    "statement", ["SELECT * FROM no_such_table", "SELECT no_such_column FROM sqlite_master"]
)
def test_a_missing_table_or_column_on_sqlite_is_no_outage(tmp_path: Path, statement: str) -> None:
    error = _failure(statement, tmp_path / "empty.db")

    assert not is_unavailable(error)


def test_a_sqlite_io_error_is_unavailable() -> None:
    io_error = sqlite3.OperationalError("disk I/O error")
    io_error.sqlite_errorcode = 10 | (1 << 8)  # SQLITE_IOERR_READ

    assert is_unavailable(exc.OperationalError("SELECT 1", {}, io_error))


async def test_a_missing_table_is_a_500_problem_and_readiness_fails(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'dropped.db'}"
    await migrate(url)
    with sqlite3.connect(tmp_path / "dropped.db") as connection:
        connection.execute("DROP TABLE notes")
        # The account the client's token names: a token of no account is refused first.
        connection.execute(
            "INSERT INTO accounts (id, email, password_hash, created_at) "
            "VALUES (?, 'owner@example.com', '!', '2026-11-24 07:00:00.000000')",
            (OWNER,),
        )

    async with client_of(app_over(url)) as client:
        listed = await client.get("/notes")
        ready = await client.get("/health/ready")
        tasks = await client.get("/tasks")

    assert listed.status_code == 500
    assert listed.headers["content-type"] == "application/problem+json"
    assert listed.json()["type"] == "/problems/internal-server-error"
    assert "retry-after" not in listed.headers
    assert ready.status_code == 503
    assert ready.json()["type"] == "/problems/service-unavailable"
    assert tasks.status_code == 200
