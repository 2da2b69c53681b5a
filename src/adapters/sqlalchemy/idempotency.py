"""Idempotency keys on SQL databases, shared by every server process on the same database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, bindparam, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from adapters.sqlalchemy.execution import Executor
from adapters.sqlalchemy.failures import account_gone_on_missing_owner
from adapters.sqlalchemy.tables import idempotency_keys as keys
from application.ports import AlreadyClaimed, Claimed, IdempotencyStore, NewClaim

_this_key = and_(
    keys.c.owner_id == bindparam("match_owner"),
    keys.c.scope == bindparam("match_scope"),
    keys.c.key == bindparam("match_key"),
)
_in_flight = keys.c.snapshot.is_(None)


class IdempotencyStatements:
    def __init__(self, dialect: str) -> None:
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        # Of two concurrent claims, the second waits for the first to commit and
        # then inserts nothing: exactly one of them owns the key.
        self.insert = insert(keys).on_conflict_do_nothing(
            index_elements=[keys.c.owner_id, keys.c.scope, keys.c.key]
        )
        self.take_over = update(keys).where(
            _this_key,
            or_(
                keys.c.expires_at <= bindparam("now"),
                and_(_in_flight, keys.c.lease_until <= bindparam("now")),
            ),
        )
        self.held = select(keys.c.fingerprint, keys.c.snapshot).where(_this_key)
        self.complete = update(keys).where(
            _this_key, keys.c.token == bindparam("match_token"), _in_flight
        )
        self.release = delete(keys).where(
            _this_key, keys.c.token == bindparam("match_token"), _in_flight
        )
        self.purge = delete(keys).where(keys.c.expires_at <= bindparam("now"))


class SqlIdempotencyStore(IdempotencyStore):
    def __init__(self, executor: Executor, statements: IdempotencyStatements) -> None:
        self._execute = executor
        self._sql = statements

    async def claim(self, claim: NewClaim) -> Claimed | AlreadyClaimed:
        record = {
            "fingerprint": claim.fingerprint,
            "token": claim.token,
            "snapshot": None,
            "lease_until": claim.lease_until,
            "expires_at": claim.expires_at,
        }
        match = {"match_owner": claim.owner, "match_scope": claim.scope, "match_key": claim.key}
        new = {"owner_id": claim.owner, "scope": claim.scope, "key": claim.key, **record}
        execute = self._execute
        # A key that is purged between two statements below is simply claimed on
        # the next turn; two turns always settle it.
        for _ in range(2):
            with account_gone_on_missing_owner():
                inserted = await execute.count(self._sql.insert, new)
            if inserted == 1:
                return Claimed(claim.token)
            taken = await execute.count(self._sql.take_over, {**match, **record, "now": claim.now})
            if taken == 1:
                return Claimed(claim.token)
            held = await execute.row(self._sql.held, match)
            if held is not None:
                return AlreadyClaimed(held["fingerprint"], held["snapshot"])
        raise RuntimeError(f"idempotency key {claim.key!r} could neither be claimed nor read")

    async def complete(self, owner: int, scope: str, key: str, token: str, snapshot: str) -> bool:
        match = _match(owner, scope, key, token)
        return await self._execute.count(self._sql.complete, {**match, "snapshot": snapshot}) == 1

    async def release(self, owner: int, scope: str, key: str, token: str) -> None:
        await self._execute.count(self._sql.release, _match(owner, scope, key, token))

    async def purge_expired(self, now: datetime) -> int:
        return await self._execute.count(self._sql.purge, {"now": now})


def _match(owner: int, scope: str, key: str, token: str) -> dict[str, object]:
    return {"match_owner": owner, "match_scope": scope, "match_key": key, "match_token": token}
