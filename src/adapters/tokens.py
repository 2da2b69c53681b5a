"""Access tokens as JWTs (RFC 7519), signed with HS256 and checked in-process.

Everything a token claims is checked: the signature and its algorithm (HS256
only, so `alg=none` and algorithm confusion are refused), expiry, issuer and
audience, and that the claims the service relies on are present.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

import jwt

from application.errors import InvalidToken, TokenProblem
from application.ports import AccessToken, TokenSigner

ISSUER: Final = "tasks-api"
AUDIENCE: Final = "tasks-api"
ALGORITHM: Final = "HS256"
LIFETIME: Final = timedelta(minutes=15)
_REQUIRED: Final = ["exp", "iat", "sub", "iss", "aud"]


class JwtAccessTokens(TokenSigner):
    def __init__(self, key: bytes, lifetime: timedelta = LIFETIME) -> None:
        if len(key) < 32:
            raise ValueError("the access-token key must be at least 32 bytes")
        self._key = key
        self._lifetime = lifetime

    def issue(self, account_id: int, now: datetime) -> AccessToken:
        claims = {
            "sub": str(account_id),
            "iat": int(now.timestamp()),
            "exp": int((now + self._lifetime).timestamp()),
            "iss": ISSUER,
            "aud": AUDIENCE,
        }
        token = jwt.encode(claims, self._key, algorithm=ALGORITHM)
        return AccessToken(token, int(self._lifetime.total_seconds()))

    def verify(self, token: str) -> int:
        # Expiry is checked against the system's time, as every other party to the
        # token (its issuer, a proxy, the client) sees it.
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": _REQUIRED},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken(TokenProblem.EXPIRED, "expired") from None
        except jwt.PyJWTError as error:
            raise InvalidToken(TokenProblem.INVALID, f"{type(error).__name__}: {error}") from None
        subject = claims["sub"]
        if not (isinstance(subject, str) and subject.isdigit() and 0 < int(subject) < 2**63):
            raise InvalidToken(TokenProblem.INVALID, "the subject is not an account id")
        return int(subject)
