"""Prometheus metrics: request counts and latencies by route template and status."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.methods import KNOWN_METHODS, app_path, paths_of


class HttpMetrics:
    """The service's metrics, in a registry of their own (one per app, so tests can build many).

    With several worker processes (`multiprocess_dir`), each worker writes its
    values to files there, and a scrape, whichever worker answers it, adds up
    every worker's: prometheus-client's multiprocess mode.
    """

    def __init__(self, multiprocess_dir: str | None = None) -> None:
        # Each label set's counter and histogram, looked up once: `labels()`
        # takes a lock and validates the labels on every call.
        self._series: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}
        own = CollectorRegistry()
        self.requests = Counter(
            "http_requests",
            "HTTP requests handled.",
            ["method", "route", "status"],
            registry=own,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time from receiving a request to sending its response.",
            ["method", "route", "status"],
            registry=own,
        )
        self.shed = Counter(
            "tasks_api_requests_shed",
            "Requests refused at once with a 503 because the service was overloaded, by reason.",
            ["reason"],
            registry=own,
        )
        self.registry = own
        """What a scrape reports."""
        if multiprocess_dir is not None:
            self.registry = CollectorRegistry()
            MultiProcessCollector(self.registry, path=multiprocess_dir)  # type: ignore[no-untyped-call]

    def observe(self, method: str, route: str, status: str, seconds: float) -> None:
        labels = (method, route, status)
        series = self._series.get(labels)
        if series is None:
            series = self._series[labels] = (
                self.requests.labels(*labels),
                self.latency.labels(*labels),
            )
        series[0].inc()
        series[1].observe(seconds)

    def count_shed(self, reason: str) -> None:
        """One more request shed, e.g. for waiting too long for a database connection."""
        self.shed.labels(reason).inc()


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        # Read now: a mount changes the scope's path on the way in.
        path = app_path(scope)

        async def send_recording_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_recording_status)
        finally:
            elapsed = time.perf_counter() - started
            method = scope["method"]
            self.metrics.observe(
                method if method in KNOWN_METHODS else "other",
                route_label(scope, path),
                str(status),
                elapsed,
            )


def route_label(scope: Scope, path: str) -> str:
    """The route template, not the path: /tasks/{task_id} is one series, not one per id.

    `/tasks/` is the route `/tasks`; a path no route serves is `unmatched`. The
    template is looked up rather than read from the router's choice, which is
    not there for requests refused before routing (a 413), nor for the routes
    that are not FastAPI's (the schema, the docs assets).
    """
    route = scope.get("route")
    if isinstance(route, APIRoute):
        return route.path.rstrip("/") or "/"
    found = paths_of(scope).find(path)
    return found[0].template if found else "unmatched"


router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
)
async def get_metrics(request: Request) -> Response:
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
