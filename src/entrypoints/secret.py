"""The service's one secret (`SECRET_KEY`), and the separate keys derived from it.

Each use gets its own key, HMAC-SHA256(secret, label), so that a token of one
kind can never pass for another. When no secret is set: on SQLite one is
generated and kept beside the database file (`<database>.secret`, mode 0600),
so tokens and cursors survive a restart; on memory it lives as long as the
process; on PostgreSQL, whose data several hosts may serve, the service refuses
to start, as each would otherwise make up a secret of its own.
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

ACCESS_TOKEN_LABEL: Final = b"tasks-api access-token"
CURSOR_LABEL: Final = b"tasks-api cursor"


class MissingSecret(RuntimeError):
    pass


def derive(secret: bytes, label: bytes) -> bytes:
    return hmac.new(secret, label, hashlib.sha256).digest()


def secret_key(settings: Settings) -> bytes:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    url = make_url(settings.database_url)
    backend = url.get_backend_name()
    if backend == "sqlite" and url.database not in (None, "", ":memory:"):
        return _kept_beside(Path(f"{url.database}.secret"))
    if backend in ("memory", "sqlite"):
        return secrets.token_urlsafe(32).encode()
    raise MissingSecret(
        "SECRET_KEY is not set. On PostgreSQL every server process must sign tokens and "
        "cursors with the same secret: set SECRET_KEY to 32 or more random characters "
        "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)."
    )


def _kept_beside(path: Path) -> bytes:
    """The secret in `path`, made now if there is none (by whichever process is first)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    secret = secrets.token_urlsafe(32).encode()
    with os.fdopen(descriptor, "wb") as file:
        file.write(secret)
    return secret
