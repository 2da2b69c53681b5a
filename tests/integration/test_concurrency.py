"""Concurrent clients against real PostgreSQL: one winner per version, one resource per key."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable

import httpx
import pytest

from adapters.sqlalchemy.engine import SqlDatabase
from support.apps import app_over, client_of
from support.databases import SqlStore

CLIENTS = 20


@pytest.fixture
async def postgres_api(
    postgresql_database: SqlDatabase, postgres_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    await SqlStore("postgresql", postgresql_database).reset()
    async with client_of(app_over(postgres_url)) as client:
        yield client


async def at_once(*requests: Awaitable[httpx.Response]) -> list[httpx.Response]:
    return list(await asyncio.gather(*requests))


async def test_of_concurrent_patches_with_the_same_if_match_exactly_one_wins(
    postgres_api: httpx.AsyncClient,
) -> None:
    task = (await postgres_api.post("/tasks", json={"title": "contended"})).json()

    responses = await at_once(
        *(
            postgres_api.patch(
                f"/tasks/{task['id']}", json={"title": f"writer {n}"}, headers={"If-Match": '"1"'}
            )
            for n in range(CLIENTS)
        )
    )

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 412: CLIENTS - 1}
    winner = next(r.json() for r in responses if r.status_code == 200)
    current = (await postgres_api.get(f"/tasks/{task['id']}")).json()
    assert current == winner
    assert current["version"] == 2


async def test_concurrent_patches_without_if_match_are_never_lost(
    postgres_api: httpx.AsyncClient,
) -> None:
    note = (await postgres_api.post("/notes", json={"title": "counter"})).json()

    responses = await at_once(
        *(
            postgres_api.patch(f"/notes/{note['id']}", json={"body": f"writer {n}"})
            for n in range(CLIENTS)
        )
    )

    assert {r.status_code for r in responses} == {200}
    versions = sorted(r.json()["version"] for r in responses)
    assert versions == list(range(2, CLIENTS + 2)), "each change made exactly one new version"
    assert (await postgres_api.get(f"/notes/{note['id']}")).json()["version"] == CLIENTS + 1


async def test_concurrent_retries_with_one_idempotency_key_create_one_task(
    postgres_api: httpx.AsyncClient,
) -> None:
    headers = {"Idempotency-Key": "retry-storm-1"}

    responses = await at_once(
        *(
            postgres_api.post("/tasks", json={"title": "once"}, headers=headers)
            for _ in range(CLIENTS)
        )
    )

    statuses = Counter((r.status_code, r.headers.get("idempotent-replayed")) for r in responses)
    assert statuses[(201, None)] == 1, "exactly one request created the task"
    assert set(statuses) <= {(201, None), (201, "true"), (409, None)}
    bodies = {r.text for r in responses if r.status_code == 201}
    assert len(bodies) == 1, "every success returned the same stored body"
    listed = (await postgres_api.get("/tasks")).json()
    assert listed["total"] == 1

    replay = await postgres_api.post("/tasks", json={"title": "once"}, headers=headers)
    assert (replay.status_code, replay.headers["idempotent-replayed"]) == (201, "true")
    assert replay.text in bodies


async def test_two_server_processes_share_idempotency_keys(
    postgresql_database: SqlDatabase, postgres_url: str
) -> None:
    """Two apps with their own engines stand for two processes on one database."""
    await SqlStore("postgresql", postgresql_database).reset()
    headers = {"Idempotency-Key": "shared-key"}
    async with (
        client_of(app_over(postgres_url)) as first,
        client_of(app_over(postgres_url)) as second,
    ):
        together = await at_once(
            first.post("/notes", json={"title": "shared"}, headers=headers),
            second.post("/notes", json={"title": "shared"}, headers=headers),
        )
        created = await first.post("/notes", json={"title": "shared"}, headers=headers)
        replayed = await second.post("/notes", json={"title": "shared"}, headers=headers)
        mismatch = await second.post("/notes", json={"title": "other"}, headers=headers)

        assert sorted(r.status_code for r in together) in ([201, 201], [201, 409])
        assert replayed.status_code == created.status_code == 201
        assert replayed.headers["idempotent-replayed"] == "true"
        assert replayed.json() == created.json()
        assert mismatch.status_code == 422
        assert (await second.get("/notes")).json()["total"] == 1
