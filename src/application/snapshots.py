"""Entities as JSON text, to store a created resource with its idempotency key and replay it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from domain.note import Note
from domain.task import Task


def dump_task(task: Task) -> str:
    return _dump(
        {
            "id": task.id,
            "title": task.title,
            "description": task.description,
            "done": task.done,
            "tags": list(task.tags),
            **_meta(task.created_at, task.updated_at, task.version),
        }
    )


def load_task(text: str) -> Task:
    data = json.loads(text)
    return Task(
        id=data["id"],
        title=data["title"],
        description=data["description"],
        done=data["done"],
        tags=tuple(data["tags"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        updated_at=datetime.fromisoformat(data["updated_at"]),
        version=data["version"],
    )


def dump_note(note: Note) -> str:
    return _dump(
        {
            "id": note.id,
            "title": note.title,
            "body": note.body,
            **_meta(note.created_at, note.updated_at, note.version),
        }
    )


def load_note(text: str) -> Note:
    data = json.loads(text)
    return Note(
        id=data["id"],
        title=data["title"],
        body=data["body"],
        created_at=datetime.fromisoformat(data["created_at"]),
        updated_at=datetime.fromisoformat(data["updated_at"]),
        version=data["version"],
    )


def _meta(created_at: datetime, updated_at: datetime, version: int) -> dict[str, Any]:
    return {
        "created_at": created_at.isoformat(),
        "updated_at": updated_at.isoformat(),
        "version": version,
    }


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
