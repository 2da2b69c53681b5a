"""The scale mode: the list scenarios at growing row counts, and how their cost grows.

One database grows from the smallest size to the largest; both servers restart
at each size, so that no plan or cache of a smaller table is reused.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from bench import report
from bench.scenarios import SCENARIOS
from bench.session import Options, Result, open_bench
from bench.standard import preamble

SIZES = (10_000, 100_000, 1_000_000)


async def run(
    options: Options, sizes: Sequence[int], scenarios: Sequence[str]
) -> dict[int, list[Result]]:
    by_size: dict[int, list[Result]] = {}
    async with open_bench(options) as bench:
        for size in sorted(sizes):
            print(f"seeding {size:,} tasks", file=sys.stderr, flush=True)
            async with bench.servers() as (service, floor):
                dataset = await bench.seed(size)
                results: list[Result] = []
                for number, name in enumerate(scenarios):
                    order = (service, floor) if number % 2 == 0 else (floor, service)
                    measured = [await bench.measure(s, SCENARIOS[name], dataset) for s in order]
                    results += sorted(measured, key=lambda result: result.server != "service")
                    print(f"measured {name} at {size:,}", file=sys.stderr, flush=True)
            print(preamble(bench, size))
            print()
            print(report.table(results), flush=True)
            print()
            by_size[size] = results
    print(report.growth(by_size), flush=True)
    return by_size
