"""The task entity: something to do, with its rules for creation and change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from domain.tags import Tags, normalize_tags
from domain.text import check_length, normalize_title
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
            tags=check.check("tags", normalize_tags, tags),
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
    """A partial update: fields left `UNSET` keep their value."""

    title: str | Unset = UNSET
    description: str | Unset | None = UNSET
    done: bool | Unset = UNSET
    tags: Sequence[str] | Unset = UNSET

    def checked(self) -> TaskChanges:
        """These changes with each given value checked and normalised.

        Whether a change is valid does not depend on the task it is applied to,
        so an invalid one is reported before anything about the task's state
        (gone, or at another version than expected). Raises `InvalidInput`
        naming every invalid field.
        """
        check = Validation()
        title = self.title
        if title is not UNSET:
            title = check.check("title", normalize_title, title)
        description = self.description
        if description is not UNSET:
            description = check.check("description", _description, description)
        tags = self.tags
        if tags is not UNSET:
            tags = check.check("tags", normalize_tags, tags)
        check.raise_if_invalid()
        return TaskChanges(title=title, description=description, done=self.done, tags=tags)


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
        valid = changes.checked()
        title = self.title if valid.title is UNSET else valid.title
        description = self.description if valid.description is UNSET else valid.description
        done = self.done if valid.done is UNSET else valid.done
        tags = self.tags if valid.tags is UNSET else tuple(valid.tags)

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
