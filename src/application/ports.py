"""The ports: what the use cases need from the outside world, as protocols.

Adapters subclass these explicitly, so a missing method fails at once.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar

from application.paging import Slice, Window
from domain.note import NewNote, Note, NoteFilters
from domain.task import NewTask, Task, TaskFilters

E = TypeVar("E")
N_contra = TypeVar("N_contra", contravariant=True)
F_contra = TypeVar("F_contra", contravariant=True)


class Clock(Protocol):
    @abstractmethod
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""


class Repository(Protocol, Generic[E, N_contra, F_contra]):
    """Storage of one kind of versioned resource. Never commits: the unit of work does."""

    @abstractmethod
    async def add(self, new: N_contra) -> E:
        """Store a new resource and return it with its id and version 1."""

    @abstractmethod
    async def get(self, resource_id: int, *, for_update: bool = False) -> E | None:
        """The resource, or None. `for_update` also locks it until the unit of work ends,
        where the store can, so that concurrent writers queue instead of racing."""

    @abstractmethod
    async def list(self, filters: F_contra, window: Window) -> Slice[E]:
        """The rows of `window` of the filtered, sorted list, and the total match count
        if the window asks for it."""

    @abstractmethod
    async def update(self, current: E, updated: E) -> bool:
        """Write `updated` only if the stored version is still `current`'s.

        Returns False, writing nothing, when the resource has changed or gone since
        `current` was read: the check and the write are one atomic step.
        """

    @abstractmethod
    async def delete(self, resource_id: int, *, version: int | None = None) -> bool:
        """Delete the resource (only at `version`, if given); False if nothing was deleted."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NewClaim:
    """A request to own an idempotency key while its first request is processed."""

    scope: str
    key: str
    fingerprint: str
    token: str
    now: datetime
    lease_until: datetime
    """Until when the claim holds while in flight; after it, a retry may take the key over."""
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Claimed:
    """The key is ours; `token` proves it when the response is stored."""

    token: str


@dataclass(frozen=True, slots=True)
class AlreadyClaimed:
    """Another request holds the key; `snapshot` is its stored result, `None` while in flight."""

    fingerprint: str
    snapshot: str | None


class IdempotencyStore(Protocol):
    """Idempotency keys and the responses stored under them."""

    @abstractmethod
    async def claim(self, claim: NewClaim) -> Claimed | AlreadyClaimed:
        """Own the key, taking it over if it has expired or its lease has run out."""

    @abstractmethod
    async def complete(self, scope: str, key: str, token: str, snapshot: str) -> bool:
        """Store the result under a key this token still holds; False if it lost the key."""

    @abstractmethod
    async def release(self, scope: str, key: str, token: str) -> None:
        """Give up a claim whose request failed, so that a retry can run at once."""

    @abstractmethod
    async def purge_expired(self, now: datetime) -> int:
        """Delete the keys that expired by `now`; returns how many."""


class UnitOfWork(Protocol):
    """One atomic piece of work: nothing is kept unless `commit()` is called.

    Leaving the context without committing rolls back.
    """

    tasks: Repository[Task, NewTask, TaskFilters]
    notes: Repository[Note, NewNote, NoteFilters]
    idempotency: IdempotencyStore

    @abstractmethod
    async def __aenter__(self) -> Self: ...

    @abstractmethod
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    @abstractmethod
    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    @abstractmethod
    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work; `read_only` ones may skip transaction overhead and cannot commit."""
