"""The benchmark's account: made through the service's API, as a user makes one.

Until the schema has accounts there is no account (None) and no token.
Both servers get the same token, signed by the service, and check it the same way.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from bench.database import BenchError
from bench.http import request


@dataclass(frozen=True, slots=True)
class Account:
    email: str
    password: str
    id: int


async def sign_up(service: str) -> Account:
    """`POST /users` on the service at `service` (an address)."""
    email = f"bench-{secrets.token_hex(6)}@example.com"
    password = secrets.token_urlsafe(24)
    answer = await request(
        service,
        "POST",
        "/users",
        body=json.dumps({"email": email, "password": password}).encode(),
        content_type="application/json",
    )
    if answer.status != 201:
        raise BenchError(f"POST /users answered {answer.status}: {answer.body[:300]!r}")
    return Account(email, password, int(answer.json()["id"]))


async def access_token(service: str, account: Account | None) -> str | None:
    """A fresh access token (they last minutes), or None when there are no accounts."""
    if account is None:
        return None
    form = {"grant_type": "password", "username": account.email, "password": account.password}
    answer = await request(
        service,
        "POST",
        "/auth/token",
        body=urlencode(form).encode(),
        content_type="application/x-www-form-urlencoded",
    )
    if answer.status != 200:
        raise BenchError(f"POST /auth/token answered {answer.status}: {answer.body[:300]!r}")
    token: str = answer.json()["access_token"]
    return token
