"""The floor's bearer-token check and list cursors, by hand with hmac and json.

Keys are derived from `SECRET_KEY` as the service derives them:
HMAC-SHA256(secret, label), one label per use.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Final

ACCESS_TOKEN_LABEL: Final = b"tasks-api access-token"
CURSOR_LABEL: Final = b"tasks-api cursor"
ISSUER: Final = "tasks-api"
AUDIENCE: Final = "tasks-api"
_MAC_SIZE: Final = 16


def derive(secret: str, label: bytes) -> bytes:
    return hmac.new(secret.encode(), label, hashlib.sha256).digest()


def _b64decode(text: bytes) -> bytes:
    return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))


class TokenCheck:
    """HS256 JWTs with `sub`, `exp`, `iss` and `aud`: the account id, or None if invalid."""

    def __init__(self, secret: str) -> None:
        self._key = derive(secret, ACCESS_TOKEN_LABEL)

    def owner(self, authorization: bytes | None) -> int | None:
        if authorization is None or authorization[:7].lower() != b"bearer ":
            return None
        claims = self._verified_claims(authorization[7:].strip())
        if claims is None or not _valid(claims):
            return None
        return int(str(claims["sub"]))

    def _verified_claims(self, token: bytes) -> dict[str, object] | None:
        """The claims of a token signed with HS256 by our key, or None."""
        try:
            head, payload, signature = token.split(b".")
            expected = hmac.new(self._key, head + b"." + payload, hashlib.sha256).digest()
            if not hmac.compare_digest(_b64decode(signature), expected):
                return None
            if json.loads(_b64decode(head)).get("alg") != "HS256":
                return None
            claims = json.loads(_b64decode(payload))
        except (ValueError, binascii.Error, AttributeError):
            return None
        return claims if isinstance(claims, dict) else None


def _valid(claims: dict[str, object]) -> bool:
    """Issuer, audience and expiry as the service checks them, and a numeric subject."""
    audience, expires, subject = claims.get("aud"), claims.get("exp"), claims.get("sub")
    return (
        claims.get("iss") == ISSUER
        and (audience == AUDIENCE or (isinstance(audience, list) and AUDIENCE in audience))
        and isinstance(expires, int | float)
        and expires > time.time()
        and isinstance(subject, str)
        and subject.isdigit()
    )


class Cursors:
    """Signed keyset cursors: `base64url(mac + json)`, bound to one sort and filters."""

    def __init__(self, secret: str) -> None:
        self._key = derive(secret, CURSOR_LABEL)

    def encode(self, scope: str, value: object, last_id: int) -> str:
        payload = json.dumps({"s": scope, "v": value, "i": last_id}, separators=(",", ":")).encode()
        token = self._mac(payload) + payload
        return base64.urlsafe_b64encode(token).rstrip(b"=").decode()

    def decode(self, cursor: str, scope: str) -> tuple[object, int] | None:
        """The keyset in `cursor`, or None unless it is genuine and made for `scope`."""
        try:
            token = _b64decode(cursor.encode("ascii"))
            mac, payload = token[:_MAC_SIZE], token[_MAC_SIZE:]
            if not hmac.compare_digest(mac, self._mac(payload)):
                return None
            data = json.loads(payload)
        except (ValueError, binascii.Error):
            return None
        if data.get("s") != scope or type(data.get("i")) is not int:
            return None
        return data.get("v"), data["i"]

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_MAC_SIZE]


def scope_of(sort: str, filters: object) -> str:
    return hashlib.sha256(f"tasks\n{sort}\n{filters!r}".encode()).hexdigest()[:16]
