"""The standard mode: each scenario on the service and on the floor, interleaved."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from bench import report
from bench.http import get_json
from bench.scenarios import SCENARIOS
from bench.servers import Server
from bench.session import Bench, Options, Result, open_bench


async def run(
    options: Options, rows: int, scenarios: Sequence[str], repeat: int = 1
) -> list[Result]:
    """Each scenario `repeat` times on each server, interleaved; each server's median run
    of a scenario (by throughput) is the one the table shows."""
    async with open_bench(options) as bench, bench.servers() as (service, floor):
        dataset = await bench.seed(rows)
        await _compare_json(bench, service, floor, dataset.task_ids[0])
        print(preamble(bench, rows, repeat), flush=True)
        results: list[Result] = []
        for number, name in enumerate(scenarios):
            runs: list[Result] = []
            for attempt in range(repeat):
                # Alternate which server goes first, so that neither always runs on a warmer cache.
                first = (number + attempt) % 2 == 0
                order = (service, floor) if first else (floor, service)
                runs += [await bench.measure(server, SCENARIOS[name], dataset) for server in order]
            results += [median_run(runs, "service"), median_run(runs, "floor")]
            print(f"measured {name}", file=sys.stderr, flush=True)
    print()
    print(report.table(results), flush=True)
    return results


def median_run(runs: Sequence[Result], server: str) -> Result:
    """`server`'s run of median throughput (the lower middle one of an even count)."""
    ranked = sorted((run for run in runs if run.server == server), key=lambda run: run.load.rate)
    return ranked[(len(ranked) - 1) // 2]


def preamble(bench: Bench, rows: int, repeat: int = 1) -> str:
    options = bench.options
    runs = f"; each server's median of {repeat} runs" if repeat > 1 else ""
    return (
        f"tasks-api (tasks-api serve, default settings) against the floor (bench/floor), "
        f"PostgreSQL, {rows:,} tasks, {'with' if bench.has_accounts else 'without'} accounts; "
        f"wrk, {options.connections} connections, {options.duration} s per scenario after "
        f"{options.warmup} s warm-up; servers pinned to core {options.cpu}{runs}"
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
