"""The filters each resource's list understands, already validated and normalised."""

from __future__ import annotations

from dataclasses import dataclass

from domain.tags import Tags


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskFilters:
    search: str | None = None
    """Case-folded search term, matched as a literal substring of the folded title."""
    done: bool | None = None
    tags: Tags = ()
    """The task must carry every one of these."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteFilters:
    search: str | None = None
    """Case-folded search term, matched as a literal substring of the folded title or body."""
