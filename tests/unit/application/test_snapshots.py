"""Snapshots: the JSON text an idempotent create stores, to replay its result."""

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from application.snapshots import dump, load
from domain.note import Note
from domain.task import Task

CREATED = datetime(2026, 11, 24, 7, 0, 0, 123456, tzinfo=UTC)
TASK = Task(
    id=42,
    title="Ship FastAPI CRUD",
    description="Add async SQLAlchemy + migrations",
    done=False,
    tags=("backend", "urgent"),
    created_at=CREATED,
    updated_at=CREATED + timedelta(seconds=1, microseconds=1),
    version=3,
)
NOTE = Note(id=7, title="Hello", body="World", created_at=CREATED, updated_at=CREATED, version=1)
UNICODE = 'Ünïcødé 🚀 タスク "quoted" \\ \u2028 \x1f'


@pytest.mark.parametrize(
    "task",
    [
        TASK,
        replace(TASK, description=None),
        replace(TASK, description=""),
        replace(TASK, title=UNICODE, description=UNICODE),
        replace(TASK, done=True, tags=()),
        replace(TASK, id=2**63 - 1, version=10**6),
    ],
)
def test_a_task_survives_a_snapshot_unchanged(task: Task) -> None:
    assert load(Task, dump(task)) == task


@pytest.mark.parametrize(
    "note",
    [NOTE, replace(NOTE, body=""), replace(NOTE, title=UNICODE, body=UNICODE * 100)],
)
def test_a_note_survives_a_snapshot_unchanged(note: Note) -> None:
    assert load(Note, dump(note)) == note


def test_a_missing_description_stays_missing_not_empty() -> None:
    assert load(Task, dump(replace(TASK, description=None))).description is None


def test_tags_come_back_as_a_tuple() -> None:
    assert load(Task, dump(TASK)).tags == ("backend", "urgent")


def test_timestamps_come_back_in_utc_with_their_microseconds() -> None:
    loaded = load(Task, dump(TASK))
    assert loaded.updated_at.utcoffset() == timedelta(0)
    assert loaded.updated_at.microsecond == 123457


def test_a_snapshot_is_json_holding_exactly_the_fields_of_the_resource() -> None:
    assert set(json.loads(dump(TASK))) == {
        "id",
        "title",
        "description",
        "done",
        "tags",
        "created_at",
        "updated_at",
        "version",
    }
    assert set(json.loads(dump(NOTE))) == {
        "id",
        "title",
        "body",
        "created_at",
        "updated_at",
        "version",
    }
