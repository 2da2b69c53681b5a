"""What only /notes does, over the memory adapter: its body's default, exactness and limit.
What every resource does alike is in `test_http_resources.py`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from support.problem_checks import assert_invalid, assert_not_created, create_note

# --- POST /notes ----------------------------------------------------------------------


async def test_a_note_created_with_only_a_title_has_an_empty_body(
    client: httpx.AsyncClient,
) -> None:
    note = await create_note(client, title="  Trimmed  ")

    assert note["title"] == "Trimmed"
    assert note["body"] == ""


async def test_a_note_body_is_kept_exactly_as_sent(client: httpx.AsyncClient) -> None:
    body = "  leading and trailing space stay  \n\tUnicode: ✓ 🚀 \\ % _"

    note = await create_note(client, body=body)

    assert note["body"] == body


# --- PATCH /notes/{id} ------------------------------------------------------------------


async def test_patching_the_body_with_an_empty_string_empties_it(
    client: httpx.AsyncClient,
) -> None:
    created = await create_note(client, body="something")

    response = await client.patch(f"/notes/{created['id']}", json={"body": ""})

    assert response.json()["body"] == ""


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


# --- input rules ------------------------------------------------------------------------


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
    await assert_not_created(client, "/notes", body, fields=[field])


async def test_a_body_may_hold_50000_characters_but_not_more(client: httpx.AsyncClient) -> None:
    accepted = await client.post("/notes", json={"title": "t", "body": "b" * 50_000})
    refused = await client.post("/notes", json={"title": "t", "body": "b" * 50_001})

    assert accepted.status_code == 201
    assert_invalid(refused, instance="/notes", fields=["body"])
