"""The bounds of a page: limit and offset."""

import pytest

from application.paging import MAX_LIMIT, check_limit, check_offset
from domain.errors import InvalidValue


@pytest.mark.parametrize("limit", [1, 20, MAX_LIMIT])
def test_a_limit_from_one_to_a_hundred_is_valid(limit: int) -> None:
    assert check_limit(limit) == limit


@pytest.mark.parametrize("limit", [-1, 0, MAX_LIMIT + 1, 10**6])
def test_a_limit_outside_one_to_a_hundred_is_rejected(limit: int) -> None:
    with pytest.raises(InvalidValue, match="between 1 and 100"):
        check_limit(limit)


@pytest.mark.parametrize("offset", [0, 1, 10**9])
def test_an_offset_of_zero_or_more_is_valid(offset: int) -> None:
    assert check_offset(offset) == offset


def test_a_negative_offset_is_rejected() -> None:
    with pytest.raises(InvalidValue, match="0 or more"):
        check_offset(-1)
