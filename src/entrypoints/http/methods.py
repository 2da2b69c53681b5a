"""Which methods a path answers: `Allow`, and the two methods every known path
answers without a route of its own, HEAD (as GET, without the body) and OPTIONS.

Pure ASGI, like the other middleware: a GET pays one string comparison for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

KNOWN_METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
"""Every method any path of the service answers, in the order `Allow` lists them."""

ACCEPT_PATCH: Final = "application/merge-patch+json, application/json"
"""The body types a PATCH takes (RFC 5789 §3.1), most specific first."""

_STATIC: Final = frozenset({"GET", "HEAD"})
"""What a mounted directory of files answers."""


@dataclass(frozen=True, slots=True)
class Path:
    """One path template of the service and the methods its routes answer there."""

    pattern: re.Pattern[str]
    template: str
    """As the metrics label it: `/tasks/{task_id}`, `/docs-assets/{path}`; `/tasks/` is `/tasks`."""
    methods: frozenset[str]


class Paths:
    """Every path of an app, looked up by a request's path.

    Built once the routes are in place: FastAPI (≥ 0.165) keeps an included
    router behind a wrapper whose matching reveals neither the route nor its
    methods, so the routes are read from the routers themselves.
    """

    def __init__(self, routes: Iterable[BaseRoute]) -> None:
        found: dict[str, tuple[re.Pattern[str], set[str]]] = {}
        for route in _flatten(routes):
            if isinstance(route, Mount):
                template, methods = f"{route.path}/{{path}}", set(_STATIC)
            elif isinstance(route, Route):
                template, methods = route.path, set(route.methods or ())
            else:
                continue
            _, known = found.setdefault(template, (route.path_regex, set()))
            known |= methods
        self._paths = [
            Path(pattern, template.rstrip("/") or "/", _with_implied(methods))
            for template, (pattern, methods) in found.items()
        ]

    def find(self, path: str) -> list[Path]:
        """The paths that `path` (as `app_path` gives it) is an instance of:
        usually one, none if unknown."""
        return [known for known in self._paths if known.pattern.match(path)]

    def allowed(self, scope: Scope) -> list[str]:
        """Every method the path of `scope` answers, in `Allow` order; none if unknown."""
        found = self.find(app_path(scope))
        methods = {method for known in found for method in known.methods}
        return [method for method in KNOWN_METHODS if method in methods]


def app_path(scope: Scope) -> str:
    """The request's path within the app (without the server's `root_path`), also
    from inside a mount, which adds its own prefix to `root_path`."""
    path: str = scope["path"]
    base: str = scope.get("app_root_path", scope.get("root_path", ""))
    return path[len(base) :] if base and path.startswith(base) else path


def _flatten(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            # Routers are included without a prefix of their own (they have one).
            yield from _flatten(included.routes)
        else:
            yield route


def _with_implied(methods: set[str]) -> frozenset[str]:
    """HEAD wherever GET is answered, and OPTIONS everywhere: this middleware answers them."""
    if "GET" in methods:
        methods = {*methods, "HEAD"}
    return frozenset({*methods, "OPTIONS"})


def paths_of(scope: Scope) -> Paths:
    """The paths of the app serving `scope` (`create_app` puts them in its state)."""
    paths: Paths = scope["app"].state.paths
    return paths


class MethodsMiddleware:
    """Answers OPTIONS on every known path, and HEAD wherever GET is answered.

    HEAD runs the GET, so its status and headers are the GET's by construction,
    and drops the body. OPTIONS on an unknown path falls through to the 404.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "HEAD":
            await self._head(scope, receive, send)
            return
        if method == "OPTIONS" and (allowed := paths_of(scope).allowed(scope)):
            headers = {"Allow": ", ".join(allowed)}
            if "PATCH" in allowed:
                headers["Accept-Patch"] = ACCEPT_PATCH
            await Response(status_code=204, headers=headers)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _head(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A copy: the server keeps reading its own scope's method, and must go on
        # seeing HEAD (it then sends no body and checks no Content-Length).
        as_get = {**scope, "method": "GET"}

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                message = {**message, "body": b""}
            await send(message)

        await self.app(as_get, receive, send_without_body)
