"""Add notes, tags on tasks, and indexes for search and the tag filter.

Existing tasks keep their data and start with no tags. On PostgreSQL, trigram
indexes serve substring search (`LIKE '%q%'`) without scanning the tables;
the pg_trgm extension is left in place on downgrade, as other objects may use it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TRIGRAM_INDEXES = {
    "ix_tasks_title_folded_trgm": ("tasks", "title_folded"),
    "ix_notes_title_folded_trgm": ("notes", "title_folded"),
    "ix_notes_body_folded_trgm": ("notes", "body_folded"),
}


def _on_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "task_tags",
        sa.Column("task_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tag", sa.String(50), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name="fk_task_tags_task_id_tasks", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", "tag", name="pk_task_tags"),
    )
    op.create_index("ix_task_tags_tag_task_id", "task_tags", ["tag", "task_id"])

    op.create_table(
        "notes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(),
            nullable=False,
        ),
        sa.Column(
            "title",
            sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("title_folded", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_folded", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notes"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_notes_created_at_id", "notes", ["created_at", "id"])
    op.create_index("ix_notes_updated_at_id", "notes", ["updated_at", "id"])
    op.create_index("ix_notes_title_id", "notes", ["title", "id"])

    if _on_postgresql():
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, (table, column) in _TRIGRAM_INDEXES.items():
            op.create_index(
                name,
                table,
                [column],
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )


def downgrade() -> None:
    if _on_postgresql():
        op.drop_index("ix_tasks_title_folded_trgm", table_name="tasks")
    op.drop_table("notes")
    op.drop_table("task_tags")
