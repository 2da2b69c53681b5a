"""Cursors: opaque, signed tokens that carry a keyset and the list they were made for."""

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from application.cursors import MAX_CURSOR_LENGTH, CursorCodec, CursorScope, Keyset
from domain.errors import InvalidValue
from domain.ids import MAX_ID
from domain.sorting import Sort, SortField, SortValue
from domain.text import TITLE_MAX_LENGTH

SECRET = b"a secret of thirty-two bytes!!!!"
MOMENT = datetime(2026, 11, 24, 7, 0, 0, 123456, tzinfo=UTC)
URL_SAFE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def scope(
    sort: str = "-id", resource: str = "Task", filters: str = "TaskFilters()", owner: int = 1
) -> CursorScope:
    return CursorScope(owner, resource, Sort.parse(sort), filters)


@pytest.fixture
def codec() -> CursorCodec:
    return CursorCodec(SECRET)


def test_a_cursor_is_url_safe_text(codec: CursorCodec) -> None:
    cursor = codec.encode(scope("title"), Keyset("Ünïcødé / + = & ?", 42))
    assert cursor.isascii()
    assert set(cursor) <= set(URL_SAFE_ALPHABET)


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize(
    ("field", "value"),
    [
        (SortField.ID, 42),
        (SortField.ID, MAX_ID),
        (SortField.CREATED_AT, MOMENT),
        (SortField.CREATED_AT, MOMENT.replace(microsecond=0)),
        (SortField.UPDATED_AT, MOMENT + timedelta(days=400, microseconds=1)),
        (SortField.TITLE, "Ship it"),
        (SortField.TITLE, "Ünïcødé 🚀 タスク"),
        (SortField.TITLE, 'quotes " and \\ backslashes \x01 \u2028'),
        (SortField.TITLE, "1"),
    ],
)
def test_a_cursor_round_trips_its_keyset(
    codec: CursorCodec, field: SortField, value: SortValue, descending: bool
) -> None:
    where = CursorScope(1, "Task", Sort(field, descending), "TaskFilters()")
    assert codec.decode(codec.encode(where, Keyset(value, 7)), where) == Keyset(value, 7)


def test_a_cursor_keeps_the_instant_of_a_time_in_another_zone(codec: CursorCodec) -> None:
    tokyo = MOMENT.astimezone(timezone(timedelta(hours=9)))
    where = scope("created_at")
    decoded = codec.decode(codec.encode(where, Keyset(tokyo, 7)), where)
    assert decoded.value == MOMENT
    assert isinstance(decoded.value, datetime)
    assert decoded.value.tzinfo is not None


@pytest.mark.parametrize("character", ["a", '"', "\x01", "é", "🚀"])
def test_a_cursor_after_the_longest_possible_title_round_trips(
    codec: CursorCodec, character: str
) -> None:
    title = character * TITLE_MAX_LENGTH
    where = scope("-title")
    assert codec.decode(codec.encode(where, Keyset(title, MAX_ID)), where) == Keyset(title, MAX_ID)


def test_a_cursor_is_rejected_by_a_codec_with_another_secret(codec: CursorCodec) -> None:
    cursor = codec.encode(scope(), Keyset(5, 5))
    with pytest.raises(InvalidValue, match="not a valid cursor"):
        CursorCodec(b"another secret of 32 bytes!!!!!!").decode(cursor, scope())


def _flip(cursor: str, index: int) -> str:
    replacement = "B" if cursor[index] == "A" else "A"
    return cursor[:index] + replacement + cursor[index + 1 :]


def test_changing_any_character_but_the_last_is_detected(codec: CursorCodec) -> None:
    cursor = codec.encode(scope("title"), Keyset("Ship it", 5))
    for index in range(len(cursor) - 1):
        with pytest.raises(InvalidValue, match="not a valid cursor"):
            codec.decode(_flip(cursor, index), scope("title"))


def test_a_forged_payload_is_rejected(codec: CursorCodec) -> None:
    genuine = base64.urlsafe_b64decode(codec.encode(scope(), Keyset(5, 5)) + "==")
    forged = genuine[:16] + b'{"s":"' + genuine[22:].replace(b'"i":5', b'"i":6')
    cursor = base64.urlsafe_b64encode(forged).rstrip(b"=").decode()
    with pytest.raises(InvalidValue, match="not a valid cursor"):
        codec.decode(cursor, scope())


def _other_spelling_of_the_last_character(cursor: str) -> str:
    # Unless the token is a multiple of 3 bytes long, the lowest bit of the last
    # character encodes nothing: flipping it spells the same bytes differently.
    assert len(cursor) % 4 != 0
    index = URL_SAFE_ALPHABET.index(cursor[-1]) ^ 1
    return cursor[:-1] + URL_SAFE_ALPHABET[index]


@pytest.mark.parametrize(
    "respell",
    [
        lambda cursor: cursor + "=",
        lambda cursor: cursor + "====",
        lambda cursor: f"  {cursor}  ",
        lambda cursor: cursor[:8] + "!!!!" + cursor[8:],
        lambda cursor: cursor[:8] + "\n" + cursor[8:],
        _other_spelling_of_the_last_character,
    ],
    ids=["padding", "more-padding", "spaces", "junk", "newline", "last-character"],
)
def test_a_cursor_is_accepted_only_exactly_as_it_was_issued(
    codec: CursorCodec, respell: Callable[[str], str]
) -> None:
    cursor = codec.encode(scope(), Keyset(5, 5))
    with pytest.raises(InvalidValue, match="not a valid cursor"):
        codec.decode(respell(cursor), scope())


@pytest.mark.parametrize(
    "cursor",
    ["", "x", "not a cursor", "!!!!", "eyJzIjoiIn0", "é" * 40, "A" * 21, "A" * 200],
)
def test_a_made_up_cursor_is_rejected(codec: CursorCodec, cursor: str) -> None:
    with pytest.raises(InvalidValue, match="not a valid cursor"):
        codec.decode(cursor, scope())


def test_an_overlong_cursor_is_rejected_before_it_is_decoded(codec: CursorCodec) -> None:
    with pytest.raises(InvalidValue, match="not a valid cursor"):
        codec.decode("A" * (MAX_CURSOR_LENGTH + 1), scope())


@pytest.mark.parametrize(
    "other",
    [
        scope(resource="Note"),
        scope(sort="id"),
        scope(sort="-created_at"),
        scope(filters="TaskFilters(done=True)"),
        scope(owner=2),
    ],
    ids=["resource", "direction", "field", "filters", "account"],
)
def test_a_cursor_is_rejected_for_another_list(codec: CursorCodec, other: CursorScope) -> None:
    cursor = codec.encode(scope(), Keyset(5, 5))
    with pytest.raises(InvalidValue, match="made for another sort or other filters"):
        codec.decode(cursor, other)


@pytest.mark.parametrize(
    ("field", "value"),
    [(SortField.ID, "5"), (SortField.TITLE, 5), (SortField.CREATED_AT, 5)],
)
def test_a_genuine_cursor_with_a_value_of_the_wrong_type_is_rejected(
    codec: CursorCodec, field: SortField, value: SortValue
) -> None:
    where = CursorScope(1, "Task", Sort(field), "")
    with pytest.raises(InvalidValue, match="not a valid cursor"):
        codec.decode(codec.encode(where, Keyset(value, 5)), where)


@pytest.mark.parametrize("last_id", [0, -1, MAX_ID + 1])
def test_a_genuine_cursor_with_an_impossible_id_is_rejected(
    codec: CursorCodec, last_id: int
) -> None:
    with pytest.raises(InvalidValue, match="not a valid cursor"):
        codec.decode(codec.encode(scope(), Keyset(5, last_id)), scope())


@pytest.mark.parametrize("length", [0, 1, 15])
def test_a_secret_shorter_than_sixteen_bytes_is_refused(length: int) -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        CursorCodec(b"s" * length)


def test_a_secret_of_sixteen_bytes_is_enough() -> None:
    codec = CursorCodec(b"s" * 16)
    assert codec.decode(codec.encode(scope(), Keyset(3, 3)), scope()) == Keyset(3, 3)


def test_the_same_keyset_always_gives_the_same_cursor(codec: CursorCodec) -> None:
    assert codec.encode(scope(), Keyset(3, 3)) == CursorCodec(SECRET).encode(scope(), Keyset(3, 3))
