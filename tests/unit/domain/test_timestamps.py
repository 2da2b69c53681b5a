"""Timestamps: always aware UTC, and strictly increasing with every change."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.timestamps import next_change_time, utc_microseconds

PREVIOUS = datetime(2026, 11, 24, 7, 0, 0, 123456, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def test_an_aware_time_is_converted_to_utc() -> None:
    paris = timezone(timedelta(hours=1))
    moment = utc_microseconds(datetime(2026, 11, 24, 8, 0, 0, 5, tzinfo=paris))
    assert moment == datetime(2026, 11, 24, 7, 0, 0, 5, tzinfo=UTC)
    assert moment.utcoffset() == timedelta(0)


def test_microseconds_are_kept() -> None:
    assert utc_microseconds(PREVIOUS).microsecond == 123456


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        utc_microseconds(datetime(2026, 11, 24, 7, 0))


def test_a_change_after_the_last_one_happens_now() -> None:
    now = PREVIOUS + timedelta(seconds=3)
    assert next_change_time(PREVIOUS, now) == now


def test_a_change_in_the_same_microsecond_moves_one_microsecond_forward() -> None:
    assert next_change_time(PREVIOUS, PREVIOUS) == PREVIOUS + TICK


def test_a_change_when_the_clock_went_back_still_moves_forward() -> None:
    assert next_change_time(PREVIOUS, PREVIOUS - timedelta(hours=1)) == PREVIOUS + TICK


def test_the_time_of_a_change_is_in_utc() -> None:
    tokyo = timezone(timedelta(hours=9))
    now = (PREVIOUS + timedelta(seconds=1)).astimezone(tokyo)
    moment = next_change_time(PREVIOUS, now)
    assert moment == now
    assert moment.utcoffset() == timedelta(0)
