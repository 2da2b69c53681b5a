"""Idempotency-Key on POST: a retried create returns the first response and creates nothing."""

from __future__ import annotations

import httpx
import pytest

from support.headers import request_header
from support.problem_checks import assert_invalid, assert_problem, total
from support.resources import by_collection, every_collection


def keyed(key: str | bytes) -> dict[bytes, bytes]:
    return request_header("Idempotency-Key", key)


@every_collection
async def test_a_repeat_with_the_same_key_and_body_replays_the_first_response(
    client: httpx.AsyncClient, collection: str
) -> None:
    first = await client.post(
        collection, json=by_collection(collection).body, headers=keyed("pay-42")
    )
    again = await client.post(
        collection, json=by_collection(collection).body, headers=keyed("pay-42")
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await total(client, collection) == 1


async def test_every_repeat_is_replayed_and_only_one_resource_exists(
    client: httpx.AsyncClient,
) -> None:
    responses = [
        await client.post("/tasks", json={"title": "once"}, headers=keyed("k")) for _ in range(5)
    ]

    assert {r.json()["id"] for r in responses} == {1}
    assert [r.headers.get("idempotent-replayed") for r in responses] == [None] + ["true"] * 4
    assert await total(client, "/tasks") == 1


async def test_a_replay_returns_the_resource_as_first_created_even_after_it_changed(
    client: httpx.AsyncClient,
) -> None:
    first = await client.post("/tasks", json={"title": "orig"}, headers=keyed("snap"))
    await client.patch("/tasks/1", json={"title": "changed"})

    again = await client.post("/tasks", json={"title": "orig"}, headers=keyed("snap"))

    assert again.status_code == 201
    assert again.json() == first.json()


async def test_the_same_body_with_keys_reordered_or_respaced_is_the_same_body(
    client: httpx.AsyncClient,
) -> None:
    await client.post(
        "/tasks",
        content=b'{"title": "t", "done": true}',
        headers={"Content-Type": "application/json", "Idempotency-Key": "same"},
    )

    again = await client.post(
        "/tasks",
        content=b'{ "done":true,\n  "title":"t" }',
        headers={"Content-Type": "application/json", "Idempotency-Key": "same"},
    )

    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert await total(client, "/tasks") == 1


@every_collection
async def test_the_same_key_with_a_different_body_is_a_422_naming_the_key(
    client: httpx.AsyncClient, collection: str
) -> None:
    first = await client.post(
        collection, json=by_collection(collection).body, headers=keyed("reused")
    )

    response = await client.post(
        collection, json=by_collection(collection).other_body, headers=keyed("reused")
    )

    assert_problem(
        response, "idempotency-key-reused", instance=collection, fields=["Idempotency-Key"]
    )
    assert await total(client, collection) == 1
    assert (await client.get(first.headers["location"])).json() == first.json()


async def test_different_keys_create_different_resources(client: httpx.AsyncClient) -> None:
    first = await client.post("/tasks", json={"title": "t"}, headers=keyed("one"))
    second = await client.post("/tasks", json={"title": "t"}, headers=keyed("two"))

    assert first.json()["id"] != second.json()["id"]
    assert "idempotent-replayed" not in second.headers
    assert await total(client, "/tasks") == 2


async def test_requests_without_a_key_are_never_deduplicated(client: httpx.AsyncClient) -> None:
    await client.post("/tasks", json={"title": "t"})
    await client.post("/tasks", json={"title": "t"})

    assert await total(client, "/tasks") == 2


async def test_keys_are_per_resource_so_tasks_and_notes_do_not_share_them(
    client: httpx.AsyncClient,
) -> None:
    task = await client.post("/tasks", json={"title": "same key"}, headers=keyed("shared"))
    note = await client.post("/notes", json={"title": "same key"}, headers=keyed("shared"))

    assert task.status_code == note.status_code == 201
    assert "idempotent-replayed" not in note.headers
    assert note.headers["location"] == "/notes/1"
    assert await total(client, "/tasks") == 1
    assert await total(client, "/notes") == 1


@pytest.mark.parametrize(
    "key",
    ["", "a" * 256, "has space", "tab\there", "clé".encode(), b"\x7f"],
    ids=["empty", "256-chars", "space", "tab", "non-ascii", "del"],
)
@every_collection
async def test_an_invalid_key_is_a_422_naming_it_and_nothing_is_created(
    client: httpx.AsyncClient, collection: str, key: str | bytes
) -> None:
    response = await client.post(
        collection, json=by_collection(collection).body, headers=keyed(key)
    )

    assert_invalid(response, instance=collection, fields=["Idempotency-Key"])
    assert await total(client, collection) == 0


@pytest.mark.parametrize(
    "key",
    ["a", "a" * 255, "!~", "550e8400-e29b-41d4-a716-446655440000", "k:{}/[]?=&%"],
    ids=["one-char", "255-chars", "punctuation", "uuid", "symbols"],
)
async def test_any_key_of_1_to_255_visible_ascii_characters_is_accepted(
    client: httpx.AsyncClient, key: str
) -> None:
    first = await client.post("/tasks", json={"title": "t"}, headers=keyed(key))
    again = await client.post("/tasks", json={"title": "t"}, headers=keyed(key))

    assert first.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert await total(client, "/tasks") == 1


async def test_an_invalid_body_with_a_key_is_a_422_and_does_not_use_up_the_key(
    client: httpx.AsyncClient,
) -> None:
    refused = await client.post("/tasks", json={"title": "  "}, headers=keyed("later"))
    accepted = await client.post("/tasks", json={"title": "fixed"}, headers=keyed("later"))

    assert_invalid(refused, instance="/tasks", fields=["title"])
    assert accepted.status_code == 201
    assert "idempotent-replayed" not in accepted.headers
