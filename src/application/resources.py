"""The use cases every versioned resource shares: create, get, list, update, delete.

Tasks and notes differ in their fields and filters, not in how they are stored,
versioned, paged or retried; that common flow lives here once.
"""

from __future__ import annotations

import contextlib
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Final, Generic, Protocol, Self, TypeVar

from application.errors import IdempotencyKeyInUse, IdempotencyKeyReused, TooMuchContention
from application.idempotency import IdempotencyPolicy, IdempotencyRequest
from application.listing import Listable, ListRequest, Page
from application.paging import Pager
from application.ports import (
    AlreadyClaimed,
    Clock,
    NewClaim,
    Repository,
    UnitOfWork,
    UnitOfWorkFactory,
)
from application.preconditions import Precondition
from domain.errors import NotFound, VersionMismatch
from domain.listing import MAX_ID

C_contra = TypeVar("C_contra", contravariant=True)


class Versioned(Listable, Protocol[C_contra]):
    @property
    def version(self) -> int: ...

    def changed(self, changes: C_contra, now: datetime) -> Self: ...


E = TypeVar("E", bound=Versioned)  # type: ignore[type-arg]
N = TypeVar("N")
Ch = TypeVar("Ch")
F = TypeVar("F")

# Each lost race means another writer committed in between; a handful of
# retries outlasts any realistic burst on one resource.
_MAX_ATTEMPTS: Final = 10


@dataclass(frozen=True, slots=True)
class Created(Generic[E]):
    resource: E
    replayed: bool
    """True when this is the stored result of an earlier request with the same idempotency key."""


class ResourceService(ABC, Generic[E, N, Ch, F]):
    name: ClassVar[str]
    """How clients call one of these resources, as in "Task 42 does not exist"."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        pager: Pager,
        idempotency: IdempotencyPolicy,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._pager = pager
        self._idempotency = idempotency

    @abstractmethod
    def _repository(self, uow: UnitOfWork) -> Repository[E, N, F]: ...

    @abstractmethod
    def _dump(self, resource: E) -> str: ...

    @abstractmethod
    def _load(self, snapshot: str) -> E: ...

    async def get(self, resource_id: int) -> E:
        self._check_id(resource_id)
        async with self._uow(read_only=True) as uow:
            found = await self._repository(uow).get(resource_id)
        if found is None:
            raise NotFound(self.name, resource_id)
        return found

    async def list(self, filters: F, request: ListRequest) -> Page[E]:
        plan = self._pager.plan(request, resource=self.name, filters=filters)
        async with self._uow(read_only=True) as uow:
            rows = await self._repository(uow).list(filters, plan.window)
        return self._pager.page(plan, rows)

    async def update(
        self, resource_id: int, changes: Ch, precondition: Precondition | None = None
    ) -> E:
        """Apply `changes`; a request that changes nothing returns the resource as it is.

        The write is conditional on the version just read, so a concurrent change
        is never overwritten unseen: the loser re-reads, re-checks `precondition`
        and tries again.
        """
        self._check_id(resource_id)
        for _ in range(_MAX_ATTEMPTS):
            async with self._uow() as uow:
                repository = self._repository(uow)
                current = await self._existing(repository, resource_id, precondition)
                updated = current.changed(changes, self._clock.now())
                if updated is current:
                    return current
                if await repository.update(current, updated):
                    await uow.commit()
                    return updated
        raise TooMuchContention(self.name, resource_id)

    async def delete(self, resource_id: int, precondition: Precondition | None = None) -> None:
        self._check_id(resource_id)
        if precondition is None or precondition.versions is None:
            async with self._uow() as uow:
                if not await self._repository(uow).delete(resource_id):
                    raise NotFound(self.name, resource_id)
                await uow.commit()
                return
        for _ in range(_MAX_ATTEMPTS):
            async with self._uow() as uow:
                repository = self._repository(uow)
                current = await self._existing(repository, resource_id, precondition)
                if await repository.delete(resource_id, version=current.version):
                    await uow.commit()
                    return
        raise TooMuchContention(self.name, resource_id)

    async def _create(self, new: N, idempotency: IdempotencyRequest | None) -> Created[E]:
        if idempotency is not None:
            return await self._create_once(new, idempotency)
        async with self._uow() as uow:
            created = await self._repository(uow).add(new)
            await uow.commit()
        return Created(created, replayed=False)

    async def _create_once(self, new: N, request: IdempotencyRequest) -> Created[E]:
        """Create at most once per idempotency key, however often the request is retried.

        The key is claimed in a transaction of its own, so that concurrent
        retries see it as in flight; the resource and its stored snapshot are
        then written in one transaction, so neither exists without the other.
        """
        scope, key, token = self.name, request.key, uuid.uuid4().hex
        now = self._clock.now()
        async with self._uow() as uow:
            claim = await uow.idempotency.claim(
                NewClaim(
                    scope=scope,
                    key=key,
                    fingerprint=request.fingerprint,
                    token=token,
                    now=now,
                    lease_until=now + self._idempotency.lease,
                    expires_at=now + self._idempotency.ttl,
                )
            )
            await uow.commit()
        if isinstance(claim, AlreadyClaimed):
            if claim.fingerprint != request.fingerprint:
                raise IdempotencyKeyReused(key)
            if claim.snapshot is None:
                raise IdempotencyKeyInUse(key)
            return Created(self._load(claim.snapshot), replayed=True)

        try:
            async with self._uow() as uow:
                created = await self._repository(uow).add(new)
                if not await uow.idempotency.complete(scope, key, token, self._dump(created)):
                    # Our lease ran out and a retry took the key over: leaving now
                    # rolls the resource back, so it is not created twice.
                    raise IdempotencyKeyInUse(key)
                await uow.commit()
        except IdempotencyKeyInUse:
            raise
        except BaseException:
            await self._release(scope, key, token)
            raise
        return Created(created, replayed=False)

    async def _release(self, scope: str, key: str, token: str) -> None:
        # Best effort: if the store is down, the lease runs out on its own, and
        # the original error is the one worth reporting.
        with contextlib.suppress(Exception):
            async with self._uow() as uow:
                await uow.idempotency.release(scope, key, token)
                await uow.commit()

    async def _existing(
        self, repository: Repository[E, N, F], resource_id: int, precondition: Precondition | None
    ) -> E:
        # Locking the row (where the store can) makes concurrent writers take
        # turns instead of losing races; the version check stays the guarantee.
        current = await repository.get(resource_id, for_update=True)
        if current is None:
            raise NotFound(self.name, resource_id)
        if precondition is not None and not precondition.allows(current.version):
            raise VersionMismatch(self.name, resource_id, current.version)
        return current

    def _check_id(self, resource_id: int) -> None:
        # Ids beyond 64 bits cannot exist; asking the database would only overflow.
        if not 0 < resource_id <= MAX_ID:
            raise NotFound(self.name, resource_id)
