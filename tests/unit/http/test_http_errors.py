"""Every error, from any layer, is the same problem+json shape with the documented status."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any

import httpx
import pytest
from dependency_injector import providers

from application.errors import StorageUnavailable
from entrypoints.app import create_app
from entrypoints.container import Container
from support.apps import client_of
from support.problem_checks import (
    assert_invalid,
    assert_problem,
    create,
    create_task,
    total,
)
from support.resources import every_collection

MIB = 1024 * 1024

# --- 400 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b'{"title": ',
        b'{"title": "x",}',
        b"{'title': 'x'}",
        b'{"title": "x"} trailing',
        b"not json at all",
        b'{"title": "\xff"}',
    ],
    ids=["open-brace", "cut-off", "trailing-comma", "single-quotes", "trailing", "text", "utf8"],
)
@every_collection
async def test_a_body_that_is_not_valid_json_is_a_400_malformed_json_problem(
    client: httpx.AsyncClient, collection: str, body: bytes
) -> None:
    response = await client.post(
        collection, content=body, headers={"Content-Type": "application/json"}
    )

    assert_problem(response, "malformed-json", instance=collection)
    assert await total(client, collection) == 0


async def test_a_malformed_patch_body_is_a_400_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    task = await create_task(client)

    response = await client.patch(
        "/tasks/1", content=b'{"done": tru', headers={"Content-Type": "application/json"}
    )

    assert_problem(response, "malformed-json", instance="/tasks/1")
    assert (await client.get("/tasks/1")).json() == task


@pytest.mark.parametrize(
    "body", [b"[]", b"null", b'"title"', b""], ids=["array", "null", "string", "empty"]
)
@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_a_json_body_that_is_not_an_object_is_a_422_naming_the_whole_body(
    client: httpx.AsyncClient, body: bytes, method: str
) -> None:
    # `""` is the JSON Pointer of the whole document: never `body`, a note's field.
    await create_task(client)
    path = "/tasks" if method == "POST" else "/tasks/1"
    response = await client.request(
        method, path, content=body, headers={"Content-Type": "application/json"}
    )

    assert_invalid(response, instance=path, fields=[""])
    assert await total(client, "/tasks") == 1


# --- 404 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/nope", "/task", "/tasks/1/extra", "/notes/1/tasks", "/health/nope"]
)
async def test_an_unknown_route_is_a_404_problem(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)

    assert_problem(response, "not-found", instance=path)


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@pytest.mark.parametrize(("collection", "name"), [("/tasks", "Task"), ("/notes", "Note")])
async def test_an_unknown_id_is_a_404_problem_naming_the_resource(
    client: httpx.AsyncClient, method: str, collection: str, name: str
) -> None:
    response = await client.request(
        method, f"{collection}/123", json={} if method == "PATCH" else None
    )

    body = assert_problem(response, "not-found", instance=f"{collection}/123")
    assert body["detail"] == f"{name} 123 does not exist"


@pytest.mark.parametrize(
    "resource_id",
    ["0", "-1", str(2**63 - 1), str(2**63), str(-(2**63) - 1), str(10**30)],
)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@every_collection
async def test_an_integer_id_naming_no_resource_is_a_404_even_beyond_64_bits(
    client: httpx.AsyncClient, collection: str, method: str, resource_id: str
) -> None:
    await create(client, collection)
    path = f"{collection}/{resource_id}"

    response = await client.request(method, path, json={} if method == "PATCH" else None)

    assert_problem(response, "not-found", instance=path)


@pytest.mark.parametrize("resource_id", ["abc", "1.5", "1e3", "0x10", "one"])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@pytest.mark.parametrize(("collection", "field"), [("/tasks", "task_id"), ("/notes", "note_id")])
async def test_an_id_that_is_not_an_integer_is_a_422_naming_it(
    client: httpx.AsyncClient, collection: str, field: str, method: str, resource_id: str
) -> None:
    path = f"{collection}/{resource_id}"

    response = await client.request(method, path, json={} if method == "PATCH" else None)

    assert_invalid(response, instance=path, fields=[field])


# --- 405 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/tasks", "GET, HEAD, POST, OPTIONS"),
        ("DELETE", "/tasks", "GET, HEAD, POST, OPTIONS"),
        ("PATCH", "/tasks/", "GET, HEAD, POST, OPTIONS"),
        ("PUT", "/tasks/1", "GET, HEAD, PATCH, DELETE, OPTIONS"),
        ("POST", "/tasks/1", "GET, HEAD, PATCH, DELETE, OPTIONS"),
        ("PUT", "/notes", "GET, HEAD, POST, OPTIONS"),
        ("DELETE", "/notes/", "GET, HEAD, POST, OPTIONS"),
        ("PUT", "/notes/1", "GET, HEAD, PATCH, DELETE, OPTIONS"),
        ("POST", "/notes/1", "GET, HEAD, PATCH, DELETE, OPTIONS"),
        ("POST", "/health", "GET, HEAD, OPTIONS"),
        ("DELETE", "/metrics", "GET, HEAD, OPTIONS"),
        ("POST", "/openapi.json", "GET, HEAD, OPTIONS"),
        ("DELETE", "/docs-assets/swagger-ui.css", "GET, HEAD, OPTIONS"),
        ("PUT", "/problems/not-found", "GET, HEAD, OPTIONS"),
    ],
)
async def test_a_wrong_method_is_a_405_whose_allow_lists_every_method_of_the_path(
    client: httpx.AsyncClient, method: str, path: str, allow: str
) -> None:
    response = await client.request(method, path)

    assert_problem(response, "method-not-allowed", instance=path)
    assert response.headers["allow"] == allow


# --- 413 --------------------------------------------------------------------------------


def padded_json(document: dict[str, Any], size: int) -> bytes:
    """`document` as JSON padded with white space to exactly `size` bytes."""
    text = json.dumps(document).encode()
    return text + b" " * (size - len(text))


async def chunks(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


@every_collection
async def test_a_body_over_1_mib_with_content_length_is_a_413_and_nothing_is_created(
    client: httpx.AsyncClient, collection: str
) -> None:
    body = padded_json({"title": "big"}, MIB + 1)

    response = await client.post(
        collection, content=body, headers={"Content-Type": "application/json"}
    )

    assert response.request.headers["content-length"] == str(MIB + 1)
    assert_problem(response, "content-too-large", instance=collection)
    assert await total(client, collection) == 0


@every_collection
async def test_a_streamed_body_over_1_mib_without_content_length_is_a_413_and_nothing_is_created(
    client: httpx.AsyncClient, collection: str
) -> None:
    body = padded_json({"title": "big"}, 2 * MIB)

    response = await client.post(
        collection, content=chunks(body), headers={"Content-Type": "application/json"}
    )

    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_problem(response, "content-too-large", instance=collection)
    assert await total(client, collection) == 0


async def test_a_body_of_exactly_1_mib_is_accepted(client: httpx.AsyncClient) -> None:
    body = padded_json({"title": "exactly the limit"}, MIB)

    response = await client.post(
        "/tasks", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 201


async def test_a_small_streamed_body_without_content_length_is_accepted(
    client: httpx.AsyncClient,
) -> None:
    body = padded_json({"title": "streamed"}, 200_000)

    response = await client.post(
        "/tasks", content=chunks(body, 10_000), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 201
    assert response.json()["title"] == "streamed"


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
async def test_a_patch_body_over_1_mib_is_a_413_and_changes_nothing(
    client: httpx.AsyncClient, streamed: bool
) -> None:
    task = await create_task(client)
    body = padded_json({"title": "changed"}, MIB + 100)

    response = await client.patch(
        "/tasks/1",
        content=chunks(body) if streamed else body,
        headers={"Content-Type": "application/json"},
    )

    assert_problem(response, "content-too-large", instance="/tasks/1")
    assert (await client.get("/tasks/1")).json() == task


# --- 415 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"title": "x"}', "text/plain"),
        (b"title=x", "application/x-www-form-urlencoded"),
        (
            b'--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
        (b"<title>x</title>", "application/xml"),
        (b'{"title": "x"}', None),
    ],
    ids=["text", "form", "multipart", "xml", "no-content-type"],
)
@every_collection
async def test_a_body_that_is_not_json_is_a_415_and_nothing_is_created(
    client: httpx.AsyncClient, collection: str, content: bytes, content_type: str | None
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}

    response = await client.post(collection, content=content, headers=headers)

    assert_problem(response, "unsupported-media-type", instance=collection)
    assert await total(client, collection) == 0


@pytest.mark.parametrize(
    "content_type",
    ["application/merge-patch+json", "application/vnd.foo+json", "application/problem+json"],
)
@every_collection
async def test_a_post_takes_application_json_only_not_its_variants(
    client: httpx.AsyncClient, collection: str, content_type: str
) -> None:
    response = await client.post(
        collection, content=b'{"title": "x"}', headers={"Content-Type": content_type}
    )

    assert_problem(response, "unsupported-media-type", instance=collection)
    assert await total(client, collection) == 0


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"title=changed", "application/x-www-form-urlencoded"),
        (
            b'[{"op": "replace", "path": "/title", "value": "changed"}]',
            "application/json-patch+json",
        ),
        # An object typed as a JSON Patch is not silently applied as a merge patch.
        (b'{"title": "changed"}', "application/json-patch+json"),
        (b'{"title": "changed"}', "application/vnd.foo+json"),
        (b'{"title": "changed"}', "text/plain"),
    ],
    ids=["form", "json-patch", "json-patch-object", "vendor-json", "text"],
)
@every_collection
async def test_a_patch_that_is_no_merge_patch_is_a_415_with_accept_patch_and_changes_nothing(
    client: httpx.AsyncClient, collection: str, content: bytes, content_type: str
) -> None:
    resource = await create(client, collection)
    path = f"{collection}/{resource['id']}"

    response = await client.patch(path, content=content, headers={"Content-Type": content_type})

    assert_problem(response, "unsupported-media-type", instance=path)
    assert response.headers["accept-patch"] == "application/merge-patch+json, application/json"
    assert (await client.get(path)).json() == resource


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/merge-patch+json",
        "Application/Merge-Patch+JSON; charset=utf-8",
    ],
)
async def test_a_patch_takes_json_and_merge_patch_json(
    client: httpx.AsyncClient, content_type: str
) -> None:
    await create_task(client)

    response = await client.patch(
        "/tasks/1", content=b'{"title": "changed"}', headers={"Content-Type": content_type}
    )

    assert response.status_code == 200, response.text
    assert response.json()["title"] == "changed"


# --- 422 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "fields"),
    [
        ("POST", "/tasks", {"title": 5, "tags": ["ok", "not ok"]}, ["title", "tags[1]"]),
        ("POST", "/notes", {"title": "  ", "body": 7}, ["title", "body"]),
        ("GET", "/tasks?limit=0&tag=not%20ok", None, ["limit", "tag[0]"]),
    ],
    ids=["task-body", "note-body", "query"],
)
async def test_a_422_names_every_invalid_field_of_the_request_at_once(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    fields: list[str],
) -> None:
    response = await client.request(method, path, json=body)

    assert_invalid(response, instance=path.partition("?")[0], fields=fields)


async def test_every_kind_of_invalid_field_in_one_body_is_named(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/tasks", json={"title": 5, "done": "no", "description": [], "id": 1}
    )

    assert_invalid(response, instance="/tasks", fields=["title", "done", "description", "id"])


# --- 500 and 503 ------------------------------------------------------------------------


class BrokenClock:
    def now(self) -> Any:
        raise RuntimeError("secret internals: password=hunter2 at db.internal:5432")


async def test_an_unexpected_exception_is_a_500_that_reveals_nothing_internal(
    container: Container,
) -> None:
    container.clock.override(BrokenClock())
    app = create_app(container)

    async with client_of(app, lifespan=False) as client:
        response = await client.post(
            "/tasks", json={"title": "boom"}, headers={"X-Request-ID": "trace-500"}
        )

    body = assert_problem(response, "internal-server-error", instance="/tasks")
    assert response.headers["x-request-id"] == "trace-500"
    assert body["request_id"] == "trace-500"
    for leak in ("secret", "hunter2", "db.internal", "Traceback", "RuntimeError", "clock", ".py"):
        assert leak not in response.text


class UnavailableUnitOfWork:
    """A unit of work whose database does not answer."""

    def __init__(self, **_: Any) -> None:
        pass

    async def __aenter__(self) -> UnavailableUnitOfWork:
        raise StorageUnavailable("connection refused by 10.0.0.5:5432 (secret)")

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/tasks", None),
        ("POST", "/tasks", {"title": "x"}),
        ("GET", "/tasks/1", None),
        ("PATCH", "/tasks/1", {"done": True}),
        ("DELETE", "/tasks/1", None),
        ("GET", "/notes", None),
        ("POST", "/notes", {"title": "x"}),
        ("GET", "/notes/1", None),
        ("PATCH", "/notes/1", {"body": "x"}),
        ("DELETE", "/notes/1", None),
    ],
)
async def test_an_unavailable_database_is_a_503_with_retry_after(
    container: Container, method: str, path: str, body: dict[str, Any] | None
) -> None:
    container.unit_of_work.override(providers.Factory(UnavailableUnitOfWork))
    app = create_app(container)

    async with client_of(app, lifespan=False) as client:
        response = await client.request(method, path, json=body)

    assert_problem(response, "service-unavailable", instance=path)
    assert int(response.headers["retry-after"]) > 0
    assert "10.0.0.5" not in response.text
    assert "secret" not in response.text


async def test_an_unavailable_database_is_a_503_for_an_idempotent_post_too(
    container: Container,
) -> None:
    container.unit_of_work.override(providers.Factory(UnavailableUnitOfWork))
    app = create_app(container)

    async with client_of(app, lifespan=False) as client:
        response = await client.post(
            "/tasks", json={"title": "x"}, headers={"Idempotency-Key": "retry-me"}
        )

    assert_problem(response, "service-unavailable", instance="/tasks")
    assert "retry-after" in response.headers
