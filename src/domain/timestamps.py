"""Timestamps that order every change of a resource."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_TICK = timedelta(microseconds=1)


def utc_microseconds(moment: datetime) -> datetime:
    """Normalise an aware time to UTC; every store keeps exactly this precision."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC)


def next_change_time(previous: datetime, now: datetime) -> datetime:
    """The `updated_at` of a change made at `now` to a resource last changed at `previous`.

    Clocks can stand still or step back; `updated_at` must still strictly increase.
    """
    now = utc_microseconds(now)
    return now if now > previous else previous + _TICK
