"""Tag normalisation: trimming, lower-casing, merging, sorting, and the rules for each tag."""

import pytest

from domain.errors import InvalidValue
from domain.tags import MAX_TAGS, TAG_MAX_LENGTH, normalize_tags


def problems(values: list[str]) -> list[str]:
    with pytest.raises(InvalidValue) as caught:
        normalize_tags(values)
    return [at for at, _ in caught.value.problems]


def test_no_tags_is_valid() -> None:
    assert normalize_tags([]) == ()


def test_tags_are_trimmed_and_lower_cased() -> None:
    assert normalize_tags(["  Backend\t", "\u00a0URGENT\u3000"]) == ("backend", "urgent")


def test_tags_come_back_sorted_by_code_point() -> None:
    assert normalize_tags(["b", "a", "_x", "9", "-y"]) == ("-y", "9", "_x", "a", "b")


def test_duplicate_tags_are_merged_after_normalisation() -> None:
    assert normalize_tags(["ops", "OPS", " ops ", "dev"]) == ("dev", "ops")


@pytest.mark.parametrize(
    "tag", ["a", "z", "0", "9", "-", "_", "snake_case", "kebab-case", "x" * TAG_MAX_LENGTH]
)
def test_a_tag_of_lower_case_letters_digits_dashes_and_underscores_is_valid(tag: str) -> None:
    assert normalize_tags([tag]) == (tag,)


@pytest.mark.parametrize(
    "tag",
    [
        "",
        "   ",
        "x" * (TAG_MAX_LENGTH + 1),
        "two words",
        "dot.ted",
        "slash/ed",
        "a\x00",
        "\x1fa",
        "café",
        "\u212a",  # Kelvin sign: lower-cases to an ASCII "k", but is not ASCII
        "\u0130",  # dotted capital I
        "ａ",  # fullwidth a
    ],
)
def test_a_tag_outside_the_alphabet_or_length_is_rejected(tag: str) -> None:
    assert problems([tag]) == ["[0]"]


def test_the_length_of_a_tag_is_checked_after_trimming() -> None:
    tag = "x" * TAG_MAX_LENGTH
    assert normalize_tags([f"  {tag}  "]) == (tag,)


def test_every_invalid_tag_is_named_by_its_position_in_the_input() -> None:
    assert problems(["ok", "not ok", "fine", "Ünicode", "also-fine", ""]) == ["[1]", "[3]", "[5]"]


def test_twenty_tags_may_be_given() -> None:
    tags = [f"tag-{i:02}" for i in range(MAX_TAGS)]
    assert normalize_tags(tags) == tuple(tags)


def test_more_than_twenty_tags_are_rejected_as_a_whole() -> None:
    assert problems([f"tag-{i:02}" for i in range(MAX_TAGS + 1)]) == [""]


def test_duplicates_count_towards_the_limit_of_twenty() -> None:
    assert problems(["same"] * (MAX_TAGS + 1)) == [""]


def test_twenty_duplicates_are_merged_into_one_tag() -> None:
    assert normalize_tags(["Same"] * MAX_TAGS) == ("same",)


def test_any_iterable_of_tags_is_accepted() -> None:
    assert normalize_tags(tag for tag in ("b", "a")) == ("a", "b")
