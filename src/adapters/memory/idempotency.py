"""In-memory idempotency keys."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import replace
from datetime import datetime

from adapters.memory.journal import Journal
from adapters.memory.store import IdempotencyRecord
from application.errors import AccountGone
from application.ports import AlreadyClaimed, Claimed, IdempotencyStore, NewClaim

Key = tuple[int, str, str]


class MemoryIdempotencyStore(IdempotencyStore):
    """Records are replaced, never changed in place, so that every write can be undone."""

    def __init__(
        self, records: dict[Key, IdempotencyRecord], journal: Journal, accounts: Container[int]
    ) -> None:
        self._records = records
        self._journal = journal
        self._accounts = accounts
        """The ids of the accounts that exist: a key's owner must be one (the SQL foreign key)."""

    async def claim(self, claim: NewClaim) -> Claimed | AlreadyClaimed:
        if claim.owner not in self._accounts:
            raise AccountGone
        key = (claim.owner, claim.scope, claim.key)
        held = self._records.get(key)
        if held is not None and not _lapsed(held, claim.now):
            return AlreadyClaimed(held.fingerprint, held.snapshot)
        record = IdempotencyRecord(
            fingerprint=claim.fingerprint,
            token=claim.token,
            snapshot=None,
            lease_until=claim.lease_until,
            expires_at=claim.expires_at,
        )
        self._journal.put(self._records, key, record)
        return Claimed(claim.token)

    async def complete(self, owner: int, scope: str, key: str, token: str, snapshot: str) -> bool:
        held = self._records.get((owner, scope, key))
        if held is None or held.token != token or held.snapshot is not None:
            return False
        self._journal.put(self._records, (owner, scope, key), replace(held, snapshot=snapshot))
        return True

    async def release(self, owner: int, scope: str, key: str, token: str) -> None:
        held = self._records.get((owner, scope, key))
        if held is not None and held.token == token and held.snapshot is None:
            self._journal.put(self._records, (owner, scope, key), None)

    async def purge_expired(self, now: datetime) -> int:
        expired = [key for key, record in self._records.items() if record.expires_at <= now]
        for key in expired:
            self._journal.put(self._records, key, None)
        return len(expired)


def _lapsed(record: IdempotencyRecord, now: datetime) -> bool:
    """Expired, or still in flight past its lease (its request most likely died)."""
    return record.expires_at <= now or (record.snapshot is None and record.lease_until <= now)
