"""The note entity: a titled piece of text."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from domain.text import check_length, fold, normalize_search, normalize_title
from domain.timestamps import next_change_time, utc_microseconds
from domain.unset import UNSET, Unset
from domain.validation import Validation

BODY_MAX_LENGTH: Final = 50_000


def _body(value: str) -> str:
    return check_length(value, BODY_MAX_LENGTH)


@dataclass(frozen=True, slots=True, kw_only=True)
class NewNote:
    """A valid note that has not been stored yet, so it has no id."""

    title: str
    body: str
    created_at: datetime

    @classmethod
    def create(cls, *, title: str, body: str = "", now: datetime) -> NewNote:
        check = Validation()
        new = cls(
            title=check.check("title", normalize_title, title),
            body=check.check("body", _body, body),
            created_at=utc_microseconds(now),
        )
        check.raise_if_invalid()
        return new

    def stored_as(self, note_id: int) -> Note:
        """The note this becomes once a store gives it an id."""
        return Note(
            id=note_id,
            title=self.title,
            body=self.body,
            created_at=self.created_at,
            updated_at=self.created_at,
            version=1,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteChanges:
    """A partial update: fields left `UNSET` keep their value.

    Valid by construction, like `TaskChanges`: the values given are checked and
    normalised here, once, and `InvalidInput` names every invalid field.
    """

    title: str | Unset = UNSET
    body: str | Unset = UNSET

    def __post_init__(self) -> None:
        # A frozen dataclass sets its normalised fields through object.__setattr__.
        check = Validation()
        if self.title is not UNSET:
            title = check.check("title", normalize_title, self.title)
            object.__setattr__(self, "title", title)
        if self.body is not UNSET:
            object.__setattr__(self, "body", check.check("body", _body, self.body))
        check.raise_if_invalid()


@dataclass(frozen=True, slots=True, kw_only=True)
class Note:
    id: int
    title: str
    body: str
    created_at: datetime
    updated_at: datetime
    version: int

    def changed(self, changes: NoteChanges, now: datetime) -> Note:
        """This note with `changes` applied, or this very note if nothing changes."""
        title = self.title if changes.title is UNSET else changes.title
        body = self.body if changes.body is UNSET else changes.body

        if (title, body) == (self.title, self.body):
            return self
        return replace(
            self,
            title=title,
            body=body,
            updated_at=next_change_time(self.updated_at, now),
            version=self.version + 1,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteFilters:
    """Which notes a list holds, validated and normalised."""

    search: str | None = None
    """Case-folded search term, matched as a literal substring of the folded title or body."""

    @classmethod
    def of(cls, *, q: str | None = None) -> NoteFilters:
        """The filters as a client gave them; `InvalidInput` names each bad one."""
        check = Validation()
        search = None if q is None else check.check("q", normalize_search, q)
        check.raise_if_invalid()
        return cls(search=search)

    def matches(self, note: Note) -> bool:
        """Whether `note` is in the list: the rule each store's list query keeps."""
        search = self.search
        return search is None or search in fold(note.title) or search in fold(note.body)
