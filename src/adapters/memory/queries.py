"""Filtering, sorting and windowing of in-memory rows, as the SQL stores do it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from application.paging import E, Slice, Window


def select(rows: Iterable[E], matches: Callable[[E], bool], window: Window) -> Slice[E]:
    field = window.sort.field.value

    def key(row: E) -> tuple[Any, int]:
        return getattr(row, field), row.id

    matched = sorted(filter(matches, rows), key=key, reverse=window.sort.descending)
    total = len(matched) if window.with_total else None
    if window.after is not None:
        after = (window.after.value, window.after.id)
        if window.sort.descending:
            matched = [row for row in matched if key(row) < after]
        else:
            matched = [row for row in matched if key(row) > after]
    return Slice(matched[window.offset : window.offset + window.limit], total)
