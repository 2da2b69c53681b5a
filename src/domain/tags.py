"""Tags: the small labels a task carries, and the rules that normalise them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final, TypeAlias

from domain.errors import InvalidValue

MAX_TAGS: Final = 20
TAG_MAX_LENGTH: Final = 50
TAG_PATTERN: Final = r"^[a-z0-9_-]{1,50}$"

Tags: TypeAlias = tuple[str, ...]
TAG_RULE: Final = f"must be 1..{TAG_MAX_LENGTH} characters of a-z, 0-9, '-' and '_'"
_TAG = re.compile(TAG_PATTERN)


def normalize_tags(values: Iterable[str]) -> Tags:
    """Trim and lower-case each tag, merge duplicates, and sort them.

    Raises `InvalidValue` naming every invalid item by its position in the input.
    """
    problems: list[tuple[str, str]] = []
    tags: set[str] = set()
    for index, value in enumerate(values):
        tag = value.strip().lower()
        if _TAG.fullmatch(tag):
            tags.add(tag)
        else:
            problems.append((f"[{index}]", TAG_RULE))
    if len(tags) > MAX_TAGS:
        problems.append(("", f"must hold at most {MAX_TAGS} distinct tags"))
    if problems:
        raise InvalidValue.of(problems)
    return tuple(sorted(tags))
