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

from entrypoints.resources import RESOURCES


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

    def __str__(self) -> str:
        return self.collection.strip("/")


_SAMPLES: Final[dict[str, dict[str, Any]]] = {
    "Task": {
        "fields": {
            *("id", "title", "description", "done", "tags"),
            *("created_at", "updated_at", "version"),
        },
        "body": {"title": "Owner's plan", "description": "secret", "done": True, "tags": ["x"]},
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
