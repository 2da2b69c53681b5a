"""One benchmark session: its database, its servers, and the measurement of one scenario.

Modes (`bench.standard`, `bench.scale`, …) are built from these three pieces:
`open_bench()` for the database, `Bench.servers()` for the service and the
floor, `Bench.measure()` for one scenario on one server at one concurrency.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from bench import accounts, cpu, database, load, servers
from bench.scenarios import Scenario, Target
from bench.servers import Server


@dataclass(frozen=True, slots=True)
class Options:
    server_url: str
    """The PostgreSQL server to make the throwaway database on."""
    connections: int
    duration: int
    warmup: int
    cpu: int | None
    """The core both servers are pinned to."""


@dataclass(frozen=True, slots=True)
class Result:
    scenario: str
    server: str
    connections: int
    load: load.Load
    server_cpu: float | None
    database: cpu.DatabaseUse
    rss: int | None
    other_cpu: float | None
    """CPU seconds of every other process of the machine: how disturbed the figures are."""

    def per_request(self, seconds: float | None) -> float | None:
        """`seconds` of CPU per response, in microseconds."""
        if seconds is None or not self.load.responses:
            return None
        return seconds / self.load.responses * 1e6


@dataclass(slots=True)
class Bench:
    options: Options
    url: str
    has_accounts: bool
    wrk: str
    monitor: cpu.PostgresMonitor
    secret: str
    account: accounts.Account | None = None
    service_address: str = ""

    async def seed(self, rows: int) -> database.Dataset:
        owner = None if self.account is None else self.account.id
        return await database.seed(self.url, rows, owner)

    @asynccontextmanager
    async def servers(self) -> AsyncIterator[tuple[Server, Server]]:
        """The service and the floor, running; the account made on first start."""
        async with servers.service(self.url, self.secret, self.options.cpu) as service:
            self.service_address = service.address
            if self.has_accounts and self.account is None:
                self.account = await accounts.sign_up(service.address, self.url)
            async with servers.floor(
                self.url, self.secret, self.options.cpu, accounts=self.has_accounts
            ) as floor:
                yield service, floor

    async def token(self) -> str | None:
        """A fresh token from the service (they expire), which both servers accept."""
        return await accounts.access_token(self.service_address, self.account, self.secret)

    async def measure(
        self,
        server: Server,
        scenario: Scenario,
        dataset: database.Dataset,
        connections: int | None = None,
    ) -> Result:
        """Warm up, then measure `scenario` on `server`."""
        connections = connections or self.options.connections
        await self.monitor.settle()  # what the last measurement left running is done
        token = await self.token()
        requests = await scenario.build(Target(server.address, token, dataset))

        async def run(seconds: int) -> load.Load:
            return await load.run(
                self.wrk,
                server.address,
                requests,
                connections=connections,
                seconds=seconds,
                token=token,
            )

        if self.options.warmup:
            await run(self.options.warmup)
            await self.monitor.settle()
        server_before, machine_before = cpu.process_cpu(server.pid), cpu.machine_cpu()
        async with self.monitor.watching() as used:
            measured = await run(self.options.duration)
        server_after, machine_after = cpu.process_cpu(server.pid), cpu.machine_cpu()
        server_cpu = (
            None if server_before is None or server_after is None else server_after - server_before
        )
        (database_use,) = used
        other = machine_after - machine_before - (server_cpu or 0) - (database_use.cpu or 0)
        return Result(
            scenario=scenario.name,
            server=server.name,
            connections=connections,
            load=measured,
            server_cpu=server_cpu,
            database=database_use,
            rss=cpu.rss_bytes(server.pid),
            other_cpu=max(0.0, other - measured.client_cpu),
        )


@asynccontextmanager
async def open_bench(options: Options) -> AsyncIterator[Bench]:
    """A migrated throwaway database and the means to measure on it."""
    wrk = load.find_wrk()
    async with database.throwaway_database(options.server_url) as url:
        await database.migrate(url)
        admin = database.asyncpg_url(options.server_url)
        name = urlsplit(url).path.lstrip("/")
        monitor = await cpu.PostgresMonitor.open(admin, name, local=database.is_loopback(url))
        try:
            yield Bench(
                options=options,
                url=url,
                has_accounts=await database.has_accounts(url),
                wrk=wrk,
                monitor=monitor,
                secret=secrets.token_urlsafe(48),
            )
        finally:
            await monitor.close()
