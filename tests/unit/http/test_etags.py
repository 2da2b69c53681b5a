"""The ETag helpers: formatting, and parsing If-Match (strong) and If-None-Match (weak)."""

from __future__ import annotations

import pytest

from application.preconditions import ANY_VERSION, Precondition
from entrypoints.http.etags import etag, if_match, none_match


@pytest.mark.parametrize(
    ("version", "tag"), [(1, '"1"'), (42, '"42"'), (2**63 - 1, f'"{2**63 - 1}"')]
)
def test_an_etag_is_the_version_in_double_quotes(version: int, tag: str) -> None:
    assert etag(version) == tag


def test_no_if_match_header_is_no_precondition() -> None:
    assert if_match(None) is None


@pytest.mark.parametrize("header", ["*", " * ", "\t*"])
def test_if_match_star_accepts_any_version(header: str) -> None:
    precondition = if_match(header)

    assert precondition == ANY_VERSION
    assert precondition is not None
    assert precondition.allows(1)
    assert precondition.allows(2**63 - 1)


@pytest.mark.parametrize(
    ("header", "versions"),
    [
        ('"1"', {1}),
        ('"1", "2"', {1, 2}),
        ('"1","2" ,  "3"', {1, 2, 3}),
        ('W/"1", "2"', {2}),
        ('"2", W/"3"', {2}),
        (f'"{2**63 - 1}"', {2**63 - 1}),
        # Empty list elements are ignored (RFC 9110 §5.6.1).
        (', "1"', {1}),
        ('"1", , "2",', {1, 2}),
        (' ,\t, "3" ,', {3}),
    ],
)
def test_if_match_accepts_exactly_the_strong_tags_listed(header: str, versions: set[int]) -> None:
    assert if_match(header) == Precondition(frozenset(versions))


@pytest.mark.parametrize(
    "header",
    [
        'W/"1"',
        'W/"1", W/"2"',
        '"abc"',
        '""',
        "1",
        '"1',
        '1"',
        '"1" "2"',
        '"1";"2"',
        '"1" garbage',
        "garbage",
        "",
        '"*"',
        '"-1"',
        '"+1"',
        '"1.0"',
        '"１"',
        '"1 "',
        '" 1"',
    ],
)
def test_if_match_that_names_no_strong_numeric_tag_accepts_no_version(header: str) -> None:
    precondition = if_match(header)

    assert precondition is not None
    assert not precondition.allows(1)


@pytest.mark.parametrize("header", ['"01"', '"001"'])
def test_if_match_compares_character_by_character(header: str) -> None:
    """RFC 9110 §8.8.3.2: strong comparison is of the opaque tags as written; "01" is not "1"."""
    precondition = if_match(header)

    assert precondition is not None
    assert not precondition.allows(1)


def test_if_match_with_a_huge_numeric_tag_accepts_no_version_instead_of_failing() -> None:
    precondition = if_match('"' + "9" * 5000 + '"')

    assert precondition is not None
    assert not precondition.allows(1)


def test_no_if_none_match_header_never_matches() -> None:
    assert none_match(None, 1) is False


@pytest.mark.parametrize(
    "header",
    ['"3"', 'W/"3"', '"1", "3"', 'W/"1",W/"3"', ' "3" ', "*", " * "],
)
def test_if_none_match_matches_the_current_version_weakly(header: str) -> None:
    assert none_match(header, 3) is True


@pytest.mark.parametrize(
    "header",
    ['"2"', 'W/"2"', '"1", "2"', "3", '"03"', '"3', "garbage", "", '"3" trailing', 'w/"3"'],
)
def test_if_none_match_without_the_current_version_does_not_match(header: str) -> None:
    assert none_match(header, 3) is False
