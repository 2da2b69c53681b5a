"""The HTTP API end to end on SQLite and PostgreSQL, through the real container and migrations."""

from __future__ import annotations

import httpx


async def test_create_list_search_patch_and_delete(api: httpx.AsyncClient) -> None:
    created = await api.post("/tasks", json={"title": "Ship FastAPI CRUD", "tags": ["Backend"]})
    assert created.status_code == 201
    task = created.json()
    assert created.headers["location"] == f"/tasks/{task['id']}"
    await api.post("/tasks", json={"title": "Write docs", "done": True})

    found = await api.get("/tasks", params={"q": "fastapi", "tag": "backend"})
    assert [t["id"] for t in found.json()["items"]] == [task["id"]]
    assert found.json()["total"] == 1

    patched = await api.patch(
        f"/tasks/{task['id']}", json={"done": True}, headers={"If-Match": created.headers["etag"]}
    )
    assert patched.status_code == 200
    assert patched.json()["version"] == 2
    assert patched.headers["etag"] == '"2"'

    stale = await api.delete(f"/tasks/{task['id']}", headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert (await api.delete(f"/tasks/{task['id']}")).status_code == 204
    assert (await api.get(f"/tasks/{task['id']}")).status_code == 404


async def test_paging_by_link_header_walks_the_whole_list(api: httpx.AsyncClient) -> None:
    for n in range(7):
        await api.post("/notes", json={"title": f"note {n}", "body": "paged" if n % 2 else ""})

    seen: list[str] = []
    url: str | None = "/notes?limit=2&sort=title&q=paged"
    while url:
        response = await api.get(url)
        assert response.status_code == 200
        seen.extend(note["title"] for note in response.json()["items"])
        link = response.headers.get("link")
        url = link[1 : link.index(">")] if link else None

    assert seen == ["note 1", "note 3", "note 5"]


async def test_unstorable_text_is_a_422_on_real_databases(api: httpx.AsyncClient) -> None:
    for path, body in [
        ("/tasks", {"title": "a\u0000b"}),
        ("/notes", {"title": "t", "body": "\u0000"}),
    ]:
        response = await api.post(path, json=body)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
    assert (await api.get("/tasks", params={"q": "\u0000"})).status_code == 422
    assert (await api.get("/tasks")).json()["total"] == 0


async def test_ids_beyond_64_bits_are_not_found_on_real_databases(api: httpx.AsyncClient) -> None:
    for task_id in (2**63 - 1, 2**63, 10**30):
        assert (await api.get(f"/tasks/{task_id}")).status_code == 404
        assert (await api.patch(f"/tasks/{task_id}", json={})).status_code == 404
        assert (await api.delete(f"/notes/{task_id}")).status_code == 404


async def test_readiness_checks_the_database(api: httpx.AsyncClient) -> None:
    response = await api.get("/health/ready")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})
