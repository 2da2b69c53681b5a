"""The service as a user runs it: `tasks-api serve` in a process of its own, on a free port."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx

from support.ports import free_port

TASKS_API = Path(sys.executable).with_name("tasks-api")
"""The command this environment installed."""


def launch(command: Sequence[str], **options: Any) -> subprocess.Popen[bytes]:
    """`command` as the leader of a process group of its own, so that `stop` reaches
    whatever it starts too (uvicorn's worker processes)."""
    return subprocess.Popen(command, start_new_session=True, **options)


def stop(process: subprocess.Popen[bytes], *, grace: float = 15) -> None:
    """SIGTERM to `process`'s whole group, then SIGKILL to what is left after `grace` seconds.

    Killing only a supervisor orphans its workers, which then outlive the test run, holding
    their port, their database connections and the run's output pipes.
    """
    if grace > 0 and process.poll() is None:
        _signal_group(process, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    _signal_group(process, signal.SIGKILL)
    process.wait()


def _signal_group(process: subprocess.Popen[bytes], number: signal.Signals) -> None:
    # The group outlives its leader while any member lives; gone entirely, it is ESRCH.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, number)


@contextmanager
def serving(
    tasks_api: Path,
    environment: Mapping[str, str],
    *,
    cwd: Path | None = None,
    arguments: Sequence[str] = (),
) -> Iterator[str]:
    """`tasks_api serve` (with `arguments`, e.g. `--workers 2`) with `environment` added to
    this one; yields its base URL once `/health` answers, and stops it afterwards."""
    port = free_port()
    # Its errors go to a file, not a pipe: a pipe nobody reads would block a server that
    # logs much, and the file is there to read if it exits.
    with tempfile.TemporaryFile() as errors:
        server = launch(
            [str(tasks_api), "serve", "--port", str(port), *arguments],
            env={**os.environ, "LOG_LEVEL": "WARNING", **environment},
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _until_healthy(server, base, errors)
            yield base
        finally:
            stop(server)


def _until_healthy(server: subprocess.Popen[bytes], base: str, errors: IO[bytes]) -> None:
    for _ in range(300):
        if server.poll() is not None:
            errors.seek(0)
            raise AssertionError(f"the service exited: {errors.read().decode()}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the service did not start")
