"""HEAD wherever GET is answered, OPTIONS on every known path, and `Allow` listing both."""

from __future__ import annotations

import httpx
import pytest

from support.problem_checks import assert_problem, create_note, create_task

ACCEPT_PATCH = "application/merge-patch+json, application/json"

GET_PATHS = [
    "/tasks",
    "/tasks/",
    "/tasks/1",
    "/tasks?limit=1&sort=-title",
    "/notes",
    "/notes/1",
    "/health",
    "/health/ready",
    "/openapi.json",
    "/docs",
    "/docs-assets/swagger-ui.css",
    "/problems/not-found",
    "/tasks/999",
    "/tasks/abc",
]


@pytest.mark.parametrize("path", GET_PATHS)
async def test_head_answers_as_get_does_without_the_body(
    client: httpx.AsyncClient, path: str
) -> None:
    await create_task(client)
    await create_task(client)
    await create_note(client)

    got = await client.get(path)
    head = await client.head(path)

    assert head.status_code == got.status_code
    assert head.content == b""
    ignored = {"x-request-id"}
    assert {k: v for k, v in head.headers.items() if k not in ignored} == {
        k: v for k, v in got.headers.items() if k not in ignored
    }


async def test_head_honours_if_none_match(client: httpx.AsyncClient) -> None:
    await create_task(client)

    response = await client.head("/tasks/1", headers={"If-None-Match": '"1"'})

    assert response.status_code == 304
    assert response.headers["etag"] == '"1"'
    assert response.content == b""


async def test_head_on_an_unknown_path_is_a_404_without_a_body(client: httpx.AsyncClient) -> None:
    response = await client.head("/nope")

    assert response.status_code == 404
    assert response.content == b""


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/tasks", "GET, HEAD, POST, OPTIONS"),
        ("/tasks/", "GET, HEAD, POST, OPTIONS"),
        ("/notes", "GET, HEAD, POST, OPTIONS"),
        ("/health", "GET, HEAD, OPTIONS"),
        ("/metrics", "GET, HEAD, OPTIONS"),
        ("/openapi.json", "GET, HEAD, OPTIONS"),
        ("/docs", "GET, HEAD, OPTIONS"),
        ("/docs-assets/swagger-ui.css", "GET, HEAD, OPTIONS"),
        ("/problems/not-found", "GET, HEAD, OPTIONS"),
    ],
)
async def test_options_is_a_204_listing_the_methods_of_the_path(
    client: httpx.AsyncClient, path: str, allow: str
) -> None:
    response = await client.options(path)

    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["allow"] == allow
    assert "accept-patch" not in response.headers


@pytest.mark.parametrize("path", ["/tasks/1", "/notes/7"])
async def test_options_on_a_resource_also_names_the_patch_body_types(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.options(path)

    assert response.status_code == 204
    assert response.headers["allow"] == "GET, HEAD, PATCH, DELETE, OPTIONS"
    assert response.headers["accept-patch"] == ACCEPT_PATCH
    assert "x-request-id" in response.headers


async def test_options_on_an_unknown_path_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.options("/nope")

    assert_problem(response, "not-found", instance="/nope")
