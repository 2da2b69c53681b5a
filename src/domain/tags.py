"""Tags: the small labels a task carries, and the rules that normalise them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final, TypeAlias

from domain.errors import InvalidValue
from domain.text import trim

MAX_TAGS: Final = 20
TAG_MAX_LENGTH: Final = 50
TAG_PATTERN: Final = r"^[a-z0-9_-]{1,50}$"

Tags: TypeAlias = tuple[str, ...]
TAG_RULE: Final = f"must be 1..{TAG_MAX_LENGTH} characters of a-z, 0-9, '-' and '_'"
_TAG = re.compile(TAG_PATTERN)


def normalize_tags(values: Iterable[str]) -> Tags:
    """Trim and lower-case each tag, merge duplicates, and sort them.

    At most MAX_TAGS may be given, duplicates included: the bound holds for the
    input as sent, so that it can be stated in the API schema. Raises
    `InvalidValue` naming every invalid item by its position in the input.
    """
    values = list(values)
    if len(values) > MAX_TAGS:
        raise InvalidValue(f"must hold at most {MAX_TAGS} tags")
    problems: list[tuple[str, str]] = []
    tags: set[str] = set()
    for index, value in enumerate(values):
        # Only ASCII is lower-cased: "K" (Kelvin sign) must not become "k".
        tag = trim(value)
        if tag.isascii() and _TAG.fullmatch(tag.lower()):
            tags.add(tag.lower())
        else:
            problems.append((f"[{index}]", TAG_RULE))
    if problems:
        raise InvalidValue.of(problems)
    return tuple(sorted(tags))
