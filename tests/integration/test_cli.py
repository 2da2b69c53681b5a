"""The `tasks-api` command: migrate up and down, and what `serve` prepares before it starts."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from alembic.script import ScriptDirectory

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
        calls.update(options, app=app, environment=dict(os.environ))

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
    assert (started["app"], started["factory"]) == ("entrypoints.app:create_app", True)
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


def test_serve_leaves_a_postgresql_database_to_tasks_api_migrate(
    monkeypatch: pytest.MonkeyPatch, started: dict[str, Any]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("SECRET_KEY", "a-secret-key-of-at-least-32-characters")

    cli.main(["serve"])  # would fail if it tried to migrate: nothing listens on port 1

    assert started["app"] == "entrypoints.app:create_app"


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
