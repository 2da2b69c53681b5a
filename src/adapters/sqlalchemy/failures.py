"""Which database failures mean "unavailable", as opposed to a bug; and the one
integrity failure that means the acting account is gone."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Final

import asyncpg
from sqlalchemy import exc

from application.errors import AccountGone, StorageUnavailable

# Connection refused or reset, timeouts: the request may succeed if retried later.
# Anything else is a bug.
_TRANSIENT = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError, OSError, TimeoutError)

_TRANSIENT_SQLITE_CODES: Final = frozenset(
    {
        5,  # SQLITE_BUSY: "database is locked", another connection writes
        6,  # SQLITE_LOCKED: "database table is locked"
        10,  # SQLITE_IOERR: "disk I/O error"
    }
)
"""The SQLite failures that may pass. SQLite reports everything else as an
`OperationalError` too ("no such table", "no such column"): bugs, or a database
that was never migrated, which no retry will cure."""

_TRANSIENT_SQLSTATE_CLASSES: Final = frozenset({"08"})
"""Connection exceptions, whatever the detail."""

_TRANSIENT_SQLSTATES: Final = frozenset(
    {
        "57014",  # query_canceled: statement_timeout went off
        "57P01",  # admin_shutdown: the server is stopping
        "57P02",  # crash_shutdown: another backend crashed
        "57P03",  # cannot_connect_now: starting up, shutting down, in recovery
        "53300",  # too_many_connections
        "55P03",  # lock_not_available: lock_timeout went off
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
    }
)
"""PostgreSQL errors that mean "not now" rather than "never".

The asyncpg dialect raises most server errors as a bare `DBAPIError`, whatever
they mean, so the error code is what tells them apart.
"""


def is_unavailable(error: BaseException) -> bool:
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    if type(error) is asyncpg.InterfaceError:
        # Raised by asyncpg itself, used directly on PostgreSQL, when the connection
        # is closed or was terminated at the budget. Its subclasses (bad arguments,
        # unsupported features) are bugs.
        return True
    sqlite_error = getattr(error, "orig", error)
    if isinstance(sqlite_error, sqlite3.Error):
        # Extended codes (SQLITE_IOERR_READ, ...) keep the primary code in the low byte.
        code = getattr(sqlite_error, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in _TRANSIENT_SQLITE_CODES
    if isinstance(error, _TRANSIENT):
        return True
    sqlstate = _sqlstate(error)
    return sqlstate is not None and (
        sqlstate in _TRANSIENT_SQLSTATES or sqlstate[:2] in _TRANSIENT_SQLSTATE_CLASSES
    )


def _sqlstate(error: BaseException) -> str | None:
    """The PostgreSQL error code (SQLSTATE) of `error` or of the driver error it wraps."""
    for candidate in (error, getattr(error, "orig", None)):
        code = getattr(candidate, "sqlstate", None)
        if isinstance(code, str):
            return code
    return None


@asynccontextmanager
async def unavailable_on_failure() -> AsyncIterator[None]:
    """Turn transient database failures raised inside into `StorageUnavailable`."""
    try:
        yield
    except Exception as error:
        if is_unavailable(error):
            raise StorageUnavailable(str(error.__class__.__name__)) from error
        raise


@contextmanager
def account_gone_on_missing_owner() -> Iterator[None]:
    """Turn the owner's foreign-key violation of an insert into `AccountGone`.

    An access token outlives a deleted account by up to its expiry; the insert's
    own foreign key is what refuses it, at no extra cost to every request.
    The statements this wraps write no other constraint that can fail.
    """
    try:
        yield
    except (exc.IntegrityError, asyncpg.IntegrityConstraintViolationError) as error:
        # The second: raised by asyncpg itself, used directly on PostgreSQL.
        raise AccountGone from error
