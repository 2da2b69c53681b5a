"""The schema, as SQLAlchemy metadata. Migrations are written against it and checked for drift."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from adapters.sqlalchemy.types import UtcDateTime, code_point_string
from domain.account import EMAIL_MAX_LENGTH
from domain.sorting import SortField
from domain.tags import TAG_MAX_LENGTH
from domain.text import TITLE_MAX_LENGTH

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# 64-bit ids on PostgreSQL; on SQLite, INTEGER PRIMARY KEY is the 64-bit rowid,
# and AUTOINCREMENT keeps ids of deleted rows from being handed out again.
_Id = BigInteger().with_variant(Integer(), "sqlite")

accounts = Table(
    "accounts",
    metadata,
    Column("id", _Id, Identity(), primary_key=True),
    # Stored lower-cased (domain.account), so equality is the comparison.
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", Text(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    sqlite_autoincrement=True,
)


def _owner() -> Column[int]:
    """The account a row belongs to; deleting the account deletes the row."""
    return Column("owner_id", _Id, ForeignKey(accounts.c.id, ondelete="CASCADE"), nullable=False)


def _resource_table(name: str, *content: Column[Any]) -> Table:
    """The table of one kind of versioned resource: its id and owner, its title (and the
    case-folded copy search matches against, see domain.text.fold), its own `content`
    columns, and its timestamps and version.

    Every list reads one owner's rows: each index leads with the owner, then a
    sort key with the id as tie-breaker, so a sorted page is a scan of that
    owner's slice of one index.
    """
    table = Table(
        name,
        metadata,
        Column("id", _Id, Identity(), primary_key=True),
        _owner(),
        Column("title", code_point_string(TITLE_MAX_LENGTH), nullable=False),
        Column("title_folded", Text(), nullable=False),
        *content,
        Column("created_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        Column("version", Integer(), nullable=False),
        sqlite_autoincrement=True,
    )
    for key in SortField:
        tie_breaker = () if key is SortField.ID else (table.c.id,)
        Index(None, table.c.owner_id, table.c[key.value], *tie_breaker)
    return table


tasks = _resource_table(
    "tasks",
    Column("description", Text(), nullable=True),
    Column("done", Boolean(), nullable=False),
)
# `done` is indexed like a sort key: the most common filter.
Index(None, tasks.c.owner_id, tasks.c.done, tasks.c.id)

task_tags = Table(
    "task_tags",
    metadata,
    Column("task_id", _Id, ForeignKey(tasks.c.id, ondelete="CASCADE"), primary_key=True),
    Column("tag", String(TAG_MAX_LENGTH), primary_key=True),
    # The task's owner again, so the tag filter reads one owner's tags only.
    Column("owner_id", _Id, nullable=False),
)
# The primary key serves loading a task's tags; this one serves the tag filter.
Index(None, task_tags.c.owner_id, task_tags.c.tag, task_tags.c.task_id)

notes = _resource_table(
    "notes",
    Column("body", Text(), nullable=False),
    Column("body_folded", Text(), nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    # Keys belong to the account that sent them, and go with it.
    Column("owner_id", _Id, ForeignKey(accounts.c.id, ondelete="CASCADE"), primary_key=True),
    Column("scope", String(50), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("token", String(32), nullable=False),
    # The created resource as JSON; NULL while its request is in flight.
    Column("snapshot", Text(), nullable=True),
    Column("lease_until", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)
Index(None, idempotency_keys.c.expires_at)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    # SHA-256 of the token, in hex: the token itself is never stored.
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", _Id, ForeignKey(accounts.c.id, ondelete="CASCADE"), nullable=False),
    # The login the token descends from: reuse of a retired token revokes them all.
    Column("family_id", String(32), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    # Set when the token is used; it is kept until it expires, to detect reuse.
    Column("retired_at", UtcDateTime(), nullable=True),
)
Index(None, refresh_tokens.c.family_id)
# Deleting an account cascades to its tokens: an index, or each delete scans them all.
Index(None, refresh_tokens.c.account_id)
Index(None, refresh_tokens.c.expires_at)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", _Id, Identity(), primary_key=True),
    # Not a foreign key: failures count for emails that have no account too,
    # or the counts would tell which emails have one.
    Column("email", String(EMAIL_MAX_LENGTH), nullable=True),
    Column("address", String(64), nullable=True),
    Column("failed_at", UtcDateTime(), nullable=False),
    sqlite_autoincrement=True,
)
# A window's count per email or address reads only that key's latest rows.
Index(None, login_failures.c.email, login_failures.c.failed_at)
Index(None, login_failures.c.address, login_failures.c.failed_at)
Index(None, login_failures.c.failed_at)

# On PostgreSQL, trigram indexes serve the substring search (`LIKE '%q%'`), led by
# the owner (btree_gin lets a GIN index hold a plain column); they are created by
# the migrations, which alone know about extensions.
TRIGRAM_INDEXES = {
    "ix_tasks_owner_id_title_folded_trgm": ("tasks", "title_folded"),
    "ix_notes_owner_id_title_folded_trgm": ("notes", "title_folded"),
    "ix_notes_owner_id_body_folded_trgm": ("notes", "body_folded"),
}
