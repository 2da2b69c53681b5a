"""Accounts, refresh tokens and failed logins on SQL databases, shared by every server
process on the same database. Statements are built once, when the database is opened."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, exc, insert, literal, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.tables import accounts, login_failures, refresh_tokens
from application.errors import AccountGone
from application.ports import (
    AccountStore,
    LoginAttempts,
    RefreshTokenStore,
    StoredRefreshToken,
    TakenToken,
)
from domain.account import Account, NewAccount

_tokens, _failures = refresh_tokens, login_failures


class AccountStatements:
    def __init__(self, dialect: str) -> None:
        upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        # A taken email inserts nothing and returns no id: no error to catch, and on
        # PostgreSQL no aborted transaction.
        self.add = (
            upsert(accounts)
            .on_conflict_do_nothing(index_elements=[accounts.c.email])
            .returning(accounts.c.id)
        )
        columns = (accounts.c.id, accounts.c.email, accounts.c.password_hash, accounts.c.created_at)
        self.by_email = select(*columns).where(accounts.c.email == bindparam("match_email"))
        self.by_id = select(*columns).where(accounts.c.id == bindparam("match_id"))
        # Found by the primary key, and nothing of the row is sent back.
        self.exists = select(literal(1)).where(accounts.c.id == bindparam("match_id"))
        self.change_hash = (
            update(accounts)
            .where(accounts.c.id == bindparam("match_id"))
            .values(password_hash=bindparam("new_hash"))
        )
        self.delete = delete(accounts).where(accounts.c.id == bindparam("match_id"))

        self.add_token = insert(_tokens)
        this_token = _tokens.c.token_hash == bindparam("match_hash")
        token_columns = (_tokens.c.account_id, _tokens.c.family_id, _tokens.c.expires_at)
        # Retiring is the check: of two concurrent takes, the second waits for the
        # first to commit, then matches no row and sees the token retired.
        self.take = (
            update(_tokens)
            .where(this_token, _tokens.c.retired_at.is_(None))
            .values(retired_at=bindparam("now"))
            .returning(*token_columns)
        )
        self.token = select(*token_columns).where(this_token)
        self.revoke_family = delete(_tokens).where(_tokens.c.family_id == bindparam("family"))
        self.revoke = delete(_tokens).where(
            _tokens.c.family_id.in_(select(_tokens.c.family_id).where(this_token))
        )
        self.purge_tokens = delete(_tokens).where(_tokens.c.expires_at <= bindparam("now"))

        self.add_failure = insert(_failures)
        recent = (
            select(_failures.c.failed_at)
            .where(_failures.c.failed_at > bindparam("since"))
            .order_by(_failures.c.failed_at.desc())
            .limit(bindparam("limit"))
        )
        self.failures_of_email = recent.where(_failures.c.email == bindparam("key"))
        self.failures_of_address = recent.where(_failures.c.address == bindparam("key"))
        self.clear_failures = delete(_failures).where(_failures.c.email == bindparam("key"))
        self.purge_failures = delete(_failures).where(_failures.c.failed_at < bindparam("before"))


class SqlAccountStore(AccountStore):
    def __init__(self, connection: AsyncConnection, statements: AccountStatements) -> None:
        self._connection = connection
        self._sql = statements

    async def add(self, new: NewAccount) -> Account | None:
        values = {
            "email": new.email,
            "password_hash": new.password_hash,
            "created_at": new.created_at,
        }
        account_id = (await self._connection.execute(self._sql.add, values)).scalar_one_or_none()
        return None if account_id is None else new.stored_as(account_id)

    async def by_email(self, email: str) -> Account | None:
        return await self._one(self._sql.by_email, {"match_email": email})

    async def by_id(self, account_id: int) -> Account | None:
        return await self._one(self._sql.by_id, {"match_id": account_id})

    async def exists(self, account_id: int) -> bool:
        found = await self._connection.execute(self._sql.exists, {"match_id": account_id})
        return found.first() is not None

    async def change_password_hash(self, account_id: int, password_hash: str) -> None:
        await self._connection.execute(
            self._sql.change_hash, {"match_id": account_id, "new_hash": password_hash}
        )

    async def delete(self, account_id: int) -> bool:
        # Tasks, notes, tokens and idempotency keys go with it (ON DELETE CASCADE).
        result = await self._connection.execute(self._sql.delete, {"match_id": account_id})
        return result.rowcount == 1

    async def _one(self, statement: Any, params: dict[str, Any]) -> Account | None:
        row = (await self._connection.execute(statement, params)).one_or_none()
        if row is None:
            return None
        return Account(
            id=row.id, email=row.email, password_hash=row.password_hash, created_at=row.created_at
        )


class SqlRefreshTokenStore(RefreshTokenStore):
    def __init__(self, connection: AsyncConnection, statements: AccountStatements) -> None:
        self._connection = connection
        self._sql = statements

    async def add(self, token: StoredRefreshToken) -> None:
        values = {
            "token_hash": token.token_hash,
            "account_id": token.account_id,
            "family_id": token.family_id,
            "expires_at": token.expires_at,
            "retired_at": None,
        }
        try:
            await self._connection.execute(self._sql.add_token, values)
        except exc.IntegrityError as error:
            # The only foreign key: the account was deleted meanwhile.
            raise AccountGone from error

    async def take(self, token_hash: str, now: datetime) -> TakenToken | None:
        execute = self._connection.execute
        match = {"match_hash": token_hash}
        row = (await execute(self._sql.take, {**match, "now": now})).one_or_none()
        reused = row is None
        if row is None:
            row = (await execute(self._sql.token, match)).one_or_none()
            if row is None:
                return None
        stored = StoredRefreshToken(
            token_hash=token_hash,
            account_id=row.account_id,
            family_id=row.family_id,
            expires_at=row.expires_at,
        )
        return TakenToken(stored, reused=reused)

    async def revoke_family(self, family_id: str) -> None:
        await self._connection.execute(self._sql.revoke_family, {"family": family_id})

    async def revoke(self, token_hash: str) -> None:
        await self._connection.execute(self._sql.revoke, {"match_hash": token_hash})

    async def purge_expired(self, now: datetime) -> int:
        return (await self._connection.execute(self._sql.purge_tokens, {"now": now})).rowcount


class SqlLoginAttempts(LoginAttempts):
    def __init__(self, connection: AsyncConnection, statements: AccountStatements) -> None:
        self._connection = connection
        self._sql = statements

    async def record_failure(self, *, email: str | None, address: str | None, at: datetime) -> None:
        await self._connection.execute(
            self._sql.add_failure, {"email": email, "address": address, "failed_at": at}
        )

    async def failures_since(
        self, *, email: str | None = None, address: str | None = None, since: datetime, limit: int
    ) -> list[datetime]:
        statement = (
            self._sql.failures_of_email if email is not None else self._sql.failures_of_address
        )
        params = {"key": email if email is not None else address, "since": since, "limit": limit}
        return list((await self._connection.execute(statement, params)).scalars())

    async def clear(self, email: str) -> None:
        await self._connection.execute(self._sql.clear_failures, {"key": email})

    async def purge(self, before: datetime) -> int:
        return (
            await self._connection.execute(self._sql.purge_failures, {"before": before})
        ).rowcount
