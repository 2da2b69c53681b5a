"""Argon2id password hashing (pwdlib's recommended parameters), off the event loop.

One hash costs ~0.1 s of CPU and 64 MiB of memory by design. The work runs in a
pool of its own, one thread per core (argon2 releases the GIL): logins then
use every core, a burst of them queues instead of exhausting memory, and the
event loop keeps serving everything else meanwhile.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from pwdlib import PasswordHash
from pwdlib.exceptions import UnknownHashError

from application.ports import PasswordHasher

T = TypeVar("T")


class Argon2PasswordHasher(PasswordHasher):
    def __init__(self, *, threads: int | None = None) -> None:
        self._hash = PasswordHash.recommended()
        self._pool = ThreadPoolExecutor(
            max_workers=threads or os.cpu_count() or 1, thread_name_prefix="password-hash"
        )
        # What an unknown email is verified against, so that it costs the same as a
        # known one. Made once per process, from a password nobody knows.
        self._dummy_hash = self._hash.hash(secrets.token_urlsafe(32))

    async def hash(self, password: str) -> str:
        return await self._run(self._hash.hash, password)

    async def verify(self, password: str, password_hash: str | None) -> bool:
        if password_hash is None:
            await self._run(self._verify, password, self._dummy_hash)
            return False
        return await self._run(self._verify, password, password_hash)

    def needs_rehash(self, password_hash: str) -> bool:
        hasher = self._hash.current_hasher
        return not hasher.identify(password_hash) or hasher.check_needs_rehash(password_hash)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _verify(self, password: str, password_hash: str) -> bool:
        try:
            return self._hash.verify(password, password_hash)
        except UnknownHashError:
            # A hash no hasher makes (the legacy account's "!"): it matches nothing.
            self._hash.verify(password, self._dummy_hash)
            return False

    async def _run(self, work: Callable[..., T], *arguments: str) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, work, *arguments)
