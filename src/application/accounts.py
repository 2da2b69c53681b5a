"""Use cases of accounts: sign-up, password login, token refresh and revocation, me, delete-me.

Password hashing is slow by design, so it never runs inside a unit of work:
no connection or transaction is held while a hash is computed.
"""

from __future__ import annotations

import hashlib
import math
import secrets
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
        policy: AccountPolicy | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._hasher = hasher
        self._signer = signer
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
            raise AccountGone
        return account

    async def delete_me(self, account_id: int) -> None:
        """Delete the account with its tasks, notes, tokens and idempotency keys."""
        async with self._uow() as uow:
            if not await uow.accounts.delete(account_id):
                raise AccountGone
            await uow.commit()

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
