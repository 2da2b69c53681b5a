"""Raise the statistics target of the searched columns, so that PostgreSQL chooses well
between walking a list's index and the trigram index.

A search (`LIKE '%q%'`) is estimated from the column's statistics. With the
default target (100 sampled values) a term that 1 % of titles hold was estimated
at a hundredth of that, so at 100,000 tasks a cursor page read every match
through the trigram index (4.6 ms) rather than walking the id index from the
cursor until the page was full (0.7 ms): the cost of a page then grew with the
matches. With 1,000 sampled values the estimate is close enough, and a cursor
page of such a search costs the same at 10,000, 100,000 and 1,000,000 tasks
(0.69, 0.73, 0.85 ms). ANALYZE samples more rows for it (300,000 rather than
30,000 at most): a few seconds on a large table, once per analysis.

Nothing to do on SQLite, whose planner has no such statistics.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SEARCHED = (("tasks", "title_folded"), ("notes", "title_folded"), ("notes", "body_folded"))
TARGET = 1000


def upgrade() -> None:
    _set_statistics(TARGET)


def downgrade() -> None:
    _set_statistics(-1)  # the server's default_statistics_target


def _set_statistics(target: int) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in SEARCHED:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS {int(target)}")
    # At once, rather than at autovacuum's next analysis.
    op.execute(f"ANALYZE {', '.join(sorted({table for table, _ in SEARCHED}))}")
