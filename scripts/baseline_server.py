"""A hand-written floor for `GET /tasks/{id}`: a raw ASGI app on plain asyncpg.

No framework, no validation, no middleware, no SQLAlchemy: about the least a
Python server on uvicorn can do to answer that request with the same JSON and
ETag as the service. `scripts/benchmark.py --baseline` runs it beside the
service, on the same database and with the same uvicorn settings, and reports
the service's throughput as a fraction of this one's.

It also answers `GET /health/ready` (for the benchmark to wait on) and 404s
everything else. Run it by hand with:

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/DB DB_POOL_SIZE=32 \\
        .venv/bin/python scripts/baseline_server.py --port 8001
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, Final

import asyncpg
import uvicorn

Scope = Mapping[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

# The task and its tags in one round trip, tags in code point order as the service lists them.
GET_TASK: Final = """
SELECT id, title, description, done, created_at, updated_at, version,
       ARRAY(SELECT tag FROM task_tags WHERE task_id = tasks.id ORDER BY tag COLLATE "C") AS tags
FROM tasks
WHERE id = $1
"""

_JSON: Final = (b"content-type", b"application/json")
_NOT_FOUND: Final = (404, [_JSON], b'{"status":404}')


class BaselineApp:
    """The ASGI app. Its connections sit in a queue: no reset query on release, no pool logic."""

    def __init__(self, dsn: str, connections: int) -> None:
        self._dsn = dsn
        self._size = connections
        self._idle: asyncio.Queue[asyncpg.Connection] = asyncio.Queue()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            status, headers, body = await self._respond(scope["method"], scope["path"])
            headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})

    async def _respond(self, method: str, path: str) -> tuple[int, Headers, bytes]:
        if method != "GET":
            return _NOT_FOUND[0], list(_NOT_FOUND[1]), _NOT_FOUND[2]
        if path == "/health/ready":
            await self._fetchrow("SELECT 1")
            return 200, [_JSON], b'{"status":"ok"}'
        prefix, _, task_id = path.rpartition("/")
        if prefix == "/tasks" and task_id.isdigit() and len(task_id) < 19:
            row = await self._fetchrow(GET_TASK, int(task_id))
            if row is not None:
                etag = f'"{row["version"]}"'.encode()
                return 200, [_JSON, (b"etag", etag)], task_json(row)
        return _NOT_FOUND[0], list(_NOT_FOUND[1]), _NOT_FOUND[2]

    async def _fetchrow(self, query: str, *args: object) -> asyncpg.Record | None:
        connection = await self._idle.get()
        try:
            return await connection.fetchrow(query, *args)
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


def task_json(row: asyncpg.Record) -> bytes:
    """The task as the service serialises it: compact, fields in order, UTC as `Z`."""
    task = {
        "id": row["id"],
        "title": row["title"],
        "description": row["description"],
        "done": row["done"],
        "tags": row["tags"],
        "created_at": _timestamp(row["created_at"]),
        "updated_at": _timestamp(row["updated_at"]),
        "version": row["version"],
    }
    return json.dumps(task, ensure_ascii=False, separators=(",", ":")).encode()


def _timestamp(value: datetime) -> str:
    # asyncpg gives timestamptz in UTC; pydantic writes that offset as "Z".
    return value.isoformat().replace("+00:00", "Z")


def asyncpg_dsn(url: str) -> str:
    """A libpq-style DSN from a SQLAlchemy URL (`postgresql+asyncpg://` becomes `postgresql://`)."""
    scheme, separator, rest = url.partition("://")
    return f"{scheme.split('+')[0]}{separator}{rest}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8001, help="port to listen on")
    args = parser.parse_args()
    app = BaselineApp(asyncpg_dsn(os.environ["DATABASE_URL"]), int(os.getenv("DB_POOL_SIZE", "20")))
    # The service's uvicorn settings (see entrypoints.cli): one process, no access log.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        access_log=False,
        proxy_headers=True,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
