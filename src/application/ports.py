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


@dataclass(frozen=True, slots=True)
class AccessToken:
    token: str
    expires_in: int
    """Seconds from its issue until it is refused."""


class TokenSigner(Protocol):
    """Short-lived proofs of an account's identity, checked without asking any store."""

    @abstractmethod
    def issue(self, account_id: int, now: datetime) -> AccessToken: ...

    @abstractmethod
    def verify(self, token: str) -> int:
        """The account id the token was issued for; `InvalidToken` unless it is genuine,
        unexpired and made by this service for this service."""


class Repository(Protocol, Generic[E, N_contra, F_contra]):
    """Storage of one kind of versioned resource. Never commits: the unit of work does.

    Every resource belongs to an account, and nothing can be asked of a repository
    without saying whose: `owner` is the first argument of every method, and
    another owner's resource is to it exactly like one that does not exist.
    """

    @abstractmethod
    async def add(self, owner: int, new: N_contra) -> E:
        """Store a new resource of `owner` and return it with its id and version 1.

        Raises `AccountGone` if `owner` no longer exists."""

    @abstractmethod
    async def get(self, owner: int, resource_id: int, *, for_update: bool = False) -> E | None:
        """The resource, or None. `for_update` also locks it until the unit of work ends,
        where the store can, so that concurrent writers queue instead of racing."""

    @abstractmethod
    async def list(self, owner: int, filters: F_contra, window: Window) -> Slice[E]:
        """The rows of `window` of the owner's filtered, sorted list, and the total match
        count if the window asks for it."""

    @abstractmethod
    async def update(self, owner: int, current: E, updated: E) -> bool:
        """Write `updated` only if the stored version is still `current`'s.

        Returns False, writing nothing, when the resource has changed or gone since
        `current` was read: the check and the write are one atomic step.
        """

    @abstractmethod
    async def delete(self, owner: int, resource_id: int, *, version: int | None = None) -> bool:
        """Delete the resource (only at `version`, if given); False if nothing was deleted."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NewClaim:
    """A request to own an idempotency key while its first request is processed."""

    owner: int
    """Keys belong to the account that sent them: two accounts' keys never meet."""
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
    async def complete(self, owner: int, scope: str, key: str, token: str, snapshot: str) -> bool:
        """Store the result under a key this token still holds; False if it lost the key."""

    @abstractmethod
    async def release(self, owner: int, scope: str, key: str, token: str) -> None:
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
