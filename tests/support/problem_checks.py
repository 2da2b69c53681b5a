"""Assertions and small helpers shared by the HTTP tests: the problem+json shape and
the requests that set up a test's data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

import httpx

from support.resources import by_collection

PROBLEM_FIELDS: Final = {"type", "title", "status", "detail", "instance", "request_id"}
PAGE_FIELDS: Final = {"items", "total", "limit", "offset", "next_cursor"}

# The `type` and `title` of each kind of problem the API answers with.
PROBLEMS: Final = {
    "malformed-json": (400, "Bad Request"),
    "not-found": (404, "Not Found"),
    "method-not-allowed": (405, "Method Not Allowed"),
    "idempotency-key-in-use": (409, "Conflict"),
    "conflict": (409, "Conflict"),
    "precondition-failed": (412, "Precondition Failed"),
    "content-too-large": (413, "Content Too Large"),
    "unsupported-media-type": (415, "Unsupported Media Type"),
    "invalid-input": (422, "Unprocessable Content"),
    "idempotency-key-reused": (422, "Unprocessable Content"),
    "internal-server-error": (500, "Internal Server Error"),
    "service-unavailable": (503, "Service Unavailable"),
    "overloaded": (503, "Service Unavailable"),
    "request-timeout": (408, "Request Timeout"),
    "request-header-fields-too-large": (431, "Request Header Fields Too Large"),
}


def assert_problem(
    response: httpx.Response,
    kind: str,
    *,
    instance: str,
    fields: Iterable[str] | None = None,
) -> dict[str, Any]:
    """Check that `response` is exactly the problem+json of `kind` about `instance`.

    `fields`, for a 422, are the names that `errors` must list (in any order).
    Returns the body, for any further checks.
    """
    status, title = PROBLEMS[kind]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json", response.headers
    body: dict[str, Any] = response.json()
    expected_keys = PROBLEM_FIELDS if fields is None else PROBLEM_FIELDS | {"errors"}
    assert set(body) == expected_keys, body
    assert body["type"] == f"/problems/{kind}", body
    assert body["title"] == title, body
    assert body["status"] == status
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert body["instance"] == instance, body
    assert body["request_id"] == response.headers["x-request-id"], body
    if fields is not None:
        for error in body["errors"]:
            assert set(error) == {"field", "message"}
            assert isinstance(error["message"], str)
            assert error["message"]
        named = sorted(error["field"] for error in body["errors"])
        assert named == sorted(fields), f"{named} != {sorted(fields)}: {body}"
    return body


def assert_invalid(
    response: httpx.Response, *, instance: str, fields: Iterable[str]
) -> dict[str, Any]:
    """A 422 naming exactly `fields`."""
    return assert_problem(response, "invalid-input", instance=instance, fields=fields)


async def create(client: httpx.AsyncClient, collection: str, **fields: Any) -> dict[str, Any]:
    """Create a resource in `collection`, a registered one (any other path fails the test),
    with a title unless `fields` give one."""
    fields.setdefault("title", f"A {by_collection(collection).name.lower()}")
    response = await client.post(collection, json=fields)
    assert response.status_code == 201, response.text
    resource: dict[str, Any] = response.json()
    return resource


async def create_task(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    return await create(client, "/tasks", **fields)


async def create_note(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    return await create(client, "/notes", **fields)


async def total(client: httpx.AsyncClient, collection: str) -> int:
    """How many resources the collection holds, as its first page says."""
    response = await client.get(collection)
    assert response.status_code == 200, response.text
    count: int = response.json()["total"]
    return count


async def assert_not_created(
    client: httpx.AsyncClient, collection: str, body: Any, *, fields: Iterable[str]
) -> None:
    """POSTing `body` to `collection` is a 422 naming exactly `fields`, and creates nothing."""
    response = await client.post(collection, json=body)
    assert_invalid(response, instance=collection, fields=fields)
    assert await total(client, collection) == 0
