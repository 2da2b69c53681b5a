"""Create-once, whole: a retried POST with the same idempotency key returns the first
response instead of creating again, across every server process sharing the store.

The key is claimed in a transaction of its own, so that concurrent retries see
it as in flight; the resource and its stored snapshot are then written in one
transaction, so neither exists without the other.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Final, Generic, TypeVar

from application.errors import IdempotencyKeyInUse, IdempotencyKeyReused, InvalidIdempotencyKey
from application.ports import AlreadyClaimed, Clock, NewClaim, UnitOfWork, UnitOfWorkFactory

E = TypeVar("E")

_KEY: Final = re.compile(r"[\x21-\x7e]{1,255}")


@dataclass(frozen=True, slots=True)
class IdempotencyRequest:
    """A client's idempotency key and a fingerprint of the request body it came with."""

    key: str
    fingerprint: str

    def __post_init__(self) -> None:
        if not _KEY.fullmatch(self.key):
            raise InvalidIdempotencyKey("must be 1..255 visible ASCII characters")


@dataclass(frozen=True, slots=True)
class IdempotencyPolicy:
    ttl: timedelta = timedelta(hours=24)
    """How long a stored response is replayed."""
    lease: timedelta = timedelta(seconds=30)
    """How long a request in flight holds its key; after it, a retry may take the key over
    (the first request can then no longer store its result, and rolls back)."""


@dataclass(frozen=True, slots=True)
class Created(Generic[E]):
    resource: E
    replayed: bool
    """True when this is the stored result of an earlier request with the same idempotency key."""


@dataclass(frozen=True, slots=True)
class SnapshotCodec(Generic[E]):
    """How a created resource is stored with its key, and read back for a replay."""

    dump: Callable[[E], str]
    load: Callable[[str], E]


async def create_once(
    make_uow: UnitOfWorkFactory,
    *,
    owner: int,
    scope: str,
    request: IdempotencyRequest,
    add: Callable[[UnitOfWork], Awaitable[E]],
    codec: SnapshotCodec[E],
    clock: Clock,
    policy: IdempotencyPolicy,
) -> Created[E]:
    """Run `add` at most once per idempotency key of `owner` in `scope`, however often the
    request is retried; a retry gets the first result back, marked as replayed."""
    key, token = request.key, uuid.uuid4().hex
    now = clock.now()
    async with make_uow() as uow:
        claim = await uow.idempotency.claim(
            NewClaim(
                owner=owner,
                scope=scope,
                key=key,
                fingerprint=request.fingerprint,
                token=token,
                now=now,
                lease_until=now + policy.lease,
                expires_at=now + policy.ttl,
            )
        )
        await uow.commit()
    if isinstance(claim, AlreadyClaimed):
        if claim.fingerprint != request.fingerprint:
            raise IdempotencyKeyReused(key)
        if claim.snapshot is None:
            raise IdempotencyKeyInUse(key)
        return Created(codec.load(claim.snapshot), replayed=True)

    try:
        async with make_uow() as uow:
            created = await add(uow)
            if not await uow.idempotency.complete(owner, scope, key, token, codec.dump(created)):
                # Our lease ran out and a retry took the key over: leaving now
                # rolls the resource back, so it is not created twice.
                raise IdempotencyKeyInUse(key)
            await uow.commit()
    except IdempotencyKeyInUse:
        raise
    except BaseException:
        await _release(make_uow, owner, scope, key, token)
        raise
    return Created(created, replayed=False)


async def _release(
    make_uow: UnitOfWorkFactory, owner: int, scope: str, key: str, token: str
) -> None:
    # Best effort: if the store is down, the lease runs out on its own, and
    # the original error is the one worth reporting.
    with contextlib.suppress(Exception):
        async with make_uow() as uow:
            await uow.idempotency.release(owner, scope, key, token)
            await uow.commit()
