"""The `tasks-api` command: migrate up and down, and what `serve` prepares before it starts."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from alembic.script import ScriptDirectory
from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from entrypoints import cli
from entrypoints.migrate import MIGRATIONS, current_revision
from entrypoints.secret_key import secret_file

HEAD = ScriptDirectory(str(MIGRATIONS)).get_current_head()


@pytest.fixture
def sqlite_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's is read
    return url


async def test_migrate_goes_to_head_and_to_any_revision_either_way(sqlite_file: str) -> None:
    # The CLI runs its own event loop, so here it runs in a thread.
    await asyncio.to_thread(cli.main, ["migrate"])
    assert await current_revision(sqlite_file) == HEAD

    await asyncio.to_thread(cli.main, ["migrate", "--revision", "0001"])
    assert await current_revision(sqlite_file) == "0001"

    await asyncio.to_thread(cli.main, ["migrate", "--revision", "base"])
    assert await current_revision(sqlite_file) is None


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """What `serve` hands to uvicorn, instead of starting it."""
    calls: dict[str, Any] = {}

    def run(app: str, **options: Any) -> None:
        calls.update(
            options,
            app=app,
            environment=dict(os.environ),
            sigterm=signal.getsignal(signal.SIGTERM),
        )

    monkeypatch.setattr(uvicorn, "run", run)
    # serve leaves settings for its workers in the environment: undo them after.
    saved = dict(os.environ)
    for name in ("SECRET_KEY", "PROMETHEUS_MULTIPROC_DIR"):
        os.environ.pop(name, None)
    yield calls
    os.environ.clear()
    os.environ.update(saved)


async def test_serve_migrates_the_sqlite_file_and_starts_the_app_factory(
    sqlite_file: str, started: dict[str, Any]
) -> None:
    await asyncio.to_thread(
        cli.main,
        ["serve", "--host", "0.0.0.0", "--port", "9999", "--workers", "1"],  # noqa: S104
    )

    assert await current_revision(sqlite_file) == HEAD
    assert (started["app"], started["factory"]) == ("entrypoints.app:create_served_app", True)
    assert (started["host"], started["port"], started["workers"]) == ("0.0.0.0", 9999, 1)  # noqa: S104
    secret = secret_file(Path(sqlite_file.removeprefix("sqlite+aiosqlite:///")))
    assert len(secret.read_text()) >= 32, "the embedded default made its secret before serving"
    assert secret.stat().st_mode & 0o077 == 0, "readable by its owner only"
    assert "PROMETHEUS_MULTIPROC_DIR" not in started["environment"]


def test_serve_with_workers_gives_them_a_metrics_directory_for_as_long_as_they_run(
    sqlite_file: str, started: dict[str, Any]
) -> None:
    cli.main(["serve", "--workers", "3"])

    shared = Path(started["environment"]["PROMETHEUS_MULTIPROC_DIR"])
    assert shared.name.startswith("tasks-api-metrics-")
    assert not shared.exists(), "the temporary directory is removed when the server stops"
    assert started["workers"] == 3
    # uvicorn's 5 s would kill workers still importing on a loaded machine.
    assert started["timeout_worker_healthcheck"] >= 30


def test_serve_drains_for_the_shutdown_grace_period_then_exits_0(
    sqlite_file: str, started: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHUTDOWN_GRACE_SECONDS", "7")
    before = signal.getsignal(signal.SIGTERM)

    cli.main(["serve"])

    assert started["timeout_graceful_shutdown"] == 7
    # What uvicorn hands the signal back to after draining; put back once it returns.
    assert started["sigterm"] is cli.exit_after_drain
    assert signal.getsignal(signal.SIGTERM) is before


def test_serve_leaves_a_postgresql_database_to_tasks_api_migrate(
    monkeypatch: pytest.MonkeyPatch, started: dict[str, Any]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("SECRET_KEY", "a-secret-key-of-at-least-32-characters")

    cli.main(["serve"])  # would fail if it tried to migrate: nothing listens on port 1

    assert started["app"] == "entrypoints.app:create_served_app"


def test_serve_refuses_a_postgresql_database_without_a_secret_key_and_says_why(
    monkeypatch: pytest.MonkeyPatch, started: dict[str, Any]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://nobody@127.0.0.1:1/none")
    monkeypatch.delenv("SECRET_KEY", raising=False)

    with pytest.raises(SystemExit) as stopped:
        cli.main(["serve"])

    assert "SECRET_KEY is not set" in str(stopped.value.code)
    assert started == {}, "no server was started"


async def test_the_sqlite_secret_survives_a_restart(
    sqlite_file: str, started: dict[str, Any]
) -> None:
    await asyncio.to_thread(cli.main, ["serve"])
    secret = secret_file(Path(sqlite_file.removeprefix("sqlite+aiosqlite:///")))
    first = secret.read_text()
    await asyncio.to_thread(cli.main, ["serve"])
    assert secret.read_text() == first


async def test_adopt_legacy_gives_the_rows_from_before_accounts_to_an_account(
    sqlite_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before_accounts = ScriptDirectory(str(MIGRATIONS)).get_revision("0004").down_revision
    await asyncio.to_thread(cli.main, ["migrate", "--revision", str(before_accounts)])
    engine = create_async_engine(sqlite_file, poolclass=pool.NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO tasks (title, title_folded, done, created_at, updated_at,"
                    " version) VALUES ('old', 'old', 0, '2026-01-01 00:00:00.000000',"
                    " '2026-01-01 00:00:00.000000', 1)"
                )
            )
            await connection.execute(text("INSERT INTO task_tags VALUES (1, 'kept')"))
        await asyncio.to_thread(cli.main, ["migrate"])
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO accounts (email, password_hash, created_at)"
                    " VALUES ('me@example.com', '!', '2026-01-01 00:00:00.000000')"
                )
            )

        with pytest.raises(SystemExit, match="no account has the email"):
            await asyncio.to_thread(cli.main, ["adopt-legacy", "--email", "nobody@example.com"])
        await asyncio.to_thread(cli.main, ["adopt-legacy", "--email", " Me@Example.com "])
        assert "adopted 1 tasks and 0 notes" in capsys.readouterr().out
        await asyncio.to_thread(cli.main, ["adopt-legacy", "--email", "me@example.com"])
        assert "adopted 0 tasks and 0 notes" in capsys.readouterr().out, "only once"

        async with engine.connect() as connection:
            owners = (await connection.execute(text("SELECT owner_id FROM tasks"))).all()
            tag_owners = (await connection.execute(text("SELECT owner_id FROM task_tags"))).all()
            emails = (await connection.execute(text("SELECT email FROM accounts"))).all()
    finally:
        await engine.dispose()
    me = 2  # the legacy account came first
    assert owners == tag_owners == [(me,)]
    assert emails == [("me@example.com",)], "the legacy account is gone"
