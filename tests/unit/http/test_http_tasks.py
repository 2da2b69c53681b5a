"""What only /tasks does, over the memory adapter: its fields' defaults, normalisation and
limits. What every resource does alike is in `test_http_resources.py`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from support.problem_checks import (
    assert_invalid,
    assert_not_created,
    create_task,
)

# --- POST /tasks ----------------------------------------------------------------------


async def test_a_task_created_with_only_a_title_gets_the_documented_defaults(
    client: httpx.AsyncClient,
) -> None:
    task = await create_task(client, title="Just a title")

    assert task["description"] is None
    assert task["done"] is False
    assert task["tags"] == []
    assert task["version"] == 1
    assert task["created_at"] == task["updated_at"]


async def test_creating_a_task_trims_the_title_and_lowercases_merges_and_sorts_tags(
    client: httpx.AsyncClient,
) -> None:
    task = await create_task(
        client, title="  \t Ship it \u3000", tags=["Urgent", " backend ", "URGENT", "a_b-1"]
    )

    assert task["title"] == "Ship it"
    assert task["tags"] == ["a_b-1", "backend", "urgent"]


async def test_text_fields_accept_any_unicode_other_than_nul(client: httpx.AsyncClient) -> None:
    task = await create_task(client, title="Überprüfen 日本語 🚀", description="naïve — “quoted”")

    fetched = (await client.get(f"/tasks/{task['id']}")).json()
    assert fetched["title"] == "Überprüfen 日本語 🚀"
    assert fetched["description"] == "naïve — “quoted”"


# --- PATCH /tasks/{id} ------------------------------------------------------------------


async def test_patching_description_with_null_clears_it(client: httpx.AsyncClient) -> None:
    created = await create_task(client, description="to be cleared")

    response = await client.patch(f"/tasks/{created['id']}", json={"description": None})

    assert response.status_code == 200
    assert response.json()["description"] is None
    assert response.json()["version"] == 2


async def test_a_patch_equal_after_normalisation_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    created = await create_task(
        client, title="Ship it", description="as is", done=True, tags=["backend", "urgent"]
    )

    response = await client.patch(
        f"/tasks/{created['id']}",
        json={
            "title": "  Ship it\n",
            "description": "as is",
            "done": True,
            "tags": ["URGENT", " backend", "urgent"],
        },
    )

    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json() == created


async def test_tags_in_a_patch_replace_the_whole_set(client: httpx.AsyncClient) -> None:
    created = await create_task(client, tags=["old", "shared"])

    response = await client.patch(f"/tasks/{created['id']}", json={"tags": ["shared", "new"]})

    assert response.json()["tags"] == ["new", "shared"]


async def test_patching_tags_with_an_empty_list_removes_them_all(
    client: httpx.AsyncClient,
) -> None:
    created = await create_task(client, tags=["a", "b"])

    response = await client.patch(f"/tasks/{created['id']}", json={"tags": []})

    assert response.json()["tags"] == []
    assert response.json()["version"] == 2


# --- input rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": 5}, "title"),
        ({"title": "ok", "done": "yes"}, "done"),
        ({"title": "ok", "done": "true"}, "done"),
        ({"title": "ok", "done": 1}, "done"),
        ({"title": "ok", "description": 5}, "description"),
        ({"title": "ok", "tags": "urgent"}, "tags"),
        ({"title": "ok", "tags": {"a": 1}}, "tags"),
        ({"title": "ok", "tags": ["fine", 3]}, "tags[1]"),
        ({"title": None}, "title"),
        ({"description": "no title"}, "title"),
    ],
    ids=lambda value: repr(value) if isinstance(value, dict) else value,
)
async def test_creating_with_a_wrong_type_or_missing_title_is_a_422_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    await assert_not_created(client, "/tasks", body, fields=[field])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": 5}, "title"),
        ({"done": "yes"}, "done"),
        ({"done": 0}, "done"),
        ({"description": False}, "description"),
        ({"tags": "urgent"}, "tags"),
    ],
    ids=repr,
)
async def test_patching_with_a_wrong_type_is_a_422_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    created = await create_task(client)

    response = await client.patch(f"/tasks/{created['id']}", json=body)

    assert_invalid(response, instance=f"/tasks/{created['id']}", fields=[field])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "nul\x00inside"}, "title"),
        ({"title": "\x00"}, "title"),
        ({"title": "ok", "description": "nul\x00inside"}, "description"),
    ],
    ids=["title", "title-only-nul", "description"],
)
async def test_a_nul_character_in_a_text_field_is_a_422_and_nothing_is_created(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    await assert_not_created(client, "/tasks", body, fields=[field])


@pytest.mark.parametrize("field", ["title", "description"])
async def test_a_nul_character_in_a_patch_is_a_422_and_changes_nothing(
    client: httpx.AsyncClient, field: str
) -> None:
    created = await create_task(client)

    response = await client.patch(f"/tasks/{created['id']}", json={field: "bad\x00"})

    assert_invalid(response, instance=f"/tasks/{created['id']}", fields=[field])
    assert (await client.get(f"/tasks/{created['id']}")).json() == created


@pytest.mark.parametrize(
    ("tags", "fields"),
    [
        (["ok", "fine", "not ok"], ["tags[2]"]),
        (["ok", "fine", ""], ["tags[2]"]),
        (["ok", "fine", "x" * 51], ["tags[2]"]),
        (["ok", "fine", "émoji"], ["tags[2]"]),
        (["bad!", "ok", "also bad"], ["tags[0]", "tags[2]"]),
        ([f"t{i}" for i in range(21)], ["tags"]),
    ],
    ids=["space", "empty", "too-long", "non-ascii", "two-bad", "too-many"],
)
async def test_an_invalid_tag_is_named_by_its_position_in_the_list(
    client: httpx.AsyncClient, tags: list[str], fields: list[str]
) -> None:
    response = await client.post("/tasks", json={"title": "Tagged", "tags": tags})

    assert_invalid(response, instance="/tasks", fields=fields)


async def test_tags_at_their_limits_are_accepted(client: httpx.AsyncClient) -> None:
    tags = ["x" * 50, *(f"t{i:02}" for i in range(19))]

    task = await create_task(client, tags=tags)

    assert task["tags"] == sorted(tags)


async def test_a_description_may_hold_10000_characters_but_not_more(
    client: httpx.AsyncClient,
) -> None:
    accepted = await client.post("/tasks", json={"title": "t", "description": "d" * 10_000})
    refused = await client.post("/tasks", json={"title": "t", "description": "d" * 10_001})

    assert accepted.status_code == 201
    assert_invalid(refused, instance="/tasks", fields=["description"])
