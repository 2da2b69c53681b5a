"""The keyword arguments that test helpers pass on to the code under test, typed, so
that mypy checks each call of a helper against the function it ends up calling."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from application.idempotency import IdempotencyRequest


class FilterArguments(TypedDict, total=False):
    """Those of `TaskFilters.of`."""

    q: str | None
    done: bool | None
    tags: Sequence[str]


class ListArguments(TypedDict, total=False):
    """Those of `ListRequest`."""

    limit: int
    offset: int | None
    cursor: str | None
    sort: str | None
    with_total: bool


class TaskArguments(TypedDict, total=False):
    """Those of `TaskService.create` but the title."""

    description: str | None
    done: bool
    tags: Sequence[str]
    idempotency: IdempotencyRequest | None
