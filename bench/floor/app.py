"""The floor's ASGI app: routing, parameters, JSON and the token check, by hand."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import parse_qsl, quote

import asyncpg

from bench.floor.sql import SORT_FIELDS, ListShape, Statements
from bench.floor.tokens import Cursors, TokenCheck, scope_of

Scope = Mapping[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]
Answer = tuple[int, Headers, bytes]

MAX_LIMIT: Final = 100
MAX_ID: Final = 2**63 - 1
_JSON: Final = (b"content-type", b"application/json")
_PROBLEM: Final = (b"content-type", b"application/problem+json")
_CHALLENGE: Final = (b"www-authenticate", b'Bearer realm="tasks-api"')
_TASK_FIELDS: Final = frozenset({"title", "description", "done", "tags"})
_PATCH_FIELDS: Final = frozenset({"title", "description", "done"})
_TITLES: Final = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
}


class Invalid(Exception):
    """A request the floor refuses: its status and a detail."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _problem(status: int, detail: str) -> Answer:
    body = {
        "type": "about:blank",
        "title": _TITLES.get(status, ""),
        "status": status,
        "detail": detail,
    }
    headers = [_PROBLEM, _CHALLENGE] if status == 401 else [_PROBLEM]
    return status, headers, _dumps(body)


def _dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _timestamp(value: datetime) -> str:
    """RFC 3339 in UTC with six fraction digits and `Z`, as the contract says."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _task(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": row["id"],
        "title": row["title"],
        "description": row["description"],
        "done": row["done"],
        "tags": list(row["tags"] or ()),
        "created_at": _timestamp(row["created_at"]),
        "updated_at": _timestamp(row["updated_at"]),
        "version": row["version"],
    }


def _one_task(
    status: int, row: asyncpg.Record | None, task_id: int, extra: Headers | None = None
) -> Answer:
    if row is None:
        return _problem(404, f"Task {task_id} does not exist")
    etag = f'"{row["version"]}"'.encode()
    return status, [_JSON, (b"etag", etag), *(extra or ())], _dumps(_task(row))


class Floor:
    """The ASGI app. Connections wait in a queue: no pool logic, no reset query on release."""

    def __init__(self, dsn: str, pool_size: int, secret: str, *, accounts: bool) -> None:
        self._dsn = dsn
        self._size = pool_size
        self._idle: asyncio.Queue[asyncpg.Connection] = asyncio.Queue()
        self._sql = Statements(accounts=accounts)
        self._tokens = TokenCheck(secret) if accounts else None
        self._cursors = Cursors(secret)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        try:
            status, headers, body = await self._respond(scope, receive)
        except Invalid as error:
            status, headers, body = _problem(error.status, error.detail)
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _respond(self, scope: Scope, receive: Receive) -> Answer:
        method, path = scope["method"], scope["path"]
        if path == "/health/ready":
            await self._fetch("SELECT 1")
            return 200, [_JSON], b'{"status":"ok"}'
        if path in ("/tasks", "/tasks/"):
            owner = self._owner(scope)
            if method == "GET":
                return await self._list(scope, owner)
            if method == "POST":
                return await self._create(await self._body(scope, receive, patch=False), owner)
        elif path.startswith("/tasks/"):
            task_id = _task_id(path[len("/tasks/") :])
            owner = self._owner(scope)
            if method == "GET":
                rows = await self._fetch(self._sql.get, *_scoped(owner, task_id))
                return _one_task(200, rows[0] if rows else None, task_id)
            if method == "PATCH":
                return await self._patch(
                    task_id, await self._body(scope, receive, patch=True), owner
                )
        return _problem(404, "No such endpoint on the floor")

    def _owner(self, scope: Scope) -> int | None:
        """The caller's account id; None when there are no accounts. Raises 401 otherwise."""
        if self._tokens is None:
            return None
        authorization = next((v for k, v in scope["headers"] if k == b"authorization"), None)
        owner = self._tokens.owner(authorization)
        if owner is None:
            raise Invalid(401, "A valid bearer token is required")
        return owner

    async def _body(self, scope: Scope, receive: Receive, *, patch: bool) -> dict[str, Any]:
        content_type = next((v for k, v in scope["headers"] if k == b"content-type"), b"")
        media = content_type.split(b";")[0].strip().lower()
        accepted = (
            (b"application/json", b"application/merge-patch+json")
            if patch
            else (b"application/json",)
        )
        if media not in accepted:
            raise Invalid(415, "The body must be JSON")
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        try:
            body = json.loads(b"".join(chunks))
        except ValueError:
            raise Invalid(400, "The body is not valid JSON") from None
        if not isinstance(body, dict):
            raise Invalid(422, "The body must be an object")
        unknown = body.keys() - (_PATCH_FIELDS if patch else _TASK_FIELDS)
        if unknown:
            raise Invalid(422, f"Unknown fields: {', '.join(sorted(unknown))}")
        return body

    async def _create(self, body: dict[str, Any], owner: int | None) -> Answer:
        if "title" not in body:
            raise Invalid(422, "title is required")
        title = _title(body["title"])
        description = _description(body.get("description"))
        done = body.get("done", False)
        if type(done) is not bool:
            raise Invalid(422, "done must be a boolean")
        tags = _tags(body.get("tags", []))
        now = datetime.now(UTC)
        rows = await self._fetch(
            self._sql.create, *_scoped(owner, title, title.casefold(), description, done, now, tags)
        )
        row = rows[0]
        return _one_task(201, row, row["id"], [(b"location", f"/tasks/{row['id']}".encode())])

    async def _patch(self, task_id: int, body: dict[str, Any], owner: int | None) -> Answer:
        title = _title(body["title"]) if "title" in body else None
        description = _description(body.get("description"))
        done = body.get("done")
        if done is not None and type(done) is not bool:
            raise Invalid(422, "done must be a boolean")
        rows = await self._fetch(
            self._sql.patch,
            *_scoped(
                owner,
                task_id,
                title,
                None if title is None else title.casefold(),
                "description" in body,
                description,
                done,
            ),
        )
        return _one_task(200, rows[0] if rows else None, task_id)

    async def _list(self, scope: Scope, owner: int | None) -> Answer:
        request = _ListRequest(scope["query_string"].decode("latin-1"))
        scope_digest = scope_of(request.sort_text, request.filters)
        after = None
        if request.cursor is not None:
            after = self._cursors.decode(request.cursor, scope_digest)
            if after is None:
                raise Invalid(422, "cursor is not a valid cursor")
        with_total = request.with_total or after is None
        shape = ListShape(
            sort=request.sort,
            descending=request.descending,
            search=request.search is not None,
            done=request.done is not None,
            tags=len(request.tags),
            keyset=after is not None,
            with_total=with_total,
        )
        statement, names = self._sql.list(shape)
        values: dict[str, object] = {
            "owner": owner,
            "search": request.search,
            "done": request.done,
            **{f"tag_{number}": tag for number, tag in enumerate(request.tags)},
            "limit": request.limit + 1,
            "offset": request.offset,
        }
        if after is not None:
            values["after_value"] = _keyset_value(after[0], request.sort)
            values["after_id"] = after[1]
        rows = await self._fetch(statement, *(values[name] for name in names))
        total = rows[0]["total"] if with_total and rows else None
        items = [_task(row) for row in rows if row["id"] is not None]
        next_cursor = None
        if len(items) > request.limit:
            items = items[: request.limit]
            last = items[-1]
            next_cursor = self._cursors.encode(scope_digest, last[request.sort], last["id"])
        page = {
            "items": items,
            "total": total,
            "limit": request.limit,
            "offset": request.offset,
            "next_cursor": next_cursor,
        }
        headers: Headers = [_JSON]
        if next_cursor is not None:
            headers.append((b"link", _next_link(scope, request, next_cursor, after is not None)))
        return 200, headers, _dumps(page)

    async def _fetch(self, statement: str, *args: object) -> list[asyncpg.Record]:
        connection = await self._idle.get()
        try:
            rows: list[asyncpg.Record] = await connection.fetch(statement, *args)
            return rows
        except asyncpg.DataError as error:
            raise Invalid(422, str(error)) from None
        finally:
            self._idle.put_nowait(connection)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                for _ in range(self._size):
                    self._idle.put_nowait(await asyncpg.connect(self._dsn))
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                while not self._idle.empty():
                    await self._idle.get_nowait().close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def _scoped(owner: int | None, *values: object) -> tuple[object, ...]:
    """The statement's parameters: the owner's id first, when there are accounts."""
    return values if owner is None else (owner, *values)


def _task_id(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) <= MAX_ID:
        raise Invalid(404, "No such task")
    return int(text)


def _title(value: object) -> str:
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= 200 or "\x00" in value:
        raise Invalid(422, "title must be 1..200 characters")
    return value.strip()


def _description(value: object) -> str | None:
    if value is not None and (not isinstance(value, str) or len(value) > 10_000 or "\x00" in value):
        raise Invalid(422, "description must be at most 10,000 characters, or null")
    return value


def _tags(value: object) -> list[str]:
    if not isinstance(value, list) or len(value) > 20:
        raise Invalid(422, "tags must be a list of at most 20 tags")
    tags = set()
    for given in value:
        if not isinstance(given, str):
            raise Invalid(422, "a tag must be a string")
        tag = given.strip().lower()
        if not 1 <= len(tag) <= 50 or not all(
            c.isascii() and (c.isalnum() or c in "-_") for c in tag
        ):
            raise Invalid(422, "a tag is 1..50 of a-z, 0-9, '-' and '_'")
        tags.add(tag)
    return sorted(tags)


def _keyset_value(value: object, sort: str) -> object:
    if sort in ("created_at", "updated_at") and isinstance(value, str):
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return value


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class _ListRequest:
    """The query string of `GET /tasks`, checked."""

    def __init__(self, query: str) -> None:
        params = parse_qsl(query, keep_blank_values=True)
        single = dict(params)
        self.limit = _integer(single.get("limit", "20"), "limit", 1, MAX_LIMIT)
        self.offset = _integer(single.get("offset", "0"), "offset", 0, MAX_ID)
        self.cursor = single.get("cursor")
        if self.cursor is not None and "offset" in single:
            raise Invalid(422, "offset cannot be combined with cursor")
        self.sort_text = single.get("sort", "-id")
        self.descending = self.sort_text.startswith("-")
        self.sort = self.sort_text.removeprefix("-")
        if self.sort not in SORT_FIELDS:
            raise Invalid(422, "sort is not a sort")
        q = single.get("q")
        if q is not None and not 1 <= len(q) <= 100:
            raise Invalid(422, "q must be 1..100 characters")
        self.search = None if q is None else _like(q.casefold())
        self.done = _boolean(single.get("done"), "done")
        self.with_total = _boolean(single.get("with_total"), "with_total") or False
        self.tags = sorted({value.strip().lower() for name, value in params if name == "tag"})
        self.filters = (q, self.done, tuple(self.tags))


def _integer(text: str, name: str, lowest: int, highest: int) -> int:
    if not text.isdigit() or not lowest <= int(text) <= highest:
        raise Invalid(422, f"{name} must be an integer from {lowest} to {highest}")
    return int(text)


def _boolean(text: str | None, name: str) -> bool | None:
    if text is None:
        return None
    if text not in ("true", "false"):
        raise Invalid(422, f"{name} must be true or false")
    return text == "true"


def _next_link(scope: Scope, request: _ListRequest, cursor: str, cursor_mode: bool) -> bytes:
    """`Link: <…>; rel="next"`: the same query with the next offset, or the next cursor."""
    kept = [
        f"{quote(name, safe='')}={quote(value, safe='')}"
        for name, value in parse_qsl(
            scope["query_string"].decode("latin-1"), keep_blank_values=True
        )
        if name not in ("offset", "cursor")
    ]
    kept.append(f"cursor={cursor}" if cursor_mode else f"offset={request.offset + request.limit}")
    host = next((v for k, v in scope["headers"] if k == b"host"), b"127.0.0.1").decode("latin-1")
    return f'<http://{host}{scope["path"]}?{"&".join(kept)}>; rel="next"'.encode()
