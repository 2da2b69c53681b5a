"""Every problem `type` resolves on the service to a short description of that problem."""

from __future__ import annotations

import httpx
import pytest

from entrypoints.http.problems import TYPES
from support.problem_checks import PROBLEMS, assert_problem


def test_every_problem_the_api_answers_with_has_a_documented_type() -> None:
    assert set(PROBLEMS) <= set(TYPES)


@pytest.mark.parametrize("name", sorted(TYPES))
async def test_a_problem_type_resolves_to_its_description_as_json(
    client: httpx.AsyncClient, name: str
) -> None:
    response = await client.get(f"/problems/{name}")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"type", "title", "status", "description"}
    assert body["type"] == f"/problems/{name}"
    assert body["status"] == TYPES[name][0]
    assert body["description"] == TYPES[name][1]
    if name in PROBLEMS:
        assert (body["status"], body["title"]) == PROBLEMS[name]


async def test_a_browser_gets_the_problem_type_as_a_page(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/problems/precondition-failed",
        headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "412 Precondition Failed" in response.text
    assert "ETag" in response.text


async def test_the_type_of_a_problem_body_resolves(client: httpx.AsyncClient) -> None:
    problem = (await client.get("/tasks/42")).json()

    response = await client.get(problem["type"])

    assert response.status_code == 200
    assert response.json()["status"] == 404


async def test_an_unknown_problem_type_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/problems/no-such-thing")

    assert_problem(response, "not-found", instance="/problems/no-such-thing")
