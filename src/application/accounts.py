"""Use cases of accounts: sign-up, password login, token refresh and revocation, me, delete-me.

Password hashing is slow by design, so it never runs inside a unit of work:
no connection or transaction is held while a hash is computed.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from application.errors import (
    AccountGone,
    EmailTaken,
    InvalidGrant,
    TooManyAttempts,
)
from application.ports import (
    Clock,
    PasswordHasher,
    StoredRefreshToken,
    TokenSigner,
    UnitOfWork,
    UnitOfWorkFactory,
)
from domain.account import Account, Credentials, NewAccount, normalize_email
from domain.errors import InvalidValue

WRONG_CREDENTIALS = "The email or password is wrong"
BAD_REFRESH_TOKEN = "The refresh token is not valid"  # noqa: S105 (a message, not a secret)


@dataclass(frozen=True, slots=True)
class AccountPolicy:
    refresh_ttl: timedelta = timedelta(days=30)
    """How long a login lasts without a password, refreshing as it goes."""
    lockout_window: timedelta = timedelta(minutes=15)
    max_failures_per_email: int = 5
    """Guessing one account's password is this slow."""
    max_failures_per_address: int = 50
    """Guessing many accounts' passwords from one place is this slow."""


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str

    def __repr__(self) -> str:
        return f"TokenPair(expires_in={self.expires_in!r}, ...)"


def refresh_token_hash(token: str) -> str:
    """How a refresh token is stored. Tokens are 256 random bits, so a fast hash is
    enough: there is nothing to guess, unlike a password."""
    return hashlib.sha256(token.encode()).hexdigest()


class KnownAccounts:
    """The accounts this process has lately found to exist, so that checking the account
    of a request's token costs no database round trip: a hit is one dict lookup.

    API.md refuses a deleted account's token at once, on every endpoint, though the
    token itself stays valid until it expires. Asking the database on every request
    would double the round trips of the hottest path (`GET /tasks/{id}` is one
    statement), so the answer is kept here, bounded in time and size:

    - A miss asks the store once (`AccountStore.exists`, by primary key) and, if the
      account is there, trusts that for `ttl` seconds. Absence is not remembered: ids
      are never reused, but a deleted account's token is rare and the lookup cheap.
    - `DELETE /users/me` forgets the account in this process right after its commit
      (`forget`), so this process refuses the token from the next request on.
    - Another process (a worker of `serve --workers N`, or a host on the same
      PostgreSQL) still holds its entry, and refuses the token when that expires: at
      most `ttl` seconds after the deletion. Meanwhile nothing leaks and nothing is
      made: the account's rows went with it (ON DELETE CASCADE), so a read there finds
      nothing (404, an empty page) and a write fails the owner's foreign key (401).
      Exactness across processes would cost a shared store or a round trip on every
      request; a short `ttl` bounds the window instead (`ttl=0` asks every time).
    - At most `capacity` accounts are kept; the oldest entry makes room for a new one.

    Durations come from `monotonic`, not the `Clock`: a wall clock may jump, and
    reading a test's stepping clock would shift the timestamps the test checks.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        ttl: float,
        capacity: int,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl < 0 or capacity < 1:
            raise ValueError("ttl must be at least 0 and capacity at least 1")
        self._uow = uow
        self._ttl = ttl
        self._capacity = capacity
        self._monotonic = monotonic
        self._until: dict[int, float] = {}
        """Account id: when to stop trusting it. In insertion order, which, with one
        `ttl` for all, is also the order in which they expire."""
        self._forgotten = 0
        """How many accounts `forget` has been told of: a lookup that spans a `forget`
        may have read the account before its deletion, and must not be remembered."""

    async def exists(self, account_id: int) -> bool:
        until = self._until.get(account_id)
        if until is not None and self._monotonic() < until:
            return True
        forgotten = self._forgotten
        async with self._uow(read_only=True) as uow:
            found = await uow.accounts.exists(account_id)
        if found and forgotten == self._forgotten:
            self._remember(account_id)
        else:
            self._until.pop(account_id, None)
        return found

    def forget(self, account_id: int) -> None:
        """The account has been deleted: stop trusting that it exists, from now on."""
        self._forgotten += 1
        self._until.pop(account_id, None)

    def _remember(self, account_id: int) -> None:
        entries = self._until
        entries.pop(account_id, None)  # to the end of the order, with its new expiry
        while len(entries) >= self._capacity:
            del entries[next(iter(entries))]
        entries[account_id] = self._monotonic() + self._ttl


class Authenticator:
    """Who sends a request: the account its access token was issued for, if that still
    exists. The token is checked in-process; the account, by `KnownAccounts`."""

    def __init__(self, *, signer: TokenSigner, accounts: KnownAccounts) -> None:
        self._signer = signer
        self._accounts = accounts

    async def account_of(self, token: str) -> int:
        """The account id; `InvalidToken` (`AccountGone` for a deleted account) if refused."""
        account_id = self._signer.verify(token)
        if not await self._accounts.exists(account_id):
            raise AccountGone
        return account_id


def _login_email(username: str) -> str | None:
    """The email a login names, as stored; None if it cannot be anyone's."""
    try:
        return normalize_email(username)
    except InvalidValue:
        return None


class AccountService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        hasher: PasswordHasher,
        signer: TokenSigner,
        known: KnownAccounts,
        policy: AccountPolicy | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._hasher = hasher
        self._signer = signer
        self._known = known
        self._policy = policy or AccountPolicy()

    async def sign_up(self, *, email: str, password: str) -> Account:
        credentials = Credentials.create(email=email, password=password)
        new = NewAccount(
            email=credentials.email,
            password_hash=await self._hasher.hash(credentials.password),
            created_at=self._clock.now(),
        )
        async with self._uow() as uow:
            account = await uow.accounts.add(new)
            if account is None:
                raise EmailTaken(new.email)
            await uow.commit()
        return account

    async def login(self, *, email: str, password: str, address: str | None) -> TokenPair:
        """Exchange an email and password for a token pair.

        The failure is counted before the password is checked, and forgotten on
        success: concurrent guesses, even on other server processes, see each
        other at once rather than after a hash's time.
        """
        now = self._clock.now()
        login_email = _login_email(email)
        async with self._uow() as uow:
            await self._refuse_if_locked(uow, login_email, address, now)
            account = None if login_email is None else await uow.accounts.by_email(login_email)
            await uow.login_attempts.record_failure(email=login_email, address=address, at=now)
            await uow.commit()

        stored_hash = None if account is None else account.password_hash
        if not await self._hasher.verify(password, stored_hash) or account is None:
            raise InvalidGrant(WRONG_CREDENTIALS)

        rehashed = None
        if self._hasher.needs_rehash(account.password_hash):
            rehashed = await self._hasher.hash(password)
        try:
            async with self._uow() as uow:
                await uow.login_attempts.clear(account.email)
                if rehashed is not None:
                    await uow.accounts.change_password_hash(account.id, rehashed)
                pair = await self._issue(uow, account.id, secrets.token_hex(16), now)
                await uow.commit()
        except AccountGone:
            # Deleted while its password was being checked.
            raise InvalidGrant(WRONG_CREDENTIALS) from None
        return pair

    async def refresh(self, refresh_token: str) -> TokenPair:
        """A new pair for a refresh token, which is retired. A retired token presented
        again was copied by someone: the whole login is revoked, for thief and owner."""
        now = self._clock.now()
        async with self._uow() as uow:
            taken = await uow.refresh_tokens.take(refresh_token_hash(refresh_token), now)
            if taken is None:
                raise InvalidGrant(BAD_REFRESH_TOKEN)
            token = taken.token
            if taken.reused:
                await uow.refresh_tokens.revoke_family(token.family_id)
                await uow.commit()
                raise InvalidGrant(BAD_REFRESH_TOKEN)
            if token.expires_at <= now:
                await uow.commit()
                raise InvalidGrant(BAD_REFRESH_TOKEN)
            pair = await self._issue(uow, token.account_id, token.family_id, now)
            await uow.commit()
        return pair

    async def revoke(self, token: str) -> None:
        """Log out (RFC 7009): the refresh token and its whole login. An unknown token is
        no error: the outcome the client wants holds already."""
        async with self._uow() as uow:
            await uow.refresh_tokens.revoke(refresh_token_hash(token))
            await uow.commit()

    async def me(self, account_id: int) -> Account:
        async with self._uow(read_only=True) as uow:
            account = await uow.accounts.by_id(account_id)
        if account is None:
            self._known.forget(account_id)  # deleted through another process
            raise AccountGone
        return account

    async def delete_me(self, account_id: int) -> None:
        """Delete the account with its tasks, notes, tokens and idempotency keys."""
        try:
            async with self._uow() as uow:
                if not await uow.accounts.delete(account_id):
                    raise AccountGone  # deleted through another process meanwhile
                await uow.commit()
        finally:
            # After the commit, not before: a lookup in between would still find the
            # account and trust it for another `ttl`. Forgetting an account that
            # stays (the commit failed) only costs one lookup.
            self._known.forget(account_id)

    async def purge_expired(self) -> int:
        """Delete refresh tokens past their expiry and failures no window counts any more."""
        now = self._clock.now()
        async with self._uow() as uow:
            purged = await uow.refresh_tokens.purge_expired(now)
            purged += await uow.login_attempts.purge(now - self._policy.lockout_window)
            await uow.commit()
        return purged

    async def _refuse_if_locked(
        self, uow: UnitOfWork, email: str | None, address: str | None, now: datetime
    ) -> None:
        """`TooManyAttempts` while the email or the address has used up its failures."""
        window = self._policy.lockout_window
        since = now - window
        limits = (
            (email, None, self._policy.max_failures_per_email),
            (None, address, self._policy.max_failures_per_address),
        )
        waits = []
        for by_email, by_address, limit in limits:
            if by_email is None and by_address is None:
                continue
            failures = await uow.login_attempts.failures_since(
                email=by_email, address=by_address, since=since, limit=limit
            )
            if len(failures) >= limit:
                # Attempts resume when the oldest of the last `limit` failures leaves the window.
                waits.append(failures[-1] + window - now)
        if waits:
            raise TooManyAttempts(max(1, math.ceil(max(waits).total_seconds())))

    async def _issue(
        self, uow: UnitOfWork, account_id: int, family_id: str, now: datetime
    ) -> TokenPair:
        refresh_token = secrets.token_urlsafe(32)
        await uow.refresh_tokens.add(
            StoredRefreshToken(
                token_hash=refresh_token_hash(refresh_token),
                account_id=account_id,
                family_id=family_id,
                expires_at=now + self._policy.refresh_ttl,
            )
        )
        access = self._signer.issue(account_id, now)
        return TokenPair(access.token, access.expires_in, refresh_token)
