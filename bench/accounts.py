"""The benchmark's account and its bearer token.

The account is made through the service's API as a user makes one (`POST /users`,
then `POST /auth/token`). Until the service has those endpoints (the schema may
have accounts before), the account row is inserted directly and the token is
signed here, with the key the service derives from the same `SECRET_KEY`.
Until the schema has accounts there is no account (None) and no token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import asyncpg

from bench.database import BenchError
from bench.floor.tokens import ACCESS_TOKEN_LABEL, AUDIENCE, ISSUER, derive
from bench.http import request

LIFETIME_SECONDS = 15 * 60


@dataclass(frozen=True, slots=True)
class Account:
    email: str
    password: str
    id: int
    through_api: bool
    """Made with `POST /users`, so `POST /auth/token` gives its tokens."""


async def sign_up(service: str, database_url: str) -> Account:
    """`POST /users` on the service at `service` (an address), or a row when it has none."""
    email = f"bench-{secrets.token_hex(6)}@example.com"
    password = secrets.token_urlsafe(24)
    answer = await request(
        service,
        "POST",
        "/users",
        body=json.dumps({"email": email, "password": password}).encode(),
        content_type="application/json",
    )
    if answer.status == 201:
        return Account(email, password, int(answer.json()["id"]), through_api=True)
    if answer.status not in (404, 405):
        raise BenchError(f"POST /users answered {answer.status}: {answer.body[:300]!r}")
    connection = await asyncpg.connect(database_url)
    try:
        account_id: int = await connection.fetchval(
            "INSERT INTO accounts (email, password_hash, created_at) "
            "VALUES ($1, 'no password: made by the benchmark', now()) RETURNING id",
            email,
        )
    finally:
        await connection.close()
    return Account(email, password, account_id, through_api=False)


async def access_token(service: str, account: Account | None, secret: str) -> str | None:
    """A fresh access token (they last minutes), or None when there are no accounts."""
    if account is None:
        return None
    if not account.through_api:
        return sign(account.id, secret)
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


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def sign(account_id: int, secret: str) -> str:
    """An HS256 access token with the claims the service issues."""
    now = int(time.time())
    claims = {
        "sub": str(account_id),
        "iat": now,
        "exp": now + LIFETIME_SECONDS,
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    head = _b64(b'{"alg":"HS256","typ":"JWT"}') + b"." + _b64(json.dumps(claims).encode())
    signature = hmac.new(derive(secret, ACCESS_TOKEN_LABEL), head, hashlib.sha256).digest()
    return (head + b"." + _b64(signature)).decode()
