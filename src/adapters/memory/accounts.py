"""In-memory accounts, refresh tokens and failed logins.

Every write goes through the journal, so that a unit of work that does not
commit leaves nothing behind, as in the SQL stores.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from adapters.memory.journal import Journal
from application.errors import AccountGone
from application.ports import (
    AccountStore,
    LoginAttempts,
    RefreshTokenStore,
    StoredRefreshToken,
    TakenToken,
)
from domain.account import Account, NewAccount


@dataclass(frozen=True, slots=True)
class RefreshRecord:
    token: StoredRefreshToken
    retired: bool = False


@dataclass(frozen=True, slots=True)
class LoginFailure:
    email: str | None
    address: str | None
    at: datetime


@dataclass(slots=True)
class AccountTables:
    """The account side of a memory database."""

    accounts: dict[int, Account] = field(default_factory=dict)
    by_email: dict[str, int] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshRecord] = field(default_factory=dict)
    login_failures: dict[int, LoginFailure] = field(default_factory=dict)
    account_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    failure_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))


class MemoryAccountStore(AccountStore):
    def __init__(
        self,
        tables: AccountTables,
        journal: Journal,
        *,
        owned: Sequence[dict[int, Any]] = (),
        keys: dict[tuple[int, str, str], Any] | None = None,
    ) -> None:
        self._tables = tables
        self._journal = journal
        self._owned = owned
        """Tables of rows with an `owner`, which go with their account (the SQL cascade)."""
        self._keys = keys if keys is not None else {}
        """Idempotency keys, by owner first."""

    async def add(self, new: NewAccount) -> Account | None:
        if new.email in self._tables.by_email:
            return None
        account = new.stored_as(next(self._tables.account_ids))
        self._journal.put(self._tables.accounts, account.id, account)
        self._journal.put(self._tables.by_email, account.email, account.id)
        return account

    async def by_email(self, email: str) -> Account | None:
        account_id = self._tables.by_email.get(email)
        return None if account_id is None else self._tables.accounts[account_id]

    async def by_id(self, account_id: int) -> Account | None:
        return self._tables.accounts.get(account_id)

    async def exists(self, account_id: int) -> bool:
        return account_id in self._tables.accounts

    async def change_password_hash(self, account_id: int, password_hash: str) -> None:
        account = self._tables.accounts.get(account_id)
        if account is not None:
            changed = replace(account, password_hash=password_hash)
            self._journal.put(self._tables.accounts, account_id, changed)

    async def delete(self, account_id: int) -> bool:
        account = self._tables.accounts.get(account_id)
        if account is None:
            return False
        self._journal.put(self._tables.accounts, account_id, None)
        self._journal.put(self._tables.by_email, account.email, None)
        tokens = self._tables.refresh_tokens
        for token_hash in [h for h, r in tokens.items() if r.token.account_id == account_id]:
            self._journal.put(tokens, token_hash, None)
        for rows in self._owned:
            for row_id in [i for i, row in rows.items() if row.owner == account_id]:
                self._journal.put(rows, row_id, None)
        for key in [k for k in self._keys if k[0] == account_id]:
            self._journal.put(self._keys, key, None)
        return True


class MemoryRefreshTokenStore(RefreshTokenStore):
    def __init__(self, tables: AccountTables, journal: Journal) -> None:
        self._tables = tables
        self._tokens = tables.refresh_tokens
        self._journal = journal

    async def add(self, token: StoredRefreshToken) -> None:
        # What the SQL stores' foreign key does.
        if token.account_id not in self._tables.accounts:
            raise AccountGone
        self._journal.put(self._tokens, token.token_hash, RefreshRecord(token))

    async def take(self, token_hash: str, now: datetime) -> TakenToken | None:
        record = self._tokens.get(token_hash)
        if record is None:
            return None
        if not record.retired:
            self._journal.put(self._tokens, token_hash, replace(record, retired=True))
        return TakenToken(record.token, reused=record.retired)

    async def revoke_family(self, family_id: str) -> None:
        for token_hash in [h for h, r in self._tokens.items() if r.token.family_id == family_id]:
            self._journal.put(self._tokens, token_hash, None)

    async def revoke(self, token_hash: str) -> None:
        record = self._tokens.get(token_hash)
        if record is not None:
            await self.revoke_family(record.token.family_id)

    async def purge_expired(self, now: datetime) -> int:
        expired = [h for h, r in self._tokens.items() if r.token.expires_at <= now]
        for token_hash in expired:
            self._journal.put(self._tokens, token_hash, None)
        return len(expired)


class MemoryLoginAttempts(LoginAttempts):
    def __init__(self, tables: AccountTables, journal: Journal) -> None:
        self._tables = tables
        self._failures = tables.login_failures
        self._journal = journal

    async def record_failure(self, *, email: str | None, address: str | None, at: datetime) -> None:
        failure = LoginFailure(email, address, at)
        self._journal.put(self._failures, next(self._tables.failure_ids), failure)

    async def failures_since(
        self, *, email: str | None = None, address: str | None = None, since: datetime, limit: int
    ) -> list[datetime]:
        times = [
            f.at
            for f in self._failures.values()
            if f.at > since and (f.email == email if email is not None else f.address == address)
        ]
        return sorted(times, reverse=True)[:limit]

    async def clear(self, email: str) -> None:
        for failure_id in [i for i, f in self._failures.items() if f.email == email]:
            self._journal.put(self._failures, failure_id, None)

    async def purge(self, before: datetime) -> int:
        old = [i for i, f in self._failures.items() if f.at < before]
        for failure_id in old:
            self._journal.put(self._failures, failure_id, None)
        return len(old)
