"""The /tasks endpoints over the memory adapter: create, get, patch, delete, and input rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import httpx
import pytest

from support.clock import SteppingClock
from support.problem_checks import (
    TASK_FIELDS,
    assert_invalid,
    assert_problem,
    create_task,
    total,
)

# --- POST /tasks ----------------------------------------------------------------------


async def test_creating_a_task_answers_201_with_location_etag_and_the_resource(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/tasks",
        json={
            "title": "Ship FastAPI CRUD",
            "description": "Add async SQLAlchemy + migrations",
            "done": False,
            "tags": ["backend", "urgent"],
        },
    )

    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    assert response.headers["location"] == "/tasks/1"
    assert response.headers["etag"] == '"1"'
    assert response.json() == {
        "id": 1,
        "title": "Ship FastAPI CRUD",
        "description": "Add async SQLAlchemy + migrations",
        "done": False,
        "tags": ["backend", "urgent"],
        "created_at": "2026-11-24T07:00:00.123456Z",
        "updated_at": "2026-11-24T07:00:00.123456Z",
        "version": 1,
    }


async def test_a_task_created_with_only_a_title_gets_the_documented_defaults(
    client: httpx.AsyncClient,
) -> None:
    task = await create_task(client, title="Just a title")

    assert set(task) == TASK_FIELDS
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


async def test_successive_tasks_get_increasing_ids_and_their_own_location(
    client: httpx.AsyncClient,
) -> None:
    first = await client.post("/tasks", json={"title": "one"})
    second = await client.post("/tasks", json={"title": "two"})

    assert first.json()["id"] < second.json()["id"]
    assert second.headers["location"] == f"/tasks/{second.json()['id']}"


async def test_text_fields_accept_any_unicode_other_than_nul(client: httpx.AsyncClient) -> None:
    task = await create_task(client, title="Überprüfen 日本語 🚀", description="naïve — “quoted”")

    fetched = (await client.get(f"/tasks/{task['id']}")).json()
    assert fetched["title"] == "Überprüfen 日本語 🚀"
    assert fetched["description"] == "naïve — “quoted”"


@pytest.mark.parametrize("path", ["/tasks", "/tasks/"])
async def test_both_collection_paths_create_directly_without_a_redirect(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.post(path, json={"title": "No redirect"})

    assert response.status_code == 201
    assert response.json()["title"] == "No redirect"


@pytest.mark.parametrize("path", ["/tasks", "/tasks/"])
async def test_both_collection_paths_list_directly_without_a_redirect(
    client: httpx.AsyncClient, path: str
) -> None:
    await create_task(client)

    response = await client.get(path)

    assert response.status_code == 200
    assert response.json()["total"] == 1


# --- GET /tasks/{id} --------------------------------------------------------------------


async def test_getting_a_task_returns_it_with_its_etag(client: httpx.AsyncClient) -> None:
    created = await create_task(client, title="Read me", tags=["x"])

    response = await client.get(f"/tasks/{created['id']}")

    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json() == created


async def test_getting_an_unknown_task_is_a_404_problem_naming_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/tasks/42")

    body = assert_problem(response, "not-found", instance="/tasks/42")
    assert body["detail"] == "Task 42 does not exist"


# --- PATCH /tasks/{id} ------------------------------------------------------------------


async def test_patching_changes_only_the_fields_given_and_bumps_version_and_etag(
    client: httpx.AsyncClient,
) -> None:
    created = await create_task(client, title="Keep me", description="keep", tags=["keep"])

    response = await client.patch(f"/tasks/{created['id']}", json={"done": True})

    assert response.status_code == 200
    assert response.headers["etag"] == '"2"'
    patched = response.json()
    assert set(patched) == TASK_FIELDS
    assert patched["done"] is True
    assert patched["version"] == 2
    assert patched["updated_at"] > created["updated_at"]
    unchanged = {"id", "title", "description", "tags", "created_at"}
    assert {k: patched[k] for k in unchanged} == {k: created[k] for k in unchanged}
    assert (await client.get(f"/tasks/{created['id']}")).json() == patched


async def test_patching_description_with_null_clears_it(client: httpx.AsyncClient) -> None:
    created = await create_task(client, description="to be cleared")

    response = await client.patch(f"/tasks/{created['id']}", json={"description": None})

    assert response.status_code == 200
    assert response.json()["description"] is None
    assert response.json()["version"] == 2


@pytest.mark.parametrize("field", ["title", "done", "tags"])
async def test_null_for_a_field_that_cannot_be_null_is_a_422_and_changes_nothing(
    client: httpx.AsyncClient, field: str
) -> None:
    created = await create_task(client, tags=["kept"])

    response = await client.patch(f"/tasks/{created['id']}", json={field: None})

    assert_invalid(response, instance=f"/tasks/{created['id']}", fields=[field])
    assert (await client.get(f"/tasks/{created['id']}")).json() == created


async def test_an_empty_patch_changes_nothing(client: httpx.AsyncClient) -> None:
    created = await create_task(client)

    response = await client.patch(f"/tasks/{created['id']}", json={})

    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json() == created


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


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/merge-patch+json", "application/json; charset=utf-8"],
)
async def test_patch_accepts_json_and_merge_patch_json(
    client: httpx.AsyncClient, content_type: str
) -> None:
    created = await create_task(client, title="Before")

    response = await client.patch(
        f"/tasks/{created['id']}",
        content=b'{"title": "After"}',
        headers={"Content-Type": content_type},
    )

    assert response.status_code == 200
    assert response.json()["title"] == "After"


async def test_updated_at_strictly_increases_with_microseconds_even_if_the_clock_stands_still(
    client: httpx.AsyncClient, clock: SteppingClock
) -> None:
    created = await create_task(client, title="v1")
    clock.step = timedelta(0)

    stamps = [created["updated_at"]]
    for title in ("v2", "v3", "v4"):
        response = await client.patch(f"/tasks/{created['id']}", json={"title": title})
        stamps.append(response.json()["updated_at"])

    moments = [datetime.fromisoformat(stamp) for stamp in stamps]
    assert all(earlier < later for earlier, later in pairwise(moments))
    assert all(moment.utcoffset() == timedelta(0) for moment in moments)
    assert moments[-1] - moments[1] == timedelta(microseconds=2)


@pytest.mark.parametrize("collection", ["/tasks", "/notes"])
async def test_timestamps_always_have_six_fraction_digits_even_when_they_are_zeros(
    client: httpx.AsyncClient, clock: SteppingClock, collection: str
) -> None:
    clock.current = datetime(2026, 11, 24, 7, 0, 0, tzinfo=UTC)
    clock.step = timedelta(0)

    created = (await client.post(collection, json={"title": "On the second"})).json()
    listed = (await client.get(collection)).json()["items"][0]

    for resource in (created, listed):
        assert resource["created_at"] == "2026-11-24T07:00:00.000000Z"
        assert resource["updated_at"] == "2026-11-24T07:00:00.000000Z"


async def test_patching_an_unknown_task_is_a_404(client: httpx.AsyncClient) -> None:
    response = await client.patch("/tasks/99", json={"done": True})

    assert_problem(response, "not-found", instance="/tasks/99")


# --- DELETE /tasks/{id} -----------------------------------------------------------------


async def test_deleting_a_task_answers_204_with_no_body_and_the_task_is_gone(
    client: httpx.AsyncClient,
) -> None:
    created = await create_task(client)

    response = await client.delete(f"/tasks/{created['id']}")

    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers
    assert_problem(await client.get(f"/tasks/{created['id']}"), "not-found", instance="/tasks/1")
    assert await total(client, "/tasks") == 0


async def test_deleting_an_unknown_task_is_a_404(client: httpx.AsyncClient) -> None:
    response = await client.delete("/tasks/5")

    assert_problem(response, "not-found", instance="/tasks/5")


# --- input rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {"id": 7},
        {"created_at": "2020-01-01T00:00:00Z"},
        {"updated_at": "2020-01-01T00:00:00Z"},
        {"version": 9},
        {"owner": "mallory"},
        {"body": "a note's field"},
    ],
    ids=lambda extra: next(iter(extra)),
)
async def test_creating_with_a_field_the_schema_does_not_accept_is_a_422_naming_it(
    client: httpx.AsyncClient, extra: dict[str, Any]
) -> None:
    response = await client.post("/tasks", json={"title": "Mass assignment", **extra})

    assert_invalid(response, instance="/tasks", fields=list(extra))
    assert await total(client, "/tasks") == 0


async def test_patching_server_owned_fields_is_a_422_naming_each_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    created = await create_task(client)

    response = await client.patch(
        f"/tasks/{created['id']}",
        json={"id": 99, "created_at": "2020-01-01T00:00:00Z", "version": 50, "done": True},
    )

    assert_invalid(
        response, instance=f"/tasks/{created['id']}", fields=["id", "created_at", "version"]
    )
    assert (await client.get(f"/tasks/{created['id']}")).json() == created


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
    response = await client.post("/tasks", json=body)

    assert_invalid(response, instance="/tasks", fields=[field])
    assert await total(client, "/tasks") == 0


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
    response = await client.post("/tasks", json=body)

    assert_invalid(response, instance="/tasks", fields=[field])
    assert await total(client, "/tasks") == 0


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


@pytest.mark.parametrize(
    "title",
    ["", "   ", "\t\n", "x" * 201, " " + "x" * 201 + " "],
    ids=["empty", "blank", "white-space", "201-chars", "201-chars-padded"],
)
async def test_an_empty_blank_or_too_long_title_is_a_422(
    client: httpx.AsyncClient, title: str
) -> None:
    response = await client.post("/tasks", json={"title": title})

    assert_invalid(response, instance="/tasks", fields=["title"])


async def test_a_title_of_200_characters_after_trimming_is_accepted(
    client: httpx.AsyncClient,
) -> None:
    task = await create_task(client, title="  " + "x" * 200 + "  ")

    assert task["title"] == "x" * 200


async def test_a_description_may_hold_10000_characters_but_not_more(
    client: httpx.AsyncClient,
) -> None:
    accepted = await client.post("/tasks", json={"title": "t", "description": "d" * 10_000})
    refused = await client.post("/tasks", json={"title": "t", "description": "d" * 10_001})

    assert accepted.status_code == 201
    assert_invalid(refused, instance="/tasks", fields=["description"])


async def test_a_blank_title_in_a_patch_is_a_422(client: httpx.AsyncClient) -> None:
    created = await create_task(client)

    response = await client.patch(f"/tasks/{created['id']}", json={"title": "  "})

    assert_invalid(response, instance=f"/tasks/{created['id']}", fields=["title"])
