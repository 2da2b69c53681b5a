"""The `tasks-api` command: `serve` the API, or `migrate` the database."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import logging.config
import os
import tempfile
from collections.abc import Sequence

import uvicorn
from sqlalchemy.engine import make_url

from adapters.sqlalchemy.engine import EngineOptions, open_database
from adapters.sqlalchemy.legacy import NoSuchAccount, adopt_legacy_rows
from entrypoints.http_protocol import EVENT_LOOP, DeadlineHttpToolsProtocol
from entrypoints.log_setup import logging_config
from entrypoints.migrate import migrate
from entrypoints.secret_key import MissingSecretKey, secret_key
from entrypoints.settings import Settings

log = logging.getLogger("tasks_api")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="tasks-api", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument("--workers", type=int, default=1, help="worker processes")

    upgrade = commands.add_parser("migrate", help="migrate the database (to the latest revision)")
    upgrade.add_argument(
        "--revision", default="head", help="target revision; lower ones downgrade (e.g. base)"
    )

    adopt = commands.add_parser(
        "adopt-legacy",
        help="give the tasks and notes made before accounts existed to an account",
    )
    adopt.add_argument("--email", required=True, help="the account that gets them")

    args = parser.parse_args(argv)
    settings = Settings()
    logging.config.dictConfig(logging_config(settings.log_level, settings.log_format))
    if args.command == "serve":
        _serve(settings, args.host, args.port, args.workers)
    elif args.command == "adopt-legacy":
        asyncio.run(_adopt_legacy(settings, args.email))
    else:
        asyncio.run(migrate(settings.database_url, args.revision))


async def _adopt_legacy(settings: Settings, email: str) -> None:
    database = open_database(settings.database_url, EngineOptions())
    try:
        adopted = await adopt_legacy_rows(database, email)
    except NoSuchAccount as error:
        raise SystemExit(f"tasks-api: {error}") from None
    finally:
        await database.close()
    print(f"{email}: adopted {adopted.tasks} tasks and {adopted.notes} notes")


def _serve(settings: Settings, host: str, port: int, workers: int) -> None:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        # The embedded default: bring its file up to date, so the first run just works.
        log.info("migrating %s", url.database)
        asyncio.run(migrate(settings.database_url))
    try:
        # Before any worker starts: a shared database without a secret is refused
        # here, with the reason, and the embedded default makes its own now, once.
        secret_key(settings)
    except MissingSecretKey as error:
        raise SystemExit(f"tasks-api: {error}") from None
    with contextlib.ExitStack() as cleanup:
        if workers > 1 and settings.prometheus_multiproc_dir is None:
            # Workers pool their metrics in files there, so any one can report them all.
            shared = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="tasks-api-metrics-"))
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = shared
        uvicorn.run(
            "entrypoints.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=logging_config(settings.log_level, settings.log_format),
            access_log=False,
            proxy_headers=True,
            # Slow and idle clients: uvicorn's own limits, and the receive deadline it lacks.
            http=DeadlineHttpToolsProtocol,
            # Accepts a burst of connections at once (uvloop: one per turn of the loop).
            loop=EVENT_LOOP,
            limit_concurrency=settings.max_connections,
            timeout_keep_alive=settings.keep_alive_timeout_seconds,
        )
