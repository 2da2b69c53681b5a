"""`python -m bench`: the command line. `make bench ARGS="..."` runs it.

    make bench                                     # every scenario at 10,000 rows
    make bench ARGS="--duration 5 --scenarios get first-page"
    make bench ARGS="--repeat 3"                   # each server's median of 3 runs a scenario
    make bench ARGS="--scale"                      # lists at 10k, 100k and 1M rows
    make bench ARGS="--overload"                   # bursts of 32 to 1,024 connections, slow clients

A mode is one module with an async `run`; this file picks it from the options.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Callable, Sequence

from bench import overload, scale, standard
from bench.database import BenchError
from bench.scenarios import DEFAULT, SCALE, SCENARIOS
from bench.session import Options

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def _at_least(minimum: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        number = int(value)
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        return number

    return parse


def parser() -> argparse.ArgumentParser:
    described = argparse.ArgumentParser(
        prog="python -m bench",
        description=(__doc__ or "").split("\n\n")[0],
        epilog="scenarios:\n"
        + "\n".join(f"  {s.name:<18}{s.description}" for s in SCENARIOS.values()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = described.add_argument
    add(
        "--scenarios",
        nargs="+",
        choices=SCENARIOS,
        metavar="SCENARIO",
        help="default: all but the *-cursor ones",
    )
    add("--rows", type=_at_least(100), default=10_000, help="tasks of the account (default: 10000)")
    add("--duration", type=_at_least(1), default=8, help="seconds per measurement (default: 8)")
    add(
        "--warmup", type=_at_least(0), default=2, help="seconds of warm-up before each (default: 2)"
    )
    add("--connections", type=_at_least(1), default=32, help="wrk connections (default: 32)")
    add(
        "--repeat",
        type=_at_least(1),
        default=1,
        help="runs of each scenario on each server, interleaved; the median is shown (default: 1)",
    )
    add(
        "--scale",
        nargs="*",
        type=_at_least(100),
        metavar="ROWS",
        help="list scenarios at each size (default 10000 100000 1000000), and their growth",
    )
    add(
        "--overload",
        action="store_true",
        help="get and first-page at 32, 256, 1024, 32 connections, then slow clients",
    )
    add("--database-url", default=DEFAULT_SERVER, help="PostgreSQL server (default: %(default)s)")
    add(
        "--cpu",
        type=int,
        default=(os.cpu_count() or 1) - 1,
        help="core the servers are pinned to (default: the last)",
    )
    return described


async def _main(args: argparse.Namespace) -> None:
    task = asyncio.current_task()
    assert task is not None
    # SIGTERM cleans up as Ctrl-C does: the servers stop and the database is dropped.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    options = Options(
        server_url=args.database_url,
        connections=args.connections,
        duration=args.duration,
        warmup=args.warmup,
        cpu=args.cpu,
    )
    if args.overload:
        await overload.run(options, args.rows, args.scenarios)
    elif args.scale is not None:
        await scale.run(options, args.scale or scale.SIZES, args.scenarios or SCALE)
    else:
        await standard.run(options, args.rows, args.scenarios or DEFAULT, args.repeat)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        asyncio.run(_main(args))
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("bench: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
