"""Bearer headers for the tests' accounts, signed as the app under test signs them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.tokens import JwtAccessTokens
from entrypoints.container import Container
from entrypoints.secret_key import ACCESS_TOKEN_KEY, derive

_LONG: timedelta = timedelta(days=3650)
"""Tests move their clock by hours and days; a token for them outlives any of that.
How expiry is enforced is tested on its own."""


def bearer(container: Container, account_id: int) -> dict[str, str]:
    """The Authorization header of `account_id`, signed with the container's own key."""
    key = derive(container.secret(), ACCESS_TOKEN_KEY)
    # Issued at the real time, not the test clock's: reading a stepping clock would
    # shift every timestamp the test then checks.
    token = JwtAccessTokens(key, lifetime=_LONG).issue(account_id, datetime.now(UTC))
    return {"Authorization": f"Bearer {token.token}"}
