"""The ports: what the use cases need from the outside world, as protocols.

Adapters subclass these explicitly, so a missing method fails at once.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Generic, Protocol, Self, TypeVar

from application.paging import Slice, Window
from domain.account import Account, NewAccount

if TYPE_CHECKING:
    # Only named in annotations: `resources` imports this module to run its flow.
    from application.resources import ResourceKind, Versioned

E = TypeVar("E")
V = TypeVar("V", bound="Versioned")
N = TypeVar("N")
F = TypeVar("F")
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
        `current` was read: the check and the write are one atomic step. Never waits
        for a row another unit of work has locked: that too is False, a lost race.
        """

    @abstractmethod
    async def delete(self, owner: int, resource_id: int, *, version: int | None = None) -> bool:
        """Delete the resource (only at `version`, if given); False if nothing was deleted,
        which includes a row another unit of work has locked (as `update`)."""


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

    idempotency: IdempotencyStore
    accounts: AccountStore
    refresh_tokens: RefreshTokenStore
    login_attempts: LoginAttempts

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

    @abstractmethod
    def repository(self, kind: ResourceKind[V, N, F]) -> Repository[V, N, F]:
        """The repository of `kind`'s resources, in this unit of work."""


class UnitOfWorkFactory(Protocol):
    @abstractmethod
    def __call__(self, *, read_only: bool = False, single_statement: bool = False) -> UnitOfWork:
        """A new unit of work; `read_only` ones may skip transaction overhead and cannot commit.

        A `single_statement` one is for work that needs no transaction: each of
        its repository calls is atomic on its own, and none depends on another
        being undone with it (a create without an idempotency key; a read, then a
        write conditional on the version read). The store may run each call as
        its own transaction, saving the BEGIN and COMMIT; the use case still
        calls `commit()`, and must not rely on a rollback undoing a call that
        succeeded. A write that waited on a row lock there would commit when the
        lock is released, even after its request was cut and answered 503: which
        is why `update` and `delete` never wait on one.
        """


# Accounts and their tokens.


class PasswordHasher(Protocol):
    """Slow, salted password hashing (Argon2id). Hashing takes tens of milliseconds by
    design, so the methods are async: an adapter runs them off the event loop."""

    @abstractmethod
    async def hash(self, password: str) -> str: ...

    @abstractmethod
    async def verify(self, password: str, password_hash: str | None) -> bool:
        """Whether `password` matches; for `None` (no such account), verify against a
        hash of no one's password, so that the answer takes just as long, and return False."""

    @abstractmethod
    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with weaker parameters than new ones are."""


class AccountStore(Protocol):
    @abstractmethod
    async def add(self, new: NewAccount) -> Account | None:
        """Store a new account; None, storing nothing, if its email is taken."""

    @abstractmethod
    async def by_email(self, email: str) -> Account | None: ...

    @abstractmethod
    async def by_id(self, account_id: int) -> Account | None: ...

    @abstractmethod
    async def exists(self, account_id: int) -> bool:
        """Whether the account exists: the cheapest question a store can be asked of it,
        for the bearer check's rare cache misses (see `application.accounts.KnownAccounts`)."""

    @abstractmethod
    async def change_password_hash(self, account_id: int, password_hash: str) -> None: ...

    @abstractmethod
    async def delete(self, account_id: int) -> bool:
        """Delete the account and everything it owns: tasks, notes, refresh tokens and
        idempotency keys. False if there was no such account."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredRefreshToken:
    """A refresh token as stored: only its hash, never the token."""

    token_hash: str
    account_id: int
    family_id: str
    """The login it descends from: every token a refresh hands out keeps its family."""
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class TakenToken:
    token: StoredRefreshToken
    reused: bool
    """True if the token had been retired already: someone presents it a second time."""


class RefreshTokenStore(Protocol):
    @abstractmethod
    async def add(self, token: StoredRefreshToken) -> None: ...

    @abstractmethod
    async def take(self, token_hash: str, now: datetime) -> TakenToken | None:
        """Retire the token and return it, in one atomic step: of two concurrent takes of
        one token, exactly one sees it fresh. None if no such token is stored."""

    @abstractmethod
    async def revoke_family(self, family_id: str) -> None:
        """Delete every token of a login."""

    @abstractmethod
    async def revoke(self, token_hash: str) -> None:
        """Delete this token and every other of its login (a logout); nothing if unknown."""

    @abstractmethod
    async def purge_expired(self, now: datetime) -> int:
        """Delete the tokens that expired by `now`; returns how many."""


class LoginAttempts(Protocol):
    """Failed password logins, counted per email and per client address, shared by every
    server process on the same store."""

    @abstractmethod
    async def record_failure(self, *, email: str | None, address: str | None, at: datetime) -> None:
        """Count one failure against the email and the address (either may be unknown)."""

    @abstractmethod
    async def failures_since(
        self, *, email: str | None = None, address: str | None = None, since: datetime, limit: int
    ) -> list[datetime]:
        """When the email's (or the address's) latest failures after `since` happened,
        newest first, at most `limit` of them."""

    @abstractmethod
    async def clear(self, email: str) -> None:
        """Forget the email's failures: its owner has just logged in."""

    @abstractmethod
    async def purge(self, before: datetime) -> int:
        """Delete the failures older than `before`, which no window counts any more."""
