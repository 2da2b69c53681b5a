"""`tasks-api serve --workers N` as a user runs it: several processes, one service."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support.servers import TASKS_API, serving


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The service with two worker processes on a free port, and their metrics directory."""
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    environment = {"DATABASE_URL": "memory://", "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
    with serving(TASKS_API, environment, arguments=["--workers", "2"]) as base:
        yield base, metrics


def health_checks_counted(client: httpx.Client) -> float:
    scraped = client.get("/metrics").text
    counted = re.search(
        r'^http_requests_total\{method="GET",route="/health",status="200"\} ([0-9.]+)$',
        scraped,
        re.MULTILINE,
    )
    return float(counted.group(1)) if counted else 0.0


def test_metrics_count_the_requests_of_every_worker(two_workers: tuple[str, Path]) -> None:
    base, metrics = two_workers
    # A new connection per request lets the kernel hand requests to both workers.
    with httpx.Client(base_url=base, limits=httpx.Limits(max_keepalive_connections=0)) as client:
        before = health_checks_counted(client)
        sent = 0
        # Go on until each worker has written metrics of its own.
        while sent < 1000 and len(list(metrics.glob("counter_*.db"))) < 2:
            assert client.get("/health").status_code == 200
            sent += 1
        assert len(list(metrics.glob("counter_*.db"))) == 2, "both workers served requests"

        assert health_checks_counted(client) - before == sent
