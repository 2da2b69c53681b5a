"""The task entity: something to do, with its rules for creation and change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from domain.tags import Tags, normalize_tags
from domain.text import check_length, fold, normalize_search, normalize_title
from domain.timestamps import next_change_time, utc_microseconds
from domain.unset import UNSET, Unset
from domain.validation import Validation

DESCRIPTION_MAX_LENGTH: Final = 10_000


def _description(value: str | None) -> str | None:
    return None if value is None else check_length(value, DESCRIPTION_MAX_LENGTH)


@dataclass(frozen=True, slots=True, kw_only=True)
class NewTask:
    """A valid task that has not been stored yet, so it has no id."""

    title: str
    description: str | None
    done: bool
    tags: Tags
    created_at: datetime

    @classmethod
    def create(
        cls,
        *,
        title: str,
        description: str | None = None,
        done: bool = False,
        tags: Sequence[str] = (),
        now: datetime,
    ) -> NewTask:
        check = Validation()
        new = cls(
            title=check.check("title", normalize_title, title),
            description=check.check("description", _description, description),
            done=done,
            tags=tuple(check.check("tags", normalize_tags, tags)),
            created_at=utc_microseconds(now),
        )
        check.raise_if_invalid()
        return new

    def stored_as(self, task_id: int) -> Task:
        """The task this becomes once a store gives it an id."""
        return Task(
            id=task_id,
            title=self.title,
            description=self.description,
            done=self.done,
            tags=self.tags,
            created_at=self.created_at,
            updated_at=self.created_at,
            version=1,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskChanges:
    """A partial update: fields left `UNSET` keep their value.

    Valid by construction: the values given are checked and normalised here,
    once, and `InvalidInput` names every invalid field. Whether a change is
    valid does not depend on the task, so an invalid one is refused before
    anything about the task's state (gone, or at another version) is known.
    """

    title: str | Unset = UNSET
    description: str | Unset | None = UNSET
    done: bool | Unset = UNSET
    tags: Sequence[str] | Unset = UNSET

    def __post_init__(self) -> None:
        # A frozen dataclass sets its normalised fields through object.__setattr__.
        check = Validation()
        if self.title is not UNSET:
            title = check.check("title", normalize_title, self.title)
            object.__setattr__(self, "title", title)
        if self.description is not UNSET:
            description = check.check("description", _description, self.description)
            object.__setattr__(self, "description", description)
        if self.tags is not UNSET:
            object.__setattr__(self, "tags", check.check("tags", normalize_tags, self.tags))
        check.raise_if_invalid()


@dataclass(frozen=True, slots=True, kw_only=True)
class Task:
    id: int
    title: str
    description: str | None
    done: bool
    tags: Tags
    created_at: datetime
    updated_at: datetime
    version: int

    def changed(self, changes: TaskChanges, now: datetime) -> Task:
        """This task with `changes` applied, or this very task if nothing changes.

        A change bumps `version` and moves `updated_at` forward; a request whose
        values equal the current ones (after normalisation) is not a change.
        """
        title = self.title if changes.title is UNSET else changes.title
        description = self.description if changes.description is UNSET else changes.description
        done = self.done if changes.done is UNSET else changes.done
        tags = self.tags if changes.tags is UNSET else tuple(changes.tags)

        if (title, description, done, tags) == (
            self.title,
            self.description,
            self.done,
            self.tags,
        ):
            return self
        return replace(
            self,
            title=title,
            description=description,
            done=done,
            tags=tags,
            updated_at=next_change_time(self.updated_at, now),
            version=self.version + 1,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskFilters:
    """Which tasks a list holds, validated and normalised."""

    search: str | None = None
    """Case-folded search term, matched as a literal substring of the folded title."""
    done: bool | None = None
    tags: Tags = ()
    """The task must carry every one of these."""

    @classmethod
    def of(
        cls, *, q: str | None = None, done: bool | None = None, tags: Sequence[str] = ()
    ) -> TaskFilters:
        """The filters as a client gave them; `InvalidInput` names each bad one."""
        check = Validation()
        search = None if q is None else check.check("q", normalize_search, q)
        tag_set = tuple(check.check("tag", normalize_tags, tags))
        check.raise_if_invalid()
        return cls(search=search, done=done, tags=tag_set)

    def matches(self, task: Task) -> bool:
        """Whether `task` is in the list: the rule each store's list query keeps."""
        return (
            (self.search is None or self.search in fold(task.title))
            and (self.done is None or task.done == self.done)
            and all(tag in task.tags for tag in self.tags)
        )
