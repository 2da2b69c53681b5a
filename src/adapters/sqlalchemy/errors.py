"""Which database failures mean "unavailable", as opposed to a bug."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import exc

from application.errors import StorageUnavailable

# Connection refused or reset, timeouts, cancelled statements, a locked SQLite
# file: the request may succeed if retried later. Anything else is a bug.
_TRANSIENT = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError, OSError, TimeoutError)


def is_unavailable(error: BaseException) -> bool:
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, _TRANSIENT)


@asynccontextmanager
async def unavailable_on_failure() -> AsyncIterator[None]:
    """Turn transient database failures raised inside into `StorageUnavailable`."""
    try:
        yield
    except Exception as error:
        if is_unavailable(error):
            raise StorageUnavailable(str(error.__class__.__name__)) from error
        raise
