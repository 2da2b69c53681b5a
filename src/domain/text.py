"""Rules for the free-text fields shared by tasks and notes."""

from __future__ import annotations

import re
from typing import Final

from domain.errors import InvalidValue

TITLE_MAX_LENGTH: Final = 200
SEARCH_MAX_LENGTH: Final = 100

WHITESPACE: Final = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
"""What trimming removes: exactly the white space of JSON Schema's (ECMAScript's) `\\s`,
so that the published schema can state the trimming rule precisely."""

# NUL cannot be stored by PostgreSQL, and lone surrogates cannot be encoded as
# UTF-8 at all; rejecting both here keeps every adapter's behaviour the same.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def check_storable(value: str) -> str:
    if _UNSTORABLE.search(value):
        raise InvalidValue("must not contain NUL characters or unpaired surrogates")
    return value


def trim(value: str) -> str:
    return value.strip(WHITESPACE)


def normalize_title(value: str) -> str:
    """Trim a title and check it: 1..200 characters, not blank."""
    title = trim(check_storable(value))
    if not title:
        raise InvalidValue("must not be blank")
    if len(title) > TITLE_MAX_LENGTH:
        raise InvalidValue(f"must be at most {TITLE_MAX_LENGTH} characters after trimming")
    return title


def check_length(value: str, max_length: int) -> str:
    check_storable(value)
    if len(value) > max_length:
        raise InvalidValue(f"must be at most {max_length} characters")
    return value


def fold(value: str) -> str:
    """The form in which text is compared by search: Unicode case folding.

    Computed in Python and stored beside the text, so that every adapter
    matches exactly the same way (SQLite's LIKE and PostgreSQL's ILIKE differ
    outside ASCII).
    """
    return value.casefold()


def normalize_search(value: str) -> str:
    """Check a search term (1..100 characters) and return its folded form."""
    check_storable(value)
    if not value:
        raise InvalidValue("must not be empty")
    if len(value) > SEARCH_MAX_LENGTH:
        raise InvalidValue(f"must be at most {SEARCH_MAX_LENGTH} characters")
    return fold(value)
