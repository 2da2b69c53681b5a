"""The benchmark runs end to end: a tiny run prints its table, rows and columns as documented.

It asserts what the run produced, never how fast anything was.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import URL

from bench.report import COLUMNS

ROOT = Path(__file__).resolve().parents[2]
TINY_RUN = ["--rows", "200", "--duration", "1", "--warmup", "0", "--connections", "2"]
TINY_RUN += ["--scenarios", "get", "first-page", "--repeat", "2"]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def test_a_tiny_run_prints_a_row_per_scenario_and_server(postgres_server_url: URL) -> None:
    server = postgres_server_url.render_as_string(hide_password=False)
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--database-url", server, *TINY_RUN],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    lines = [line for line in run.stdout.splitlines() if line.startswith("|")]
    assert _cells(lines[0]) == list(COLUMNS)
    rows = [_cells(line) for line in lines[2:]]
    assert [(row[0], row[1]) for row in rows] == [
        ("get", "service"),
        ("get", "floor"),
        ("first-page", "service"),
        ("first-page", "floor"),
    ]
    assert all(row[COLUMNS.index("errors")] == "0" for row in rows)
    assert all(row[COLUMNS.index("req/s ÷ floor")] == "1.00×" for row in rows[1::2])
    # The two servers answered the same JSON, or the run would say where they differ.
    assert "differs" not in run.stdout
    assert "dropping database" in run.stderr
