"""The standard mode: each scenario on the service and on the floor, interleaved."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from bench import report
from bench.http import get_json
from bench.scenarios import SCENARIOS
from bench.servers import Server
from bench.session import Bench, Options, Result, open_bench


async def run(options: Options, rows: int, scenarios: Sequence[str]) -> list[Result]:
    async with open_bench(options) as bench, bench.servers() as (service, floor):
        dataset = await bench.seed(rows)
        await _compare_json(bench, service, floor, dataset.task_ids[0])
        print(preamble(bench, rows), flush=True)
        results: list[Result] = []
        for number, name in enumerate(scenarios):
            # Alternate which server goes first, so that neither always runs on a warmer cache.
            order = (service, floor) if number % 2 == 0 else (floor, service)
            measured = [await bench.measure(server, SCENARIOS[name], dataset) for server in order]
            results += sorted(measured, key=lambda result: result.server != "service")
            print(f"measured {name}", file=sys.stderr, flush=True)
    print()
    print(report.table(results), flush=True)
    return results


def preamble(bench: Bench, rows: int) -> str:
    options = bench.options
    return (
        f"tasks-api (tasks-api serve, default settings) against the floor (bench/floor), "
        f"PostgreSQL, {rows:,} tasks, {'with' if bench.has_accounts else 'without'} accounts; "
        f"wrk, {options.connections} connections, {options.duration} s per scenario after "
        f"{options.warmup} s warm-up; servers pinned to core {options.cpu}"
    )


async def _compare_json(bench: Bench, service: Server, floor: Server, task_id: int) -> None:
    """Say so when the two servers do not answer alike: their figures would not compare."""
    token = await bench.token()
    for target in (f"/tasks/{task_id}", "/tasks?limit=3"):
        ours, theirs = [await get_json(s.address, target, token) for s in (service, floor)]
        if isinstance(ours, dict) and "next_cursor" in ours:
            ours["next_cursor"] = theirs["next_cursor"] = "…"  # each signs its own
        if ours != theirs:
            print(f"note: GET {target} differs:\n  service {ours}\n  floor   {theirs}", flush=True)
