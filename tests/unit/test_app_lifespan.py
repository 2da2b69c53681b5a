"""What the app does for as long as it runs: purge expired idempotency keys."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from asgi_lifespan import LifespanManager

from adapters.memory.store import MemoryDatabase
from entrypoints.app import create_app
from entrypoints.container import Container
from entrypoints.settings import Settings
from support.clock import SteppingClock


async def test_expired_idempotency_keys_are_purged_while_the_app_runs(
    settings: Settings, clock: SteppingClock
) -> None:
    container = Container()
    container.settings.override(settings.model_copy(update={"idempotency_purge_seconds": 0.01}))
    container.clock.override(clock)
    database: MemoryDatabase = container.database()
    app = create_app(container)

    async with LifespanManager(app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        async with client:
            for key in ("old", "new"):
                response = await client.post(
                    "/tasks", json={"title": key}, headers={"Idempotency-Key": key}
                )
                assert response.status_code == 201
                if key == "old":
                    clock.advance(timedelta(hours=12))
            await asyncio.sleep(0.05)
            assert set(database.idempotency) == {("Task", "new"), ("Task", "old")}

            clock.advance(timedelta(hours=13))  # "old" is 25 hours old now, "new" 13
            await asyncio.sleep(0.05)

    assert set(database.idempotency) == {("Task", "new")}
