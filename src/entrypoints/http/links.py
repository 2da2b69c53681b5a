"""How a page of a list goes out: its body fields and its `Link` header."""

from __future__ import annotations

from fastapi import Request, Response

from application.paging import Page


def add_next_link(request: Request, response: Response, page: Page[object]) -> None:
    """`Link: <…>; rel="next"` (RFC 8288), an absolute URL keeping filters, sort and limit.

    An offset page links to the next offset, a cursor page to the next cursor.
    """
    if page.next_cursor is None:
        return
    url = request.url.remove_query_params(["offset", "cursor"])
    if page.cursor_mode:
        url = url.include_query_params(cursor=page.next_cursor)
    else:
        url = url.include_query_params(offset=page.offset + page.limit)
    response.headers["Link"] = f'<{url}>; rel="next"'
