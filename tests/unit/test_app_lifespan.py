"""What the app does for as long as it runs: purge expired idempotency keys."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from adapters.memory.store import MemoryDatabase
from entrypoints.app import create_app
from entrypoints.container import Container
from entrypoints.settings import Settings
from support.apps import client_of
from support.clock import SteppingClock
from support.databases import add_test_accounts_in_memory
from support.owners import OWNER


async def test_expired_idempotency_keys_are_purged_while_the_app_runs(
    settings: Settings, clock: SteppingClock
) -> None:
    container = Container()
    container.settings.override(settings.model_copy(update={"idempotency_purge_seconds": 0.01}))
    container.clock.override(clock)
    database: MemoryDatabase = container.database()
    add_test_accounts_in_memory(database)
    app = create_app(container)

    async with client_of(app) as client:
        for key in ("old", "new"):
            response = await client.post(
                "/tasks", json={"title": key}, headers={"Idempotency-Key": key}
            )
            assert response.status_code == 201
            if key == "old":
                clock.advance(timedelta(hours=12))
        await asyncio.sleep(0.05)
        assert set(database.idempotency) == {(OWNER, "Task", "new"), (OWNER, "Task", "old")}

        clock.advance(timedelta(hours=13))  # "old" is 25 hours old now, "new" 13
        await asyncio.sleep(0.05)

    assert set(database.idempotency) == {(OWNER, "Task", "new")}
