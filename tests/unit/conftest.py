"""The unit suite: the use cases and the HTTP API over the in-memory adapters. No I/O."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from adapters.memory.store import MemoryDatabase
from adapters.memory.unit_of_work import MemoryUnitOfWork
from application.idempotency import IdempotencyPolicy
from application.notes import NoteService
from application.paging import Pager
from application.ports import UnitOfWorkFactory
from application.tasks import TaskService
from entrypoints.app import create_app
from entrypoints.container import Container
from entrypoints.settings import Settings
from support.accounts import FastHasher
from support.auth import bearer
from support.clock import SteppingClock
from support.databases import add_test_accounts_in_memory
from support.owners import OWNER
from support.settings import isolated_settings


@pytest.fixture
def database() -> MemoryDatabase:
    """A memory database holding the tests' accounts (a row's owner must exist)."""
    database = MemoryDatabase()
    add_test_accounts_in_memory(database)
    return database


@pytest.fixture
def uow(database: MemoryDatabase) -> UnitOfWorkFactory:
    """A unit-of-work factory over the memory database, as the container would give."""

    def make(*, read_only: bool = False, single_statement: bool = False) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(database, read_only=read_only, single_statement=single_statement)

    return make


@pytest.fixture
def tasks(uow: UnitOfWorkFactory, clock: SteppingClock, pager: Pager) -> TaskService:
    return TaskService(uow=uow, clock=clock, pager=pager, idempotency=IdempotencyPolicy())


@pytest.fixture
def notes(uow: UnitOfWorkFactory, clock: SteppingClock, pager: Pager) -> NoteService:
    return NoteService(uow=uow, clock=clock, pager=pager, idempotency=IdempotencyPolicy())


@pytest.fixture
def settings() -> Settings:
    return isolated_settings()


@pytest.fixture
def container(settings: Settings, clock: SteppingClock) -> Container:
    """The real container, configured for memory and a test clock."""
    container = Container()
    container.settings.override(settings)
    container.clock.override(clock)
    container.password_hasher.override(FastHasher())
    add_test_accounts_in_memory(container.database())  # whose tokens the tests send
    return container


@pytest.fixture
def app(container: Container) -> FastAPI:
    return create_app(container)


@pytest.fixture
async def client(app: FastAPI, container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app, signed in as `OWNER`."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=bearer(container, OWNER)
    ) as client:
        yield client
