"""A throwaway PostgreSQL cluster of the test's own, which the test may stop and restart.

The resilience tests take the database away under a running app, so they cannot
share a server with the rest of the suite: this starts one from the local
PostgreSQL binaries (`PG_BIN`, else the newest /usr/lib/postgresql/*/bin, else
the PATH) in a temporary directory, on a free port of 127.0.0.1, with trust
authentication. Run as root, the binaries run as the `postgres` OS user, as
PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Literal

from support.ports import free_port
from support.postgres import unavailable

StopMode = Literal["smart", "fast", "immediate"]


def find_binaries() -> Path | None:
    """The directory holding initdb and pg_ctl, or None."""
    candidates: list[Path] = []
    if configured := os.environ.get("PG_BIN"):
        candidates.append(Path(configured))
    installed = Path("/usr/lib/postgresql")
    if installed.is_dir():
        versions = [p for p in installed.iterdir() if p.name.isdigit()]
        candidates += [p / "bin" for p in sorted(versions, key=lambda p: -int(p.name))]
    if on_path := shutil.which("pg_ctl"):
        candidates.append(Path(on_path).parent)
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    return None


class PostgresCluster:
    """One data directory, one port; `start()` and `stop()` as often as the test likes."""

    def __init__(self, binaries: Path, root: Path, port: int, user: str | None) -> None:
        self.binaries = binaries
        self.root = root
        self.data = root / "data"
        self.sockets = root / "sockets"
        self.log = root / "postgres.log"
        self.port = port
        self._user = user

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def initdb(self) -> None:
        self._run(
            "initdb",
            "--pgdata",
            str(self.data),
            "--username=postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = " ".join(
            (
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.sockets}",
                # Throwaway data: no need to survive an OS crash. A server crash, on
                # the other hand, must lose nothing committed: synchronous_commit
                # stays on, as WAL still in shared memory dies with the server.
                "-c fsync=off",
            )
        )
        data, log = str(self.data), str(self.log)
        self._run("pg_ctl", "start", "-D", data, "-l", log, "-w", "-t", "30", "-o", options)

    def stop(self, mode: StopMode = "fast", *, wait: bool = True) -> None:
        """Stop the server; `immediate` kills it with no shutdown, like a crash.

        With `wait=False` a `smart` stop returns at once, leaving the server
        refusing new connections until its last client leaves.
        """
        waiting = ("-w", "-t", "30") if wait else ("-W",)
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, *waiting)

    def wait_stopped(self, seconds: float = 30) -> None:
        """Wait for a stop begun with `wait=False` to finish."""
        deadline = time.monotonic() + seconds
        while self.is_running():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not stop in {seconds} s\n{self.log_tail()}")
            time.sleep(0.05)

    def freeze(self) -> None:
        """Suspend the server and every backend: connections stay open, nothing answers.

        What a network that swallows packets looks like from the client. Always
        `thaw()` afterwards: a suspended server cannot even be stopped.
        """
        postmaster = self._postmaster_pid()
        os.kill(postmaster, signal.SIGSTOP)  # first, so it starts no new backend
        for child in _children(postmaster):
            os.kill(child, signal.SIGSTOP)

    def thaw(self) -> None:
        postmaster = self._postmaster_pid()
        for child in _children(postmaster):
            os.kill(child, signal.SIGCONT)
        os.kill(postmaster, signal.SIGCONT)

    def _postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])

    def is_running(self) -> bool:
        status = self._command("pg_ctl", "status", "-D", str(self.data))
        return subprocess.run(status, capture_output=True, check=False).returncode == 0

    def log_tail(self, lines: int = 20) -> str:
        with suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def _command(self, program: str, *arguments: str) -> list[str]:
        command = [str(self.binaries / program), *arguments]
        if self._user is not None:
            command = ["runuser", "-u", self._user, "--", *command]
        return command

    def _run(self, program: str, *arguments: str) -> None:
        command = self._command(program, *arguments)
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(
                f"`{' '.join(command)}` exited with {result.returncode}:\n"
                f"{result.stdout}{result.stderr}{self.log_tail()}"
            )


@contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A new cluster, started; stopped and deleted afterwards, however the test ends.

    Skips the test (fails it when `REQUIRE_POSTGRES=1`) when no usable binaries exist.
    """
    binaries = find_binaries()
    if binaries is None:
        unavailable("no PostgreSQL binaries (initdb, pg_ctl) found; set PG_BIN to their directory")
        raise AssertionError("unreachable: unavailable() raises")
    owner = _owner()
    root = Path(tempfile.mkdtemp(prefix="tasks-api-pg-"))
    cluster = PostgresCluster(binaries, root, free_port(), owner[0] if owner else None)
    try:
        cluster.sockets.mkdir()
        if owner is not None:
            for path in (root, cluster.sockets):
                os.chown(path, owner[1], owner[2])
        try:
            cluster.initdb()
            cluster.start()
        except (OSError, RuntimeError) as error:
            unavailable(f"a PostgreSQL cluster could not be started from {binaries}: {error}")
        yield cluster
    finally:
        with suppress(OSError, RuntimeError):
            if cluster.is_running():
                cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid`, from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError):
            # The command name, in parentheses, may hold spaces: split after it.
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                children.append(int(stat.parent.name))
    return children


def _owner() -> tuple[str, int, int] | None:
    """The OS user to run PostgreSQL as (name, uid, gid): None but for root, which it refuses."""
    if os.geteuid() != 0:
        return None
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        unavailable("running as root, and there is no `postgres` OS user to run PostgreSQL as")
        raise
    return account.pw_name, account.pw_uid, account.pw_gid
