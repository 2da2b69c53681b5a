"""The `tasks-api` command: `serve` the API, `migrate` the database, or `seed` it with demo data."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import logging.config
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence
from types import FrameType

import uvicorn
from sqlalchemy.engine import make_url

from adapters.sqlalchemy.engine import EngineOptions, open_database
from adapters.sqlalchemy.legacy import NoSuchAccount, adopt_legacy_rows
from entrypoints.http_protocol import EVENT_LOOP, DeadlineHttpToolsProtocol
from entrypoints.log_setup import logging_config
from entrypoints.migrate import migrate
from entrypoints.secret_key import MissingSecretKey, secret_key
from entrypoints.seed import DEFAULT_ACCOUNT, SeedError, progress_for, seed
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

    fill = commands.add_parser(
        "seed",
        help="add many tasks and notes to one account, for demos and benchmarks",
        description="Add generated tasks (varied titles, some done, some tagged) and notes "
        "to one account of a migrated database (DATABASE_URL), in batches, with a progress "
        "bar on a terminal and plain progress lines otherwise. Refuses a database that is "
        "not migrated to the latest revision.",
    )
    fill.add_argument(
        "--tasks", type=_count, default=0, metavar="N", help="tasks to add (default 0)"
    )
    fill.add_argument(
        "--notes", type=_count, default=0, metavar="N", help="notes to add (default 0)"
    )
    fill.add_argument(
        "--account",
        default=DEFAULT_ACCOUNT,
        metavar="EMAIL",
        help="the account that gets them; created, with a generated password printed once, "
        f"if it does not exist (default {DEFAULT_ACCOUNT})",
    )

    args = parser.parse_args(argv)
    settings = Settings()
    logging.config.dictConfig(logging_config(settings.log_level, settings.log_format))
    if args.command == "serve":
        _serve(settings, args.host, args.port, args.workers)
    elif args.command == "adopt-legacy":
        asyncio.run(_adopt_legacy(settings, args.email))
    elif args.command == "seed":
        asyncio.run(_seed(settings, args.tasks, args.notes, args.account))
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


def exit_after_drain(_signum: int, _frame: FrameType | None) -> None:
    """What SIGTERM does to `tasks-api serve` outside uvicorn's handling: exit 0.

    uvicorn re-raises the signal it stopped on once it has shut down, to let the
    previous handler act on it; the default one would kill the process by the
    signal (exit status 143) after a clean drain. A stop that was asked for and
    done is a success.
    """
    raise SystemExit(0)


def _count(value: str) -> int:
    """A number of rows: 0 or more."""
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {number}")
    return number


async def _seed(settings: Settings, tasks: int, notes: int, email: str) -> None:
    try:
        seeded = await seed(
            settings.database_url,
            tasks_wanted=tasks,
            notes_wanted=notes,
            email=email,
            progress=progress_for(sys.stderr),
        )
    except SeedError as error:
        raise SystemExit(f"tasks-api seed: {error}") from None
    if seeded.password is not None:
        # Shown once, to whoever ran the command: it is stored only as a hash.
        print(f"created account {seeded.email} with password {seeded.password}")
    print(
        f"{seeded.email}: added {seeded.tasks} tasks and {seeded.notes} notes "
        f"in {seeded.seconds:.1f} s"
    )


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
        if threading.current_thread() is threading.main_thread():  # as uvicorn checks
            # The handler uvicorn hands SIGTERM back to once it has drained.
            previous = signal.signal(signal.SIGTERM, exit_after_drain)
            cleanup.callback(signal.signal, signal.SIGTERM, previous)
        uvicorn.run(
            "entrypoints.app:create_served_app",
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
            # SIGTERM: see http/drain.py.
            timeout_graceful_shutdown=settings.shutdown_grace_seconds,
            # The supervisor kills a worker that has not started within this; its
            # default (5 s) is shorter than an import on a loaded 2-core machine,
            # which then restarts workers in a loop instead of serving.
            timeout_worker_healthcheck=30,
        )
