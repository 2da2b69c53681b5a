"""The note entity: a titled body of text, created and changed under the same rules as tasks."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.errors import FieldError, InvalidInput
from domain.note import BODY_MAX_LENGTH, NewNote, Note, NoteChanges

NOW = datetime(2026, 11, 24, 7, 0, 0, 123456, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)


def a_note(**fields: Any) -> Note:  # any of Note's fields: `replace` checks them
    return replace(NewNote.create(title="Hello", body="World", now=NOW).stored_as(7), **fields)


def invalid_fields(error: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [e.field for e in error.value.errors]


def test_a_new_note_has_an_empty_body_by_default() -> None:
    assert NewNote.create(title="Hello", now=NOW) == NewNote(title="Hello", body="", created_at=NOW)


def test_the_title_of_a_note_is_trimmed_but_its_body_is_kept_as_is() -> None:
    new = NewNote.create(title="  Hello  ", body="  World \n", now=NOW)
    assert (new.title, new.body) == ("Hello", "  World \n")


def test_a_stored_note_gets_its_id_version_one_and_equal_timestamps() -> None:
    assert NewNote.create(title="Hello", body="World", now=NOW).stored_as(7) == Note(
        id=7, title="Hello", body="World", created_at=NOW, updated_at=NOW, version=1
    )


def test_a_body_may_be_fifty_thousand_characters_long() -> None:
    body = "b" * BODY_MAX_LENGTH
    assert NewNote.create(title="t", body=body, now=NOW).body == body


def test_a_longer_body_is_rejected() -> None:
    with pytest.raises(InvalidInput) as error:
        NewNote.create(title="t", body="b" * (BODY_MAX_LENGTH + 1), now=NOW)
    assert invalid_fields(error) == ["body"]


@pytest.mark.parametrize("body", ["\x00", "text\x00", "\ud800", "x\udfff"])
def test_a_body_with_nul_or_a_lone_surrogate_is_rejected(body: str) -> None:
    with pytest.raises(InvalidInput) as error:
        NewNote.create(title="t", body=body, now=NOW)
    assert invalid_fields(error) == ["body"]


def test_every_invalid_field_of_a_new_note_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as error:
        NewNote.create(title="  ", body="\x00", now=NOW)
    assert error.value.errors == (
        FieldError("title", "must not be blank"),
        FieldError("body", "must not contain NUL characters or unpaired surrogates"),
    )


def test_a_change_applies_new_values_and_bumps_the_version() -> None:
    changed = a_note().changed(NoteChanges(title=" New ", body=""), LATER)
    assert (changed.title, changed.body, changed.version, changed.updated_at) == (
        "New",
        "",
        2,
        LATER,
    )
    assert changed.created_at == NOW


def test_fields_left_out_of_a_change_keep_their_value() -> None:
    assert a_note().changed(NoteChanges(title="New"), LATER).body == "World"


@pytest.mark.parametrize(
    "changes",
    [
        NoteChanges(),
        NoteChanges(title="Hello"),
        NoteChanges(title=" Hello\t"),
        NoteChanges(body="World"),
        NoteChanges(title="Hello ", body="World"),
    ],
)
def test_a_change_to_the_current_values_returns_the_very_same_note(changes: NoteChanges) -> None:
    note = a_note()
    assert note.changed(changes, LATER) is note


def test_the_body_is_not_trimmed_so_added_white_space_is_a_change() -> None:
    assert a_note().changed(NoteChanges(body="World "), LATER).version == 2


def test_a_change_when_the_clock_went_back_still_moves_updated_at_forward() -> None:
    note = a_note(updated_at=LATER)
    assert note.changed(NoteChanges(body="x"), NOW).updated_at == LATER + timedelta(microseconds=1)


def test_an_invalid_change_reports_every_invalid_field() -> None:
    with pytest.raises(InvalidInput) as error:
        a_note().changed(NoteChanges(title="", body="b" * (BODY_MAX_LENGTH + 1)), LATER)
    assert invalid_fields(error) == ["title", "body"]
