"""Entities as JSON text, and back: how a created resource is stored with its
idempotency key and replayed. Derived from the entity's own fields, so a new
field needs no change here."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar, get_origin, get_type_hints

from application.idempotency import SnapshotCodec

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


def codec(entity_type: type[T]) -> SnapshotCodec[T]:
    """How an entity of `entity_type` is kept with its idempotency key, and read back."""
    return SnapshotCodec(dump=dump, load=partial(load, entity_type))


def dump(entity: DataclassInstance) -> str:
    data = {field.name: _plain(getattr(entity, field.name)) for field in fields(entity)}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def load(entity_type: type[T], text: str) -> T:
    data = json.loads(text)
    hints = get_type_hints(entity_type)
    return entity_type(**{name: _typed(hints[name], value) for name, value in data.items()})


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _typed(hint: Any, value: object) -> object:
    if hint is datetime and isinstance(value, str):
        return datetime.fromisoformat(value)
    if get_origin(hint) is tuple and isinstance(value, list):
        return tuple(value)
    return value
