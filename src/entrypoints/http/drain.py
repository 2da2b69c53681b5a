"""Draining on SIGTERM: readiness turns 503 at once; uvicorn's graceful shutdown does the
rest.

What uvicorn does on SIGTERM (and SIGINT), in each worker: its signal handler sets
`Server.should_exit`; its main loop sees that within 0.1 s, stops listening (new
connections are refused), closes idle keep-alive connections and lets each busy one
finish its response and then close; it waits up to `timeout_graceful_shutdown`
(`SHUTDOWN_GRACE_SECONDS`) for the requests in flight, cancels the ones still running,
and only then runs the app's lifespan shutdown (and `tasks-api serve` exits 0: see
`cli.exit_after_drain`). So the lifespan cannot tell the app that a stop began: `Drain`
wraps uvicorn's own signal handler instead, marking the app draining in the handler
itself, and readiness answers 503 from that moment. `DrainMiddleware` logs each request
cut at the end of the grace period, with its request id, and answers it 503 if its
response had not begun.

With `--workers N` the supervisor passes SIGTERM on to every worker, and each drains
this way. (The supervisor keeps the listening socket open until its workers have exited,
so there new connections wait in the kernel's queue and are reset when it exits, rather
than refused at once.)
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.server import Server

from entrypoints.http.methods import app_path
from entrypoints.http.metrics import route_label
from entrypoints.http.problems import RETRY_AFTER_SECONDS, problem

log = structlog.stdlib.get_logger("tasks_api.drain")

WATCHED_SIGNALS = (signal.SIGTERM, signal.SIGINT)
"""The signals uvicorn stops on."""

SignalHandler = Callable[[int, FrameType | None], Any]


class Drain:
    """Whether this app has been asked to stop."""

    def __init__(self) -> None:
        self.draining = False
        """True from the moment the process got SIGTERM (or SIGINT)."""

    def begin(self) -> None:
        self.draining = True

    @contextmanager
    def signals_watched(self) -> Iterator[None]:
        """While inside, SIGTERM and SIGINT mark the app draining, then reach uvicorn.

        Only uvicorn's own handler is wrapped: an app run some other way (in a
        test, under another server) keeps its signals as they were. Call it in
        the event loop's thread, which is the main thread under uvicorn.
        """
        loop = asyncio.get_running_loop()
        wrapped: dict[signal.Signals, tuple[SignalHandler, SignalHandler]] = {}
        for signum in WATCHED_SIGNALS:
            uvicorns = signal.getsignal(signum)
            if not (callable(uvicorns) and isinstance(getattr(uvicorns, "__self__", None), Server)):
                continue

            def on_signal(
                received: int, frame: FrameType | None, uvicorns: SignalHandler = uvicorns
            ) -> None:
                self.begin()
                # Logged from the loop: a signal handler may interrupt a logging call.
                loop.call_soon_threadsafe(_log_draining, signal.Signals(received).name)
                uvicorns(received, frame)

            signal.signal(signum, on_signal)
            wrapped[signum] = (uvicorns, on_signal)
        try:
            yield
        finally:
            for signum, (uvicorns, ours) in wrapped.items():
                if signal.getsignal(signum) is ours:
                    signal.signal(signum, uvicorns)


def _log_draining(name: str) -> None:
    log.info("draining: readiness answers 503 from now on", signal=name)


class DrainMiddleware:
    """Logs a request cut because it was still running when the shutdown grace period ended,
    and answers it, if its response had not begun, with a 503 problem rather than uvicorn's
    plain-text 500: the service stopped, the request may be retried elsewhere (its
    transaction, cut before it committed, was rolled back)."""

    def __init__(self, app: ASGIApp, *, drain: Drain) -> None:
        self.app = app
        self.drain = drain

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = app_path(scope)
        response_started = False

        async def send_noting_start(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, receive, send_noting_start)
        except asyncio.CancelledError:
            if self.drain.draining:
                log.error(
                    "request cut: still running when the shutdown grace period ended",
                    method=scope["method"],
                    route=route_label(scope, path),
                )
                if not response_started:
                    # uvicorn cancels once: this task may still answer before it ends.
                    await problem(
                        scope,
                        503,
                        "The service stopped before this request finished",
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                    )(scope, receive, send)
            raise
