"""The /notes endpoints over the memory adapter: create, get, patch, delete, and input rules."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from support.problem_checks import NOTE_FIELDS, assert_invalid, assert_problem, create_note, total

# --- POST /notes ----------------------------------------------------------------------


async def test_creating_a_note_answers_201_with_location_etag_and_the_resource(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/notes", json={"title": "Hello", "body": "World"})

    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    assert response.headers["location"] == "/notes/1"
    assert response.headers["etag"] == '"1"'
    assert response.json() == {
        "id": 1,
        "title": "Hello",
        "body": "World",
        "created_at": "2026-11-24T07:00:00.123456Z",
        "updated_at": "2026-11-24T07:00:00.123456Z",
        "version": 1,
    }


async def test_a_note_created_with_only_a_title_has_an_empty_body(
    client: httpx.AsyncClient,
) -> None:
    note = await create_note(client, title="  Trimmed  ")

    assert set(note) == NOTE_FIELDS
    assert note["title"] == "Trimmed"
    assert note["body"] == ""


async def test_a_note_body_is_kept_exactly_as_sent(client: httpx.AsyncClient) -> None:
    body = "  leading and trailing space stay  \n\tUnicode: ✓ 🚀 \\ % _"

    note = await create_note(client, body=body)

    assert note["body"] == body


@pytest.mark.parametrize("path", ["/notes", "/notes/"])
async def test_both_collection_paths_create_directly_without_a_redirect(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.post(path, json={"title": "No redirect"})

    assert response.status_code == 201


@pytest.mark.parametrize("path", ["/notes", "/notes/"])
async def test_both_collection_paths_list_directly_without_a_redirect(
    client: httpx.AsyncClient, path: str
) -> None:
    await create_note(client)

    response = await client.get(path)

    assert response.status_code == 200
    assert response.json()["total"] == 1


# --- GET /notes/{id} --------------------------------------------------------------------


async def test_getting_a_note_returns_it_with_its_etag(client: httpx.AsyncClient) -> None:
    created = await create_note(client, body="text")

    response = await client.get(f"/notes/{created['id']}")

    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json() == created


async def test_getting_an_unknown_note_is_a_404_problem_naming_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/notes/7")

    body = assert_problem(response, "not-found", instance="/notes/7")
    assert body["detail"] == "Note 7 does not exist"


async def test_notes_and_tasks_have_separate_ids(client: httpx.AsyncClient) -> None:
    await client.post("/tasks", json={"title": "a task"})

    note = await create_note(client)

    assert note["id"] == 1
    assert_problem(await client.get("/notes/2"), "not-found", instance="/notes/2")


# --- PATCH /notes/{id} ------------------------------------------------------------------


async def test_patching_the_body_leaves_the_title_and_bumps_the_version(
    client: httpx.AsyncClient,
) -> None:
    created = await create_note(client, title="Title", body="old")

    response = await client.patch(f"/notes/{created['id']}", json={"body": "new"})

    assert response.status_code == 200
    assert response.headers["etag"] == '"2"'
    patched = response.json()
    assert patched["title"] == "Title"
    assert patched["body"] == "new"
    assert patched["version"] == 2
    assert patched["updated_at"] > created["updated_at"]
    assert patched["created_at"] == created["created_at"]


async def test_patching_the_body_with_an_empty_string_empties_it(
    client: httpx.AsyncClient,
) -> None:
    created = await create_note(client, body="something")

    response = await client.patch(f"/notes/{created['id']}", json={"body": ""})

    assert response.json()["body"] == ""


@pytest.mark.parametrize("field", ["title", "body"])
async def test_null_for_title_or_body_is_a_422_and_changes_nothing(
    client: httpx.AsyncClient, field: str
) -> None:
    created = await create_note(client, body="kept")

    response = await client.patch(f"/notes/{created['id']}", json={field: None})

    assert_invalid(response, instance=f"/notes/{created['id']}", fields=[field])
    assert (await client.get(f"/notes/{created['id']}")).json() == created


async def test_an_empty_patch_changes_nothing(client: httpx.AsyncClient) -> None:
    created = await create_note(client)

    response = await client.patch(f"/notes/{created['id']}", json={})

    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json() == created


async def test_a_patch_equal_after_trimming_the_title_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    created = await create_note(client, title="Same", body="same")

    response = await client.patch(
        f"/notes/{created['id']}", json={"title": "\u00a0Same ", "body": "same"}
    )

    assert response.json() == created


async def test_a_body_differing_only_in_white_space_is_a_change(
    client: httpx.AsyncClient,
) -> None:
    created = await create_note(client, body="same")

    response = await client.patch(f"/notes/{created['id']}", json={"body": "same "})

    assert response.json()["body"] == "same "
    assert response.json()["version"] == 2


async def test_patch_accepts_merge_patch_json(client: httpx.AsyncClient) -> None:
    created = await create_note(client)

    response = await client.patch(
        f"/notes/{created['id']}",
        content=b'{"body": "merged"}',
        headers={"Content-Type": "application/merge-patch+json"},
    )

    assert response.status_code == 200
    assert response.json()["body"] == "merged"


async def test_patching_an_unknown_note_is_a_404(client: httpx.AsyncClient) -> None:
    response = await client.patch("/notes/3", json={"body": "x"})

    assert_problem(response, "not-found", instance="/notes/3")


# --- DELETE /notes/{id} -----------------------------------------------------------------


async def test_deleting_a_note_answers_204_with_no_body_and_the_note_is_gone(
    client: httpx.AsyncClient,
) -> None:
    created = await create_note(client)

    response = await client.delete(f"/notes/{created['id']}")

    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await client.get("/notes/1"), "not-found", instance="/notes/1")
    assert_problem(await client.delete("/notes/1"), "not-found", instance="/notes/1")


# --- input rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {"id": 1},
        {"created_at": "2020-01-01T00:00:00Z"},
        {"updated_at": "2020-01-01T00:00:00Z"},
        {"version": 3},
        {"tags": ["a"]},
        {"done": True},
    ],
    ids=lambda extra: next(iter(extra)),
)
async def test_a_field_notes_do_not_have_is_a_422_naming_it(
    client: httpx.AsyncClient, extra: dict[str, Any]
) -> None:
    existing = await create_note(client)

    created = await client.post("/notes", json={"title": "t", **extra})
    patched = await client.patch(f"/notes/{existing['id']}", json=extra)

    assert_invalid(created, instance="/notes", fields=list(extra))
    assert_invalid(patched, instance=f"/notes/{existing['id']}", fields=list(extra))
    assert await total(client, "/notes") == 1
    assert (await client.get(f"/notes/{existing['id']}")).json() == existing


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": 5}, "title"),
        ({"title": ["a"]}, "title"),
        ({"title": "t", "body": 5}, "body"),
        ({"title": "t", "body": None}, "body"),
        ({"body": "no title"}, "title"),
    ],
    ids=repr,
)
async def test_creating_with_a_wrong_type_or_missing_title_is_a_422_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await client.post("/notes", json=body)

    assert_invalid(response, instance="/notes", fields=[field])


@pytest.mark.parametrize(
    ("body", "field"),
    [({"title": "a\x00b"}, "title"), ({"title": "t", "body": "a\x00b"}, "body")],
    ids=["title", "body"],
)
async def test_a_nul_character_is_a_422_and_nothing_is_created(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await client.post("/notes", json=body)

    assert_invalid(response, instance="/notes", fields=[field])
    assert await total(client, "/notes") == 0


async def test_a_body_may_hold_50000_characters_but_not_more(client: httpx.AsyncClient) -> None:
    accepted = await client.post("/notes", json={"title": "t", "body": "b" * 50_000})
    refused = await client.post("/notes", json={"title": "t", "body": "b" * 50_001})

    assert accepted.status_code == 201
    assert_invalid(refused, instance="/notes", fields=["body"])


@pytest.mark.parametrize("title", ["", " \n ", "x" * 201], ids=["empty", "blank", "too-long"])
async def test_an_empty_blank_or_too_long_title_is_a_422(
    client: httpx.AsyncClient, title: str
) -> None:
    response = await client.post("/notes", json={"title": title})

    assert_invalid(response, instance="/notes", fields=["title"])
