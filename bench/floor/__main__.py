"""`python -m bench.floor --port N`: the floor on uvicorn, with the service's uvicorn settings.

Configured by the environment the benchmark gives it: `DATABASE_URL` (asyncpg's
form), `SECRET_KEY`, `FLOOR_ACCOUNTS` (1: check bearer tokens and scope by owner)
and `FLOOR_POOL_SIZE`.
"""

from __future__ import annotations

import argparse
import os

import uvicorn

from bench.floor.app import Floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    app = Floor(
        os.environ["DATABASE_URL"],
        int(os.environ.get("FLOOR_POOL_SIZE", "20")),
        os.environ["SECRET_KEY"],
        accounts=os.environ.get("FLOOR_ACCOUNTS") == "1",
    )
    # As entrypoints.cli runs the service: one process, no access log, uvloop and httptools.
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
