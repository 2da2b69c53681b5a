"""`DirectRoute` answers every request exactly as FastAPI's own `APIRoute` does.

The same endpoints are served twice, once by each route class, and every request
(well-formed or not) must get the same status, headers and body from both.
"""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from entrypoints.app import create_app
from entrypoints.container import Container
from entrypoints.http.direct_route import DirectRoute
from entrypoints.http.routers import add_routes
from support.settings import isolated_settings

calls: list[str] = []


async def counted(request: Request) -> str:
    """A dependency asked for twice by one endpoint: called once per request."""
    calls.append(request.url.path)
    return "dependency"


async def no_teapots(brew: Annotated[str | None, Query()] = None) -> None:
    if brew == "tea":
        raise HTTPException(418, "I'm a teapot", headers={"X-Pot": "tea"})


class Paging(BaseModel):
    limit: int
    kinds: list[str]


async def paging(
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    kind: Annotated[list[str] | None, Query(max_length=2)] = None,
) -> Paging:
    return Paging(limit=limit, kinds=kind or [])


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=10)
    size: int = 1


class ItemOut(BaseModel):
    id: int
    name: str
    size: int
    seen: str


def endpoints(route_class: type[APIRoute]) -> FastAPI:
    router = APIRouter(prefix="/items", route_class=route_class, dependencies=[Depends(no_teapots)])

    @router.get("/{item_id}", response_model=ItemOut)
    async def get_item(
        item_id: int,
        response: Response,
        first: Annotated[str, Depends(counted)],
        second: Annotated[str, Depends(counted)],
        if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
    ) -> Any:
        if if_none_match == '"1"':
            return Response(status_code=304)
        response.headers["ETag"] = '"1"'
        return ItemOut(id=item_id, name="thing", size=1, seen=f"{first}/{second}")

    @router.get("")
    async def list_items(page: Annotated[Paging, Depends(paging)]) -> Paging:
        return page

    @router.post("", status_code=201)
    async def create_item(item: ItemIn, response: Response) -> ItemOut:
        if item.size > 100:
            response.status_code = 202
        return ItemOut(id=1, name=item.name, size=item.size, seen="created")

    @router.delete("/{item_id}", status_code=204, response_class=Response)
    async def delete_item(item_id: int) -> None:
        return None

    app = FastAPI()
    add_routes(
        app, router
    )  # as the service adds its routes: FastAPI's inclusion would rebuild them
    return app


REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/items/7", {}),
    ("GET", "/items/7", {"headers": {"If-None-Match": '"1"'}}),
    ("GET", "/items/seven", {}),
    ("GET", "/items/7?brew=tea", {}),
    ("GET", "/items", {}),
    ("GET", "/items?limit=5&kind=a&kind=b", {}),
    ("GET", "/items?limit=0", {}),
    ("GET", "/items?limit=x&kind=a&kind=b&kind=c", {}),
    ("POST", "/items", {"json": {"name": "box"}}),
    ("POST", "/items", {"json": {"name": "crate", "size": 500}}),
    ("POST", "/items", {"json": {"name": ""}}),
    ("POST", "/items", {"json": ["not", "an", "object"]}),
    ("POST", "/items", {}),
    (
        "POST",
        "/items",
        {"content": b"{'name': 1}", "headers": {"Content-Type": "application/json"}},
    ),
    ("POST", "/items", {"content": b'{"name": "box"}', "headers": {"Content-Type": "text/plain"}}),
    (
        "POST",
        "/items",
        {
            "content": b'{"name": "box"}',
            "headers": {"Content-Type": "application/json; charset=utf-8"},
        },
    ),
    ("POST", "/items?brew=tea", {"json": {"name": "box"}}),
    ("DELETE", "/items/7", {}),
    ("DELETE", "/items/x", {}),
]


@pytest.fixture(scope="module")
def apps() -> tuple[FastAPI, FastAPI]:
    direct = endpoints(DirectRoute)
    # Else the comparison would be FastAPI's route against itself.
    planned = [route.direct for route in direct.router.routes if isinstance(route, DirectRoute)]
    assert planned == [True] * 4
    return endpoints(APIRoute), direct


async def answer(app: FastAPI, method: str, url: str, options: dict[str, Any]) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        return await client.request(method, url, **options)


@pytest.mark.parametrize(("method", "url", "options"), REQUESTS)
async def test_every_request_gets_what_fastapis_own_route_answers(
    apps: tuple[FastAPI, FastAPI], method: str, url: str, options: dict[str, Any]
) -> None:
    framework, direct = apps
    expected = await answer(framework, method, url, options)
    got = await answer(direct, method, url, options)
    assert (got.status_code, got.headers.multi_items(), got.content) == (
        expected.status_code,
        expected.headers.multi_items(),
        expected.content,
    )


async def test_a_dependency_asked_for_twice_is_called_once_per_request(
    apps: tuple[FastAPI, FastAPI],
) -> None:
    calls.clear()
    response = await answer(apps[1], "GET", "/items/3", {})
    assert response.json()["seen"] == "dependency/dependency"
    assert calls == ["/items/3"]


def test_the_plan_covers_every_route_of_the_service_but_the_form_posts() -> None:
    container = Container()
    container.settings.override(isolated_settings())
    routes = [
        route for route in create_app(container).router.routes if isinstance(route, DirectRoute)
    ]
    left_to_fastapi = {
        (route.path, *sorted(route.methods or ())) for route in routes if not route.direct
    }
    # OAuth2's token and revocation endpoints take forms, which FastAPI's solver reads.
    assert left_to_fastapi == {("/auth/token", "POST"), ("/auth/revoke", "POST")}
    assert len(routes) > 20
