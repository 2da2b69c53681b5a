"""Accounts for tests: a fast stand-in for Argon2, and a signed-up account's auth headers."""

from __future__ import annotations

import hashlib
import itertools

import httpx

from application.ports import PasswordHasher

PASSWORD = "correct horse battery"
_emails = itertools.count(1)


class FastHasher(PasswordHasher):
    """Salt-free SHA-256: for tests that are not about hashing (Argon2 costs ~0.1 s a hash)."""

    def __init__(self) -> None:
        self.outdated: set[str] = set()
        """Hashes `needs_rehash` reports, to test rehashing."""

    async def hash(self, password: str) -> str:
        return "fast$" + hashlib.sha256(password.encode()).hexdigest()

    async def verify(self, password: str, password_hash: str | None) -> bool:
        return password_hash is not None and await self.hash(password) == password_hash

    def needs_rehash(self, password_hash: str) -> bool:
        return password_hash in self.outdated


def unique_email() -> str:
    return f"user{next(_emails)}@example.com"


async def sign_up_and_log_in(
    client: httpx.AsyncClient, email: str | None = None, password: str = PASSWORD
) -> dict[str, str]:
    """Create an account and return the headers that authenticate as it."""
    email = email or unique_email()
    created = await client.post("/users", json={"email": email, "password": password})
    assert created.status_code == 201, created.text
    token = await client.post(
        "/auth/token", data={"grant_type": "password", "username": email, "password": password}
    )
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}
