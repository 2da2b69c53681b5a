"""The service's one secret, and the separate keys derived from it.

`SECRET_KEY` signs access tokens and list cursors, each with a key of its own
(HMAC-SHA256 of the secret and a label), so that neither can ever be passed
off as the other. Unset, the embedded SQLite default generates one and keeps it
next to the database file, so tokens and cursors survive a restart; memory makes
one per process; PostgreSQL, shared by many processes and hosts, refuses to
start: they must all be given the same secret.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Final

from sqlalchemy.engine import make_url

from entrypoints.settings import Settings

ACCESS_TOKEN_KEY: Final = b"tasks-api access-token"
CURSOR_KEY: Final = b"tasks-api cursor"


class MissingSecretKey(Exception):
    """The database is shared, so a generated secret would differ between processes."""


def derive(secret: bytes, label: bytes) -> bytes:
    return hmac.new(secret, label, hashlib.sha256).digest()


def secret_key(settings: Settings) -> bytes:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    url = make_url(settings.database_url)
    backend = url.get_backend_name()
    if backend == "sqlite" and url.database not in (None, "", ":memory:"):
        return _kept_beside(Path(url.database))
    if backend in ("sqlite", "memory"):
        # The data lives as long as this process, and so may the secret.
        return secrets.token_bytes(32)
    raise MissingSecretKey(
        "SECRET_KEY is not set. On a shared database every process and host must sign "
        "tokens and cursors with the same secret: set SECRET_KEY to 32 or more random "
        "characters (e.g. the output of: python -c 'import secrets; "
        "print(secrets.token_urlsafe(32))') in the environment of every server."
    )


def secret_file(database: Path) -> Path:
    return database.with_name(database.name + ".secret")


def _kept_beside(database: Path) -> bytes:
    """The secret kept next to the SQLite file, made on first use and readable by its
    owner only. It is written whole under another name and then linked into place,
    so of several processes starting at once the first wins and none reads half a file."""
    path = secret_file(database)
    if not path.exists():
        draft = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_bytes().strip()
