"""The two servers under test, each a subprocess pinned to one core.

The service starts exactly as its users start it, `tasks-api serve` with its
default settings: only `DATABASE_URL` and `SECRET_KEY` are set, and it runs in an
empty directory so that no `.env` file changes a default. The floor
(`bench.floor`) gets the same database, the same secret and the same core.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

from bench.database import BenchError, asyncpg_url, service_url
from bench.http import get

HOST: Final = "127.0.0.1"
"""Loopback only: the benchmark never sends load anywhere else."""
READY_TIMEOUT: Final = 60.0
FLOOR_POOL_SIZE: Final = 20
"""The service's default pool size (`DB_POOL_SIZE`), so both hold as many connections."""
_ROOT: Final = Path(__file__).resolve().parent.parent
_KEPT_ENVIRONMENT: Final = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "VIRTUAL_ENV")


@dataclass(frozen=True, slots=True)
class Server:
    name: str
    """"service" or "floor"."""
    port: int
    pid: int

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def pinned(command: list[str], cpu: int | None) -> list[str]:
    """`command` under `taskset` on core `cpu`, when both are available."""
    taskset = shutil.which("taskset")
    if cpu is None or taskset is None:
        return command
    return [taskset, "--cpu-list", str(cpu), *command]


def _environment(**settings: str) -> dict[str, str]:
    """A clean environment: nothing of the caller's configuration leaks into the servers."""
    kept = {name: os.environ[name] for name in _KEPT_ENVIRONMENT if name in os.environ}
    return {**kept, **settings}


def service_command(port: int) -> list[str]:
    executable = Path(sys.executable).with_name("tasks-api")
    return [str(executable), "serve", "--host", HOST, "--port", str(port)]


def floor_command(port: int) -> list[str]:
    return [sys.executable, "-m", "bench.floor", "--host", HOST, "--port", str(port)]


@asynccontextmanager
async def service(database_url: str, secret: str, cpu: int | None) -> AsyncIterator[Server]:
    environment = _environment(DATABASE_URL=service_url(database_url), SECRET_KEY=secret)
    async with _serving("service", service_command, environment, cpu) as server:
        yield server


@asynccontextmanager
async def floor(
    database_url: str, secret: str, cpu: int | None, *, accounts: bool
) -> AsyncIterator[Server]:
    environment = _environment(
        DATABASE_URL=asyncpg_url(database_url),
        SECRET_KEY=secret,
        FLOOR_ACCOUNTS="1" if accounts else "0",
        FLOOR_POOL_SIZE=str(FLOOR_POOL_SIZE),
        PYTHONPATH=str(_ROOT),
    )
    async with _serving("floor", floor_command, environment, cpu) as server:
        yield server


@asynccontextmanager
async def _serving(
    name: str,
    command: Callable[[int], list[str]],
    environment: dict[str, str],
    cpu: int | None,
) -> AsyncIterator[Server]:
    """Run a server until the block ends, in its own session and an empty directory."""
    port = free_port()
    with (
        tempfile.TemporaryDirectory(prefix="tasks_api_bench_") as directory,
        tempfile.TemporaryFile() as output,
    ):
        process = await asyncio.create_subprocess_exec(
            *pinned(command(port), cpu),
            env=environment,
            cwd=directory,
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
            raise BenchError(f"the {server.name} exited ({process.returncode}):\n{_tail(output)}")
        with contextlib.suppress(OSError):
            if (await get(server.address, "/health/ready")).status == 200:
                return
        await asyncio.sleep(0.2)
    raise BenchError(f"the {server.name} was not ready in {READY_TIMEOUT:.0f} s:\n{_tail(output)}")


def _tail(output: IO[bytes], size: int = 4000) -> str:
    output.seek(0)
    return output.read().decode(errors="replace")[-size:]


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), timeout=15)
    except TimeoutError:
        process.kill()
        await process.wait()
