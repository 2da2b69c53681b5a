"""The state of an in-memory store: tables as dicts, and their id sequences."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from adapters.memory.accounts import AccountTables
from domain.note import Note
from domain.task import Task


@dataclass(frozen=True, slots=True, kw_only=True)
class IdempotencyRecord:
    fingerprint: str
    token: str
    snapshot: str | None
    lease_until: datetime
    expires_at: datetime


E = TypeVar("E")


@dataclass(frozen=True, slots=True)
class Owned(Generic[E]):
    """A stored resource and the account it belongs to."""

    owner: int
    resource: E


@dataclass(slots=True)
class MemoryDatabase:
    tasks: dict[int, Owned[Task]] = field(default_factory=dict)
    notes: dict[int, Owned[Note]] = field(default_factory=dict)
    idempotency: dict[tuple[int, str, str], IdempotencyRecord] = field(default_factory=dict)
    """By owner, scope and key."""
    # Ids are never reused, not even after a rollback: as in the SQL stores.
    task_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    note_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    account_tables: AccountTables = field(default_factory=AccountTables)

    async def ping(self) -> None:
        """Always answers: it is in this very process."""

    async def close(self) -> None:
        """Nothing to release."""
