"""ReDoc at /redoc, offline like /docs: its bundle served by the app, no web fonts."""

from __future__ import annotations

import re

import httpx
from prometheus_client.parser import text_string_to_metric_families

ASSET_URL = re.compile(r'(?:src|href)\s*=\s*["\']([^"\']+)')


async def test_the_redoc_page_names_no_external_url(client: httpx.AsyncClient) -> None:
    response = await client.get("/redoc")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<redoc spec-url="/openapi.json">' in page
    # FastAPI's default ReDoc page loads fonts.googleapis.com and a CDN's bundle.
    for external in ("http://", "https://", "//fonts", "googleapis", "cdn.jsdelivr", "unpkg"):
        assert external not in page
    for url in ASSET_URL.findall(page):
        assert url.startswith("/")
        assert not url.startswith("//")


async def test_every_asset_of_the_redoc_page_is_served_by_the_app(
    client: httpx.AsyncClient,
) -> None:
    page = (await client.get("/redoc")).text
    assets = ASSET_URL.findall(page)

    kinds = {}
    for url in assets:
        response = await client.get(url)
        assert response.status_code == 200, url
        kinds[url.rsplit(".", 1)[-1]] = response.headers["content-type"]

    assert set(kinds) == {"js", "png"}
    assert "javascript" in kinds["js"]
    assert kinds["png"] == "image/png"
    bundle = (await client.get("/redoc-assets/redoc.standalone.js")).text
    assert "ReDoc" in bundle
    assert len(bundle) > 500_000  # the whole standalone bundle, not a stub


async def test_the_redoc_bundle_ships_with_its_license(client: httpx.AsyncClient) -> None:
    notice = await client.get("/redoc-assets/redoc.standalone.js.LICENSE.txt")

    assert notice.status_code == 200
    assert "ReDoc" in notice.text
    assert "MIT" in notice.text


async def test_the_redoc_pages_are_kept_out_of_the_schema(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    assert not [path for path in paths if "redoc" in path]


async def test_redoc_requests_are_counted_under_bounded_routes(client: httpx.AsyncClient) -> None:
    await client.get("/redoc")
    await client.get("/redoc-assets/redoc.standalone.js")
    await client.get("/redoc-assets/no-such-file.js")

    routes = {
        (sample.labels["route"], sample.labels["status"])
        for family in text_string_to_metric_families((await client.get("/metrics")).text)
        for sample in family.samples
        if sample.name == "http_requests_total"
    }

    assert ("/redoc", "200") in routes
    assert ("/redoc-assets/{path}", "200") in routes
    assert ("/redoc-assets/{path}", "404") in routes
    assert not [route for route, _ in routes if "standalone" in route or "no-such" in route]
