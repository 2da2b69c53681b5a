"""GET /tasks and GET /notes: parameters, filters, sorting, offset and cursor paging, Link."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from support.problem_checks import PAGE_FIELDS, assert_invalid, create_note, create_task

_LINK = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')


def next_link(response: httpx.Response) -> httpx.URL | None:
    """The absolute URL of the `rel="next"` link, or None without a Link header."""
    header = response.headers.get("link")
    if header is None:
        return None
    match = _LINK.match(header)
    assert match is not None, header
    url = httpx.URL(match["url"])
    assert url.is_absolute_url, header
    return url


def ids(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def create_tasks(client: httpx.AsyncClient, count: int, **fields: Any) -> list[int]:
    return [(await create_task(client, title=f"task {i}", **fields))["id"] for i in range(count)]


# --- parameter errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=-5", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("offset=1.5", "offset"),
        ("sort=bogus", "sort"),
        ("sort=--id", "sort"),
        ("sort=ID", "sort"),
        ("sort=description", "sort"),
        ("done=maybe", "done"),
        ("done=True", "done"),
        ("done=1", "done"),
        ("with_total=maybe", "with_total"),
        ("with_total=yes", "with_total"),
        ("q=", "q"),
        ("q=" + "a" * 101, "q"),
        ("q=a%00b", "q"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=", "cursor"),
        ("cursor=%C3%A9t%C3%A9", "cursor"),
        ("cursor=" + "A" * 1025, "cursor"),
        ("tag=not%20ok", "tag[0]"),
        ("tag=ok&tag=bad!", "tag[1]"),
        ("tag=" + "x" * 51, "tag[0]"),
        ("&".join(f"tag=t{i}" for i in range(21)), "tag"),
    ],
    ids=lambda value: value if len(value) < 30 else value[:27] + "...",
)
async def test_an_invalid_task_list_parameter_is_a_422_naming_it(
    client: httpx.AsyncClient, query: str, field: str
) -> None:
    response = await client.get(f"/tasks?{query}")

    assert_invalid(response, instance="/tasks", fields=[field])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("offset=-1", "offset"),
        ("sort=bogus", "sort"),
        ("with_total=maybe", "with_total"),
        ("q=", "q"),
        ("q=" + "n" * 101, "q"),
        ("q=%00", "q"),
        ("cursor=garbage", "cursor"),
    ],
    ids=lambda value: value if len(value) < 30 else value[:27] + "...",
)
async def test_an_invalid_note_list_parameter_is_a_422_naming_it(
    client: httpx.AsyncClient, query: str, field: str
) -> None:
    response = await client.get(f"/notes?{query}")

    assert_invalid(response, instance="/notes", fields=[field])


async def test_several_invalid_list_parameters_are_all_named(client: httpx.AsyncClient) -> None:
    response = await client.get("/tasks?limit=0&offset=-1&sort=bogus&done=maybe&q=")

    assert_invalid(response, instance="/tasks", fields=["limit", "offset", "sort", "done", "q"])


@pytest.mark.parametrize("query", ["limit=1", "limit=100", "offset=0", "q=" + "a" * 100])
async def test_list_parameters_at_their_bounds_are_accepted(
    client: httpx.AsyncClient, query: str
) -> None:
    response = await client.get(f"/tasks?{query}")

    assert response.status_code == 200


async def first_cursor(client: httpx.AsyncClient, path: str = "/tasks?limit=1") -> str:
    response = await client.get(path)
    cursor = response.json()["next_cursor"]
    assert isinstance(cursor, str)
    return cursor


async def test_a_tampered_cursor_is_a_422(client: httpx.AsyncClient) -> None:
    await create_tasks(client, 3)
    cursor = await first_cursor(client)
    middle = len(cursor) // 2
    tampered = cursor[:middle] + ("A" if cursor[middle] != "A" else "B") + cursor[middle + 1 :]

    response = await client.get("/tasks", params={"limit": 1, "cursor": tampered})

    assert_invalid(response, instance="/tasks", fields=["cursor"])


async def test_a_truncated_cursor_is_a_422(client: httpx.AsyncClient) -> None:
    await create_tasks(client, 3)
    cursor = await first_cursor(client)

    response = await client.get("/tasks", params={"limit": 1, "cursor": cursor[:-3]})

    assert_invalid(response, instance="/tasks", fields=["cursor"])


async def test_a_cursor_combined_with_an_offset_is_a_422_naming_offset(
    client: httpx.AsyncClient,
) -> None:
    await create_tasks(client, 3)
    cursor = await first_cursor(client)

    response = await client.get("/tasks", params={"limit": 1, "cursor": cursor, "offset": 0})

    assert_invalid(response, instance="/tasks", fields=["offset"])


@pytest.mark.parametrize(
    "other",
    [
        {"sort": "id"},
        {"sort": "-title"},
        {"done": "true"},
        {"tag": "other"},
        {"q": "task"},
    ],
    ids=repr,
)
async def test_a_cursor_used_with_other_filters_or_sort_is_a_422(
    client: httpx.AsyncClient, other: dict[str, str]
) -> None:
    await create_tasks(client, 3)
    cursor = await first_cursor(client)

    response = await client.get("/tasks", params={"limit": 1, "cursor": cursor, **other})

    assert_invalid(response, instance="/tasks", fields=["cursor"])


async def test_a_task_cursor_is_refused_by_the_note_list(client: httpx.AsyncClient) -> None:
    await create_tasks(client, 3)
    for _ in range(3):
        await create_note(client)
    cursor = await first_cursor(client)

    response = await client.get("/notes", params={"limit": 1, "cursor": cursor})

    assert_invalid(response, instance="/notes", fields=["cursor"])


# --- pages ------------------------------------------------------------------------------


async def test_an_empty_list_is_a_last_page_with_no_link(client: httpx.AsyncClient) -> None:
    response = await client.get("/tasks")

    assert response.status_code == 200
    assert response.json() == {
        "items": [],
        "total": 0,
        "limit": 20,
        "offset": 0,
        "next_cursor": None,
    }
    assert "link" not in response.headers


async def test_the_default_page_lists_newest_first_with_the_exact_total(
    client: httpx.AsyncClient,
) -> None:
    created = await create_tasks(client, 3)

    response = await client.get("/tasks")

    page = response.json()
    assert set(page) == PAGE_FIELDS
    assert ids(response) == list(reversed(created))
    assert (page["total"], page["limit"], page["offset"], page["next_cursor"]) == (3, 20, 0, None)
    assert "link" not in response.headers


async def test_list_items_are_the_full_resources(client: httpx.AsyncClient) -> None:
    task = await create_task(client, title="Full", description="d", tags=["x"])
    note = await create_note(client, title="Full", body="b")

    assert (await client.get("/tasks")).json()["items"] == [task]
    assert (await client.get("/notes")).json()["items"] == [note]


async def test_offset_pages_give_exact_totals_and_link_to_the_next_offset(
    client: httpx.AsyncClient,
) -> None:
    created = await create_tasks(client, 5)

    first = await client.get("/tasks?limit=2")
    middle = await client.get("/tasks?limit=2&offset=2")
    last = await client.get("/tasks?limit=2&offset=4")

    assert ids(first) + ids(middle) + ids(last) == list(reversed(created))
    assert [r.json()["total"] for r in (first, middle, last)] == [5, 5, 5]
    assert [r.json()["offset"] for r in (first, middle, last)] == [0, 2, 4]
    assert next_link(first) == httpx.URL("http://testserver/tasks?limit=2&offset=2")
    assert next_link(middle) == httpx.URL("http://testserver/tasks?limit=2&offset=4")
    assert next_link(last) is None
    assert first.json()["next_cursor"] is not None
    assert last.json()["next_cursor"] is None


async def test_a_page_that_exactly_ends_the_list_has_no_next_cursor_and_no_link(
    client: httpx.AsyncClient,
) -> None:
    await create_tasks(client, 4)

    response = await client.get("/tasks?limit=2&offset=2")

    assert len(ids(response)) == 2
    assert response.json()["next_cursor"] is None
    assert "link" not in response.headers


async def test_an_offset_past_the_end_is_an_empty_page_with_the_total(
    client: httpx.AsyncClient,
) -> None:
    await create_tasks(client, 2)

    response = await client.get("/tasks?offset=10")

    assert response.json()["items"] == []
    assert response.json()["total"] == 2
    assert response.json()["next_cursor"] is None


@pytest.mark.parametrize("sort", ["-id", "id", "title", "-title", "created_at", "-updated_at"])
async def test_cursor_pages_walk_the_whole_list_once_with_a_null_total(
    client: httpx.AsyncClient, sort: str
) -> None:
    for title in ("b", "a", "c", "a", "b"):
        await create_task(client, title=title)
    everything = ids(await client.get("/tasks", params={"sort": sort}))
    first = await client.get("/tasks", params={"sort": sort, "limit": 2})

    seen = ids(first)
    cursor = first.json()["next_cursor"]
    totals, offsets = [], []
    while cursor is not None:
        page = await client.get("/tasks", params={"sort": sort, "limit": 2, "cursor": cursor})
        seen += ids(page)
        totals.append(page.json()["total"])
        offsets.append(page.json()["offset"])
        cursor = page.json()["next_cursor"]

    assert seen == everything
    assert totals == [None, None]
    assert offsets == [0, 0]


async def test_with_total_true_counts_the_matches_in_cursor_mode(
    client: httpx.AsyncClient,
) -> None:
    await create_tasks(client, 5)
    cursor = await first_cursor(client, "/tasks?limit=2")

    counted = await client.get(
        "/tasks", params={"limit": 2, "cursor": cursor, "with_total": "true"}
    )
    uncounted = await client.get(
        "/tasks", params={"limit": 2, "cursor": cursor, "with_total": "false"}
    )

    assert counted.json()["total"] == 5
    assert uncounted.json()["total"] is None
    assert ids(counted) == ids(uncounted)


async def test_an_offset_page_next_cursor_continues_where_that_page_ends(
    client: httpx.AsyncClient,
) -> None:
    await create_tasks(client, 7)
    offset_page = await client.get("/tasks?limit=2&offset=2")

    cursor_page = await client.get(
        "/tasks", params={"limit": 2, "cursor": offset_page.json()["next_cursor"]}
    )

    assert ids(cursor_page) == ids(await client.get("/tasks?limit=2&offset=4"))


async def test_the_cursor_mode_link_carries_the_next_cursor_and_no_offset(
    client: httpx.AsyncClient,
) -> None:
    await create_tasks(client, 5)
    cursor = await first_cursor(client, "/tasks?limit=2")

    response = await client.get("/tasks", params={"limit": 2, "cursor": cursor})

    link = next_link(response)
    assert link is not None
    assert link.params.get("cursor") == response.json()["next_cursor"]
    assert "offset" not in link.params
    assert link.params.get("limit") == "2"


async def test_the_next_link_keeps_every_filter_the_sort_and_the_limit(
    client: httpx.AsyncClient,
) -> None:
    for i in range(4):
        await create_task(client, title=f"Ship {i}", tags=["backend", "urgent"])
    await create_task(client, title="Ship but untagged")
    query = "q=ship&done=false&tag=backend&tag=urgent&sort=-title&limit=1"

    response = await client.get(f"/tasks?{query}")

    link = next_link(response)
    assert link is not None
    assert (link.scheme, link.host, link.path) == ("http", "testserver", "/tasks")
    assert link.params.get_list("tag") == ["backend", "urgent"]
    assert link.params.get("q") == "ship"
    assert link.params.get("done") == "false"
    assert link.params.get("sort") == "-title"
    assert link.params.get("limit") == "1"
    assert link.params.get("offset") == "1"
    followed = await client.get(str(link))
    assert ids(followed) == ids(await client.get(f"/tasks?{query}&offset=1"))


async def test_the_next_link_re_encodes_the_other_parameters_in_their_order(
    client: httpx.AsyncClient,
) -> None:
    for i in range(3):
        await create_task(client, title=f"Été {i}", tags=["a", "b"])

    response = await client.get("/tasks?q=%C3%89t%C3%A9%20&tag=a&offset=0&tag=b&limit=1")

    # The old position goes, the new one comes last; the rest keep their order,
    # encoded as a form (`%20` as `+`).
    assert response.headers["link"] == (
        '<http://testserver/tasks?q=%C3%89t%C3%A9+&tag=a&tag=b&limit=1&offset=1>; rel="next"'
    )


async def test_following_next_links_visits_every_match_once_and_ends_without_a_link(
    client: httpx.AsyncClient,
) -> None:
    created = await create_tasks(client, 5, tags=["walk"])
    await create_task(client, title="not walked")

    seen: list[int] = []
    url: httpx.URL | None = httpx.URL("http://testserver/tasks?tag=walk&sort=id&limit=2")
    while url is not None:
        response = await client.get(str(url))
        seen += ids(response)
        url = next_link(response)

    assert seen == created


async def test_the_note_list_links_to_its_next_page_keeping_the_search(
    client: httpx.AsyncClient,
) -> None:
    for i in range(3):
        await create_note(client, title=f"note {i}", body="findme")

    response = await client.get("/notes?q=findme&limit=2")

    link = next_link(response)
    assert link is not None
    assert link.path == "/notes"
    assert link.params.get("q") == "findme"
    assert ids(await client.get(str(link))) == [1]


# --- filters ----------------------------------------------------------------------------


@pytest.mark.parametrize(("done", "expected"), [("true", [2]), ("false", [3, 1])])
async def test_done_filters_tasks_by_state(
    client: httpx.AsyncClient, done: str, expected: list[int]
) -> None:
    await create_task(client, done=False)
    await create_task(client, done=True)
    await create_task(client, done=False)

    response = await client.get(f"/tasks?done={done}")

    assert ids(response) == expected
    assert response.json()["total"] == len(expected)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tag=a", [3, 1]),
        ("tag=b", [3, 2]),
        ("tag=a&tag=b", [3]),
        ("tag=A&tag=%20b%20", [3]),
        ("tag=a&tag=b&tag=c", []),
    ],
)
async def test_repeated_tag_filters_keep_tasks_having_every_tag_named(
    client: httpx.AsyncClient, query: str, expected: list[int]
) -> None:
    await create_task(client, tags=["a"])
    await create_task(client, tags=["b"])
    await create_task(client, tags=["a", "b"])

    assert ids(await client.get(f"/tasks?{query}")) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("ship", ["Ship FastAPI", "Reship"]),
        ("SHIP", ["Ship FastAPI", "Reship"]),
        ("%", ["100% done"]),
        ("_", ["snake_case"]),
        ("\\", ["back\\slash"]),
        ("e_c", ["snake_case"]),
        ("nothing", []),
    ],
)
async def test_q_matches_task_titles_case_insensitively_and_literally(
    client: httpx.AsyncClient, q: str, expected: list[str]
) -> None:
    for title in ("Reship", "Ship FastAPI", "100% done", "snake_case", "back\\slash"):
        await create_task(client, title=title)

    response = await client.get("/tasks", params={"q": q, "sort": "title"})

    assert sorted(item["title"] for item in response.json()["items"]) == sorted(expected)


async def test_q_does_not_search_task_descriptions(client: httpx.AsyncClient) -> None:
    await create_task(client, title="plain", description="needle")

    response = await client.get("/tasks", params={"q": "needle"})

    assert response.json()["items"] == []
    assert response.json()["total"] == 0


async def test_q_matches_note_titles_or_bodies(client: httpx.AsyncClient) -> None:
    in_title = await create_note(client, title="Needle here", body="")
    in_body = await create_note(client, title="plain", body="a NEEDLE inside")
    await create_note(client, title="plain", body="hay")

    response = await client.get("/notes", params={"q": "needle"})

    assert ids(response) == [in_body["id"], in_title["id"]]


async def test_filters_combine(client: httpx.AsyncClient) -> None:
    await create_task(client, title="ship a", done=True, tags=["x"])
    wanted = await create_task(client, title="ship b", done=False, tags=["x"])
    await create_task(client, title="ship c", done=False, tags=["y"])
    await create_task(client, title="other", done=False, tags=["x"])

    response = await client.get("/tasks?q=ship&done=false&tag=x")

    assert ids(response) == [wanted["id"]]


# --- sort -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", ["B", "Z", "a", "b", "é"]),
        ("-title", ["é", "b", "a", "Z", "B"]),
    ],
)
async def test_title_sort_compares_by_code_point(
    client: httpx.AsyncClient, sort: str, expected: list[str]
) -> None:
    for title in ("b", "é", "B", "a", "Z"):
        await create_task(client, title=title)

    response = await client.get(f"/tasks?sort={sort}")

    assert [item["title"] for item in response.json()["items"]] == expected


@pytest.mark.parametrize(("sort", "expected"), [("title", [1, 2, 3]), ("-title", [3, 2, 1])])
async def test_ties_are_broken_by_id_in_the_direction_of_the_sort(
    client: httpx.AsyncClient, sort: str, expected: list[int]
) -> None:
    for _ in range(3):
        await create_task(client, title="same")

    assert ids(await client.get(f"/tasks?sort={sort}")) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("id", [1, 2, 3]),
        ("-id", [3, 2, 1]),
        ("created_at", [1, 2, 3]),
        ("-created_at", [3, 2, 1]),
        ("updated_at", [2, 3, 1]),
        ("-updated_at", [1, 3, 2]),
    ],
)
async def test_each_sort_key_orders_ascending_or_descending(
    client: httpx.AsyncClient, sort: str, expected: list[int]
) -> None:
    await create_tasks(client, 3)
    await client.patch("/tasks/1", json={"done": True})

    assert ids(await client.get(f"/tasks?sort={sort}")) == expected


async def test_notes_sort_like_tasks(client: httpx.AsyncClient) -> None:
    for title in ("b", "a", "c"):
        await create_note(client, title=title)

    response = await client.get("/notes?sort=title")

    assert [item["title"] for item in response.json()["items"]] == ["a", "b", "c"]
    assert ids(await client.get("/notes")) == [3, 2, 1]
