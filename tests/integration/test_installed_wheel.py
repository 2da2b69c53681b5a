"""The wheel as a user installs it: in a fresh virtual environment, run from an empty
directory, with no checkout to lean on."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from support.servers import serving

ROOT = Path(__file__).resolve().parents[2]


def _uv() -> str:
    found = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    if not Path(found).exists():
        pytest.fail("uv is needed to build and install the wheel (make sync installs it)")
    return found


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`tasks-api` from the wheel, installed in a fresh virtual environment."""
    uv, work = _uv(), tmp_path_factory.mktemp("wheel")

    def run(*command: str) -> None:
        subprocess.run([uv, *command], check=True, capture_output=True, cwd=ROOT)

    run("build", "--wheel", "--out-dir", str(work / "dist"))
    venv = work / "venv"
    run("venv", "--python", sys.executable, str(venv))
    wheel = next((work / "dist").glob("*.whl"))
    # The locked versions (from uv's cache, as a rule), then the wheel itself.
    pins = work / "requirements.txt"
    run("export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes", "-q", "-o", str(pins))
    run("pip", "install", "--python", str(venv / "bin" / "python"), "-r", str(pins), str(wheel))
    return venv / "bin" / "tasks-api"


def test_the_installed_command_migrates_and_serves_sqlite_from_an_empty_directory(
    installed: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    environment = {"DATABASE_URL": f"sqlite+aiosqlite:///{empty / 'tasks.db'}"}
    # Nothing of the checkout may be importable: only what the wheel installed.
    clean = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}

    migrated = subprocess.run(
        [str(installed), "migrate"],
        env={**clean, **environment},
        cwd=empty,
        capture_output=True,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr.decode()

    with serving(installed, environment, cwd=empty) as base:
        assert httpx.get(f"{base}/health").json() == {"status": "ok"}
        assert httpx.get(f"{base}/health/ready").status_code == 200
        # The schema in place: a task request reaches the access check, not a 500.
        assert httpx.get(f"{base}/tasks").status_code == 401
