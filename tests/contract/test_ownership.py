"""No account can see, change, delete, count or infer another's tasks and notes, over
HTTP, on every store: the ownership rule end to end, from the token to the query."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from support.apps import app_over, client_of
from support.auth import bearer
from support.databases import SqlStore
from support.owners import OTHER, OWNER
from support.resources import COLLECTIONS, SAMPLES


@dataclass(frozen=True)
class Pair:
    owner: httpx.AsyncClient
    other: httpx.AsyncClient


@pytest.fixture
async def pair(backend: tuple[str, SqlStore | None]) -> AsyncIterator[Pair]:
    """Two accounts' clients of one app, on each store, emptied first."""
    url, store = backend
    if store is not None:
        await store.reset()
    app = app_over(url)
    async with AsyncExitStack() as stack:
        owner = await stack.enter_async_context(client_of(app, OWNER))
        # The app's lifespan is already running: the second client only needs a transport.
        transport = httpx.ASGITransport(app=app)
        other = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=transport,
                base_url="http://testserver",
                headers=bearer(app.state.container, OTHER),
            )
        )
        yield Pair(owner, other)


EVERY_RESOURCE = [
    pytest.param(sample.collection, sample.body, id=str(sample)) for sample in SAMPLES
]
"""Each resource's collection, and a body of it holding a "secret"."""


def _without_request(problem: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in problem.items() if k not in {"request_id", "instance", "detail"}}


@pytest.mark.parametrize(("collection", "body"), EVERY_RESOURCE)
async def test_anothers_resource_is_a_404_exactly_like_an_unknown_one(
    pair: Pair, collection: str, body: dict[str, Any]
) -> None:
    created = (await pair.owner.post(collection, json=body)).json()
    mine, unknown = f"{collection}/{created['id']}", f"{collection}/{created['id'] + 1000}"
    requests: list[tuple[str, dict[str, Any]]] = [
        ("GET", {}),
        ("GET", {"headers": {"If-None-Match": '"1"'}}),
        ("PATCH", {"json": {"title": "taken over"}}),
        ("PATCH", {"json": {"title": "taken over"}, "headers": {"If-Match": '"1"'}}),
        ("PATCH", {"json": {"title": "taken over"}, "headers": {"If-Match": "*"}}),
        ("DELETE", {}),
        ("DELETE", {"headers": {"If-Match": '"1"'}}),
    ]
    for method, extra in requests:
        theirs = await pair.other.request(method, mine, **extra)
        nothing = await pair.other.request(method, unknown, **extra)
        assert theirs.status_code == nothing.status_code == 404, (method, extra, theirs.text)
        assert _without_request(theirs.json()) == _without_request(nothing.json())
        assert "etag" not in theirs.headers
        assert "secret" not in theirs.text

    still = await pair.owner.get(mine)
    assert still.status_code == 200
    assert still.json() == created, "nothing the other account sent changed it"


async def test_lists_totals_filters_and_searches_hold_only_the_callers_own(pair: Pair) -> None:
    # The filters only some resources have, and what the other account's own one needs
    # to match them.
    own_filters = {
        "/tasks": ["?done=true", "?done=false", "?tag=x", "?tag=private", "?tag=x&q=word"]
    }
    own_fields = {"/tasks": {"tags": ["x"]}}
    for sample in SAMPLES:
        for n in range(3):
            body = {**sample.body, "title": f"shared word {n}"}
            await pair.owner.post(sample.collection, json=body)
        mine = {"title": "shared word mine", **own_fields.get(sample.collection, {})}
        await pair.other.post(sample.collection, json=mine)

    queries = [
        "",
        "?with_total=true",
        "?q=shared",
        "?q=secret",
        "?sort=title",
        "?sort=-updated_at&limit=1",
        "?offset=1",
        "?limit=100&offset=0",
    ]
    for collection in COLLECTIONS:
        for query in [*queries, *own_filters.get(collection, [])]:
            page = (await pair.other.get(collection + query)).json()
            titles = [item["title"] for item in page["items"]]
            assert all(title == "shared word mine" for title in titles), (collection, query)
            assert page["total"] in (None, 0, 1), (collection, query, page["total"])
            assert "secret" not in str(page)


async def test_a_cursor_walk_and_its_total_see_only_the_callers_own(pair: Pair) -> None:
    for n in range(5):
        await pair.owner.post("/tasks", json={"title": f"owner {n}"})
    for n in range(3):
        await pair.other.post("/tasks", json={"title": f"other {n}"})

    seen: list[str] = []
    page = (await pair.other.get("/tasks?limit=1&with_total=true")).json()
    while True:
        seen.extend(item["title"] for item in page["items"])
        if page["next_cursor"] is None:
            break
        query = f"/tasks?limit=1&with_total=true&cursor={page['next_cursor']}"
        page = (await pair.other.get(query)).json()
        assert page["total"] == 3
    assert sorted(seen) == ["other 0", "other 1", "other 2"]


@pytest.mark.parametrize(("collection", "body"), EVERY_RESOURCE)
async def test_one_accounts_cursor_is_refused_for_another(
    pair: Pair, collection: str, body: dict[str, Any]
) -> None:
    for _ in range(3):
        await pair.owner.post(collection, json=body)
    cursor = (await pair.owner.get(f"{collection}?limit=1")).json()["next_cursor"]
    assert cursor is not None

    response = await pair.other.get(f"{collection}?limit=1&cursor={cursor}")

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["cursor"]


@pytest.mark.parametrize(("collection", "body"), EVERY_RESOURCE)
async def test_the_same_idempotency_key_from_two_accounts_makes_two_independent_requests(
    pair: Pair, collection: str, body: dict[str, Any]
) -> None:
    key = {"Idempotency-Key": "same-key"}
    first = await pair.owner.post(collection, json=body, headers=key)
    second = await pair.other.post(collection, json={"title": "mine"}, headers=key)
    again = await pair.other.post(collection, json={"title": "mine"}, headers=key)

    assert (first.status_code, second.status_code, again.status_code) == (201, 201, 201)
    assert "idempotent-replayed" not in second.headers, "not the other account's response"
    assert second.json()["id"] != first.json()["id"]
    assert second.json()["title"] == "mine"
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == second.json()
