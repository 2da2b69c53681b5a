"""Conditions a client puts on a write, so that it never overwrites changes it has not seen."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Precondition:
    """The versions a conditional write accepts; `None` accepts any existing version."""

    versions: frozenset[int] | None

    def allows(self, version: int) -> bool:
        return self.versions is None or version in self.versions


ANY_VERSION = Precondition(None)
