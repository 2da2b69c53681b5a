"""Sort orders of lists."""

import pytest

from domain.errors import InvalidValue
from domain.sorting import DEFAULT_SORT, Sort, SortField


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id", Sort(SortField.ID)),
        ("-id", Sort(SortField.ID, descending=True)),
        ("created_at", Sort(SortField.CREATED_AT)),
        ("-created_at", Sort(SortField.CREATED_AT, descending=True)),
        ("updated_at", Sort(SortField.UPDATED_AT)),
        ("-updated_at", Sort(SortField.UPDATED_AT, descending=True)),
        ("title", Sort(SortField.TITLE)),
        ("-title", Sort(SortField.TITLE, descending=True)),
    ],
)
def test_a_sort_is_a_field_optionally_prefixed_by_a_dash(text: str, expected: Sort) -> None:
    assert Sort.parse(text) == expected


@pytest.mark.parametrize("text", ["id", "-id", "title", "-updated_at"])
def test_a_sort_prints_as_it_is_parsed(text: str) -> None:
    assert str(Sort.parse(text)) == text


@pytest.mark.parametrize(
    "text",
    ["", "-", "bogus", "--id", "+id", "ID", "Title", " id", "id ", "id,title", "done", "-ID"],
)
def test_an_unknown_sort_is_rejected(text: str) -> None:
    with pytest.raises(InvalidValue, match="must be one of id, created_at, updated_at, title"):
        Sort.parse(text)


def test_lists_are_newest_first_by_default() -> None:
    assert Sort.parse("-id") == DEFAULT_SORT
