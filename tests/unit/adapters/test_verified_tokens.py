"""A token verified once is looked up until it expires; nothing else is remembered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.tokens import JwtAccessTokens
from adapters.verified_tokens import VerifiedTokens
from application.errors import InvalidToken
from application.ports import AccessToken, TokenSigner

KEY = b"k" * 32
NOW = datetime(2026, 1, 1, tzinfo=UTC)


class CountingSigner(TokenSigner):
    """The real signer, counting the verifications that reach it."""

    def __init__(self) -> None:
        self.inner = JwtAccessTokens(KEY, lifetime=timedelta(minutes=15))
        self.verified = 0

    def issue(self, account_id: int, now: datetime) -> AccessToken:
        return self.inner.issue(account_id, now)

    def verify(self, token: str) -> int:
        self.verified += 1
        return self.inner.verify(token)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at.timestamp()


def _tokens(size: int = 10) -> tuple[VerifiedTokens, CountingSigner, Clock]:
    signer = CountingSigner()
    clock = Clock(datetime.now(UTC))
    return VerifiedTokens(signer, size=size, clock=clock), signer, clock


def test_a_token_is_verified_once_then_looked_up() -> None:
    tokens, signer, _ = _tokens()
    token = tokens.issue(7, datetime.now(UTC)).token

    assert [tokens.verify(token) for _ in range(3)] == [7, 7, 7]
    assert signer.verified == 1


def test_a_remembered_token_is_verified_again_once_it_expires() -> None:
    tokens, signer, clock = _tokens()
    token = tokens.issue(7, datetime.now(UTC)).token
    tokens.verify(token)

    clock.at += timedelta(minutes=15)

    # The signer checks again (against the system's time, by which the token is still valid).
    assert tokens.verify(token) == 7
    assert signer.verified == 2


def test_a_token_that_fails_is_never_remembered() -> None:
    tokens, signer, _ = _tokens()
    token = tokens.issue(7, datetime.now(UTC)).token
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    for _ in range(2):
        with pytest.raises(InvalidToken):
            tokens.verify(forged)
    assert signer.verified == 2


def test_at_most_size_tokens_are_remembered_the_oldest_forgotten_first() -> None:
    tokens, signer, _ = _tokens(size=2)
    first, second, third = (tokens.issue(n, datetime.now(UTC)).token for n in (1, 2, 3))
    for token in (first, second, third):
        tokens.verify(token)

    tokens.verify(third)
    tokens.verify(second)
    assert signer.verified == 3
    tokens.verify(first)
    assert signer.verified == 4


def test_issuing_is_the_signer_s() -> None:
    tokens, signer, _ = _tokens()

    token = tokens.issue(9, NOW).token

    assert token == signer.inner.issue(9, NOW).token
