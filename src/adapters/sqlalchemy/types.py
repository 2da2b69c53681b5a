"""Column types that behave the same on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Dialect, String, TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime with microseconds, in and out, on every database.

    PostgreSQL keeps `timestamptz`; SQLite has no time zones, so the value is
    stored as naive UTC text, which also sorts correctly as text.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value if value.tzinfo is UTC else value.astimezone(UTC)


def code_point_string(length: int) -> String:
    """A string column that sorts by Unicode code point on every database.

    SQLite's default BINARY collation already does; PostgreSQL needs "C".
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")
