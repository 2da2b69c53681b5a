"""The typed Python client in clients/python: up to date with the schema, and able to
drive a real server through every feature, with no raw HTTP of the test's own."""

from __future__ import annotations

import asyncio
import filecmp
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tasks_api_client import AuthenticatedClient
from tasks_api_client.api.notes import create_note, list_notes
from tasks_api_client.api.problems import get_problem_type
from tasks_api_client.api.tasks import create_task, delete_task, get_task, list_tasks, update_task
from tasks_api_client.models import (
    ListTasksSort,
    NoteCreate,
    NotePage,
    Problem,
    ProblemType,
    TaskCreate,
    TaskOut,
    TaskPage,
    TaskPatch,
    ValidationProblem,
)

from adapters.tokens import JwtAccessTokens
from entrypoints.migrate import migrate
from entrypoints.secret_key import ACCESS_TOKEN_KEY, derive
from support.servers import serving

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ROOT / "clients"
SECRET = "python-client-end-to-end-secret-0123456789"


def _different(left: Path, right: Path) -> list[str]:
    """Files that differ between two trees, or are in one only (caches left out)."""
    comparison = filecmp.dircmp(left, right, ignore=["__pycache__", ".ruff_cache"])
    found = [*comparison.left_only, *comparison.right_only, *comparison.diff_files]
    for name, sub in comparison.subdirs.items():
        found += [f"{name}/{path}" for path in _different(Path(sub.left), Path(sub.right))]
    return found


def test_the_committed_client_is_generated_from_the_current_schema(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from openapi import document  # type: ignore[import-not-found]  # scripts/openapi.py, not a package
    finally:
        sys.path.pop(0)
    schema = tmp_path / "openapi.json"
    schema.write_text(document())
    assert schema.read_text() == (CLIENTS / "openapi.json").read_text(), "run: make client"

    generator = str(Path(sys.executable).with_name("openapi-python-client"))
    config = str(CLIENTS / "openapi-python-client.yaml")
    output = str(tmp_path / "python")
    command = [generator, "generate", "--path", str(schema), "--output-path", output]
    command += ["--meta", "uv", "--config", config]
    generated = subprocess.run(
        command,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        check=True,
    )

    assert "warning" not in (generated.stdout + generated.stderr).lower(), generated.stdout
    assert _different(CLIENTS / "python", tmp_path / "python") == [], "run: make client"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The installed `tasks-api serve` on a fresh SQLite file holding one account."""
    directory = tmp_path_factory.mktemp("client")
    url = f"sqlite+aiosqlite:///{directory / 'tasks.db'}"
    asyncio.run(migrate(url))
    with sqlite3.connect(directory / "tasks.db") as connection:
        connection.execute(
            "INSERT INTO accounts (id, email, password_hash, created_at) "
            "VALUES (1, 'ada@example.com', 'not-a-hash', '2026-11-24 07:00:00.000000')"
        )
    tasks_api = Path(sys.executable).with_name("tasks-api")
    with serving(tasks_api, {"DATABASE_URL": url, "SECRET_KEY": SECRET}, cwd=directory) as base:
        yield base


@pytest.fixture
def client(server: str) -> Iterator[AuthenticatedClient]:
    key = derive(SECRET.encode(), ACCESS_TOKEN_KEY)
    token = JwtAccessTokens(key).issue(1, datetime.now(UTC)).token
    with AuthenticatedClient(base_url=server, token=token) as client:
        yield client


def _task(client: AuthenticatedClient, title: str, **fields: object) -> TaskOut:
    created = create_task.sync(client=client, body=TaskCreate(title=title, **fields))  # type: ignore[arg-type]
    assert isinstance(created, TaskOut), created
    return created


def test_create_then_a_conditional_get(client: AuthenticatedClient) -> None:
    response = create_task.sync_detailed(
        client=client, body=TaskCreate(title="Ship it", tags=["Backend", "urgent"])
    )

    assert response.status_code == 201
    task = response.parsed
    assert isinstance(task, TaskOut)
    assert task.tags == ["backend", "urgent"]
    assert response.headers["location"] == f"/tasks/{task.id}"
    etag = response.headers["etag"]
    unchanged = get_task.sync_detailed(task.id, client=client, if_none_match=etag)
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    fetched = get_task.sync(task.id, client=client)
    assert isinstance(fetched, TaskOut)
    assert fetched.created_at == task.created_at


def test_lists_filter_and_a_cursor_walk_visits_every_match_once(
    client: AuthenticatedClient,
) -> None:
    made = {_task(client, f"walk {n}", tags=["walk"], done=n % 2 == 0).id for n in range(7)}

    done = list_tasks.sync(client=client, tag=["walk"], done=True)
    assert isinstance(done, TaskPage)
    assert done.total == 4
    assert all(task.done for task in done.items)

    seen: list[int] = []
    page = list_tasks.sync(client=client, tag=["walk"], limit=3, sort=ListTasksSort.TITLE_DESC)
    while True:
        assert isinstance(page, TaskPage)
        seen += [task.id for task in page.items]
        if not isinstance(page.next_cursor, str):
            break
        page = list_tasks.sync(
            client=client,
            tag=["walk"],
            limit=3,
            sort=ListTasksSort.TITLE_DESC,
            cursor=page.next_cursor,
        )
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(made)


def test_a_patch_with_if_match_then_a_stale_one_gets_412_with_the_current_etag(
    client: AuthenticatedClient,
) -> None:
    task = _task(client, "To change")

    patched = update_task.sync_detailed(
        task.id, client=client, body=TaskPatch(done=True), if_match='"1"'
    )
    assert patched.status_code == 200
    assert isinstance(patched.parsed, TaskOut)
    assert patched.parsed.version == 2

    stale = update_task.sync_detailed(
        task.id, client=client, body=TaskPatch(title="Lost update"), if_match='"1"'
    )
    assert stale.status_code == 412
    assert isinstance(stale.parsed, Problem)
    assert stale.parsed.type_ == "/problems/precondition-failed"
    assert stale.headers["etag"] == '"2"'


def test_an_idempotent_retry_is_replayed(client: AuthenticatedClient) -> None:
    body = TaskCreate(title="Exactly once")
    first = create_task.sync_detailed(client=client, body=body, idempotency_key="client-e2e-1")
    again = create_task.sync_detailed(client=client, body=body, idempotency_key="client-e2e-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["idempotent-replayed"] == "true"
    assert isinstance(first.parsed, TaskOut)
    assert isinstance(again.parsed, TaskOut)
    assert again.parsed.id == first.parsed.id


def test_delete_then_the_task_is_a_404_problem(client: AuthenticatedClient) -> None:
    task = _task(client, "To delete")

    assert delete_task.sync_detailed(task.id, client=client, if_match='"1"').status_code == 204
    gone = get_task.sync_detailed(task.id, client=client)

    assert gone.status_code == 404
    assert isinstance(gone.parsed, Problem)
    assert gone.parsed.instance == f"/tasks/{task.id}"
    assert get_problem_type.sync(gone.parsed.type_.removeprefix("/problems/"), client=client) == (
        get_problem_type.sync("not-found", client=client)
    )
    assert isinstance(get_problem_type.sync("not-found", client=client), ProblemType)


def test_invalid_input_is_parsed_into_a_validation_problem(client: AuthenticatedClient) -> None:
    refused = create_note.sync(client=client, body=NoteCreate(title="   "))

    assert isinstance(refused, ValidationProblem)
    assert [error.field for error in refused.errors] == ["title"]
    notes = list_notes.sync(client=client)
    assert isinstance(notes, NotePage)
    assert notes.total == 0
