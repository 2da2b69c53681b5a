"""Opaque, tamper-evident cursors for keyset paging.

A cursor carries the keyset to continue after, and the sort and filters it was
made for, so it cannot be replayed against another list. It is signed with a
server-side key: a modified or made-up cursor is rejected, never misread.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from domain.errors import InvalidValue
from domain.ids import is_possible_id
from domain.sorting import Sort, SortField, SortValue

MAX_CURSOR_LENGTH: Final = 2048
"""Enough for the longest cursor issued: after a 200-character title of
characters JSON must escape (6 bytes each), about 1,750 characters."""
_MAC_SIZE: Final = 16


class _Row(Protocol):
    @property
    def id(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Keyset:
    """A position in a sorted list: the sort value and id of the last row already seen."""

    value: SortValue
    id: int

    @classmethod
    def of(cls, row: _Row, sort: Sort) -> Keyset:
        value: SortValue = getattr(row, sort.field.value)
        return cls(value, row.id)


@dataclass(frozen=True, slots=True)
class CursorScope:
    """What a cursor is valid for: one account's list of one resource, in one sort, with
    one set of filters. Another account's cursor is refused like a tampered one."""

    owner: int
    resource: str
    sort: Sort
    filters: str
    """A stable text form of the filters (their `repr`)."""

    def digest(self) -> str:
        text = f"{self.owner}\n{self.resource}\n{self.sort}\n{self.filters}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]


class CursorCodec:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the cursor secret must be at least 16 bytes")
        self._secret = secret

    def encode(self, scope: CursorScope, keyset: Keyset) -> str:
        value = keyset.value.isoformat() if isinstance(keyset.value, datetime) else keyset.value
        payload = json.dumps(
            {"s": scope.digest(), "v": value, "i": keyset.id},
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        token = self._mac(payload) + payload
        return base64.urlsafe_b64encode(token).rstrip(b"=").decode()

    def decode(self, cursor: str, scope: CursorScope) -> Keyset:
        """The keyset in `cursor`; `InvalidValue` unless it is genuine and made for `scope`."""
        payload = self._verified_payload(cursor)
        try:
            data = json.loads(payload)
            digest, value, last_id = data["s"], data["v"], data["i"]
        except (ValueError, TypeError, KeyError):
            raise InvalidValue("is not a valid cursor") from None
        if digest != scope.digest():
            raise InvalidValue(
                "was made for another sort or other filters; repeat them as they were, "
                "or start again without a cursor"
            )
        if type(last_id) is not int or not is_possible_id(last_id):
            raise InvalidValue("is not a valid cursor")
        return Keyset(_sort_value(value, scope.sort.field), last_id)

    def _verified_payload(self, cursor: str) -> bytes:
        if len(cursor) > MAX_CURSOR_LENGTH or not cursor.isascii():
            raise InvalidValue("is not a valid cursor")
        try:
            token = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raise InvalidValue("is not a valid cursor") from None
        # The decoder skips stray characters and padding; only the exact text
        # that was issued is a cursor.
        if base64.urlsafe_b64encode(token).rstrip(b"=").decode() != cursor:
            raise InvalidValue("is not a valid cursor")
        mac, payload = token[:_MAC_SIZE], token[_MAC_SIZE:]
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise InvalidValue("is not a valid cursor")
        return payload

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()[:_MAC_SIZE]


def _sort_value(value: object, field: SortField) -> SortValue:
    # The payload is signed, so a mismatch here means a bug, not an attack;
    # it is still a client error rather than a crash.
    if field is SortField.ID and type(value) is int:
        return value
    if field is SortField.TITLE and isinstance(value, str):
        return value
    if field in (SortField.CREATED_AT, SortField.UPDATED_AT) and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None:
                return moment
    raise InvalidValue("is not a valid cursor")
