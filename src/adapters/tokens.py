"""Access tokens as JWTs (RFC 7519) signed with HMAC-SHA256, through PyJWT.

Only HS256 is accepted (`algorithms` is what makes PyJWT refuse `none` and
every other algorithm), with issuer, audience and every time claim required.
Expiry is checked against the service's clock, not PyJWT's, so that the
whole service agrees on what time it is.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Final

import jwt

from application.errors import InvalidToken, TokenProblem
from application.ports import AccessToken, TokenSigner

ALGORITHM: Final = "HS256"
ISSUER: Final = "tasks-api"
AUDIENCE: Final = "tasks-api"
ACCESS_TOKEN_TTL: Final = timedelta(minutes=15)
_ACCOUNT_ID: Final = re.compile(r"[1-9][0-9]{0,18}")
_OPTIONS: Final[Any] = {
    "require": ["exp", "iat", "sub", "iss", "aud"],
    # Checked below against the injected clock instead.
    "verify_exp": False,
    "verify_iat": False,
}


class JwtSigner(TokenSigner):
    def __init__(self, key: bytes, ttl: timedelta = ACCESS_TOKEN_TTL) -> None:
        if len(key) < 32:
            raise ValueError("an HS256 key needs at least 256 bits")
        self._key = key
        self._ttl = ttl

    def issue(self, account_id: int, now: datetime) -> AccessToken:
        issued = int(now.timestamp())
        seconds = int(self._ttl.total_seconds())
        claims = {
            "sub": str(account_id),
            "iat": issued,
            "exp": issued + seconds,
            "iss": ISSUER,
            "aud": AUDIENCE,
        }
        return AccessToken(jwt.encode(claims, self._key, algorithm=ALGORITHM), seconds)

    def verify(self, token: str, now: datetime) -> int:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options=_OPTIONS,
            )
        except jwt.PyJWTError as error:
            message = f"The access token is not valid: {error}"
            raise InvalidToken(TokenProblem.INVALID, message) from None
        subject, expires, issued = claims["sub"], claims["exp"], claims["iat"]
        if not (_is_integer(expires) and _is_integer(issued) and _is_account_id(subject)):
            raise InvalidToken(TokenProblem.INVALID, "The access token's claims are malformed")
        if expires <= now.timestamp():
            raise InvalidToken(TokenProblem.EXPIRED, "The access token has expired")
        return int(subject)


def _is_account_id(subject: str) -> bool:
    # Ids are 64-bit: a larger one names no account, and would overflow a query.
    return _ACCOUNT_ID.fullmatch(subject) is not None and int(subject) < 2**63


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
