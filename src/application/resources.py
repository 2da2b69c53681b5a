"""What the use cases of every versioned resource share: read one, list, create (once,
with a key), and change or delete conditionally on the version read.

Tasks and notes differ in their fields and filters, not in how they are stored,
versioned, paged or retried. A `ResourceKind` names what differs (what clients
call the resource, its snapshot codec, how a new one is stored and which ones a filter
matches); `Resources` runs the flow for one kind, on the repository the unit of
work keeps for that kind. It has no hooks: `TaskService` and `NoteService` only
add what is theirs (building a new one, and a change).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Generic, Protocol, TypeVar

from application.errors import TooMuchContention
from application.idempotency import (
    Created,
    IdempotencyPolicy,
    IdempotencyRequest,
    SnapshotCodec,
    create_once,
)
from application.paging import Listable, ListRequest, Page, Pager
from application.ports import Clock, Repository, UnitOfWork, UnitOfWorkFactory
from application.preconditions import Precondition
from domain.errors import NotFound, VersionMismatch
from domain.ids import is_possible_id


class Versioned(Listable, Protocol):
    @property
    def version(self) -> int: ...


E = TypeVar("E", bound=Versioned)
N = TypeVar("N")
F = TypeVar("F")

# Each lost race means another writer committed in between; a handful of
# retries outlasts any realistic burst on one resource.
_MAX_ATTEMPTS: Final = 10


@dataclass(frozen=True, slots=True)
class ResourceKind(Generic[E, N, F]):
    """One kind of resource, as the use cases and the stores need to know it.

    Made of the domain's own parts, so a store that keeps whole entities (the
    memory one) needs nothing else to serve a new kind.
    """

    name: str
    """How clients call one of these resources, as in "Task 42 does not exist"; also the
    key of its repository in a unit of work, and of its idempotency keys' scope."""
    codec: SnapshotCodec[E]
    stored_as: Callable[[N, int], E]
    """How a new one becomes a stored one, once a store gives it an id."""
    matches: Callable[[F, E], bool]
    """Whether a resource passes a list's filters: the rule every store's list query keeps."""


class Resources(Generic[E, N, F]):
    kind: ResourceKind[E, N, F]
    """Set by each resource's service: which resource this flow runs for."""

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

    async def get(self, owner: int, resource_id: int) -> E:
        self._check_id(resource_id)
        async with self._uow(read_only=True) as uow:
            found = await uow.repository(self.kind).get(owner, resource_id)
        if found is None:
            raise NotFound(self.kind.name, resource_id)
        return found

    async def list(self, owner: int, filters: F, request: ListRequest) -> Page[E]:
        plan = self._pager.plan(request, owner=owner, resource=self.kind.name, filters=filters)
        async with self._uow(read_only=True) as uow:
            rows = await uow.repository(self.kind).list(owner, filters, plan.window)
        return self._pager.page(plan, rows)

    async def delete(
        self, owner: int, resource_id: int, precondition: Precondition | None = None
    ) -> None:
        self._check_id(resource_id)
        unconditional = precondition is None or precondition.versions is None
        for attempt in range(_MAX_ATTEMPTS):
            async with self._writer(attempt) as uow:
                repository = uow.repository(self.kind)
                if attempt == 0 and unconditional:
                    # One statement; nothing deleted means gone, or a rival holds it:
                    # the next attempt, which waits its turn, tells which.
                    deleted = await repository.delete(owner, resource_id)
                else:
                    current = await self._existing(
                        repository, owner, resource_id, precondition, lock=attempt > 0
                    )
                    deleted = await repository.delete(owner, resource_id, version=current.version)
                if deleted:
                    await uow.commit()
                    return
        raise TooMuchContention(self.kind.name, resource_id)

    async def _create(
        self, owner: int, new: N, idempotency: IdempotencyRequest | None
    ) -> Created[E]:
        async def add(uow: UnitOfWork) -> E:
            return await uow.repository(self.kind).add(owner, new)

        if idempotency is not None:
            return await create_once(
                self._uow,
                owner=owner,
                scope=self.kind.name,
                request=idempotency,
                add=add,
                codec=self.kind.codec,
                clock=self._clock,
                policy=self._idempotency,
            )
        # One repository call, atomic on its own (a task and its tags are one
        # statement on PostgreSQL): no transaction needed.
        async with self._uow(single_statement=True) as uow:
            created = await add(uow)
            await uow.commit()
        return Created(created, replayed=False)

    async def _update(
        self,
        owner: int,
        resource_id: int,
        change: Callable[[E, datetime], E],
        precondition: Precondition | None,
    ) -> E:
        """Apply `change`; one that returns the resource itself changes nothing.

        The write is conditional on the version just read, so a concurrent change
        is never overwritten unseen: the loser re-reads, re-checks `precondition`
        and tries again.
        """
        self._check_id(resource_id)
        for attempt in range(_MAX_ATTEMPTS):
            async with self._writer(attempt) as uow:
                repository = uow.repository(self.kind)
                current = await self._existing(
                    repository, owner, resource_id, precondition, lock=attempt > 0
                )
                updated = change(current, self._clock.now())
                if updated is current:
                    return current
                if await repository.update(owner, current, updated):
                    await uow.commit()
                    return updated
        raise TooMuchContention(self.kind.name, resource_id)

    async def _existing(
        self,
        repository: Repository[E, N, F],
        owner: int,
        resource_id: int,
        precondition: Precondition | None,
        *,
        lock: bool,
    ) -> E:
        # Locking the row (where the store can) makes concurrent writers take
        # turns instead of losing races; the version check stays the guarantee.
        current = await repository.get(owner, resource_id, for_update=lock)
        if current is None:
            raise NotFound(self.kind.name, resource_id)
        if precondition is not None and not precondition.allows(current.version):
            raise VersionMismatch(self.kind.name, resource_id, current.version)
        return current

    def _writer(self, attempt: int) -> UnitOfWork:
        """The unit of work of one attempt at a change or a delete.

        The first attempt bets on no rival: its read and its write each stand
        alone (on PostgreSQL: no BEGIN and COMMIT, two round trips instead of
        four). The version check keeps a rival's change from being overwritten
        unseen, and the write never waits on a rival's row lock (it finds nothing
        to write instead), so it cannot commit after its request was cut. Having
        lost, the use case retries in a transaction that locks the row, so that
        writers of a busy resource take turns rather than keep losing races.
        """
        return self._uow(single_statement=attempt == 0)

    def _check_id(self, resource_id: int) -> None:
        # Ids beyond 64 bits cannot exist; asking the database would only overflow.
        if not is_possible_id(resource_id):
            raise NotFound(self.kind.name, resource_id)
