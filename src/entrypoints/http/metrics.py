"""Prometheus metrics: request counts and latencies by route template and status, requests
in flight, and the database connections in use and idle.

With `--workers N` every figure covers all the workers (prometheus-client's
multiprocess mode): counters and histograms add up, and the gauges are
"livesum" gauges, the sum over the workers alive. Each worker writes its pool
gauges every `POOL_SAMPLE_SECONDS` and when it answers a scrape, so another
worker's part of a scrape is at most that old. A worker that stops gracefully
removes its gauges; one that is killed leaves its last values in the sum until
the metrics directory is emptied (a restart of the service makes a new one
unless `PROMETHEUS_MULTIPROC_DIR` is set).
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Protocol, runtime_checkable

from fastapi import Request
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.sqlalchemy.engine import PoolStats
from entrypoints.http.methods import KNOWN_METHODS, app_path, paths_of
from entrypoints.http.routers import api_router

POOL_SAMPLE_SECONDS = 1.0
"""How often each process writes its pool gauges, for scrapes answered by another worker."""


@runtime_checkable
class PooledDatabase(Protocol):
    """A database with a connection pool to report on (the SQL one; memory has none)."""

    def pool_stats(self) -> PoolStats: ...


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
        # Gauges, summed over the live workers when there are several: no `pid`
        # label, so the series stay as few however often workers are replaced.
        self.in_flight = Gauge(
            "http_requests_in_flight",
            "HTTP requests received and not yet answered.",
            registry=own,
            multiprocess_mode="livesum",
        )
        self.connections = Gauge(
            "tasks_api_db_connections",
            "Database connections of the pool, by state: in_use (lent to a request) or idle.",
            ["state"],
            registry=own,
            multiprocess_mode="livesum",
        )
        self.waiting = Gauge(
            "tasks_api_db_requests_waiting",
            "Requests queued for a database connection (shed after DB_POOL_WAIT_SECONDS).",
            registry=own,
            multiprocess_mode="livesum",
        )
        self._in_use, self._idle = (
            self.connections.labels("in_use"),
            self.connections.labels("idle"),
        )
        self.registry = own
        """What a scrape reports."""
        self.multiprocess_dir = multiprocess_dir
        if multiprocess_dir is not None:
            self.registry = CollectorRegistry()
            MultiProcessCollector(self.registry, path=multiprocess_dir)  # type: ignore[no-untyped-call]  # prometheus_client is untyped here

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

    def sample_pool(self, database: object) -> None:
        """Write `database`'s pool figures to the gauges; a database without a pool (memory)
        leaves them at zero."""
        stats = database.pool_stats() if isinstance(database, PooledDatabase) else None
        if stats is None:
            return
        self._in_use.set(stats.in_use)
        self._idle.set(stats.idle)
        self.waiting.set(stats.waiting)

    async def sample_pool_forever(self, database: object) -> None:
        """Sample the pool every `POOL_SAMPLE_SECONDS`, for as long as the app runs."""
        while True:
            self.sample_pool(database)
            await asyncio.sleep(POOL_SAMPLE_SECONDS)

    def close(self) -> None:
        """Take this process's gauges out of the workers' sums: it is stopping."""
        if self.multiprocess_dir is not None:
            mark_process_dead(os.getpid(), self.multiprocess_dir)  # type: ignore[no-untyped-call]  # prometheus_client is untyped here


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

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_recording_status)
        finally:
            self.metrics.in_flight.dec()
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


router = api_router(tags=["operations"])


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
)
async def get_metrics(request: Request) -> Response:
    metrics: HttpMetrics = request.app.state.metrics
    metrics.sample_pool(request.app.state.container.database())
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
