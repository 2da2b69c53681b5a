"""The metrics' gauges: requests in flight, and the database pool's connections."""

from __future__ import annotations

import asyncio

import httpx
from dependency_injector import providers
from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from adapters.sqlalchemy.engine import PoolStats
from entrypoints.app import create_app
from entrypoints.container import Container
from entrypoints.http.metrics import HttpMetrics
from support.apps import client_of


def gauges(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every gauge sample, by name and labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        if family.type == "gauge"
        for sample in family.samples
    }


IN_FLIGHT = ("http_requests_in_flight", ())
IN_USE = ("tasks_api_db_connections", (("state", "in_use"),))
IDLE = ("tasks_api_db_connections", (("state", "idle"),))
WAITING = ("tasks_api_db_requests_waiting", ())


class PooledDatabase:
    """A database whose readiness ping waits for the test's word, and whose pool says what the
    test sets."""

    def __init__(self) -> None:
        self.pinged = asyncio.Event()
        self.answer = asyncio.Event()
        self.stats = PoolStats(in_use=0, idle=0, waiting=0)

    async def ping(self) -> None:
        self.pinged.set()
        await self.answer.wait()

    def pool_stats(self) -> PoolStats:
        return self.stats

    async def close(self) -> None:
        return None


async def test_requests_in_flight_count_a_request_until_it_is_answered(
    container: Container,
) -> None:
    database = PooledDatabase()
    container.database.override(providers.Object(database))

    async with client_of(create_app(container), lifespan=False) as client:
        idle = gauges((await client.get("/metrics")).text)
        ready = asyncio.create_task(client.get("/health/ready"))
        await database.pinged.wait()
        during = gauges((await client.get("/metrics")).text)
        database.answer.set()
        assert (await ready).status_code == 200
        after = gauges((await client.get("/metrics")).text)

    # Each scrape counts itself.
    assert idle[IN_FLIGHT] == 1
    assert during[IN_FLIGHT] == 2
    assert after[IN_FLIGHT] == 1


async def test_a_request_that_fails_leaves_the_requests_in_flight(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/tasks/12345")
    await client.post("/tasks", content=b"{", headers={"Content-Type": "application/json"})

    assert gauges((await client.get("/metrics")).text)[IN_FLIGHT] == 1


async def test_the_pool_gauges_show_the_pool_as_it_is_when_scraped(container: Container) -> None:
    database = PooledDatabase()
    container.database.override(providers.Object(database))

    async with client_of(create_app(container), lifespan=False) as client:
        database.stats = PoolStats(in_use=3, idle=17, waiting=0)
        first = gauges((await client.get("/metrics")).text)
        database.stats = PoolStats(in_use=20, idle=0, waiting=4)
        second = gauges((await client.get("/metrics")).text)

    assert (first[IN_USE], first[IDLE], first[WAITING]) == (3, 17, 0)
    assert (second[IN_USE], second[IDLE], second[WAITING]) == (20, 0, 4)


async def test_the_pool_gauges_stay_at_zero_on_the_memory_database(
    client: httpx.AsyncClient,
) -> None:
    found = gauges((await client.get("/metrics")).text)

    assert (found[IN_USE], found[IDLE], found[WAITING]) == (0, 0, 0)


async def test_the_pool_is_sampled_while_the_app_runs_without_a_scrape() -> None:
    # With several workers a scrape reads the others' last samples: they must be recent.
    metrics, database = HttpMetrics(), PooledDatabase()
    database.stats = PoolStats(in_use=2, idle=5, waiting=1)

    sampling = asyncio.create_task(metrics.sample_pool_forever(database))
    await asyncio.sleep(0)
    sampling.cancel()

    found = gauges(generate_latest(metrics.registry).decode())
    assert (found[IN_USE], found[IDLE], found[WAITING]) == (2, 5, 1)
