"""Clocks for tests: time that moves only when, and as far as, the test says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from application.ports import Clock

START = datetime(2026, 11, 24, 7, 0, 0, 123456, tzinfo=UTC)


class SteppingClock(Clock):
    """Each reading is one millisecond after the previous one, unless frozen."""

    def __init__(
        self, start: datetime = START, step: timedelta = timedelta(milliseconds=1)
    ) -> None:
        self.current = start
        self.step = step

    def now(self) -> datetime:
        moment = self.current
        self.current += self.step
        return moment

    def advance(self, delta: timedelta) -> None:
        self.current += delta
