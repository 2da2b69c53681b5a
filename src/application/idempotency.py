"""Idempotency keys: a retried POST returns the first response instead of creating twice."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from domain.errors import InvalidInput

KEY_FIELD: Final = "Idempotency-Key"
_KEY = re.compile(r"[\x21-\x7e]{1,255}")


@dataclass(frozen=True, slots=True)
class IdempotencyRequest:
    """A client's idempotency key and a fingerprint of the request body it came with."""

    key: str
    fingerprint: str

    def __post_init__(self) -> None:
        if not _KEY.fullmatch(self.key):
            raise InvalidInput.single(KEY_FIELD, "must be 1..255 visible ASCII characters")


@dataclass(frozen=True, slots=True)
class IdempotencyPolicy:
    ttl: timedelta = timedelta(hours=24)
    """How long a stored response is replayed."""
    lease: timedelta = timedelta(seconds=30)
    """How long a request in flight holds its key; after it, a retry may take the key over
    (the first request can then no longer store its result, and rolls back)."""
