"""The headers that go with a resource: its ETag, its location, and whether it was replayed."""

from __future__ import annotations

from fastapi import Response

from entrypoints.http import conditional


def send_created(response: Response, location: str, version: int, *, replayed: bool) -> None:
    response.headers["Location"] = location
    response.headers["ETag"] = conditional.etag(version)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"


def send_current(response: Response, version: int) -> None:
    response.headers["ETag"] = conditional.etag(version)


def not_modified(if_none_match: str | None, version: int) -> Response | None:
    """The 304 to send instead of the resource, if the client's copy is current."""
    if conditional.none_match(if_none_match, version):
        return Response(status_code=304, headers={"ETag": conditional.etag(version)})
    return None
