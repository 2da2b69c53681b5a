"""Titles, free text and search terms: trimming, lengths and what can be stored."""

import pytest

from domain.errors import InvalidValue
from domain.text import (
    SEARCH_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    WHITESPACE,
    check_length,
    check_storable,
    normalize_search,
    normalize_title,
    trim,
)

UNSTORABLE = ["\x00", "a\x00b", "\ud800", "a\udfffb", "\udc00\ud800"]


def test_white_space_is_exactly_json_schemas() -> None:
    ecmascript_white_space = set("\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff")
    ecmascript_white_space |= {chr(c) for c in range(0x2000, 0x200B)}
    assert set(WHITESPACE) == ecmascript_white_space


@pytest.mark.parametrize("space", list(WHITESPACE))
def test_every_white_space_character_is_trimmed(space: str) -> None:
    assert trim(f"{space}{space}a b{space}") == "a b"


@pytest.mark.parametrize(
    "character",
    ["\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\u180e", "\u200b"],
    ids=["FS", "GS", "RS", "US", "NEL", "MVS", "ZWSP"],
)
def test_characters_python_strips_but_json_schema_does_not_are_kept(character: str) -> None:
    assert trim(f"{character}a{character}") == f"{character}a{character}"


def test_a_title_is_trimmed() -> None:
    assert normalize_title("  \u3000Ship it\t\n") == "Ship it"


def test_inner_white_space_of_a_title_is_kept() -> None:
    assert normalize_title("Ship \t  it") == "Ship \t  it"


@pytest.mark.parametrize("title", ["", " ", "\t\n", "\u00a0\u3000\ufeff", WHITESPACE])
def test_a_blank_title_is_rejected(title: str) -> None:
    with pytest.raises(InvalidValue, match="blank"):
        normalize_title(title)


def test_a_title_of_one_visible_character_is_valid() -> None:
    assert normalize_title("\x1f") == "\x1f"


@pytest.mark.parametrize("character", ["a", "é", "🚀", "\x01"])
def test_a_title_may_be_two_hundred_characters_long(character: str) -> None:
    title = character * TITLE_MAX_LENGTH
    assert normalize_title(title) == title


@pytest.mark.parametrize("character", ["a", "🚀"])
def test_a_title_longer_than_two_hundred_characters_is_rejected(character: str) -> None:
    with pytest.raises(InvalidValue, match="at most 200"):
        normalize_title(character * (TITLE_MAX_LENGTH + 1))


def test_the_title_length_is_counted_after_trimming() -> None:
    title = "a" * TITLE_MAX_LENGTH
    assert normalize_title(f"   {title}   ") == title


@pytest.mark.parametrize("title", UNSTORABLE)
def test_a_title_with_nul_or_a_lone_surrogate_is_rejected(title: str) -> None:
    with pytest.raises(InvalidValue, match="NUL"):
        normalize_title(title)


def test_a_surrogate_pair_written_as_one_character_is_storable() -> None:
    assert check_storable("🚀") == "🚀"


@pytest.mark.parametrize("value", UNSTORABLE)
def test_a_text_with_nul_or_a_lone_surrogate_is_rejected(value: str) -> None:
    with pytest.raises(InvalidValue):
        check_length(value, 100)


def test_a_text_is_kept_exactly_as_given() -> None:
    assert check_length("  any\x1f text\n", 13) == "  any\x1f text\n"


def test_a_text_longer_than_its_limit_is_rejected() -> None:
    with pytest.raises(InvalidValue, match="at most 3"):
        check_length("abcd", 3)


def test_a_search_term_is_case_folded() -> None:
    assert normalize_search("Straße SHIP") == "strasse ship"


def test_a_search_term_keeps_wildcard_characters_literally() -> None:
    assert normalize_search("50%_\\") == "50%_\\"


def test_an_empty_search_term_is_rejected() -> None:
    with pytest.raises(InvalidValue, match="empty"):
        normalize_search("")


def test_a_search_term_of_a_hundred_characters_is_valid() -> None:
    assert normalize_search("q" * SEARCH_MAX_LENGTH) == "q" * SEARCH_MAX_LENGTH


def test_a_search_term_longer_than_a_hundred_characters_is_rejected() -> None:
    with pytest.raises(InvalidValue, match="at most 100"):
        normalize_search("q" * (SEARCH_MAX_LENGTH + 1))


@pytest.mark.parametrize("term", UNSTORABLE)
def test_a_search_term_with_nul_or_a_lone_surrogate_is_rejected(term: str) -> None:
    with pytest.raises(InvalidValue):
        normalize_search(term)
