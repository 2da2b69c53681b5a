"""How a page of a list goes out: its body fields and its `Link` header."""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qsl, urlencode

from fastapi import Request, Response

from application.paging import Page

_PAGE_POSITION: Final = frozenset({"offset", "cursor"})
"""The parameters that say where a page starts: the next page's link replaces them."""


def add_next_link(request: Request, response: Response, page: Page[object]) -> None:
    """`Link: <…>; rel="next"` (RFC 8288), an absolute URL keeping filters, sort and limit.

    An offset page links to the next offset, a cursor page to the next cursor.
    """
    if page.next_cursor is None:
        return
    # The URL Starlette's `remove_query_params(...).include_query_params(...)` gives
    # (the other parameters re-encoded, in their order, the new one last), with one
    # parse and one encoding instead of two of each: they were a tenth of a page's
    # in-process time.
    query = request.scope["query_string"].decode()
    kept = [
        (name, value)
        for name, value in parse_qsl(query, keep_blank_values=True)
        if name not in _PAGE_POSITION
    ]
    if page.cursor_mode:
        kept.append(("cursor", page.next_cursor))
    else:
        kept.append(("offset", str(page.offset + page.limit)))
    base = str(request.url).partition("?")[0]
    response.headers["Link"] = f'<{base}?{urlencode(kept)}>; rel="next"'
