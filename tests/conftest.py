"""Fixtures for every suite."""

from __future__ import annotations

import pytest

from application.cursors import CursorCodec
from application.paging import Pager
from support.clock import SteppingClock

CURSOR_SECRET = b"test-cursor-secret-0123456789abcdef"


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
def pager() -> Pager:
    return Pager(CursorCodec(CURSOR_SECRET))
