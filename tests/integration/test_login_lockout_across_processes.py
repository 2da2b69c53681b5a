"""Password guessing is counted in the database, not in a process: five wrong passwords
spread over two `tasks-api serve` processes on one PostgreSQL lock the email on both."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import URL

from entrypoints.migrate import migrate
from support.accounts import PASSWORD
from support.postgres import throwaway_database
from support.servers import serving

TASKS_API = Path(sys.executable).with_name("tasks-api")
SECRET_KEY = "lockout-test-secret-key-0123456789abcdef"
WRONG = "wrong password!"


@pytest.fixture
async def database_url(postgres_server_url: URL) -> AsyncIterator[str]:
    """A PostgreSQL database of this test's own, migrated: no count of another test's."""
    async with throwaway_database(postgres_server_url) as url:
        rendered = url.render_as_string(hide_password=False)
        await migrate(rendered)
        yield rendered


@pytest.fixture
def two_servers(database_url: str) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """Clients of two server processes on that one database."""
    environment = {"DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY}
    with (
        serving(TASKS_API, environment) as first,
        serving(TASKS_API, environment) as second,
        httpx.Client(base_url=first, timeout=15) as one,
        httpx.Client(base_url=second, timeout=15) as other,
    ):
        assert first != second
        yield one, other


def log_in(client: httpx.Client, email: str, password: str) -> httpx.Response:
    form = {"grant_type": "password", "username": email, "password": password}
    return client.post("/auth/token", data=form)


def test_the_sixth_attempt_is_429_on_either_process_even_with_the_right_password(
    two_servers: tuple[httpx.Client, httpx.Client],
) -> None:
    one, other = two_servers
    for email in ("guessed@example.com", "bystander@example.com"):
        created = one.post("/users", json={"email": email, "password": PASSWORD})
        assert created.status_code == 201, created.text

    for attempt in range(5):
        refused = log_in((one, other)[attempt % 2], "guessed@example.com", WRONG)
        assert refused.status_code == 400, (attempt, refused.text)
        assert refused.json()["error"] == "invalid_grant"

    for client in (one, other):
        for password in (WRONG, PASSWORD):
            locked = log_in(client, "guessed@example.com", password)
            assert locked.status_code == 429, (client.base_url, password, locked.text)
            assert locked.headers["content-type"] == "application/problem+json"
            assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60

    # The lock is the email's, not the processes': another account logs in on both.
    for client in (one, other):
        assert log_in(client, "bystander@example.com", PASSWORD).status_code == 200
