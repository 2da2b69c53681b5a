"""What the app does for as long as it runs: purge what has expired (idempotency keys,
refresh tokens, failed logins), retrying a purge that failed."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from asgi_lifespan import LifespanManager
from dependency_injector import providers
from fastapi import FastAPI

from adapters.memory.store import MemoryDatabase
from application.accounts import AccountService
from entrypoints.app import create_app, create_served_app
from entrypoints.container import Container
from entrypoints.http.middleware import access
from entrypoints.settings import Settings
from support.accounts import PASSWORD, FastHasher, sign_up_and_log_in, unique_email
from support.apps import client_of
from support.clock import SteppingClock
from support.databases import add_test_accounts_in_memory
from support.owners import OWNER
from support.settings import TEST_SECRET_KEY

INTERVAL = 0.01
"""Seconds between purges: short, so that each test waits little."""


async def eventually(condition: Callable[[], bool]) -> None:
    """Wait for the purge loop to make `condition` true: a few rounds, not a fixed sleep."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(INTERVAL)
    raise AssertionError("the purge loop never got there")


async def rounds(count: int) -> None:
    """Let the purge loop run about `count` times."""
    await asyncio.sleep(INTERVAL * count)


@pytest.fixture
def container(settings: Settings, clock: SteppingClock) -> Container:
    container = Container()
    container.settings.override(settings.model_copy(update={"idempotency_purge_seconds": INTERVAL}))
    container.clock.override(clock)
    container.password_hasher.override(FastHasher())
    add_test_accounts_in_memory(container.database())
    return container


@pytest.fixture
def app(container: Container) -> FastAPI:
    return create_app(container)


async def test_expired_idempotency_keys_are_purged_while_the_app_runs(
    app: FastAPI, container: Container, clock: SteppingClock
) -> None:
    database: MemoryDatabase = container.database()

    async with client_of(app) as client:
        for key in ("old", "new"):
            response = await client.post(
                "/tasks", json={"title": key}, headers={"Idempotency-Key": key}
            )
            assert response.status_code == 201
            if key == "old":
                clock.advance(timedelta(hours=12))
        await rounds(5)
        assert set(database.idempotency) == {(OWNER, "Task", "new"), (OWNER, "Task", "old")}

        clock.advance(timedelta(hours=13))  # "old" is 25 hours old now, "new" 13
        await eventually(lambda: set(database.idempotency) == {(OWNER, "Task", "new")})


async def test_expired_refresh_tokens_and_old_login_failures_are_purged_while_the_app_runs(
    app: FastAPI, container: Container, clock: SteppingClock
) -> None:
    tables = container.database().account_tables

    async with client_of(app) as client:
        email = unique_email()
        await sign_up_and_log_in(client, email)
        wrong = {"grant_type": "password", "username": email, "password": "wrong password!"}
        assert (await client.post("/auth/token", data=wrong)).status_code == 400
        await rounds(5)
        assert len(tables.refresh_tokens) == 1
        assert len(tables.login_failures) == 1

        clock.advance(timedelta(minutes=16))  # past the lockout window: the failure goes
        await eventually(lambda: not tables.login_failures)
        assert len(tables.refresh_tokens) == 1, "the refresh token lasts 30 days"

        clock.advance(timedelta(days=30))
        await eventually(lambda: not tables.refresh_tokens)


class FailingPurge:
    """The account service, but its purge fails, as with a lost database, until healed."""

    def __init__(self, service: AccountService) -> None:
        self._service = service
        self.failing = True
        self.calls = 0

    async def purge_expired(self) -> int:
        self.calls += 1
        if self.failing:
            raise ConnectionError("the database went away")
        return await self._service.purge_expired()


async def test_a_failed_purge_is_logged_and_retried_and_holds_up_no_other(
    app: FastAPI,
    container: Container,
    clock: SteppingClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    database: MemoryDatabase = container.database()
    tables = database.account_tables
    caplog.set_level(logging.INFO, logger="entrypoints.app")

    async with client_of(app) as client:
        await sign_up_and_log_in(client, unique_email(), PASSWORD)
        response = await client.post(
            "/tasks", json={"title": "x"}, headers={"Idempotency-Key": "k"}
        )
        assert response.status_code == 201
        failing = FailingPurge(container.account_service())
        container.account_service.override(providers.Object(failing))

        clock.advance(timedelta(days=31))
        await eventually(lambda: failing.calls >= 2)
        assert not database.idempotency, "purged all the same"
        assert tables.refresh_tokens, "not purged while it fails"

        failing.failing = False
        await eventually(lambda: not tables.refresh_tokens)

    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) >= 2
    for failure in failures:
        assert failure.getMessage() == (
            "purging expired refresh tokens and login failures failed; will retry"
        )
        assert failure.exc_info is not None


@pytest.fixture
def collector_restored() -> Iterator[None]:
    """The test process's garbage collector as it was, whatever the app under test did."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


async def test_an_app_started_inside_another_program_leaves_its_collector_alone(
    app: FastAPI, collector_restored: None
) -> None:
    before = (gc.get_threshold(), gc.get_freeze_count())

    async with LifespanManager(app):
        assert (gc.get_threshold(), gc.get_freeze_count()) == before
        assert not access.at_end_of_turn, "its access lines are written as logged"


async def test_an_app_started_inside_a_served_worker_leaves_its_access_lines_as_they_are(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(access, "at_end_of_turn", True)  # as the served app set it

    async with LifespanManager(app):
        pass

    assert access.at_end_of_turn, "the worker's app still owns its access lines"


async def test_the_served_app_tunes_its_own_worker_process_collector(
    monkeypatch: pytest.MonkeyPatch, collector_restored: None
) -> None:
    monkeypatch.setenv("DATABASE_URL", "memory://")
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET_KEY)
    gc.unfreeze()

    async with LifespanManager(create_served_app()):
        assert gc.get_threshold() == (50_000, 20, 20)
        assert gc.get_freeze_count() > 0, "start-up's objects are kept out of collections"
        assert access.at_end_of_turn, "its loop is the worker's: lines wait for the turn's end"
    assert not access.at_end_of_turn, "and once it stops, they are written as logged"
