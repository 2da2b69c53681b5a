"""`DirectRoute` answers every request exactly as FastAPI's own `APIRoute` does.

The same endpoints are served twice, once by each route class, and every request
(well-formed or not) must get the same status, headers and body from both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import (
    APIRouter,
    Cookie,
    Depends,
    FastAPI,
    Form,
    Header,
    HTTPException,
    Query,
    Request,
    Response,
)
from fastapi.exceptions import ResponseValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import AliasChoices, BaseModel, Field, Json
from starlette.types import Message

from entrypoints.app import create_app
from entrypoints.container import Container
from entrypoints.http.direct_route import DirectRoute, _replaying
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
        x_trace: Annotated[str, Header()] = "",
    ) -> Any:
        if if_none_match == '"1"':
            return Response(status_code=304)
        response.headers["ETag"] = '"1"'
        return ItemOut(id=item_id, name="thing", size=1, seen=f"{first}/{second}{x_trace}")

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

    @router.get("/shapes/required")
    async def required(need: Annotated[int, Query()]) -> dict[str, int]:
        return {"need": need}

    @router.get("/shapes/untyped", response_model=None)
    async def untyped() -> dict[str, int]:
        return {"free": 1}

    @router.get("/shapes/classed", response_model=ItemOut, response_class=JSONResponse)
    async def classed() -> Any:
        return {"id": 1, "name": "n", "size": 2, "seen": "classed", "extra": "dropped"}

    @router.get("/shapes/broken", response_model=ItemOut)
    async def broken() -> Any:
        return {"id": "not a number"}

    app = FastAPI()
    # As the service adds its routes: FastAPI's inclusion would rebuild them.
    add_routes(app, router)
    return app


REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/items/7", {}),
    ("GET", "/items/7", {"headers": {"If-None-Match": '"1"'}}),
    ("GET", "/items/7", {"headers": {"X-Trace": "/traced"}}),
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
    ("GET", "/items/shapes/required?need=3", {}),
    ("GET", "/items/shapes/required", {}),
    ("GET", "/items/shapes/untyped", {}),
    ("GET", "/items/shapes/classed", {}),
]


@pytest.fixture(scope="module")
def apps() -> tuple[FastAPI, FastAPI]:
    direct = endpoints(DirectRoute)
    # Else the comparison would be FastAPI's route against itself.
    planned = [route.direct for route in direct.router.routes if isinstance(route, DirectRoute)]
    assert planned == [True] * 8
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


async def test_a_response_that_breaks_its_model_is_fastapis_error(
    apps: tuple[FastAPI, FastAPI],
) -> None:
    for app in apps:
        with pytest.raises(ResponseValidationError):
            await answer(app, "GET", "/items/shapes/broken", {})


async def test_a_client_gone_before_its_body_arrived_is_fastapis_400(
    apps: tuple[FastAPI, FastAPI],
) -> None:
    async def gone() -> Message:
        return {"type": "http.disconnect"}

    answers = []
    for app in apps:
        sent: list[Message] = []

        async def send(message: Message, sent: list[Message] = sent) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/items",
            "raw_path": b"/items",
            "query_string": b"",
            "root_path": "",
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"9")],
            "client": ("127.0.0.1", 1),
            "server": ("t", 80),
        }
        await app(scope, gone, send)
        answers.append(sent)
    assert answers[0] == answers[1]
    assert answers[1][0]["status"] == 400


async def test_a_body_handed_to_fastapi_is_read_again_then_the_connection_as_before() -> None:
    later: Message = {"type": "http.disconnect"}

    async def receive() -> Message:
        return later

    replay = _replaying(b"{}", receive)
    assert await replay() == {"type": "http.request", "body": b"{}", "more_body": False}
    assert await replay() == later
    assert _replaying(None, receive) is receive


async def cookie(session: Annotated[str | None, Cookie()] = None) -> None: ...


def blocking() -> None: ...


async def yielding() -> AsyncIterator[None]:
    yield


async def with_yield_dependency(_: Annotated[None, Depends(yielding)]) -> None: ...


class Wrapped(BaseModel):
    value: int


@pytest.mark.parametrize(
    "endpoint",
    [
        pytest.param(cookie, id="cookie"),
        pytest.param(blocking, id="plain def"),
        pytest.param(with_yield_dependency, id="yield dependency"),
        pytest.param(lambda form: None, id="not async"),
    ],
)
def test_an_endpoint_the_plan_does_not_cover_is_fastapis(endpoint: Any) -> None:
    assert not DirectRoute("/x", endpoint, methods=["GET"]).direct


async def form_post(name: Annotated[str, Form()]) -> None: ...


async def body_in_dependency(wrapped: Wrapped) -> None: ...


async def uses_body_dependency(_: Annotated[None, Depends(body_in_dependency)]) -> None: ...


async def aliased(
    value: Annotated[int, Query(validation_alias=AliasChoices("value", "v"))] = 0,
) -> None: ...


async def json_query(value: Annotated[Json[list[int]], Query()]) -> None: ...


async def model_query(wrapped: Annotated[Wrapped, Query()]) -> None: ...


async def checked_default(
    value: Annotated[int, Query(json_schema_extra={}, validate_default=True)] = 1,
) -> None: ...


@pytest.mark.parametrize(
    "endpoint",
    [
        form_post,
        uses_body_dependency,
        aliased,
        json_query,
        model_query,
        checked_default,
    ],
)
def test_a_signature_the_plan_does_not_read_is_left_to_fastapi(endpoint: Any) -> None:
    method = "POST" if endpoint in (form_post, uses_body_dependency) else "GET"
    assert not DirectRoute("/x", endpoint, methods=[method]).direct


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
