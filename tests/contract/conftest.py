"""The adapter contract suite: one behaviour, every store.

Each test runs on memory (part of the fast unit loop), SQLite and PostgreSQL;
the two SQL runs carry the `database` mark, so `-m "not database"` leaves them out.
"""

from __future__ import annotations

import pytest

from adapters.sqlalchemy.engine import SqlDatabase
from application.idempotency import IdempotencyPolicy
from application.notes import NoteService
from application.paging import Pager
from application.tasks import TaskService
from support.clock import SteppingClock
from support.databases import MemoryStore, SqlStore, Store
from support.resources import KINDS, Kind, Served

_DATABASE = pytest.mark.database


@pytest.fixture(
    params=[
        "memory",
        pytest.param("sqlite", marks=_DATABASE),
        pytest.param("postgresql", marks=_DATABASE),
    ]
)
def any_store(request: pytest.FixtureRequest) -> Store:
    """Each store in turn; a sync fixture, so it may set up the async session ones."""
    if request.param == "memory":
        return MemoryStore()
    database: SqlDatabase = request.getfixturevalue(f"{request.param}_database")
    return SqlStore(request.param, database)


@pytest.fixture
async def store(any_store: Store) -> Store:
    await any_store.reset()
    return any_store


@pytest.fixture
def tasks(store: Store, clock: SteppingClock, pager: Pager) -> TaskService:
    return TaskService(
        uow=store.unit_of_work, clock=clock, pager=pager, idempotency=IdempotencyPolicy()
    )


@pytest.fixture
def notes(store: Store, clock: SteppingClock, pager: Pager) -> NoteService:
    return NoteService(
        uow=store.unit_of_work, clock=clock, pager=pager, idempotency=IdempotencyPolicy()
    )


@pytest.fixture(
    params=[
        "memory",
        pytest.param("sqlite", marks=_DATABASE),
        pytest.param("postgresql", marks=_DATABASE),
    ]
)
def backend(request: pytest.FixtureRequest) -> tuple[str, SqlStore | None]:
    """For tests over HTTP: each store's URL, and the store to empty (none for memory, new
    with each app). Sync, so it may set up the session fixtures."""
    if request.param == "memory":
        return "memory://", None
    database: SqlDatabase = request.getfixturevalue(f"{request.param}_database")
    url: str = request.getfixturevalue(
        "postgres_url" if request.param == "postgresql" else "sqlite_url"
    )
    return url, SqlStore(request.param, database)


@pytest.fixture(params=KINDS, ids=str)
def resource(
    request: pytest.FixtureRequest, store: Store, clock: SteppingClock, pager: Pager
) -> Served:
    """Each registered resource in turn, over the store under test."""
    kind: Kind = request.param
    service = kind.service(
        uow=store.unit_of_work, clock=clock, pager=pager, idempotency=IdempotencyPolicy()
    )
    return Served(kind, service)
