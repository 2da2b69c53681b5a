"""The resources the tests run over: every resource the service registers
(`entrypoints/resources.py`), each with the sample requests that the tests shared by
all resources send it.

The list is the registry's, never written out here: a new resource is tested as
soon as it is registered, and one registered without samples fails at import,
naming what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import pytest

from application.notes import NoteService
from application.resources import ResourceKind, Resources
from application.tasks import TaskService
from domain.note import NewNote, NoteChanges, NoteFilters
from domain.task import NewTask, TaskChanges, TaskFilters
from entrypoints.resources import RESOURCES
from support.owners import OWNER


@dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    """One resource, as the shared HTTP tests see it."""

    collection: str
    """Its path, as `/tasks`."""
    name: str
    """How problems call one, as in "Task 42 does not exist"."""
    fields: frozenset[str]
    """Every field of its representation."""
    body: dict[str, Any]
    """A create request with every field given, as stored (already normalised), one of
    them holding "secret" (which another account must never see)."""
    other_body: dict[str, Any]
    """`body` with a field other than the title changed."""
    nullable: frozenset[str]
    """The fields of `body` that may be null (cleared); any other is refused as null."""
    changes: tuple[dict[str, Any], dict[str, Any]]
    """Two changes, each of which changes a resource created with only a title, the
    second undoing the first's field."""
    foreign_fields: tuple[dict[str, Any], ...]
    """Fields that other resources have and this one does not."""

    def item(self, resource_id: object) -> str:
        return f"{self.collection}/{resource_id}"

    @property
    def item_path(self) -> str:
        """Its item's path as the OpenAPI document names it, as `/tasks/{task_id}`."""
        return self.item(f"{{{self.name.lower()}_id}}")

    def __str__(self) -> str:
        return self.collection.strip("/")


_SAMPLES: Final[dict[str, dict[str, Any]]] = {
    "Task": {
        "fields": {
            *("id", "title", "description", "done", "tags"),
            *("created_at", "updated_at", "version"),
        },
        "body": {
            "title": "Owner's plan",
            "description": "secret",
            "done": True,
            "tags": ["private", "x"],
        },
        "other_body": {"title": "Owner's plan", "description": "secret", "done": False},
        "nullable": {"description"},
        "changes": ({"done": True}, {"done": False}),
        "foreign_fields": ({"body": "a note's field"},),
    },
    "Note": {
        "fields": {"id", "title", "body", "created_at", "updated_at", "version"},
        "body": {"title": "Owner's diary", "body": "secret"},
        "other_body": {"title": "Owner's diary", "body": "secret, twice"},
        "nullable": set(),
        "changes": ({"body": "a"}, {"body": "b"}),
        "foreign_fields": ({"tags": ["a"]}, {"done": True}),
    },
}


def _sample(name: str, collection: str) -> Sample:
    if name not in _SAMPLES:
        raise LookupError(f"tests/support/resources.py has no samples for the {name} resource")
    given = _SAMPLES[name]
    return Sample(
        collection=collection,
        name=name,
        fields=frozenset(given["fields"]),
        body=given["body"],
        other_body=given["other_body"],
        nullable=frozenset(given["nullable"]),
        changes=given["changes"],
        foreign_fields=given["foreign_fields"],
    )


SAMPLES: Final = tuple(
    _sample(resource.kind.name, resource.router.prefix) for resource in RESOURCES
)
COLLECTIONS: Final = tuple(sample.collection for sample in SAMPLES)


def by_collection(collection: str) -> Sample:
    """The sample of the resource at `collection`; a `LookupError` for any other path."""
    for sample in SAMPLES:
        if sample.collection == collection:
            return sample
    raise LookupError(f"no resource is registered at {collection}")


every_resource = pytest.mark.parametrize("resource", SAMPLES, ids=str)
"""Runs the test once per resource, given as `resource: Sample`."""
every_collection = pytest.mark.parametrize("collection", COLLECTIONS, ids=str)
"""Runs the test once per resource, given as `collection: str` (its path)."""


@dataclass(frozen=True, slots=True)
class Kind:
    """One resource, as the shared use-case and store tests see it: its service and the
    domain types they build requests of, all taking a title (`title=`) and `q`."""

    service: type[Resources[Any, Any, Any]]
    new: Any
    """Its `New…` type: `new.create(title=..., now=...)`, for the repository itself."""
    filters: Any
    """Its filters type: `filters.of(q=...)`."""
    changes: Any
    """Its changes type: `changes(title=...)`."""

    @property
    def kind(self) -> ResourceKind[Any, Any, Any]:
        return self.service.kind

    def __str__(self) -> str:
        return self.kind.name.lower() + "s"


_KINDS: Final = {
    kind.kind.name: kind
    for kind in (
        Kind(TaskService, NewTask, TaskFilters, TaskChanges),
        Kind(NoteService, NewNote, NoteFilters, NoteChanges),
    )
}


def _kind(name: str) -> Kind:
    if name not in _KINDS:
        raise LookupError(f"tests/support/resources.py has no Kind for the {name} resource")
    return _KINDS[name]


KINDS: Final = tuple(_kind(resource.kind.name) for resource in RESOURCES)


@dataclass(frozen=True, slots=True)
class Served:
    """One kind of resource and its use cases over the store under test."""

    kind: Kind
    service: Any

    async def create(self, title: str, owner: int = OWNER) -> Any:
        return (await self.service.create(owner, title=title)).resource
