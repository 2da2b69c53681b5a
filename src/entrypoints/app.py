"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from entrypoints.container import Container
from entrypoints.http import (
    accounts,
    documentation,
    health,
    metrics,
    openapi,
    problems,
    tokens,
)
from entrypoints.http.drain import Drain, DrainMiddleware
from entrypoints.http.methods import MethodsMiddleware, Paths
from entrypoints.http.middleware import BodyLimitMiddleware, RequestContextMiddleware, access
from entrypoints.http.routers import add_routes
from entrypoints.resources import RESOURCES

log = logging.getLogger(__name__)


def create_served_app() -> FastAPI:
    """The app as `tasks-api serve` runs it in each worker: `create_app`, and the worker
    process is the app's own, so its start-up also tunes the garbage collector. An app
    built inside another program (a test run, an embedding) leaves that program's
    process as it found it."""
    app = create_app()
    app.state.owns_process = True
    return app


def create_app(container: Container | None = None) -> FastAPI:
    """Build the app around `container` (by default a new one, configured from the environment)."""
    container = container or Container()
    settings = container.settings()

    app = FastAPI(
        title="tasks-api",
        version="0.1.0",
        summary="Tasks and notes over REST.",
        lifespan=_lifespan,
        # /tasks and /tasks/ both answer directly: no redirects.
        redirect_slashes=False,
        docs_url=None,
        redoc_url=None,
        # Metrics and logs are the service's own (Prometheus, structlog). FastAPI's
        # OpenTelemetry hooks, on by default, would look up the global tracer, meter
        # and logger providers on every request to find them unconfigured.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    # Routes ask the container for their services on each request (no thread-pool
    # hop: see `http/dependencies.py`), so overrides made after this still count.
    app.state.container = container
    app.state.owns_process = False
    app.state.metrics = metrics.HttpMetrics(settings.prometheus_multiproc_dir)
    # Readiness reads it; the lifespan sets it from SIGTERM under uvicorn.
    app.state.drain = Drain()

    for router in (
        *(resource.router for resource in RESOURCES),
        accounts.router,
        tokens.router,
        health.router,
        metrics.router,
    ):
        add_routes(app, router)
    documentation.install(app)
    problems.install(app)
    app.state.paths = Paths(app.router.routes)

    # Added innermost first: the request context wraps everything, so every
    # response (errors from the other middleware included) carries the request id.
    app.add_middleware(MethodsMiddleware)
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    app.add_middleware(metrics.MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(DrainMiddleware, drain=app.state.drain)
    app.add_middleware(RequestContextMiddleware)

    openapi.install(app)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    container: Container = app.state.container
    http_metrics: metrics.HttpMetrics = app.state.metrics
    drain: Drain = app.state.drain
    purge = asyncio.create_task(_purge_expired(container))
    sampling = asyncio.create_task(http_metrics.sample_pool_forever(container.database()))
    if app.state.owns_process:
        _tune_collector()
        # The worker's loop lives as long as the process: its access lines can wait
        # for the end of each turn of the loop (`log_setup.FastLogger`).
        access.at_end_of_turn = True
    try:
        with drain.signals_watched():
            yield
    finally:
        if app.state.owns_process:
            access.at_end_of_turn = False
            access.flush()
        purge.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await purge
        sampling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampling
        http_metrics.close()
        await container.database().close()


def _tune_collector() -> None:
    """Everything allocated by start-up lives as long as the worker: keep it out of the
    collector's way, and collect young objects less often (p99 84 → 37 ms here)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


async def _purge_expired(container: Container) -> None:
    """Now and then, for as long as the app runs, delete what no request can use any
    more: expired idempotency keys, expired refresh tokens, and failed logins older
    than any lockout window. Each purge is its own transaction: one that fails is
    logged and tried again next time, and holds up none of the others."""
    interval = container.settings().idempotency_purge_seconds
    clock = container.clock()

    async def idempotency_keys() -> int:
        async with container.unit_of_work() as uow:
            purged: int = await uow.idempotency.purge_expired(clock.now())
            await uow.commit()
        return purged

    async def refresh_tokens_and_login_failures() -> int:
        purged: int = await container.account_service().purge_expired()
        return purged

    purges = (
        ("idempotency keys", idempotency_keys),
        ("refresh tokens and login failures", refresh_tokens_and_login_failures),
    )
    while True:
        await asyncio.sleep(interval)
        for what, purge in purges:
            try:
                purged = await purge()
            except Exception:
                log.exception("purging expired %s failed; will retry", what)
            else:
                if purged:
                    log.info("purged %d expired %s", purged, what)
