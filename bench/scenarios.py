"""The scenarios: which requests each one sends, round and round.

Requests are built for each server in turn, just before it is measured: cursors
are signed by the server that issued them, so each server gets its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote

from bench.database import CODES, TAGS, BenchError, Dataset
from bench.http import get_json
from bench.load import Request

PAGE: Final = 20
CURSOR_VARIANTS: Final = 10
"""Searches and tags whose second page is fetched, for the cursor scenarios that filter."""


@dataclass(frozen=True, slots=True)
class Target:
    """What a scenario's requests are built from."""

    address: str
    token: str | None
    dataset: Dataset


Builder = Callable[[Target], Awaitable[Sequence[Request]]]


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    is_list: bool
    build: Builder


def deep_offset(rows: int) -> int:
    """90 % down the list, leaving at least two pages after it."""
    return max(0, min(rows * 9 // 10, rows - 2 * PAGE))


async def _next_cursor(target: Target, path: str) -> str:
    cursor = (await get_json(target.address, path, target.token))["next_cursor"]
    if not cursor:
        raise BenchError(f"GET {path} gave no next_cursor: too few tasks?")
    return quote(cursor, safe="")


async def _get(target: Target) -> Sequence[Request]:
    return [Request("GET", f"/tasks/{task_id}") for task_id in target.dataset.task_ids]


async def _first_page(_: Target) -> Sequence[Request]:
    return [Request("GET", f"/tasks?limit={PAGE}")]


def _searches() -> list[str]:
    return [f"/tasks?limit={PAGE}&q={code}&done=false" for code in CODES]


def _tag_pages() -> list[str]:
    return [f"/tasks?limit={PAGE}&tag={tag}&sort=title" for tag in TAGS]


async def _search(_: Target) -> Sequence[Request]:
    return [Request("GET", path) for path in _searches()]


async def _tag(_: Target) -> Sequence[Request]:
    return [Request("GET", path) for path in _tag_pages()]


async def _offset_deep(target: Target) -> Sequence[Request]:
    return [Request("GET", f"/tasks?limit={PAGE}&offset={deep_offset(target.dataset.rows)}")]


async def _cursor_next(target: Target) -> Sequence[Request]:
    cursor = await _next_cursor(target, f"/tasks?limit={PAGE}")
    return [Request("GET", f"/tasks?limit={PAGE}&cursor={cursor}")]


async def _cursor_deep(target: Target) -> Sequence[Request]:
    path = f"/tasks?limit={PAGE}&offset={deep_offset(target.dataset.rows)}"
    return [Request("GET", f"/tasks?limit={PAGE}&cursor={await _next_cursor(target, path)}")]


async def _second_pages(target: Target, paths: list[str]) -> Sequence[Request]:
    """The second page of each of the first lists in `paths` that has one."""
    requests = []
    for path in paths:
        cursor = (await get_json(target.address, path, target.token))["next_cursor"]
        if cursor:
            requests.append(Request("GET", f"{path}&cursor={quote(cursor, safe='')}"))
        if len(requests) == CURSOR_VARIANTS:
            break
    if not requests:
        raise BenchError(f"no list like {paths[0]} has a second page: too few tasks?")
    return requests


async def _search_cursor(target: Target) -> Sequence[Request]:
    return await _second_pages(target, _searches())


async def _tag_cursor(target: Target) -> Sequence[Request]:
    return await _second_pages(target, _tag_pages())


async def _create(_: Target) -> Sequence[Request]:
    return [Request("POST", "/tasks", '{"title":"Bench {n}","tags":["bench"]}')]


async def _patch(target: Target) -> Sequence[Request]:
    return [
        Request("PATCH", f"/tasks/{task_id}", '{"description":"bench {n}"}')
        for task_id in target.dataset.task_ids
    ]


SCENARIOS: Final = {
    scenario.name: scenario
    for scenario in (
        Scenario("get", "GET /tasks/{id}, random ids", False, _get),
        Scenario(
            "first-page",
            f"GET /tasks?limit={PAGE}: newest first, with the total",
            True,
            _first_page,
        ),
        Scenario(
            "q-done", "GET /tasks?q=CODE&done=false: 1 % match q, with the total", True, _search
        ),
        Scenario(
            "tag-title",
            "GET /tasks?tag=TAG&sort=title: a quarter have the tag, with the total",
            True,
            _tag,
        ),
        Scenario(
            "offset-deep",
            "GET /tasks?offset=N: a page 90 % down the list, by offset",
            True,
            _offset_deep,
        ),
        Scenario(
            "cursor-next", "GET /tasks?cursor=…: the second page, by keyset", True, _cursor_next
        ),
        Scenario(
            "cursor-deep",
            "GET /tasks?cursor=…: the page after the deep one, by keyset",
            True,
            _cursor_deep,
        ),
        Scenario(
            "q-done-cursor", "the second page of q-done, by keyset (no total)", True, _search_cursor
        ),
        Scenario(
            "tag-title-cursor",
            "the second page of tag-title, by keyset (no total)",
            True,
            _tag_cursor,
        ),
        Scenario("create", "POST /tasks with a title and a tag", False, _create),
        Scenario("patch", "PATCH /tasks/{id}: a new description, random ids", False, _patch),
    )
}
DEFAULT: Final = (
    "get", "first-page", "q-done", "tag-title", "offset-deep", "cursor-next", "cursor-deep",
    "create", "patch",
)  # fmt: skip
"""Writes come last: the rows they add would shift the lists measured after them."""
SCALE: Final = (
    "first-page", "q-done", "tag-title", "offset-deep", "cursor-next", "cursor-deep",
    "q-done-cursor", "tag-title-cursor",
)  # fmt: skip
