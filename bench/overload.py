"""The overload mode: bursts far above the steady load, and slow clients, on the service alone.

    make bench ARGS="--overload"

Each scenario (by default `get` and `first-page`) runs at 32, 256 and 1,024
connections and at 32 again, in that order, on one server that stays up: what
an operator sees when a burst comes and goes. Then the slow-client run: N
connections (default 900) each send half a request and stop, and open again
once the server closes them, while `get` runs at 32 connections and one more
connection asks `/health` meanwhile. The tables say req/s, p50, p90, p99 and
errors per load, and how long the server held each slow connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from bench import load
from bench.database import Dataset
from bench.scenarios import SCENARIOS, Target
from bench.servers import Server
from bench.session import Bench, Options, Result, open_bench

LOADS: Final = (32, 256, 1024, 32)
SCENARIOS_MEASURED: Final = ("get", "first-page")
SLOW_CLIENTS: Final = 900
SLOW_RUN_SECONDS: Final = 15
"""Longer than the service's receive timeout (10 s), so that slow connections are seen closed."""
HALF_A_REQUEST: Final = b"GET /tasks HTTP/1.1\r\nHost: bench\r\n"


def raise_open_files(wanted: int = 65_536) -> int:
    """Lift this process's file limit (inherited by wrk and the servers): 1,024+ connections."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@dataclass(slots=True)
class SlowClients:
    """N connections that each send half a request, then wait to be closed; and again."""

    address: str
    count: int
    held: list[float] = field(default_factory=list)
    """Seconds the server kept each slow connection open before closing it."""
    failed_to_connect: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.gather(*(self._one(stop) for _ in range(self.count)))

    async def _one(self, stop: asyncio.Event) -> None:
        host, port = self.address.split(":")
        while not stop.is_set():
            try:
                reader, writer = await asyncio.open_connection(host, int(port))
            except OSError:
                self.failed_to_connect += 1
                await asyncio.sleep(0.5)
                continue
            opened = time.monotonic()
            try:
                writer.write(HALF_A_REQUEST)
                closed = asyncio.ensure_future(reader.read())  # b"" or a 408, then EOF
                stopped = asyncio.ensure_future(stop.wait())
                await asyncio.wait({closed, stopped}, return_when=asyncio.FIRST_COMPLETED)
                if closed.done():
                    self.held.append(time.monotonic() - opened)
                closed.cancel()
                stopped.cancel()
            except OSError:
                self.held.append(time.monotonic() - opened)
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()


async def run(options: Options, rows: int, scenarios: Sequence[str] | None) -> None:
    limit = raise_open_files()
    if limit < max(LOADS) + SLOW_CLIENTS + 256:
        print(f"warning: only {limit} open files allowed; the big loads may fail", file=sys.stderr)
    measured = scenarios or SCENARIOS_MEASURED
    async with open_bench(options) as bench, bench.servers() as (service, _floor):
        dataset = await bench.seed(rows)
        print(
            f"tasks-api (tasks-api serve, default settings, one worker), PostgreSQL, {rows:,} "
            f"tasks; wrk, {options.duration} s per load after {options.warmup} s warm-up; "
            f"server pinned to core {options.cpu}; open files {limit:,}",
            flush=True,
        )
        for name in measured:
            results = []
            for connections in LOADS:
                result = await bench.measure(service, SCENARIOS[name], dataset, connections)
                results.append(result)
                print(f"measured {name} at {connections}", file=sys.stderr, flush=True)
            print()
            print(f"{name}: {SCENARIOS[name].description}")
            print()
            print(table([(f"{r.connections:,} connections", r) for r in results]))
            print()
            print(targets(results), flush=True)
        await slow_client_run(bench, service, dataset)


async def slow_client_run(bench: Bench, service: Server, dataset: Dataset) -> None:
    """`get` at 32 connections and `/health` at one, while SLOW_CLIENTS connections dawdle."""
    token = await bench.token()
    get = SCENARIOS["get"]
    requests = await get.build(Target(service.address, token, dataset))
    health = [load.Request("GET", "/health")]
    seconds = max(bench.options.duration, SLOW_RUN_SECONDS)

    async def measure(what: Sequence[load.Request], connections: int) -> load.Load:
        return await load.run(
            bench.wrk, service.address, what, connections=connections, seconds=seconds, token=token
        )

    calm_get, calm_health = await asyncio.gather(measure(requests, 32), measure(health, 1))
    slow = SlowClients(service.address, SLOW_CLIENTS)
    stop = asyncio.Event()
    holding = asyncio.create_task(slow.run(stop))
    await asyncio.sleep(2)  # let them all connect and stall first
    try:
        busy_get, busy_health = await asyncio.gather(measure(requests, 32), measure(health, 1))
    finally:
        stop.set()
        await holding
    print()
    print(f"slow clients: {SLOW_CLIENTS} connections sending half a request, held {seconds} s")
    print()
    print(
        table(
            [
                ("get, 32 connections", calm_get),
                ("/health, 1 connection", calm_health),
                (f"get, 32 connections + {SLOW_CLIENTS} slow", busy_get),
                (f"/health, 1 connection + {SLOW_CLIENTS} slow", busy_health),
            ]
        )
    )
    print()
    if slow.held:
        ordered = sorted(slow.held)
        print(
            f"slow connections closed by the server: {len(ordered):,}; held "
            f"median {ordered[len(ordered) // 2]:.1f} s, longest {ordered[-1]:.1f} s; "
            f"throughput kept {busy_get.rate / calm_get.rate:.0%}; "
            f"refused at connect: {slow.failed_to_connect}",
            flush=True,
        )
    else:
        print("no slow connection was closed by the server", flush=True)


def targets(results: Sequence[Result]) -> str:
    """Issue #10's targets for the bursts: throughput kept, and p99 within a fair queue's.

    Throughput here counts successful answers only (the table's req/s counts the 503s too).
    """
    calm = _answered(results[0].load)
    parts = []
    for result in results[1:-1]:
        figures = result.load
        served = _answered(figures)
        bound = 3 * result.connections / served if served else float("inf")
        parts.append(
            f"{result.connections:,} connections: throughput {served / calm:.0%} of "
            f"32's (target 90 %), p99 {_ms(figures.p99_ms)} against a fair queue's "
            f"3 × connections ÷ throughput = {_ms(bound * 1000)}"
        )
    return "\n".join(parts)


def _answered(figures: load.Load) -> float:
    """Successful answers a second: a quick 503 is not throughput."""
    if not figures.seconds:
        return 0.0
    return max(figures.responses - figures.errors, 0) / figures.seconds


def table(rows: Sequence[tuple[str, Result | load.Load]]) -> str:
    """The issue's table: load, req/s, p50, p90, p99, errors."""
    lines = [
        "| load | req/s | p50 | p90 | p99 | errors |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for label, measured in rows:
        figures = measured.load if isinstance(measured, Result) else measured
        errors = str(figures.errors)
        if figures.errors and figures.last_bad_status:
            errors += f" (last status {figures.last_bad_status})"
        lines.append(
            f"| {label} | {figures.rate:,.0f} | {_ms(figures.p50_ms)} | {_ms(figures.p90_ms)} "
            f"| {_ms(figures.p99_ms)} | {errors} |"
        )
    return "\n".join(lines)


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"
