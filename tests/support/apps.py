"""The real app, wired by the real container, on a real database, and a client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from entrypoints.app import create_app
from entrypoints.container import Container
from support.auth import bearer
from support.databases import add_test_accounts_in_memory
from support.owners import OWNER
from support.settings import isolated_settings


def app_over(url: str) -> FastAPI:
    """The real app, wired by the real container, on the database at `url`."""
    container = Container()
    container.settings.override(isolated_settings(database_url=url, db_pool_size=20))
    if container.backend() == "memory":
        add_test_accounts_in_memory(container.database())  # SQL ones have them from `reset`
    return create_app(container)


@asynccontextmanager
async def client_of(
    app: FastAPI, account_id: int = OWNER, *, lifespan: bool = True
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of `app`, signed in as `account_id`. With `lifespan`, the app is started
    and stopped around it, as a server does; without, a test drives what startup would."""
    async with AsyncExitStack() as stack:
        if lifespan:
            await stack.enter_async_context(LifespanManager(app))
        transport = httpx.ASGITransport(app=app)
        headers = bearer(app.state.container, account_id)
        yield await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers)
        )
