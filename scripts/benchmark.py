"""Throughput and latency of the real service under load, on a throwaway database.

    make bench                                         # every scenario, on local PostgreSQL
    make bench ARGS="--duration 5 --only task-get task-list"
    .venv/bin/python scripts/benchmark.py --baseline   # also the hand-written asyncpg floor
    .venv/bin/python scripts/benchmark.py --sqlite     # on a temporary SQLite file
    .venv/bin/python scripts/benchmark.py --help       # options, and what each scenario does

What it does:

1. creates the database `tasks_api_bench_<random>` on the `--database-url` server,
   migrates it and seeds it (10,000 tasks with tags and 1,000 notes by default);
   it drops that database at the end whatever happens (failure, Ctrl-C, SIGTERM);
2. starts the service as a subprocess, `tasks-api serve --workers 1`, with its
   connection pool sized to the concurrency and LOG_LEVEL=WARNING, and waits for
   `/health/ready`;
3. for each scenario, warms up, then keeps `--connections` keep-alive connections
   busy for `--duration` seconds, with `wrk` if it is on PATH (`apt-get install
   wrk`) and otherwise a built-in asyncio HTTP/1.1 client (`--client` chooses);
4. prints one row per scenario: requests/s, latency percentiles, errors (status
   >= 400, or a failed connection), and CPU time as a share of one core and per
   request: the server's (one worker: 100 % is all it can use), the database's
   (every PostgreSQL process of this machine; blank for a remote one or SQLite),
   and the load generator's.

It prints figures and asserts nothing. The load is closed-loop (each connection
sends its next request when the previous answer arrives), so latencies are those
of a saturated server, not of a given arrival rate. The server, the database and
the load generator share the machine: compare figures taken on one machine.
With `--baseline`, `scripts/baseline_server.py` serves `GET /tasks/{id}` from the
same database and the ratio of the service's throughput to it is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import random
import resource
import secrets
import shutil
import signal
import socket
import string
import sys
import tempfile
import time
import urllib.parse
from array import array
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Final, Protocol

from sqlalchemy import Table, exc, insert, pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from adapters.sqlalchemy.tables import notes, task_tags, tasks
from domain.text import fold
from entrypoints.migrate import migrate

DEFAULT_SERVER: Final = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
HOST: Final = "127.0.0.1"
PAGE: Final = 20
VARIANTS: Final = 1_000
"""Distinct requests generated per scenario (random ids, terms, tags), sent round and round."""
READY_TIMEOUT: Final = 30.0
WRK_THREADS: Final = 1
"""One event loop thread keeps wrk's share of the two cores small; it is not the bottleneck."""

SCENARIOS: Final = {
    "task-get": "GET /tasks/{id}, random existing ids",
    "task-list": f"GET /tasks?limit={PAGE}: first page, newest first, with the total",
    "task-search": "GET /tasks?q=WORD: substring search on titles, with the total",
    "task-tag-sorted": "GET /tasks?tag=TAG&sort=title: tag filter, sorted by title",
    "task-cursor-near": "GET /tasks?cursor=...: the second page, by keyset",
    "task-cursor-deep": "GET /tasks?cursor=...: a page 90 % down the list, by keyset",
    "task-offset-deep": "GET /tasks?offset=N: the same deep page by offset, for contrast",
    "task-create": "POST /tasks with a title and a tag",
    "task-update": "PATCH /tasks/{id}: a new description on a random task",
    "note-get": "GET /notes/{id}, random existing ids",
    "health": "GET /health: the framework alone, no database",
}

WORDS: Final = (
    "deploy", "review", "refactor", "migrate", "document", "benchmark", "release", "debug",
    "design", "test", "api", "database", "cache", "cursor", "index", "schema", "service",
    "client", "queue", "worker", "metrics", "logging", "backup", "upgrade", "security",
    "invoice", "report", "meeting", "budget", "roadmap",
)  # fmt: skip
TAGS: Final = (
    "backend", "frontend", "urgent", "bug", "feature", "docs", "ops", "security", "perf",
    "research", "design", "infra", "billing", "mobile", "web", "data", "ml", "qa", "release",
    "chore",
)  # fmt: skip


class BenchmarkError(Exception):
    """Something that stops the benchmark, told to the user without a traceback."""


def say(message: str) -> None:
    """Progress goes to stderr; the figures alone go to stdout."""
    print(message, file=sys.stderr, flush=True)


# --- Configuration -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    database_url: str
    sqlite: bool
    baseline: bool
    scenarios: tuple[str, ...]
    connections: int
    duration: int
    warmup: int
    tasks: int
    notes: int
    seed: int
    client: str


def parse_args(argv: Sequence[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="scenarios:\n"
        + "\n".join(f"  {name:<18}{what}" for name, what in SCENARIOS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_SERVER,
        help="PostgreSQL server to create the throwaway database on (default: %(default)s)",
    )
    parser.add_argument("--sqlite", action="store_true", help="use a temporary SQLite file instead")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also measure scripts/baseline_server.py on GET /tasks/{id} (PostgreSQL only)",
    )
    parser.add_argument(
        "--only", nargs="+", choices=SCENARIOS, metavar="SCENARIO", help="scenarios to run"
    )
    parser.add_argument("--connections", type=_at_least(1), default=32, help="default: 32")
    parser.add_argument(
        "--duration", type=_at_least(1), default=10, help="seconds per scenario (default: 10)"
    )
    parser.add_argument(
        "--warmup", type=_at_least(0), default=2, help="seconds of warm-up first (default: 2)"
    )
    parser.add_argument("--tasks", type=_at_least(100), default=10_000, help="default: 10000")
    parser.add_argument("--notes", type=_at_least(1), default=1_000, help="default: 1000")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random data and ids")
    parser.add_argument(
        "--client",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator: wrk if on PATH (auto), or the built-in asyncio client",
    )
    args = parser.parse_args(argv)
    if args.sqlite and args.baseline:
        parser.error("--baseline runs on PostgreSQL only")
    if not args.sqlite and make_url(args.database_url).get_backend_name() != "postgresql":
        parser.error("--database-url must be a postgresql+asyncpg:// URL (or use --sqlite)")
    return Config(
        database_url=args.database_url,
        sqlite=args.sqlite,
        baseline=args.baseline,
        scenarios=tuple(args.only or SCENARIOS),
        connections=args.connections,
        duration=args.duration,
        warmup=args.warmup,
        tasks=args.tasks,
        notes=args.notes,
        seed=args.seed,
        client=args.client,
    )


def _at_least(minimum: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        number = int(value)
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        return number

    return parse


# --- The throwaway database --------------------------------------------------------------


@asynccontextmanager
async def postgres_database(server: str) -> AsyncIterator[str]:
    """The URL of a new database on `server`, dropped on the way out."""
    name = f"tasks_api_bench_{secrets.token_hex(6)}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    try:
        try:
            async with admin.connect() as connection:
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
        except (OSError, exc.SQLAlchemyError) as error:
            shown = make_url(server).render_as_string(hide_password=True)
            raise BenchmarkError(f"PostgreSQL at {shown} cannot be used: {error}") from error
        try:
            yield make_url(server).set(database=name).render_as_string(hide_password=False)
        finally:
            say(f"dropping database {name}")
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


@asynccontextmanager
async def sqlite_database() -> AsyncIterator[str]:
    with tempfile.TemporaryDirectory(prefix="tasks_api_bench_") as directory:
        yield f"sqlite+aiosqlite:///{directory}/bench.db"


@dataclass(frozen=True, slots=True)
class Dataset:
    task_ids: Sequence[int]
    note_ids: Sequence[int]


async def seed(url: str, task_count: int, note_count: int, rng: random.Random) -> Dataset:
    """Fill the migrated database through the service's own table definitions."""
    engine = create_async_engine(url, poolclass=pool.NullPool)
    now = datetime.now(UTC)
    try:
        async with engine.begin() as connection:
            task_ids = await _insert(connection, tasks, _task_rows(task_count, rng, now))
            tag_rows = [
                {"task_id": task_id, "tag": tag}
                for task_id in task_ids
                for tag in rng.sample(TAGS, rng.randint(0, 3))
            ]
            await connection.execute(insert(task_tags), tag_rows)
            note_ids = await _insert(connection, notes, _note_rows(note_count, rng, now))
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            vacuum = "ANALYZE" if engine.dialect.name == "sqlite" else "VACUUM ANALYZE"
            await connection.execute(text(vacuum))
    finally:
        await engine.dispose()
    return Dataset(task_ids, note_ids)


async def _insert(
    connection: AsyncConnection, table: Table, rows: list[dict[str, Any]]
) -> list[int]:
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    result = await connection.execute(statement, rows)
    return list(result.scalars())


def _task_rows(count: int, rng: random.Random, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for number in range(count):
        title = f"{' '.join(rng.sample(WORDS, 3)).capitalize()} #{number}"
        created = now - timedelta(minutes=count - number)
        description = " ".join(rng.choices(WORDS, k=12)) if rng.random() < 0.5 else None
        rows.append(
            {
                "title": title,
                "title_folded": fold(title),
                "description": description,
                "done": rng.random() < 0.3,
                "created_at": created,
                "updated_at": created,
                "version": 1,
            }
        )
    return rows


def _note_rows(count: int, rng: random.Random, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for number in range(count):
        title = f"Note {number}: {' '.join(rng.sample(WORDS, 2))}"
        body = " ".join(rng.choices(WORDS, k=40))
        created = now - timedelta(minutes=count - number)
        rows.append(
            {
                "title": title,
                "title_folded": fold(title),
                "body": body,
                "body_folded": fold(body),
                "created_at": created,
                "updated_at": created,
                "version": 1,
            }
        )
    return rows


# --- Servers -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Server:
    name: str
    port: int
    pid: int
    host: str = HOST

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def service_command(port: int) -> list[str]:
    """`tasks-api serve`, from this interpreter's environment."""
    serve = ["serve", "--host", HOST, "--port", str(port), "--workers", "1"]
    executable = Path(sys.executable).with_name("tasks-api")
    if executable.exists():
        return [str(executable), *serve]
    return [sys.executable, "-c", "from entrypoints.cli import main; main()", *serve]


def baseline_command(port: int) -> list[str]:
    script = Path(__file__).with_name("baseline_server.py")
    return [sys.executable, str(script), "--host", HOST, "--port", str(port)]


def server_environment(database_url: str, pool_size: int) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DB_POOL_SIZE": str(pool_size),
        "LOG_LEVEL": "WARNING",
    }


@asynccontextmanager
async def serving(
    name: str, command: Callable[[int], list[str]], environment: dict[str, str]
) -> AsyncIterator[Server]:
    """Run a server until the block ends; its own session, so Ctrl-C reaches only this script."""
    port = free_port()
    with tempfile.TemporaryFile() as output:
        process = await asyncio.create_subprocess_exec(
            *command(port),
            env=environment,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            server = Server(name, port, process.pid)
            await _wait_until_ready(server, process, output)
            yield server
        finally:
            await _stop(process)


async def _wait_until_ready(
    server: Server, process: asyncio.subprocess.Process, output: IO[bytes]
) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise BenchmarkError(
                f"the {server.name} exited ({process.returncode}):\n{_tail(output)}"
            )
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            status, _ = await fetch(server, "/health/ready")
            if status == 200:
                return
        await asyncio.sleep(0.1)
    raise BenchmarkError(
        f"the {server.name} was not ready in {READY_TIMEOUT:.0f} s:\n{_tail(output)}"
    )


def _tail(output: IO[bytes], size: int = 4000) -> str:
    output.seek(0)
    return output.read().decode(errors="replace")[-size:]


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), timeout=10)
    except TimeoutError:
        process.kill()
        await process.wait()


# --- HTTP/1.1, just enough ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    target: str
    body: str | None = None
    """JSON; each `{n}` in it becomes a token unique to the request, so writes never repeat."""


def encode(request: Request, host: str, token: str = "") -> bytes:
    lines = [f"{request.method} {request.target} HTTP/1.1", f"Host: {host}"]
    body = b""
    if request.body is not None:
        body = request.body.replace("{n}", token).encode()
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class HttpConnection:
    """One keep-alive connection; a response is read by its Content-Length or its chunks."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @classmethod
    async def open(cls, host: str, port: int) -> HttpConnection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def exchange(self, request: bytes) -> tuple[int, bytes, bool]:
        """Send `request` and read the answer: status, body, and whether to keep the connection."""
        # Requests are small: the transport takes them whole, with no need to drain.
        self._writer.write(request)
        head = (await self._reader.readuntil(b"\r\n\r\n")).lower()
        status = int(head[9:12])
        length = _header(head, b"content-length")
        if length is not None:
            body = await self._reader.readexactly(int(length))
        elif _header(head, b"transfer-encoding") == b"chunked":
            body = await self._read_chunks()
        else:
            body = b""  # 204, 304
        return status, body, _header(head, b"connection") != b"close"

    async def _read_chunks(self) -> bytes:
        chunks = []
        while size := int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16):
            chunks.append(await self._reader.readexactly(size + 2))
        await self._reader.readuntil(b"\r\n")  # no trailers are sent to us
        return b"".join(chunk[:-2] for chunk in chunks)

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()


def _header(head: bytes, name: bytes) -> bytes | None:
    """The value of header `name` in a lower-cased response head."""
    start = head.find(b"\r\n" + name + b":")
    if start < 0:
        return None
    start += len(name) + 3
    return head[start : head.index(b"\r\n", start)].strip()


async def fetch(server: Server, target: str) -> tuple[int, bytes]:
    """One GET on a connection of its own: for set-up, not for load."""
    connection = await HttpConnection.open(server.host, server.port)
    try:
        status, body, _ = await connection.exchange(encode(Request("GET", target), server.address))
    finally:
        await connection.close()
    return status, body


async def fetch_json(server: Server, target: str) -> Any:
    status, body = await fetch(server, target)
    if status != 200:
        raise BenchmarkError(f"GET {target} on the {server.name} answered {status}: {body[:500]!r}")
    return json.loads(body)


# --- Scenarios ---------------------------------------------------------------------------


async def build_scenarios(
    server: Server, dataset: Dataset, rng: random.Random
) -> dict[str, tuple[Request, ...]]:
    """Each scenario's requests. The cursors come from the running service, which signs them."""
    deep_offset = max(0, min(len(dataset.task_ids) * 9 // 10, len(dataset.task_ids) - 2 * PAGE))
    near = await _next_cursor(server, f"/tasks?limit={PAGE}")
    deep = await _next_cursor(server, f"/tasks?limit={PAGE}&offset={deep_offset}")

    def gets(make_target: Callable[[], str]) -> tuple[Request, ...]:
        return tuple(Request("GET", make_target()) for _ in range(VARIANTS))

    return {
        "task-get": gets(lambda: f"/tasks/{rng.choice(dataset.task_ids)}"),
        "task-list": (Request("GET", f"/tasks?limit={PAGE}"),),
        "task-search": gets(lambda: f"/tasks?limit={PAGE}&q={rng.choice(WORDS)}"),
        "task-tag-sorted": gets(lambda: f"/tasks?limit={PAGE}&tag={rng.choice(TAGS)}&sort=title"),
        "task-cursor-near": (Request("GET", f"/tasks?limit={PAGE}&cursor={near}"),),
        "task-cursor-deep": (Request("GET", f"/tasks?limit={PAGE}&cursor={deep}"),),
        "task-offset-deep": (Request("GET", f"/tasks?limit={PAGE}&offset={deep_offset}"),),
        "task-create": (Request("POST", "/tasks", '{"title":"Bench {n}","tags":["bench"]}'),),
        "task-update": tuple(
            Request("PATCH", f"/tasks/{task_id}", '{"description":"bench {n}"}')
            for task_id in rng.choices(dataset.task_ids, k=VARIANTS)
        ),
        "note-get": gets(lambda: f"/notes/{rng.choice(dataset.note_ids)}"),
        "health": (Request("GET", "/health"),),
    }


async def _next_cursor(server: Server, target: str) -> str:
    cursor = (await fetch_json(server, target))["next_cursor"]
    if not cursor:
        raise BenchmarkError(f"GET {target} gave no next_cursor: too few tasks?")
    return urllib.parse.quote(cursor, safe="")


# --- Load generators ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Measurement:
    responses: int
    errors: int
    seconds: float
    p50: float
    p90: float
    p99: float
    """Latency percentiles, in milliseconds."""
    client_cpu: float
    """Seconds of CPU the load generator used."""


class LoadGenerator(Protocol):
    name: str

    async def run(self, server: Server, requests: Sequence[Request], seconds: int) -> Measurement:
        """Keep the connections busy with `requests`, round and round, for `seconds`."""
        ...


class PythonLoad:
    """The built-in client: one asyncio task per connection, on uvloop when it is installed."""

    name = "built-in asyncio client"

    def __init__(self, connections: int) -> None:
        self._connections = connections

    async def run(self, server: Server, requests: Sequence[Request], seconds: int) -> Measurement:
        cycle = RequestCycle(requests, server.address)
        tally = Tally()
        deadline = asyncio.get_running_loop().time() + seconds
        stride = max(1, len(requests) // self._connections)
        began, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(
            *(
                _drive(server, cycle, number * stride, deadline, tally)
                for number in range(self._connections)
            )
        )
        return tally.measurement(time.perf_counter() - began, time.process_time() - cpu)


class RequestCycle:
    """A scenario's requests as bytes, round and round; bodies with `{n}` are encoded each time."""

    def __init__(self, requests: Sequence[Request], host: str) -> None:
        self._requests = requests
        self._host = host
        self._encoded = [None if "{n}" in (r.body or "") else encode(r, host) for r in requests]
        self._prefix = secrets.token_hex(4)
        self._serials = itertools.count(1)

    def __getitem__(self, index: int) -> bytes:
        index %= len(self._requests)
        encoded = self._encoded[index]
        if encoded is None:
            token = f"{self._prefix}-{next(self._serials)}"
            return encode(self._requests[index], self._host, token)
        return encoded


@dataclass(slots=True)
class Tally:
    latencies: array[float] = field(default_factory=lambda: array("d"))
    errors: int = 0

    def record(self, seconds: float, status: int) -> None:
        self.latencies.append(seconds)
        if status >= 400:
            self.errors += 1

    def measurement(self, seconds: float, client_cpu: float) -> Measurement:
        ordered = sorted(self.latencies)
        p50, p90, p99 = (_percentile(ordered, q) * 1000 for q in (0.50, 0.90, 0.99))
        return Measurement(len(ordered), self.errors, seconds, p50, p90, p99, client_cpu)


def _percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile; NaN when nothing was measured."""
    if not ordered:
        return math.nan
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


_BROKEN = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError)


async def _drive(
    server: Server, cycle: RequestCycle, index: int, deadline: float, tally: Tally
) -> None:
    """One connection's loop: send, wait for the answer, record it, until the deadline."""
    loop = asyncio.get_running_loop()
    connection: HttpConnection | None = None
    try:
        while loop.time() < deadline:
            if connection is None:
                connection = await _connect(server, tally)
                continue
            request, index = cycle[index], index + 1
            began = time.perf_counter()
            try:
                status, _, keep_alive = await connection.exchange(request)
            except _BROKEN:
                tally.errors += 1
                keep_alive = False
            else:
                tally.record(time.perf_counter() - began, status)
            if not keep_alive:
                await connection.close()
                connection = None
    finally:
        if connection is not None:
            await connection.close()


async def _connect(server: Server, tally: Tally) -> HttpConnection | None:
    try:
        return await HttpConnection.open(server.host, server.port)
    except OSError:
        tally.errors += 1
        await asyncio.sleep(0.05)  # a server that is down should not make this spin
        return None


class WrkLoad:
    """wrk, driven by a generated Lua script holding the scenario's requests."""

    name = "wrk"

    def __init__(self, executable: str, connections: int) -> None:
        self._executable = executable
        self._connections = connections

    async def run(self, server: Server, requests: Sequence[Request], seconds: int) -> Measurement:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="tasks_api_bench_") as script:
            script.write(wrk_script(requests))
            script.flush()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            stdout, stderr = await self._wrk(server, script.name, seconds)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        return _parse_wrk(stdout, stderr, cpu)

    async def _wrk(self, server: Server, script: str, seconds: int) -> tuple[bytes, bytes]:
        process = await asyncio.create_subprocess_exec(
            self._executable,
            f"--threads={WRK_THREADS}",
            f"--connections={self._connections}",
            f"--duration={seconds}s",
            "--timeout=10s",
            f"--script={script}",
            f"http://{server.address}",
            "--",
            secrets.token_hex(4),  # makes this run's `{n}` tokens its own
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            return await process.communicate()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


_WRK_SCRIPT: Final = string.Template(
    """\
-- Generated by scripts/benchmark.py: sends these requests round and round.
local requests = {
$requests
}
local json = {["Content-Type"] = "application/json"}
local index, serial, prefix = 0, 0, ""
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  prefix = args[1] .. "-" .. thread_number .. "-"
  index = (thread_number * 7919) % #requests
end

function request()
  index = index % #requests + 1
  local method, target, body = requests[index][1], requests[index][2], requests[index][3]
  if body == nil then
    return wrk.format(method, target)
  end
  serial = serial + 1
  return wrk.format(method, target, json, (string.gsub(body, "{n}", prefix .. serial)))
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format("BENCH %.0f %.0f %.0f %.0f %.0f %.0f\\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""
)


def wrk_script(requests: Sequence[Request]) -> str:
    def entry(request: Request) -> str:
        body = "nil" if request.body is None else _lua_string(request.body)
        return f"  {{{_lua_string(request.method)}, {_lua_string(request.target)}, {body}}},"

    return _WRK_SCRIPT.substitute(requests="\n".join(entry(r) for r in requests))


def _lua_string(value: str) -> str:
    if not (value.isascii() and value.isprintable()):
        raise ValueError(f"not printable ASCII: {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _parse_wrk(stdout: bytes, stderr: bytes, client_cpu: float) -> Measurement:
    """The figures of the script's `done()`: counts, then durations in microseconds."""
    for line in stdout.decode().splitlines():
        if line.startswith("BENCH "):
            responses, micros, p50, p90, p99, errors = (float(v) for v in line.split()[1:])
            return Measurement(
                int(responses),
                int(errors),
                micros / 1e6,
                p50 / 1e3,
                p90 / 1e3,
                p99 / 1e3,
                client_cpu,
            )
    raise BenchmarkError(f"wrk printed no figures:\n{stdout.decode()}{stderr.decode()}")


def load_generator(choice: str, connections: int) -> LoadGenerator:
    wrk = shutil.which("wrk")
    if choice == "wrk" and wrk is None:
        raise BenchmarkError("wrk is not on PATH")
    if choice != "python" and wrk is not None:
        return WrkLoad(wrk, connections)
    return PythonLoad(connections)


# --- CPU ---------------------------------------------------------------------------------

_TICK: Final = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True, slots=True)
class CpuTimes:
    """Seconds of CPU (user + system) used so far, or during a measurement; None if unknown."""

    server: float | None
    database: float | None
    machine: float | None
    """All processes on all cores."""

    def __sub__(self, before: CpuTimes) -> CpuTimes:
        return CpuTimes(
            _minus(self.server, before.server),
            _minus(self.database, before.database),
            _minus(self.machine, before.machine),
        )


def cpu_times(server_pid: int, *, local_postgres: bool) -> CpuTimes:
    """The server's CPU, that of all PostgreSQL processes of this machine, and the machine's."""
    server = _process_cpu(Path(f"/proc/{server_pid}/stat"))
    return CpuTimes(server, _postgres_cpu() if local_postgres else None, _machine_cpu())


def _process_cpu(stat: Path, command: str | None = None) -> float | None:
    """The CPU of the process of `stat` (a /proc/PID/stat) and of its ended children.

    Counting ended children keeps a sum over processes from going down when one
    ends: its time moves to its parent's, the PostgreSQL postmaster for a backend
    or a parallel worker. None if `command` is given and the process runs another.
    """
    try:
        content = stat.read_text()
    except OSError:
        return None
    name, _, rest = content.partition("(")[2].rpartition(")")
    if command is not None and name != command:
        return None
    # After the parenthesised command name, fields start at the 3rd (state):
    # utime, stime, cutime and cstime are the 14th to the 17th.
    return sum(int(ticks) for ticks in rest.split()[11:15]) / _TICK


def _postgres_cpu() -> float | None:
    """None when no PostgreSQL runs here (a remote server): then it cannot be measured."""
    times = [_process_cpu(stat, "postgres") for stat in Path("/proc").glob("[0-9]*/stat")]
    found = [seconds for seconds in times if seconds is not None]
    return sum(found) if found else None


def _machine_cpu() -> float | None:
    try:
        first = Path("/proc/stat").read_text().splitlines()[0]
    except OSError:
        return None
    # cpu  user nice system idle iowait irq softirq steal ...
    ticks = [int(value) for value in first.split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / _TICK


def _minus(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


# --- Measuring and reporting -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Result:
    scenario: str
    server: str
    measurement: Measurement
    cpu: CpuTimes
    """Used during the measurement."""

    @property
    def rate(self) -> float:
        return self.measurement.responses / self.measurement.seconds

    @property
    def other_cpu(self) -> float | None:
        """CPU seconds used by processes that are neither server, database nor load generator."""
        cpu = self.cpu
        if cpu.machine is None or cpu.server is None:
            return None
        return cpu.machine - cpu.server - (cpu.database or 0) - self.measurement.client_cpu

    def per_request(self, seconds: float | None) -> float | None:
        """`seconds` of CPU per response, in microseconds."""
        responses = self.measurement.responses
        return None if seconds is None or not responses else seconds / responses * 1e6


async def measure_row(
    load: LoadGenerator, server: Server, scenario: str, requests: Sequence[Request], config: Config
) -> Result:
    """Warm up, then measure a scenario, printing its row of the table as it goes."""
    name = scenario if server.name == "service" else f"{scenario} ({server.name})"
    print(f"{name:<{_COLUMNS[0][1]}}", end="", flush=True)
    local_postgres = not config.sqlite and make_url(config.database_url).host in _LOCAL_HOSTS
    try:
        if config.warmup:
            await load.run(server, requests, config.warmup)
        before = cpu_times(server.pid, local_postgres=local_postgres)
        measurement = await load.run(server, requests, config.duration)
        after = cpu_times(server.pid, local_postgres=local_postgres)
    except BaseException:
        print(flush=True)  # end the row: messages follow
        raise
    result = Result(scenario, server.name, measurement, after - before)
    print(table_cells(result), flush=True)
    return result


_LOCAL_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1", None})

_COLUMNS: Final = (
    ("scenario", 26),
    ("req/s", 8),
    ("p50 ms", 8),
    ("p90 ms", 8),
    ("p99 ms", 8),
    ("errors", 7),
    ("server CPU", 11),
    ("µs/req", 8),
    ("db CPU", 8),
    ("µs/req", 8),
    ("client CPU", 11),
)


def table_header() -> str:
    (first, width), *rest = _COLUMNS
    return f"{first:<{width}}" + "".join(f"{name:>{width}}" for name, width in rest)


def table_cells(result: Result) -> str:
    """The row after the scenario's name."""
    m = result.measurement
    cells = (
        f"{result.rate:.0f}",
        f"{m.p50:.1f}",
        f"{m.p90:.1f}",
        f"{m.p99:.1f}",
        f"{m.errors}",
        _percent(result.cpu.server, m.seconds),
        _number(result.per_request(result.cpu.server)),
        _percent(result.cpu.database, m.seconds),
        _number(result.per_request(result.cpu.database)),
        _percent(m.client_cpu, m.seconds),
    )
    return "".join(f"{cell:>{width}}" for cell, (_, width) in zip(cells, _COLUMNS[1:], strict=True))


def _percent(cpu: float | None, seconds: float) -> str:
    return "-" if cpu is None else f"{cpu / seconds * 100:.0f} %"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def disturbances(results: Sequence[Result], threshold: float = 0.25) -> list[str]:
    """A note for each measurement during which other processes used `threshold` of a core."""
    notes = []
    for result in results:
        other = result.other_cpu
        if other is not None and other / result.measurement.seconds >= threshold:
            notes.append(
                f"note: other processes used {_percent(other, result.measurement.seconds)} of a "
                f"core during {result.scenario} ({result.server}): its figures are disturbed"
            )
    return notes


def baseline_summary(service: Result, baseline: Result, same_json: bool) -> str:
    ratio = service.rate / baseline.rate if baseline.rate else math.nan
    lines = [
        f"GET /tasks/{{id}}: service {service.rate:.0f} req/s, hand-written asyncpg baseline "
        f"{baseline.rate:.0f} req/s: ratio {ratio:.2f}",
        f"CPU per request, service / baseline: server "
        f"{_number(service.per_request(service.cpu.server))} / "
        f"{_number(baseline.per_request(baseline.cpu.server))} µs, database "
        f"{_number(service.per_request(service.cpu.database))} / "
        f"{_number(baseline.per_request(baseline.cpu.database))} µs",
        f"the baseline answers with the same JSON as the service: {'yes' if same_json else 'NO'}",
    ]
    return "\n".join(lines)


# --- The whole run -----------------------------------------------------------------------


async def benchmark(config: Config) -> None:
    task = asyncio.current_task()
    assert task is not None
    # SIGTERM cleans up as Ctrl-C does: the servers stop and the database is dropped.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    load = load_generator(config.client, config.connections)
    rng = random.Random(config.seed)  # noqa: S311 - reproducible test data, not secrets
    database = sqlite_database() if config.sqlite else postgres_database(config.database_url)
    async with database as url:
        say(f"migrating and seeding {config.tasks} tasks and {config.notes} notes")
        await migrate(url)
        dataset = await seed(url, config.tasks, config.notes, rng)
        await _run(config, load, url, dataset, rng)


async def _run(
    config: Config, load: LoadGenerator, url: str, dataset: Dataset, rng: random.Random
) -> None:
    environment = server_environment(url, config.connections)
    async with AsyncExitStack() as stack:
        service = await stack.enter_async_context(serving("service", service_command, environment))
        baseline = None
        if config.baseline:
            baseline = await stack.enter_async_context(
                serving("baseline", baseline_command, environment)
            )
        scenarios = await build_scenarios(service, dataset, rng)
        _print_preamble(config, load, url)
        results = {
            name: await measure_row(load, service, name, scenarios[name], config)
            for name in config.scenarios
        }
        measured = list(results.values())
        if baseline is not None:
            measured += await _run_baseline(
                config, load, service, baseline, scenarios["task-get"], results.get("task-get")
            )
    for note in disturbances(measured):
        print(note)


async def _run_baseline(
    config: Config,
    load: LoadGenerator,
    service: Server,
    baseline: Server,
    requests: Sequence[Request],
    ours: Result | None,
) -> list[Result]:
    """Measure the baseline on `GET /tasks/{id}` (and the service, if not done yet) and compare.

    Returns the rows it added to the table.
    """
    target = requests[0].target
    same_json = await fetch_json(service, target) == await fetch_json(baseline, target)
    added = []
    if ours is None:
        ours = await measure_row(load, service, "task-get", requests, config)
        added.append(ours)
    floor = await measure_row(load, baseline, "task-get", requests, config)
    added.append(floor)
    print()
    print(baseline_summary(ours, floor, same_json))
    return added


def _print_preamble(config: Config, load: LoadGenerator, url: str) -> None:
    database = "SQLite" if config.sqlite else f"PostgreSQL ({make_url(url).database})"
    print(
        f"tasks-api on {database}, {config.tasks} tasks, {config.notes} notes; "
        f"1 worker, pool {config.connections}; {load.name}, {config.connections} connections, "
        f"{config.duration} s per scenario after {config.warmup} s warm-up; "
        f"{os.cpu_count()} CPUs"
    )
    print()
    print(table_header(), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_args(argv)
    try:
        import uvloop  # noqa: PLC0415 - optional: the client is lighter on it

        loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:
        loop_factory = None
    try:
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            runner.run(benchmark(config))
    except BenchmarkError as error:
        say(f"benchmark: {error}")
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        say("benchmark: interrupted")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
