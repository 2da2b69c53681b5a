"""Entity tags, all of them: a resource's ETag, parsing and matching `If-Match` and
`If-None-Match` (RFC 9110 §8.8.3, §13.1), and the headers that carry them.

The application only checks versions (`application/preconditions.py`); turning
versions into tags and tags into versions is HTTP's business, and happens here.
"""

from __future__ import annotations

import re
from typing import Final

from fastapi import Response

from application.preconditions import ANY_VERSION, Precondition

# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, in a comma-separated list.
_ENTITY_TAG: Final = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')
# Empty list elements (RFC 9110 §5.6.1: recipients accept and ignore them).
_SEPARATORS: Final = " \t,"


_VERSION: Final = re.compile(r"[1-9][0-9]{0,18}")


def etag(version: int) -> str:
    """The strong ETag of a resource at `version`."""
    return f'"{version}"'


def _entity_tags(header: str) -> list[tuple[bool, str]]:
    """(weak, opaque-tag) pairs of a list header; a malformed header has none."""
    tags: list[tuple[bool, str]] = []
    position = 0
    while True:
        while position < len(header) and header[position] in _SEPARATORS:
            position += 1
        if position == len(header):
            return tags
        match = _ENTITY_TAG.match(header, position)
        if match is None or match.end() == position:
            return []
        tags.append((match.group(1) is not None, match.group(2)))
        position = match.end()


def if_match(header: str | None) -> Precondition | None:
    """The precondition of an `If-Match` header, compared strongly: weak tags never match."""
    if header is None:
        return None
    if header.strip() == "*":
        return ANY_VERSION
    versions = frozenset(
        version
        for weak, tag in _entity_tags(header)
        if not weak and (version := _version(tag)) is not None
    )
    return Precondition(versions)


def _version(tag: str) -> int | None:
    """The version an opaque tag of ours stands for: exactly the digits `etag()` writes.

    ETags compare character by character, so "01" is not "1"; and a tag too long
    to be a version is no version at all (not a reason to parse 5,000 digits).
    """
    return int(tag) if _VERSION.fullmatch(tag) else None


def none_match(header: str | None, version: int) -> bool:
    """Whether `If-None-Match` matches the current version (weak comparison): a 304."""
    if header is None:
        return False
    if header.strip() == "*":
        return True
    current = str(version)
    return any(tag == current for _, tag in _entity_tags(header))


def send_created(response: Response, location: str, version: int, *, replayed: bool) -> None:
    """The headers of a 201: where the resource is, its ETag, and whether this is a replay."""
    response.headers["Location"] = location
    response.headers["ETag"] = etag(version)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"


def send_current(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def not_modified(if_none_match: str | None, version: int) -> Response | None:
    """The 304 to send instead of the resource, if the client's copy is current."""
    if none_match(if_none_match, version):
        return Response(status_code=304, headers={"ETag": etag(version)})
    return None
