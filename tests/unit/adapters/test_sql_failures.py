"""Which errors raised by asyncpg itself (used directly on PostgreSQL) mean "unavailable"."""

from __future__ import annotations

import asyncpg
import pytest

from adapters.sqlalchemy.failures import account_gone_on_missing_owner, is_unavailable
from application.errors import AccountGone


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.InterfaceError("cannot perform operation: connection is closed"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
        asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
        TimeoutError(),
    ],
)
def test_a_lost_connection_or_a_cancelled_statement_is_unavailable(error: Exception) -> None:
    assert is_unavailable(error)


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.DataError("invalid input for query argument $1"),
        asyncpg.exceptions.UndefinedTableError('relation "tasks" does not exist'),
        asyncpg.exceptions.UniqueViolationError("duplicate key"),
    ],
)
def test_a_bug_or_a_schema_never_migrated_is_no_outage(error: Exception) -> None:
    assert not is_unavailable(error)


def test_asyncpg_s_foreign_key_violation_means_the_account_is_gone() -> None:
    with pytest.raises(AccountGone), account_gone_on_missing_owner():
        raise asyncpg.exceptions.ForeignKeyViolationError("violates foreign key constraint")
