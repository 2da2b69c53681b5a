"""Resource ids: what a store can hand out, and so what can name a resource."""

from __future__ import annotations

from typing import Final

MAX_ID: Final = 2**63 - 1
"""Ids are 64-bit signed integers; anything larger cannot name a resource."""


def is_possible_id(resource_id: int) -> bool:
    """Whether a store could ever have issued `resource_id` (asking it about others would
    only overflow its integer type)."""
    return 0 < resource_id <= MAX_ID
