"""Single HTTP requests for setting up a run (sign-up, tokens, cursors, checks), not for load."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from bench.database import BenchError

_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: dict[str, str]
    """Names lower-cased."""
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def get(address: str, target: str, token: str | None = None) -> Response:
    return await request(address, "GET", target, token=token)


async def request(
    address: str,
    method: str,
    target: str,
    *,
    body: bytes | None = None,
    content_type: str | None = None,
    token: str | None = None,
) -> Response:
    """One request on a connection of its own; any status comes back, none raises."""
    headers = {} if content_type is None else {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    prepared = urllib.request.Request(
        f"http://{address}{target}", data=body, headers=headers, method=method
    )
    return await asyncio.to_thread(_send, prepared)


def _send(prepared: urllib.request.Request) -> Response:
    try:
        with urllib.request.urlopen(prepared, timeout=_TIMEOUT) as answer:  # noqa: S310
            return Response(answer.status, _lower(answer.headers.items()), answer.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, _lower(error.headers.items()), error.read())


def _lower(items: list[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in items}


async def get_json(address: str, target: str, token: str | None = None) -> Any:
    """The JSON of a 200 answer; anything else stops the run."""
    answer = await get(address, target, token)
    if answer.status != 200:
        raise BenchError(
            f"GET {target} on {address} answered {answer.status}: {answer.body[:300]!r}"
        )
    return answer.json()
