"""Undoable writes to dicts: how the in-memory unit of work rolls back."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Journal:
    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []

    def put(self, table: dict[K, V], key: K, value: V | None) -> None:
        """Set `table[key]` to `value`, or delete it for `None`, remembering the old state."""
        previous = table.get(key)
        _put(table, key, value)
        self._undo.append(lambda: _put(table, key, previous))

    def rollback(self) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()

    def forget(self) -> None:
        """Keep every write so far: they are committed."""
        self._undo.clear()


def _put(table: dict[K, V], key: K, value: V | None) -> None:
    if value is None:
        table.pop(key, None)
    else:
        table[key] = value
