"""Add accounts, and make every task, note and idempotency key belong to one.

Rows created before accounts existed are kept: when there are any, they are
given to one "legacy" account (`legacy@tasks-api.invalid`) whose password hash
can never verify, so nobody can sign in as it; an operator hands them to a real
account with `tasks-api adopt-legacy --email EMAIL`. A fresh database gets no
legacy account.

Idempotency keys stored before the upgrade are dropped: they were made by no
account, and no request can be authenticated as the legacy one, so none of them
could ever be replayed.

Every list index now leads with `owner_id`, so a list reads only its owner's
rows. `task_tags` carries the owner too, so the tag filter reads one owner's
tags. On PostgreSQL the trigram indexes lead with the owner as well, through
`btree_gin` (a trusted extension, like `pg_trgm`); both are left in place on
downgrade, as other objects may use them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

LEGACY_EMAIL = "legacy@tasks-api.invalid"  # as adapters.sqlalchemy.legacy has it
_NO_PASSWORD = "!"  # noqa: S105 - the opposite of a password: it matches none
"""Not a hash of anything: verifying any password against it fails."""

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_OLD_INDEXES = {
    "tasks": [["created_at", "id"], ["updated_at", "id"], ["title", "id"], ["done", "id"]],
    "notes": [["created_at", "id"], ["updated_at", "id"], ["title", "id"]],
}
_OLD_TRIGRAM = {
    "ix_tasks_title_folded_trgm": ("tasks", "title_folded"),
    "ix_notes_title_folded_trgm": ("notes", "title_folded"),
    "ix_notes_body_folded_trgm": ("notes", "body_folded"),
}
_NEW_TRIGRAM = {
    "ix_tasks_owner_id_title_folded_trgm": ("tasks", "title_folded"),
    "ix_notes_owner_id_title_folded_trgm": ("notes", "title_folded"),
    "ix_notes_owner_id_body_folded_trgm": ("notes", "body_folded"),
}


def _on_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _index_name(table: str, columns: list[str]) -> str:
    return f"ix_{table}_{'_'.join(columns)}"


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", _Id, sa.Identity(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("email", name="uq_accounts_email"),
        sqlite_autoincrement=True,
    )
    legacy = _legacy_owner()

    if _on_postgresql():
        for name in _OLD_TRIGRAM:
            op.drop_index(name)
    for table, shapes in _OLD_INDEXES.items():
        for columns in shapes:
            op.drop_index(_index_name(table, columns), table_name=table)
        _add_owner(table, legacy)
        for columns in [["id"], *shapes]:
            op.create_index(
                _index_name(table, ["owner_id", *columns]), table, ["owner_id", *columns]
            )

    op.drop_index("ix_task_tags_tag_task_id", table_name="task_tags")
    with op.batch_alter_table("task_tags") as batch:
        batch.add_column(sa.Column("owner_id", _Id, nullable=True))
    op.execute(
        "UPDATE task_tags SET owner_id ="
        " (SELECT owner_id FROM tasks WHERE tasks.id = task_tags.task_id)"
    )
    with op.batch_alter_table("task_tags") as batch:
        batch.alter_column("owner_id", existing_type=_Id, nullable=False)
    op.create_index(
        "ix_task_tags_owner_id_tag_task_id", "task_tags", ["owner_id", "tag", "task_id"]
    )

    op.drop_table("idempotency_keys")
    _create_idempotency_keys(owned=True)

    if _on_postgresql():
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        for name, (table, column) in _NEW_TRIGRAM.items():
            op.create_index(
                name,
                table,
                ["owner_id", column],
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )


def downgrade() -> None:
    if _on_postgresql():
        for name in _NEW_TRIGRAM:
            op.drop_index(name)
    op.drop_table("idempotency_keys")
    _create_idempotency_keys(owned=False)

    op.drop_index("ix_task_tags_owner_id_tag_task_id", table_name="task_tags")
    with op.batch_alter_table("task_tags") as batch:
        batch.drop_column("owner_id")
    op.create_index("ix_task_tags_tag_task_id", "task_tags", ["tag", "task_id"])

    for table, shapes in _OLD_INDEXES.items():
        for columns in [["id"], *shapes]:
            op.drop_index(_index_name(table, ["owner_id", *columns]), table_name=table)
        with op.batch_alter_table(table, table_kwargs=_KEEP_IDS) as batch:
            batch.drop_constraint(f"fk_{table}_owner_id_accounts", type_="foreignkey")
            batch.drop_column("owner_id")
        for columns in shapes:
            op.create_index(_index_name(table, columns), table, columns)
    if _on_postgresql():
        for name, (table, column) in _OLD_TRIGRAM.items():
            op.create_index(
                name,
                table,
                [column],
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )
    op.drop_table("accounts")


def _legacy_owner() -> int | None:
    """The account that keeps the rows made before accounts existed, if there are any."""
    bind = op.get_bind()
    found = bind.execute(
        sa.text("SELECT 1 FROM tasks UNION ALL SELECT 1 FROM notes LIMIT 1")
    ).first()
    if found is None:
        return None
    accounts = sa.table(
        "accounts",
        sa.column("id", _Id),
        sa.column("email", sa.String()),
        sa.column("password_hash", sa.Text()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    # SQLite keeps times as naive UTC text, as the service's UtcDateTime type does.
    created_at = now.replace(tzinfo=None) if bind.dialect.name == "sqlite" else now
    legacy_id: int = bind.execute(
        sa.insert(accounts)
        .values(email=LEGACY_EMAIL, password_hash=_NO_PASSWORD, created_at=created_at)
        .returning(accounts.c.id)
    ).scalar_one()
    return legacy_id


# SQLite rebuilds a table to alter it, from what it can reflect, which does not
# include AUTOINCREMENT: without saying so again, ids of deleted rows would return.
_KEEP_IDS = {"sqlite_autoincrement": True}


def _add_owner(table: str, legacy: int | None) -> None:
    with op.batch_alter_table(table, table_kwargs=_KEEP_IDS) as batch:
        batch.add_column(sa.Column("owner_id", _Id, nullable=True))
    if legacy is not None:
        op.execute(sa.text(f"UPDATE {table} SET owner_id = :legacy").bindparams(legacy=legacy))  # noqa: S608
    with op.batch_alter_table(table, table_kwargs=_KEEP_IDS) as batch:
        batch.alter_column("owner_id", existing_type=_Id, nullable=False)
        batch.create_foreign_key(
            f"fk_{table}_owner_id_accounts", "accounts", ["owner_id"], ["id"], ondelete="CASCADE"
        )


def _create_idempotency_keys(*, owned: bool) -> None:
    owner = [sa.Column("owner_id", _Id, nullable=False)] if owned else []
    constraints: list[sa.Constraint] = [
        sa.PrimaryKeyConstraint(
            *(["owner_id"] if owned else []), "scope", "key", name="pk_idempotency_keys"
        )
    ]
    if owned:
        constraints.append(
            sa.ForeignKeyConstraint(
                ["owner_id"],
                ["accounts.id"],
                name="fk_idempotency_keys_owner_id_accounts",
                ondelete="CASCADE",
            )
        )
    op.create_table(
        "idempotency_keys",
        *owner,
        sa.Column("scope", sa.String(50), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        *constraints,
    )
    op.create_index("ix_idempotency_keys_expires_at", "idempotency_keys", ["expires_at"])
