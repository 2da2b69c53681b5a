"""Fair, bounded admission on a real database: a full pool queues requests, then sheds them.

The pool has one connection and the test holds it (through the app's own unit
of work, as a slow request would), so what the next request meets is a pool
that has nothing to give: it waits its `DB_POOL_WAIT_SECONDS`, then gets a 503
of its own kind, with `Retry-After`, and the shedding counter moves.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from entrypoints.app import create_app
from entrypoints.container import Container
from support.apps import client_of
from support.databases import SqlStore
from support.problem_checks import assert_problem
from support.settings import isolated_settings

WAIT = 0.2
"""The app's DB_POOL_WAIT_SECONDS: short, so the shed test is quick."""


@pytest.fixture
async def tiny_pool_app(sql_store: tuple[SqlStore, str]) -> FastAPI:
    """The real app on each SQL database, with a pool of one connection."""
    store, url = sql_store
    await store.reset()
    container = Container()
    container.settings.override(
        isolated_settings(database_url=url, db_pool_size=1, db_pool_wait_seconds=WAIT)
    )
    return create_app(container)


@pytest.fixture
async def client(tiny_pool_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(tiny_pool_app) as client:
        yield client


def held_connection(app: FastAPI) -> SqlUnitOfWork:
    """A unit of work of the app's own: entered, it holds the pool's only connection."""
    uow: SqlUnitOfWork = app.state.container.unit_of_work(read_only=True)
    return uow


async def queued(app: FastAPI) -> None:
    """Return once a request waits in the app's admission line (it needs no I/O to get there)."""
    for _ in range(1000):
        if app.state.container.database().admission.waiting:
            return
        await asyncio.sleep(0)
    pytest.fail("no request ever queued for a connection")


def shed_count(metrics_text: str) -> float:
    for family in text_string_to_metric_families(metrics_text):
        if family.name == "tasks_api_requests_shed":
            for sample in family.samples:
                if sample.name.endswith("_total") and sample.labels == {"reason": "database-wait"}:
                    return sample.value
    return 0.0


async def test_a_request_that_finds_no_connection_in_time_is_shed_with_503_and_retry_after(
    tiny_pool_app: FastAPI, client: httpx.AsyncClient
) -> None:
    before = shed_count((await client.get("/metrics")).text)

    async with held_connection(tiny_pool_app):
        response = await client.get("/tasks")
        # What needs no database does not wait behind what does.
        live = await client.get("/health")
        scraped = await client.get("/metrics")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) >= 1
    problem = response.json()
    assert_problem(response, "overloaded", instance="/tasks")
    assert "overloaded" in problem["detail"], "not 'database unavailable': it is healthy"
    assert live.status_code == 200
    assert scraped.status_code == 200
    assert shed_count(scraped.text) == before + 1

    # Once the connection is back, requests get it again.
    assert (await client.get("/tasks")).status_code == 200
    # And the problem's type is documented where it points.
    documented = await client.get(problem["type"])
    assert documented.status_code == 200
    assert documented.json()["status"] == 503


async def test_readiness_waits_in_the_same_line_and_is_shed_the_same_way(
    tiny_pool_app: FastAPI, client: httpx.AsyncClient
) -> None:
    async with held_connection(tiny_pool_app):
        response = await client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["type"] == "/problems/overloaded"
    assert (await client.get("/health/ready")).status_code == 200


async def test_a_request_that_gets_the_connection_within_its_wait_succeeds(
    tiny_pool_app: FastAPI, client: httpx.AsyncClient
) -> None:
    created = await client.post("/tasks", json={"title": "queued"})
    assert created.status_code == 201, created.text
    holder = held_connection(tiny_pool_app)
    await holder.__aenter__()
    try:
        waiting = asyncio.create_task(client.get(created.headers["location"]))
        await queued(tiny_pool_app)
    finally:
        await holder.__aexit__(None, None, None)  # within the wait: the request gets in
    response = await waiting
    assert response.status_code == 200, response.text
    assert response.json()["title"] == "queued"
