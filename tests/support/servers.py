"""The service as a user runs it: `tasks-api serve` in a process of its own, on a free port."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from support.ports import free_port


@contextmanager
def serving(
    tasks_api: Path, environment: Mapping[str, str], *, cwd: Path | None = None
) -> Iterator[str]:
    """`tasks_api serve` with `environment` added to this one; yields its base URL once
    `/health` answers, and stops it afterwards."""
    port = free_port()
    server = subprocess.Popen(
        [str(tasks_api), "serve", "--port", str(port)],
        env={**os.environ, "LOG_LEVEL": "WARNING", **environment},
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if server.poll() is not None:
                _, errors = server.communicate()
                raise AssertionError(f"the service exited: {errors.decode()}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("the service did not start")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
