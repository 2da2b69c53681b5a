"""CPU, memory and PostgreSQL sessions used during a measurement, from /proc and the stats views.

The server's CPU is its process's. PostgreSQL's is that of the backends serving
the benchmark's own database (so other databases on a shared server do not
count): `pg_stat_activity` names them, a sampler reads their /proc stat a few
times a second, and a backend that ends between samples loses only its last
fraction of a second. New sessions come from `pg_stat_database.sessions`, or the
backends that appeared, whichever is more.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import asyncpg

_TICK: Final = os.sysconf("SC_CLK_TCK")
SAMPLE_SECONDS: Final = 0.25


def process_cpu(pid: int) -> float | None:
    """Seconds of CPU (user + system) of process `pid` and its ended children."""
    try:
        content = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # After the parenthesised command name, the fields start at the 3rd (state):
    # utime, stime, cutime and cstime are the 14th to the 17th.
    fields = content.rpartition(")")[2].split()
    return sum(int(ticks) for ticks in fields[11:15]) / _TICK


def rss_bytes(pid: int) -> int | None:
    """Resident memory of process `pid`."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return None


def machine_cpu() -> float:
    """Busy seconds of every core so far."""
    first = Path("/proc/stat").read_text().splitlines()[0]
    # cpu  user nice system idle iowait irq softirq steal ...
    ticks = [int(value) for value in first.split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / _TICK


@dataclass(frozen=True, slots=True)
class DatabaseUse:
    cpu: float | None
    """Seconds of CPU of the database's backends; None when PostgreSQL is not on this machine."""
    new_sessions: int


class PostgresMonitor:
    """Watches the backends of one database, from a connection to another one."""

    def __init__(self, connection: asyncpg.Connection, database: str, *, local: bool) -> None:
        self._connection = connection
        self._database = database
        self._local = local

    @classmethod
    async def open(cls, admin_url: str, database: str, *, local: bool) -> PostgresMonitor:
        return cls(await asyncpg.connect(admin_url), database, local=local)

    async def close(self) -> None:
        await self._connection.close()

    async def _backends(self) -> list[int]:
        rows = await self._connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1", self._database
        )
        return [row["pid"] for row in rows]

    async def _sessions(self) -> int:
        value = await self._connection.fetchval(
            "SELECT sessions FROM pg_stat_database WHERE datname = $1", self._database
        )
        return int(value or 0)

    async def settle(self, longest: float = 120.0) -> None:
        """Wait (at most `longest` seconds) until no statement runs in the database.

        Queries that a server still had queued when wrk stopped would otherwise
        load the next measurement, or time out the next set-up request.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + longest
        while loop.time() < deadline:
            active = await self._connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND state = 'active'",
                self._database,
            )
            if not active:
                return
            await asyncio.sleep(SAMPLE_SECONDS)

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[list[DatabaseUse]]:
        """Measure the block; the list it yields holds the figures once the block is done."""
        sessions = await self._sessions()
        first: dict[int, float] = {}
        latest: dict[int, float] = {}
        started = set(await self._backends())
        seen: set[int] = set()

        async def sample() -> None:
            for pid in await self._backends():
                seen.add(pid)
                cpu = process_cpu(pid) if self._local else None
                if cpu is None:
                    continue
                # A backend already there counts from now; a new one from its start.
                first.setdefault(pid, cpu if pid in started else 0.0)
                latest[pid] = cpu

        async def sampler() -> None:
            while True:
                await asyncio.sleep(SAMPLE_SECONDS)
                await sample()

        await sample()
        result: list[DatabaseUse] = []
        task = asyncio.create_task(sampler())
        try:
            yield result
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await sample()
        appeared = len(seen - started)
        cpu = sum(latest[pid] - first[pid] for pid in latest) if self._local else None
        result.append(DatabaseUse(cpu, max(await self._sessions() - sessions, appeared)))
