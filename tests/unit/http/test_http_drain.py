"""Draining: readiness turns 503 the moment uvicorn's stop signal arrives, and requests cut
at the end of the grace period are logged. (With a real server: integration/test_drain.py.)"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from types import FrameType

import httpx
import pytest
import structlog
from dependency_injector import providers
from fastapi import FastAPI
from uvicorn.config import Config
from uvicorn.server import Server

from entrypoints.app import create_app
from entrypoints.cli import exit_after_drain
from entrypoints.container import Container
from entrypoints.http.drain import Drain
from support.apps import client_of
from support.problem_checks import assert_problem


class SlowDatabase:
    """A database whose ping waits for the test's word."""

    def __init__(self) -> None:
        self.pings = 0
        self.pinged = asyncio.Event()
        self.answer = asyncio.Event()

    async def ping(self) -> None:
        self.pings += 1
        self.pinged.set()
        await self.answer.wait()

    async def close(self) -> None:
        return None


@pytest.fixture
def slow_database(container: Container) -> SlowDatabase:
    database = SlowDatabase()
    container.database.override(providers.Object(database))
    return database


@pytest.fixture
def sigterm_restored() -> Iterator[None]:
    saved = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, saved)


async def readiness_waiting(
    client: httpx.AsyncClient, database: SlowDatabase
) -> asyncio.Task[httpx.Response]:
    """A readiness check under way, waiting for the database to answer its ping."""
    ready = asyncio.create_task(client.get("/health/ready"))
    await database.pinged.wait()
    return ready


def drain_of(app: FastAPI) -> Drain:
    drain: Drain = app.state.drain
    return drain


async def test_readiness_is_a_503_problem_once_draining_without_asking_the_database(
    container: Container, slow_database: SlowDatabase
) -> None:
    app = create_app(container)
    drain_of(app).begin()

    async with client_of(app, lifespan=False) as client:
        response = await client.get("/health/ready")

    assert_problem(response, "service-unavailable", instance="/health/ready")
    assert response.json()["detail"] == "The service is stopping"
    assert int(response.headers["retry-after"]) > 0
    assert slow_database.pings == 0


async def test_readiness_is_503_when_the_drain_began_while_it_waited_for_the_database(
    container: Container, slow_database: SlowDatabase
) -> None:
    app = create_app(container)

    async with client_of(app, lifespan=False) as client:
        ready = await readiness_waiting(client, slow_database)
        drain_of(app).begin()
        slow_database.answer.set()
        response = await ready

    assert_problem(response, "service-unavailable", instance="/health/ready")


async def test_liveness_stays_ok_while_draining(client: httpx.AsyncClient, app: FastAPI) -> None:
    drain_of(app).begin()

    assert (await client.get("/health")).status_code == 200


async def test_uvicorns_stop_signal_turns_readiness_503_at_once_and_still_reaches_uvicorn(
    container: Container, sigterm_restored: None
) -> None:
    server = Server(Config(app=FastAPI()))
    signal.signal(signal.SIGTERM, server.handle_exit)
    app = create_app(container)

    async with client_of(app) as client:
        assert (await client.get("/health/ready")).status_code == 200
        signal.raise_signal(signal.SIGTERM)
        response = await client.get("/health/ready")
        assert server.should_exit

    assert response.status_code == 503
    assert drain_of(app).draining
    # The app gives uvicorn its handler back when it stops.
    assert signal.getsignal(signal.SIGTERM) == server.handle_exit


async def test_a_handler_that_is_not_uvicorns_is_left_alone(
    container: Container, sigterm_restored: None
) -> None:
    received: list[int] = []

    def own(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)

    signal.signal(signal.SIGTERM, own)
    app = create_app(container)

    async with client_of(app) as client:
        assert signal.getsignal(signal.SIGTERM) is own
        signal.raise_signal(signal.SIGTERM)
        response = await client.get("/health/ready")

    assert received == [signal.SIGTERM]
    assert response.status_code == 200
    assert not drain_of(app).draining


async def test_a_request_cut_while_draining_is_logged_with_its_route(
    container: Container, slow_database: SlowDatabase
) -> None:
    app = create_app(container)

    async with client_of(app, lifespan=False) as client:
        ready = await readiness_waiting(client, slow_database)
        drain_of(app).begin()
        with structlog.testing.capture_logs() as logs:
            ready.cancel()
            with pytest.raises(asyncio.CancelledError):
                await ready

    cut = [line for line in logs if line["event"].startswith("request cut")]
    assert cut == [
        {
            "event": "request cut: still running when the shutdown grace period ended",
            "method": "GET",
            "route": "/health/ready",
            "log_level": "error",
        }
    ]


async def test_a_request_cancelled_when_not_draining_is_not_logged_as_cut(
    container: Container, slow_database: SlowDatabase
) -> None:
    app = create_app(container)

    async with client_of(app, lifespan=False) as client:
        ready = await readiness_waiting(client, slow_database)
        with structlog.testing.capture_logs() as logs:
            ready.cancel()
            with pytest.raises(asyncio.CancelledError):
                await ready

    assert not [line for line in logs if line["event"].startswith("request cut")]


def test_the_signal_uvicorn_hands_back_after_draining_exits_0() -> None:
    with pytest.raises(SystemExit) as stopped:
        exit_after_drain(signal.SIGTERM, None)

    assert stopped.value.code == 0
