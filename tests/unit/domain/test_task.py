"""The task entity: how a task is created and changed, and the rules it keeps."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from domain.errors import FieldError, InvalidInput
from domain.task import DESCRIPTION_MAX_LENGTH, NewTask, Task, TaskChanges

NOW = datetime(2026, 11, 24, 7, 0, 0, 123456, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)


def a_task(**fields: Any) -> Task:  # any of Task's fields: `replace` checks them
    task = NewTask.create(title="Ship it", tags=["backend"], now=NOW).stored_as(42)
    return replace(task, **fields)


def invalid_fields(error: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [e.field for e in error.value.errors]


# Creation


def test_a_new_task_has_defaults_for_everything_but_its_title() -> None:
    new = NewTask.create(title="Ship it", now=NOW)
    assert new == NewTask(title="Ship it", description=None, done=False, tags=(), created_at=NOW)


def test_a_new_task_is_normalised() -> None:
    new = NewTask.create(
        title="  Ship it\n", description="  as is  ", done=True, tags=["B", " a "], now=NOW
    )
    assert (new.title, new.description, new.done, new.tags) == (
        "Ship it",
        "  as is  ",
        True,
        ("a", "b"),
    )


def test_a_new_task_is_created_at_the_given_time_in_utc() -> None:
    tokyo = timezone(timedelta(hours=9))
    new = NewTask.create(title="t", now=NOW.astimezone(tokyo))
    assert new.created_at == NOW
    assert new.created_at.tzinfo is UTC


def test_a_stored_task_gets_its_id_version_one_and_equal_timestamps() -> None:
    new = NewTask.create(title="Ship it", description="d", done=True, tags=["x"], now=NOW)
    assert new.stored_as(7) == Task(
        id=7,
        title="Ship it",
        description="d",
        done=True,
        tags=("x",),
        created_at=NOW,
        updated_at=NOW,
        version=1,
    )


def test_a_blank_title_is_rejected() -> None:
    with pytest.raises(InvalidInput) as error:
        NewTask.create(title=" \t ", now=NOW)
    assert error.value.errors == (FieldError("title", "must not be blank"),)


def test_a_description_may_be_ten_thousand_characters_long() -> None:
    description = "d" * DESCRIPTION_MAX_LENGTH
    assert NewTask.create(title="t", description=description, now=NOW).description == description


def test_a_longer_description_is_rejected() -> None:
    with pytest.raises(InvalidInput) as error:
        NewTask.create(title="t", description="d" * (DESCRIPTION_MAX_LENGTH + 1), now=NOW)
    assert invalid_fields(error) == ["description"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "a\x00b"), ("title", "\ud83d"), ("description", "\x00"), ("description", "x\udc00")],
)
def test_nul_and_lone_surrogates_are_rejected(field: str, value: str) -> None:
    fields: dict[str, Any] = {"title": "t", field: value}
    with pytest.raises(InvalidInput) as error:
        NewTask.create(**fields, now=NOW)
    assert invalid_fields(error) == [field]


def test_every_invalid_field_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as error:
        NewTask.create(
            title="",
            description="d" * (DESCRIPTION_MAX_LENGTH + 1),
            tags=["ok", "not ok", "Ünicode"],
            now=NOW,
        )
    assert invalid_fields(error) == ["title", "description", "tags[1]", "tags[2]"]


def test_too_many_tags_are_reported_under_tags() -> None:
    with pytest.raises(InvalidInput) as error:
        NewTask.create(title="t", tags=["same"] * 21, now=NOW)
    assert invalid_fields(error) == ["tags"]


# Change


def test_a_change_applies_the_normalised_values() -> None:
    task = a_task(description="old")
    changed = task.changed(
        TaskChanges(title="  New title ", description=None, done=True, tags=["Z", "a", "z"]),
        LATER,
    )
    assert (changed.title, changed.description, changed.done, changed.tags) == (
        "New title",
        None,
        True,
        ("a", "z"),
    )


def test_a_change_bumps_the_version_and_moves_updated_at() -> None:
    task = a_task(version=3)
    changed = task.changed(TaskChanges(done=True), LATER)
    assert (changed.version, changed.updated_at) == (4, LATER)


def test_a_change_keeps_the_id_and_creation_time() -> None:
    task = a_task()
    changed = task.changed(TaskChanges(title="other"), LATER)
    assert (changed.id, changed.created_at) == (task.id, task.created_at)


def test_fields_left_out_of_a_change_keep_their_value() -> None:
    task = a_task(description="keep me", done=True)
    changed = task.changed(TaskChanges(title="new"), LATER)
    assert (changed.description, changed.done, changed.tags) == ("keep me", True, ("backend",))


def test_a_change_never_modifies_the_original_task() -> None:
    task = a_task()
    task.changed(TaskChanges(title="new"), LATER)
    assert task.title == "Ship it"
    assert task.version == 1


def test_a_description_can_be_cleared_and_set_again() -> None:
    task = a_task(description="old")
    cleared = task.changed(TaskChanges(description=None), LATER)
    assert cleared.description is None
    assert cleared.changed(TaskChanges(description=""), LATER).description == ""


def test_tags_are_replaced_as_a_whole() -> None:
    task = a_task(tags=("a", "b"))
    assert task.changed(TaskChanges(tags=["c"]), LATER).tags == ("c",)
    assert task.changed(TaskChanges(tags=[]), LATER).tags == ()


@pytest.mark.parametrize(
    "changes",
    [
        TaskChanges(),
        TaskChanges(title="Ship it"),
        TaskChanges(title="\u3000 Ship it \n"),
        TaskChanges(description=None),
        TaskChanges(done=False),
        TaskChanges(tags=["backend"]),
        TaskChanges(tags=[" BACKEND ", "backend"]),
        TaskChanges(title=" Ship it", description=None, done=False, tags=["Backend"]),
    ],
)
def test_a_change_to_the_current_values_returns_the_very_same_task(changes: TaskChanges) -> None:
    task = a_task()
    assert task.changed(changes, LATER) is task


def test_a_change_when_the_clock_went_back_still_moves_updated_at_forward() -> None:
    task = a_task(updated_at=LATER)
    changed = task.changed(TaskChanges(done=True), NOW)
    assert changed.updated_at == LATER + timedelta(microseconds=1)


def test_two_changes_in_the_same_instant_have_increasing_updated_at() -> None:
    first = a_task().changed(TaskChanges(done=True), LATER)
    second = first.changed(TaskChanges(done=False), LATER)
    assert first.updated_at < second.updated_at
    assert second.version == first.version + 1


def test_an_invalid_change_reports_every_invalid_field_and_changes_nothing() -> None:
    task = a_task()
    with pytest.raises(InvalidInput) as error:
        task.changed(
            TaskChanges(title="", description="\x00", done=True, tags=["ok", "no way"]), LATER
        )
    assert invalid_fields(error) == ["title", "description", "tags[1]"]
    assert task == a_task()


def test_a_change_with_an_over_long_description_is_rejected() -> None:
    with pytest.raises(InvalidInput) as error:
        a_task().changed(TaskChanges(description="d" * (DESCRIPTION_MAX_LENGTH + 1)), LATER)
    assert invalid_fields(error) == ["description"]
