"""After `DELETE /users/me`, the account's access token, though unexpired, is a 401 on
every endpoint that needs one, on every store: at once in the process that deleted it,
and at most the account cache's ttl later in any other process on the same database."""

from __future__ import annotations

from typing import Any, Final

import httpx
import pytest
from dependency_injector import providers

from adapters.sqlalchemy.engine import SqlDatabase
from support.apps import app_over, client_of
from support.databases import SqlStore

CHALLENGE: Final = 'Bearer realm="tasks-api", error="invalid_token"'


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 401, (response.request.method, response.request.url)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == CHALLENGE
    if response.request.method != "HEAD":  # whose answer has no body
        assert response.json()["type"] == "/problems/unauthorized"


def every_request(task_id: int, note_id: int) -> list[tuple[str, str, dict[str, Any]]]:
    """Every operation that needs a token, aimed at what the account had."""
    requests: list[tuple[str, str, dict[str, Any]]] = []
    for collection, item_id, new in (
        ("/tasks", task_id, {"title": "again"}),
        ("/notes", note_id, {"title": "again"}),
    ):
        item = f"{collection}/{item_id}"
        requests += [
            ("GET", item, {}),
            ("HEAD", item, {}),
            ("GET", item, {"headers": {"If-None-Match": '"1"'}}),
            ("GET", collection, {}),
            ("GET", f"{collection}?with_total=true&limit=1", {}),
            ("POST", collection, {"json": new}),
            ("POST", collection, {"json": new, "headers": {"Idempotency-Key": "k"}}),
            ("PATCH", item, {"json": {"title": "changed"}}),
            ("PATCH", item, {"json": {"title": "changed"}, "headers": {"If-Match": '"1"'}}),
            ("DELETE", item, {}),
            ("DELETE", item, {"headers": {"If-Match": "*"}}),
        ]
    return [*requests, ("GET", "/users/me", {}), ("DELETE", "/users/me", {})]


async def test_a_deleted_accounts_token_is_a_401_on_every_endpoint_at_once(
    backend: tuple[str, SqlStore | None],
) -> None:
    url, store = backend
    if store is not None:
        await store.reset()

    async with client_of(app_over(url)) as client:
        task = await client.post("/tasks", json={"title": "mine"})
        note = await client.post("/notes", json={"title": "mine"})
        assert (task.status_code, note.status_code) == (201, 201)
        # Every read has found the account by now: the check is not a first lookup.
        assert (await client.get("/tasks")).status_code == 200

        assert (await client.delete("/users/me")).status_code == 204

        for method, path, extra in every_request(task.json()["id"], note.json()["id"]):
            assert_refused(await client.request(method, path, **extra))


class Ticks:
    """One process's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def shared(request: pytest.FixtureRequest) -> tuple[str, SqlStore]:
    """Each database that server processes share (a memory one belongs to one process)."""
    database: SqlDatabase = request.getfixturevalue(f"{request.param}_database")
    url: str = request.getfixturevalue(
        "postgres_url" if request.param == "postgresql" else "sqlite_url"
    )
    return url, SqlStore(request.param, database)


@pytest.mark.database
async def test_another_process_refuses_the_token_at_most_the_ttl_later(
    shared: tuple[str, SqlStore],
) -> None:
    """Two apps on one database are two processes, each with its own account cache. The
    one that did not delete the account trusts it until its cache entry expires, and
    meanwhile finds nothing of it and can make nothing for it."""
    url, store = shared
    await store.reset()
    this_app, other_app = app_over(url), app_over(url)
    ticks = Ticks()
    other_app.state.container.monotonic.override(providers.Object(ticks))
    ttl = other_app.state.container.settings().account_cache_seconds

    async with client_of(this_app) as this, client_of(other_app) as other:
        task = (await this.post("/tasks", json={"title": "mine"})).json()
        assert (await other.get(f"/tasks/{task['id']}")).status_code == 200

        assert (await this.delete("/users/me")).status_code == 204
        assert_refused(await this.get("/tasks"))

        ticks.now += ttl / 2
        gone = await other.get(f"/tasks/{task['id']}")
        assert gone.status_code == 404, "its rows went with the account"
        assert (await other.get("/tasks?with_total=true")).json()["total"] == 0
        assert_refused(await other.post("/tasks", json={"title": "for no one"}))

        ticks.now = ttl
        for method, path, extra in every_request(task["id"], task["id"]):
            assert_refused(await other.request(method, path, **extra))
