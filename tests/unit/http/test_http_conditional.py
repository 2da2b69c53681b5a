"""ETags, If-None-Match and If-Match over HTTP (RFC 9110 §8.8.3, §13.1)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from support.headers import request_header
from support.problem_checks import assert_problem, create
from support.resources import COLLECTIONS, by_collection, every_collection


async def created_at_version_2(client: httpx.AsyncClient, collection: str) -> dict[str, object]:
    """A resource changed once, so its ETag is "2"."""
    resource = await create(client, collection)
    response = await client.patch(
        f"{collection}/{resource['id']}", json=by_collection(collection).changes[0]
    )
    assert response.headers["etag"] == '"2"'
    changed: dict[str, object] = response.json()
    return changed


# --- ETag -------------------------------------------------------------------------------


@every_collection
async def test_the_etag_is_the_version_as_a_strong_tag_on_every_representation(
    client: httpx.AsyncClient, collection: str
) -> None:
    resource = await create(client, collection)
    path = f"{collection}/{resource['id']}"

    etags = [(await client.get(path)).headers["etag"]]
    for change in by_collection(collection).changes:
        patched = await client.patch(path, json=change)
        etags.append(patched.headers["etag"])
        assert patched.headers["etag"] == f'"{patched.json()["version"]}"'
    etags.append((await client.get(path)).headers["etag"])

    assert etags == ['"1"', '"2"', '"3"', '"3"']


# --- If-None-Match ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ['"2"', 'W/"2"', '"7", "2"', 'W/"1",W/"2"', '  "2"  ', "*"],
    ids=["strong", "weak", "list", "weak-list", "spaces", "star"],
)
@every_collection
async def test_if_none_match_with_the_current_etag_is_a_304_with_the_etag_and_no_body(
    client: httpx.AsyncClient, collection: str, header: str
) -> None:
    resource = await created_at_version_2(client, collection)

    response = await client.get(f"{collection}/{resource['id']}", headers={"If-None-Match": header})

    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == '"2"'
    assert "x-request-id" in response.headers


@pytest.mark.parametrize(
    "header",
    ['"1"', 'W/"1"', '"1", "3"', "2", '"02"', "garbage"],
    ids=["stale", "weak-stale", "stale-list", "unquoted", "leading-zero", "malformed"],
)
@every_collection
async def test_if_none_match_without_the_current_etag_returns_the_resource(
    client: httpx.AsyncClient, collection: str, header: str
) -> None:
    resource = await created_at_version_2(client, collection)

    response = await client.get(f"{collection}/{resource['id']}", headers={"If-None-Match": header})

    assert response.status_code == 200
    assert response.headers["etag"] == '"2"'
    assert response.json() == resource


async def test_if_none_match_on_an_unknown_resource_is_a_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/tasks/9", headers={"If-None-Match": "*"})

    assert_problem(response, "not-found", instance="/tasks/9")


# --- If-Match on PATCH ------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ['"2"', '"9", "2"', '"2",W/"3"', "*", " * "],
    ids=["current", "list", "with-weak", "star", "star-spaces"],
)
@every_collection
async def test_a_patch_whose_if_match_matches_is_applied(
    client: httpx.AsyncClient, collection: str, header: str
) -> None:
    resource = await created_at_version_2(client, collection)

    response = await client.patch(
        f"{collection}/{resource['id']}",
        json=by_collection(collection).changes[1],
        headers={"If-Match": header},
    )

    assert response.status_code == 200
    assert response.headers["etag"] == '"3"'
    assert response.json()["version"] == 3


@pytest.mark.parametrize(
    "header",
    [
        '"1"',
        '"3"',
        '"1", "3"',
        'W/"2"',
        'W/"1", W/"2"',
        "2",
        '"2',
        "W/2",
        "garbage",
        '"2" garbage',
        '"02"',
        '"+2"',
        '"２"'.encode(),
        "",
        '"' + "1" * 5000 + '"',
    ],
    ids=[
        "stale",
        "future",
        "stale-list",
        "weak-current",
        "weak-list",
        "unquoted",
        "unterminated",
        "weak-unquoted",
        "garbage",
        "trailing-garbage",
        "leading-zero",
        "plus-sign",
        "fullwidth-digit",
        "empty",
        "5000-digits",
    ],
)
@every_collection
async def test_a_patch_whose_if_match_does_not_match_strongly_is_a_412_and_changes_nothing(
    client: httpx.AsyncClient, collection: str, header: str | bytes
) -> None:
    resource = await created_at_version_2(client, collection)
    path = f"{collection}/{resource['id']}"

    response = await client.patch(
        path, json=by_collection(collection).changes[1], headers=request_header("If-Match", header)
    )

    assert_problem(response, "precondition-failed", instance=path)
    # The current ETag, so that the client can re-read and retry knowingly.
    assert response.headers["etag"] == '"2"'
    after = await client.get(path)
    assert after.json() == resource
    assert after.headers["etag"] == '"2"'


async def test_if_match_is_checked_even_when_the_patch_would_change_nothing(
    client: httpx.AsyncClient,
) -> None:
    resource = await created_at_version_2(client, "/tasks")

    stale = await client.patch("/tasks/1", json={}, headers={"If-Match": '"1"'})
    current = await client.patch("/tasks/1", json={}, headers={"If-Match": '"2"'})

    assert_problem(stale, "precondition-failed", instance="/tasks/1")
    assert current.status_code == 200
    assert current.json() == resource


async def test_an_if_match_on_an_unknown_resource_is_a_404(client: httpx.AsyncClient) -> None:
    patched = await client.patch("/tasks/9", json={"done": True}, headers={"If-Match": "*"})
    deleted = await client.delete("/notes/9", headers={"If-Match": '"1"'})

    assert_problem(patched, "not-found", instance="/tasks/9")
    assert_problem(deleted, "not-found", instance="/notes/9")


async def test_a_client_can_chain_patches_with_each_new_etag(client: httpx.AsyncClient) -> None:
    resource = await create(client, "/tasks")
    etag = (await client.get(f"/tasks/{resource['id']}")).headers["etag"]

    for title in ("one", "two", "three"):
        response = await client.patch(
            f"/tasks/{resource['id']}", json={"title": title}, headers={"If-Match": etag}
        )
        assert response.status_code == 200
        etag = response.headers["etag"]

    assert etag == '"4"'


@every_collection
async def test_of_two_concurrent_patches_with_the_same_if_match_exactly_one_succeeds(
    client: httpx.AsyncClient, collection: str
) -> None:
    resource = await create(client, collection)
    path = f"{collection}/{resource['id']}"

    responses = await asyncio.gather(
        *(
            client.patch(path, json=change, headers={"If-Match": '"1"'})
            for change in by_collection(collection).changes
        )
    )

    assert sorted(r.status_code for r in responses) == [200, 412]
    winner = next(r for r in responses if r.status_code == 200)
    assert (await client.get(path)).json() == winner.json()


# --- If-Match on DELETE -----------------------------------------------------------------


@pytest.mark.parametrize("header", ['"1"', 'W/"2"', '"3"', "garbage"])
@every_collection
async def test_a_delete_whose_if_match_does_not_match_is_a_412_and_deletes_nothing(
    client: httpx.AsyncClient, collection: str, header: str
) -> None:
    resource = await created_at_version_2(client, collection)
    path = f"{collection}/{resource['id']}"

    response = await client.delete(path, headers={"If-Match": header})

    assert_problem(response, "precondition-failed", instance=path)
    assert (await client.get(path)).json() == resource


@pytest.mark.parametrize("header", ['"2"', '"1", "2"', "*"])
@every_collection
async def test_a_delete_whose_if_match_matches_deletes(
    client: httpx.AsyncClient, collection: str, header: str
) -> None:
    resource = await created_at_version_2(client, collection)
    path = f"{collection}/{resource['id']}"

    response = await client.delete(path, headers={"If-Match": header})

    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await client.get(path), "not-found", instance=path)


@pytest.mark.parametrize("path", COLLECTIONS, ids=str)
async def test_an_invalid_change_is_a_422_before_the_resource_is_looked_at(
    client: httpx.AsyncClient, path: str
) -> None:
    created = await client.post(path, json={"title": "kept"})
    item = f"{path}/{created.json()['id']}"

    stale = await client.patch(item, json={"title": "   "}, headers={"If-Match": '"9"'})
    missing = await client.patch(f"{path}/999999", json={"title": "   "})

    assert (stale.status_code, missing.status_code) == (422, 422)
    assert (await client.get(item)).json()["title"] == "kept"


async def test_an_if_match_with_empty_list_elements_matches_the_tag_it_names(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/tasks", json={"title": "one"})

    response = await client.patch("/tasks/1", json={"done": True}, headers={"If-Match": ', "1"'})

    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
