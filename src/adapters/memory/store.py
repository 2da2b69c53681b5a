"""The state of an in-memory store: tables as dicts, and their id sequences."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from adapters.memory.accounts import AccountTables
from application.resources import ResourceKind, Versioned


@dataclass(frozen=True, slots=True, kw_only=True)
class IdempotencyRecord:
    fingerprint: str
    token: str
    snapshot: str | None
    lease_until: datetime
    expires_at: datetime


E = TypeVar("E")
V = TypeVar("V", bound=Versioned)


@dataclass(frozen=True, slots=True)
class Owned(Generic[E]):
    """A stored resource and the account it belongs to."""

    owner: int
    resource: E


def _first_id() -> Iterator[int]:
    return itertools.count(1)


@dataclass(slots=True)
class MemoryDatabase:
    resources: defaultdict[str, dict[int, Owned[Any]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    """Each kind's table, by the kind's name: made on first use, so no kind is listed here."""
    idempotency: dict[tuple[int, str, str], IdempotencyRecord] = field(default_factory=dict)
    """By owner, scope and key."""
    # Ids are never reused, not even after a rollback: as in the SQL stores.
    ids: defaultdict[str, Iterator[int]] = field(default_factory=lambda: defaultdict(_first_id))
    account_tables: AccountTables = field(default_factory=AccountTables)

    def table(self, kind: ResourceKind[V, Any, Any]) -> dict[int, Owned[V]]:
        """The rows of `kind`, by id."""
        return self.resources[kind.name]

    async def ping(self) -> None:
        """Always answers: it is in this very process."""

    async def close(self) -> None:
        """Nothing to release."""
