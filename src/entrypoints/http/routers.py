"""Routers built once per process, whose routes every app takes as they are.

`FastAPI.include_router` wraps a router so that each app re-derives every route's
validation state (parameter models, response fields) on its first request, and
each request matches through that wrapper. These routers need nothing from the app
(their endpoints find the container on the request), so `add_routes` puts the
routes themselves into the app: built once, matched directly. What an inclusion
would have set per app is set on the router instead: the operation ids. And each
route is a `DirectRoute`, which answers well-formed requests from a plan made once.
"""

from __future__ import annotations

from enum import Enum

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from entrypoints.http.direct_route import DirectRoute


def operation_id(route: APIRoute) -> str:
    """An operation's id is its endpoint's name (`list_tasks`): stable across path renames."""
    return route.name


def api_router(
    prefix: str = "", *, tags: list[str | Enum] | None = None, include_in_schema: bool = True
) -> APIRouter:
    """A router for `add_routes`: its routes' operation ids are their endpoints' names."""
    return APIRouter(
        prefix=prefix,
        tags=tags,
        include_in_schema=include_in_schema,
        generate_unique_id_function=operation_id,
        route_class=DirectRoute,
    )


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """Give `app` the routes of `router`, as built (see the module's docstring).

    The undocumented ones (`/tasks/` beside `/tasks`) go after the rest: a request
    is matched against the routes in turn, and those are seldom the one. No two
    paths here overlap, so the order changes which is tried first, never which
    answers; the documented ones keep their order, and so does the schema.
    """
    routes = router.routes
    app.router.routes.extend(route for route in routes if _documented(route))
    app.router.routes.extend(route for route in routes if not _documented(route))


def _documented(route: object) -> bool:
    return bool(getattr(route, "include_in_schema", True))
