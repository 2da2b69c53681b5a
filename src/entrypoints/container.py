"""The dependency-injector container: the one place where concrete classes are chosen.

`DATABASE_URL` picks the adapters: `memory://` the in-memory ones, anything
else SQLAlchemy's. Tests swap any provider with `.override()`.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any, TypeVar

from dependency_injector import containers, providers
from sqlalchemy.engine import make_url

from adapters.clock import SystemClock
from adapters.memory.store import MemoryDatabase
from adapters.memory.unit_of_work import MemoryUnitOfWork
from adapters.passwords import Argon2PasswordHasher
from adapters.sqlalchemy.engine import EngineOptions, open_database
from adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from adapters.tokens import JwtAccessTokens
from adapters.verified_tokens import VerifiedTokens
from application.accounts import AccountService, Authenticator, KnownAccounts
from application.cursors import CursorCodec
from application.idempotency import IdempotencyPolicy
from application.paging import Pager
from application.resources import Resources
from entrypoints.resources import SQL_RESOURCES
from entrypoints.secret_key import ACCESS_TOKEN_KEY, CURSOR_KEY, derive, secret_key
from entrypoints.settings import Settings


def backend(database_url: str) -> str:
    """Which family of adapters serves `database_url`: "memory" or "sql"."""
    return "memory" if make_url(database_url).get_backend_name() == "memory" else "sql"


def engine_options(settings: Settings) -> EngineOptions:
    return EngineOptions(
        pool_size=settings.db_pool_size,
        pool_wait=settings.db_pool_wait_seconds,
        connect_timeout=settings.db_connect_timeout,
        statement_timeout=settings.db_statement_timeout,
    )


S = TypeVar("S", bound=Resources[Any, Any, Any])


def resource_service(service: type[S], **dependencies: Any) -> S:
    """The use cases of one resource (`TaskService`, ...): every one is built alike."""
    return service(**dependencies)


def idempotency_policy(settings: Settings) -> IdempotencyPolicy:
    return IdempotencyPolicy(
        ttl=timedelta(seconds=settings.idempotency_ttl_seconds),
        lease=timedelta(seconds=settings.idempotency_lease_seconds),
    )


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(Settings)
    clock = providers.Singleton(SystemClock)

    # A singleton: the selectors below consult it on every unit of work.
    backend = providers.Singleton(backend, settings.provided.database_url)
    # Creating an engine opens no connection; the app closes it at shutdown.
    database = providers.Selector(
        backend,
        memory=providers.Singleton(MemoryDatabase),
        sql=providers.Singleton(
            open_database,
            settings.provided.database_url,
            providers.Callable(engine_options, settings),
        ),
    )
    unit_of_work = providers.Selector(
        backend,
        memory=providers.Factory(MemoryUnitOfWork, database),
        sql=providers.Factory(SqlUnitOfWork, database, SQL_RESOURCES),
    )

    secret = providers.Singleton(secret_key, settings)
    pager = providers.Singleton(
        Pager, providers.Singleton(CursorCodec, providers.Callable(derive, secret, CURSOR_KEY))
    )
    # Each token string verified once until it expires (adapters/verified_tokens.py).
    access_tokens = providers.Singleton(
        VerifiedTokens,
        providers.Singleton(JwtAccessTokens, providers.Callable(derive, secret, ACCESS_TOKEN_KEY)),
    )
    idempotency = providers.Singleton(idempotency_policy, settings)

    # Every resource's use cases, built alike: `container.resources(TaskService)`.
    resources = providers.Factory(
        resource_service,
        uow=unit_of_work.provider,
        clock=clock,
        pager=pager,
        idempotency=idempotency,
    )
    password_hasher = providers.Singleton(Argon2PasswordHasher)
    # Seconds that only go forward, for durations; tests step it.
    monotonic = providers.Object(time.monotonic)
    # One per process: what `DELETE /users/me` forgets, every request's bearer check sees.
    known_accounts = providers.Singleton(
        KnownAccounts,
        unit_of_work.provider,
        ttl=settings.provided.account_cache_seconds,
        capacity=settings.provided.account_cache_size,
        monotonic=monotonic,
    )
    authenticator = providers.Singleton(
        Authenticator, signer=access_tokens, accounts=known_accounts
    )
    account_service = providers.Factory(
        AccountService,
        uow=unit_of_work.provider,
        clock=clock,
        hasher=password_hasher,
        signer=access_tokens,
        known=known_accounts,
    )
