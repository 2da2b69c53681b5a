"""What every resource's endpoints do alike, over the memory adapter, run once per
registered resource: create, get, patch and delete, and the input rules they share.

What is a resource's own (its fields' defaults, normalisation and limits) is in
its own file (`test_http_tasks.py`, `test_http_notes.py`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import httpx
import pytest

from support.clock import SteppingClock
from support.problem_checks import assert_invalid, assert_not_created, assert_problem, create, total
from support.resources import SAMPLES, Sample, every_resource

# --- POST /{collection} ----------------------------------------------------------------


@every_resource
async def test_creating_answers_201_with_location_etag_and_the_resource(
    client: httpx.AsyncClient, resource: Sample
) -> None:
    response = await client.post(resource.collection, json=resource.body)

    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    assert response.headers["location"] == resource.item(1)
    assert response.headers["etag"] == '"1"'
    assert response.json() == {
        "id": 1,
        **resource.body,
        "created_at": "2026-11-24T07:00:00.123456Z",
        "updated_at": "2026-11-24T07:00:00.123456Z",
        "version": 1,
    }


@every_resource
async def test_one_created_with_only_a_title_has_every_field_at_version_1(
    client: httpx.AsyncClient, resource: Sample
) -> None:
    created = await create(client, resource.collection, title="Just a title")

    assert set(created) == resource.fields
    assert created["title"] == "Just a title"
    assert created["version"] == 1
    assert created["created_at"] == created["updated_at"]


@every_resource
async def test_successive_ones_get_increasing_ids_and_their_own_location(
    client: httpx.AsyncClient, resource: Sample
) -> None:
    first = await client.post(resource.collection, json={"title": "one"})
    second = await client.post(resource.collection, json={"title": "two"})

    assert first.json()["id"] < second.json()["id"]
    assert second.headers["location"] == resource.item(second.json()["id"])


@every_resource
async def test_each_resource_has_ids_of_its_own(
    client: httpx.AsyncClient, resource: Sample
) -> None:
    for other in SAMPLES:
        if other is not resource:
            await create(client, other.collection)

    created = await create(client, resource.collection)

    assert created["id"] == 1
    assert_problem(await client.get(resource.item(2)), "not-found", instance=resource.item(2))


@every_resource
@pytest.mark.parametrize("slash", ["", "/"], ids=["bare", "slash"])
async def test_both_collection_paths_create_directly_without_a_redirect(
    client: httpx.AsyncClient, resource: Sample, slash: str
) -> None:
    response = await client.post(resource.collection + slash, json={"title": "No redirect"})

    assert response.status_code == 201
    assert response.json()["title"] == "No redirect"


@every_resource
@pytest.mark.parametrize("slash", ["", "/"], ids=["bare", "slash"])
async def test_both_collection_paths_list_directly_without_a_redirect(
    client: httpx.AsyncClient, resource: Sample, slash: str
) -> None:
    await create(client, resource.collection)

    response = await client.get(resource.collection + slash)

    assert response.status_code == 200
    assert response.json()["total"] == 1


@every_resource
async def test_timestamps_always_have_six_fraction_digits_even_when_they_are_zeros(
    client: httpx.AsyncClient, clock: SteppingClock, resource: Sample
) -> None:
    clock.current = datetime(2026, 11, 24, 7, 0, 0, tzinfo=UTC)
    clock.step = timedelta(0)

    created = await create(client, resource.collection, title="On the second")
    listed = (await client.get(resource.collection)).json()["items"][0]

    for representation in (created, listed):
        assert representation["created_at"] == "2026-11-24T07:00:00.000000Z"
        assert representation["updated_at"] == "2026-11-24T07:00:00.000000Z"


# --- GET /{collection}/{id} -------------------------------------------------------------


@every_resource
async def test_getting_one_returns_it_with_its_etag(
    client: httpx.AsyncClient, resource: Sample
) -> None:
    created = await create(client, resource.collection, **resource.body)

    response = await client.get(resource.item(created["id"]))

    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json() == created


@every_resource
async def test_getting_an_unknown_one_is_a_404_problem_naming_it(
    client: httpx.AsyncClient, resource: Sample
) -> None:
    response = await client.get(resource.item(42))

    body = assert_problem(response, "not-found", instance=resource.item(42))
    assert body["detail"] == f"{resource.name} 42 does not exist"


# --- PATCH /{collection}/{id} -----------------------------------------------------------


@every_resource
async def test_patching_changes_only_the_fields_given_and_bumps_version_and_etag(
    client: httpx.AsyncClient, resource: Sample
) -> None:
    created = await create(client, resource.collection)
    change = resource.changes[0]

    response = await client.patch(resource.item(created["id"]), json=change)

    assert response.status_code == 200
    assert response.headers["etag"] == '"2"'
    patched = response.json()
    assert set(patched) == resource.fields
    assert {k: patched[k] for k in change} == change
    assert patched["version"] == 2
    assert patched["updated_at"] > created["updated_at"]
    unchanged = resource.fields - {*change, "updated_at", "version"}
    assert {k: patched[k] for k in unchanged} == {k: created[k] for k in unchanged}
    assert (await client.get(resource.item(created["id"]))).json() == patched


@every_resource
async def test_an_empty_patch_changes_nothing(client: httpx.AsyncClient, resource: Sample) -> None:
    created = await create(client, resource.collection)

    response = await client.patch(resource.item(created["id"]), json={})

    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json() == created


@every_resource
@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/merge-patch+json", "application/json; charset=utf-8"],
)
async def test_patch_accepts_json_and_merge_patch_json(
    client: httpx.AsyncClient, resource: Sample, content_type: str
) -> None:
    created = await create(client, resource.collection, title="Before")

    response = await client.patch(
        resource.item(created["id"]),
        content=b'{"title": "After"}',
        headers={"Content-Type": content_type},
    )

    assert response.status_code == 200
    assert response.json()["title"] == "After"


@every_resource
async def test_updated_at_strictly_increases_with_microseconds_even_if_the_clock_stands_still(
    client: httpx.AsyncClient, clock: SteppingClock, resource: Sample
) -> None:
    created = await create(client, resource.collection, title="v1")
    clock.step = timedelta(0)

    stamps = [created["updated_at"]]
    for title in ("v2", "v3", "v4"):
        response = await client.patch(resource.item(created["id"]), json={"title": title})
        stamps.append(response.json()["updated_at"])

    moments = [datetime.fromisoformat(stamp) for stamp in stamps]
    assert all(earlier < later for earlier, later in pairwise(moments))
    assert all(moment.utcoffset() == timedelta(0) for moment in moments)
    assert moments[-1] - moments[1] == timedelta(microseconds=2)


@every_resource
async def test_patching_an_unknown_one_is_a_404(
    client: httpx.AsyncClient, resource: Sample
) -> None:
    response = await client.patch(resource.item(99), json=resource.changes[0])

    assert_problem(response, "not-found", instance=resource.item(99))


# --- DELETE /{collection}/{id} ----------------------------------------------------------


@every_resource
async def test_deleting_answers_204_with_no_body_and_it_is_gone(
    client: httpx.AsyncClient, resource: Sample
) -> None:
    created = await create(client, resource.collection)
    item = resource.item(created["id"])

    response = await client.delete(item)

    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers
    assert_problem(await client.get(item), "not-found", instance=item)
    assert_problem(await client.delete(item), "not-found", instance=item)
    assert await total(client, resource.collection) == 0


@every_resource
async def test_deleting_an_unknown_one_is_a_404(
    client: httpx.AsyncClient, resource: Sample
) -> None:
    response = await client.delete(resource.item(5))

    assert_problem(response, "not-found", instance=resource.item(5))


# --- input rules ------------------------------------------------------------------------

_SERVER_OWNED: list[dict[str, Any]] = [
    {"id": 7},
    {"created_at": "2020-01-01T00:00:00Z"},
    {"updated_at": "2020-01-01T00:00:00Z"},
    {"version": 9},
    {"owner": "mallory"},
]


@every_resource
async def test_a_field_the_schema_does_not_accept_is_a_422_naming_it_and_changes_nothing(
    client: httpx.AsyncClient, resource: Sample
) -> None:
    existing = await create(client, resource.collection)

    for extra in [*_SERVER_OWNED, *resource.foreign_fields]:
        created = await client.post(resource.collection, json={"title": "t", **extra})
        patched = await client.patch(resource.item(existing["id"]), json=extra)

        assert_invalid(created, instance=resource.collection, fields=list(extra))
        assert_invalid(patched, instance=resource.item(existing["id"]), fields=list(extra))
    assert await total(client, resource.collection) == 1
    assert (await client.get(resource.item(existing["id"]))).json() == existing


@every_resource
async def test_a_patch_naming_server_owned_fields_is_a_422_naming_each_and_changes_nothing(
    client: httpx.AsyncClient, resource: Sample
) -> None:
    created = await create(client, resource.collection)
    item = resource.item(created["id"])
    server_owned = {"id": 99, "created_at": "2020-01-01T00:00:00Z", "version": 50}

    response = await client.patch(item, json={**server_owned, **resource.changes[0]})

    assert_invalid(response, instance=item, fields=list(server_owned))
    assert (await client.get(item)).json() == created


@every_resource
@pytest.mark.parametrize(
    "body",
    [{"title": 5}, {"title": ["a"]}, {"title": None}, {}],
    ids=["number", "list", "null", "missing"],
)
async def test_creating_with_a_wrong_type_or_missing_title_is_a_422_naming_it(
    client: httpx.AsyncClient, resource: Sample, body: dict[str, Any]
) -> None:
    await assert_not_created(client, resource.collection, body, fields=["title"])


@every_resource
@pytest.mark.parametrize(
    "title",
    ["", "   ", "\t\n", "x" * 201, " " + "x" * 201 + " "],
    ids=["empty", "blank", "white-space", "201-chars", "201-chars-padded"],
)
async def test_an_empty_blank_or_too_long_title_is_a_422(
    client: httpx.AsyncClient, resource: Sample, title: str
) -> None:
    response = await client.post(resource.collection, json={"title": title})

    assert_invalid(response, instance=resource.collection, fields=["title"])


@every_resource
async def test_a_title_of_200_characters_after_trimming_is_accepted(
    client: httpx.AsyncClient, resource: Sample
) -> None:
    created = await create(client, resource.collection, title="  " + "x" * 200 + "  ")

    assert created["title"] == "x" * 200


@every_resource
@pytest.mark.parametrize("title", ["nul\x00inside", "\x00"], ids=["inside", "only-nul"])
async def test_a_nul_character_in_the_title_is_a_422_and_nothing_is_created(
    client: httpx.AsyncClient, resource: Sample, title: str
) -> None:
    await assert_not_created(client, resource.collection, {"title": title}, fields=["title"])


@every_resource
async def test_null_for_a_field_that_cannot_be_null_is_a_422_and_changes_nothing(
    client: httpx.AsyncClient, resource: Sample
) -> None:
    created = await create(client, resource.collection, **resource.body)
    item = resource.item(created["id"])

    for field in set(resource.body) - resource.nullable:
        response = await client.patch(item, json={field: None})

        assert_invalid(response, instance=item, fields=[field])
    assert (await client.get(item)).json() == created


@every_resource
@pytest.mark.parametrize("title", [5, "  ", "bad\x00"], ids=["number", "blank", "nul"])
async def test_an_invalid_title_in_a_patch_is_a_422_and_changes_nothing(
    client: httpx.AsyncClient, resource: Sample, title: object
) -> None:
    created = await create(client, resource.collection)
    item = resource.item(created["id"])

    response = await client.patch(item, json={"title": title})

    assert_invalid(response, instance=item, fields=["title"])
    assert (await client.get(item)).json() == created
