"""Access tokens already verified, remembered until they expire.

A client sends the same access token with every request for its lifetime
(15 minutes), and verifying it again each time (HMAC, base64 and JSON,
five claims) was about a tenth of the CPU of a `GET /tasks/{id}`. A token is
a byte string the service signed: once verified, the same string verifies
to the same account until its `exp`, so it is looked up instead.

Only tokens that verified are remembered, keyed by the whole string (a
forged or altered token is another string, and is verified in full); each
one only until its own expiry; and at most `size` of them, the oldest
forgotten first, so a client cycling through tokens cannot grow the memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Final

import jwt

from application.ports import AccessToken, TokenSigner

DEFAULT_SIZE: Final = 10_000
"""Tokens remembered at most: ~3 MB, more than the clients one worker serves in 15 minutes."""


class VerifiedTokens(TokenSigner):
    """A `TokenSigner` that verifies each token string once until it expires."""

    def __init__(
        self,
        signer: TokenSigner,
        *,
        size: int = DEFAULT_SIZE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._signer = signer
        self._size = size
        self._clock = clock
        """Seconds since the epoch: what a token's `exp` is compared with, as PyJWT does."""
        self._verified: dict[str, tuple[int, float]] = {}
        """Token → (account id, expiry), oldest first (dicts keep insertion order)."""

    def issue(self, account_id: int, now: datetime) -> AccessToken:
        return self._signer.issue(account_id, now)

    def verify(self, token: str) -> int:
        known = self._verified.get(token)
        if known is not None:
            account_id, expires = known
            if self._clock() < expires:
                return account_id
            del self._verified[token]
        # Raises `InvalidToken` for anything not genuine, unexpired and ours.
        account_id = self._signer.verify(token)
        # Genuine: its claims can be read without checking the signature again.
        claims = jwt.decode(token, options={"verify_signature": False})
        if len(self._verified) >= self._size:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = (account_id, float(claims["exp"]))
        return account_id
