"""The Dockerfile, compose.yaml and .dockerignore, checked against the project itself.

No container engine runs on these machines, so the files are read here instead of
built: every command they run must parse with `tasks-api`'s own parser, every
environment name they set must be a setting the service reads, the health check
must ask a real route (and is run, as written, against a real server), and uv,
Python and the user must be those of the Makefile, pyproject.toml and a non-root
account.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import json
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
import yaml
from packaging.specifiers import SpecifierSet

from entrypoints import cli
from entrypoints.settings import Settings
from support.apps import app_over
from support.ports import free_port
from support.servers import serving

ROOT = Path(__file__).resolve().parents[2]
TASKS_API = Path(sys.executable).with_name("tasks-api")
# In a container, the port must be reachable from outside it.
EVERY_INTERFACE = "0.0.0.0"  # noqa: S104


# --- reading the files ------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def dockerfile() -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined and comments dropped."""
    instructions: list[Instruction] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends in a continuation line"
    return instructions


def final_stage() -> list[Instruction]:
    """The instructions of the image that runs: from the last FROM on."""
    instructions = dockerfile()
    last_from = max(i for i, each in enumerate(instructions) if each.keyword == "FROM")
    return instructions[last_from:]


def only(keyword: str, instructions: list[Instruction]) -> Instruction:
    found = [each for each in instructions if each.keyword == keyword]
    assert len(found) == 1, f"expected one {keyword}, found {len(found)}"
    return found[0]


def exec_form(arguments: str) -> list[str]:
    """A JSON array of strings, as the exec form is written; anything else fails."""
    try:
        argv = json.loads(arguments)
    except json.JSONDecodeError:
        pytest.fail(f"not exec form (a JSON array): {arguments}")
    assert isinstance(argv, list)
    assert argv
    assert all(isinstance(each, str) for each in argv)
    return argv


def healthcheck_command() -> list[str]:
    options, _, command = only("HEALTHCHECK", final_stage()).arguments.partition("CMD ")
    assert re.fullmatch(r"(--[a-z-]+=\S+\s*)*", options), options
    return exec_form(command)


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def services_of_this_image() -> dict[str, dict[str, Any]]:
    """The compose services that run the image the Dockerfile builds."""
    ours = {name: s for name, s in compose()["services"].items() if s.get("build") == "."}
    assert set(ours) == {"migrate", "api"}
    return ours


def makefile_variable(name: str) -> str:
    match = re.search(
        rf"^(?:export\s+)?{name}\s*:?=\s*(\S+)", (ROOT / "Makefile").read_text(), re.M
    )
    assert match is not None, name
    return match[1]


def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


class Parsed(Exception):
    """Not an error: the parsed arguments, on their way out before the command runs."""

    def __init__(self, namespace: argparse.Namespace) -> None:
        super().__init__()
        self.namespace = namespace


def parse_command(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> argparse.Namespace:
    """`argv` as `tasks-api`'s own parser reads it (it exits 2 on anything it does not
    know), stopped before the command runs."""
    assert argv[0] in pyproject()["project"]["scripts"], argv
    original = argparse.ArgumentParser.parse_args

    def parse_and_stop(self: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> NoReturn:
        raise Parsed(original(self, *args, **kwargs))

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_and_stop)
    with pytest.raises(Parsed) as parsed:
        cli.main(argv[1:])
    return parsed.value.namespace


# --- the Dockerfile ---------------------------------------------------------------------


def test_the_image_runs_as_a_user_that_is_not_root() -> None:
    stage = final_stage()
    user = only("USER", stage).arguments.split(":")[0]

    assert user not in {"root", "0"}
    created = [
        each.arguments for each in stage if each.keyword == "RUN" and "useradd" in each.arguments
    ]
    assert created
    assert created[0].split()[-1] == user
    # The USER line comes before the command that starts the service.
    keywords = [each.keyword for each in stage]
    assert keywords.index("USER") < keywords.index("CMD")


def test_the_image_starts_serve_in_exec_form_on_every_interface_and_the_exposed_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stage = final_stage()
    argv = exec_form(only("CMD", stage).arguments)

    args = parse_command(argv, monkeypatch)

    assert args.command == "serve"
    assert args.host == EVERY_INTERFACE
    assert str(args.port) == only("EXPOSE", stage).arguments


def test_the_health_check_asks_the_liveness_route_with_the_standard_library_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    argv = healthcheck_command()
    assert argv[:2] == ["python", "-c"]
    code = ast.parse(argv[2])
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(code)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert imported
    assert imported <= sys.stdlib_module_names

    url = re.search(r"http://127\.0\.0\.1:(\d+)(/\S*?)'", argv[2])
    assert url is not None
    port, path = url.groups()
    serve = parse_command(exec_form(only("CMD", final_stage()).arguments), monkeypatch)
    assert int(port) == serve.port
    operations = app_over("memory://").openapi()["paths"]
    assert "get" in operations.get(path, {}), path
    assert path == "/health"  # liveness, not readiness: a database outage must not kill it


def test_the_health_check_passes_on_a_live_server_and_fails_on_a_dead_one(
    tmp_path: Path,
) -> None:
    argv = healthcheck_command()
    python = [sys.executable, *argv[1:]]  # the image's `python`, as this machine names it
    database = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'tasks.db'}"}

    with serving(TASKS_API, database, cwd=tmp_path) as base:
        live = [each.replace("http://127.0.0.1:8000", base) for each in python]
        assert live != python
        assert subprocess.run(live, capture_output=True, timeout=30, check=False).returncode == 0

    dead = [each.replace("127.0.0.1:8000", f"127.0.0.1:{free_port()}") for each in python]
    assert subprocess.run(dead, capture_output=True, timeout=30, check=False).returncode != 0


def test_uv_is_the_makefiles_version_and_syncs_as_the_makefile_does() -> None:
    instructions = dockerfile()
    copied_uv = [
        each.arguments
        for each in instructions
        if each.keyword == "COPY" and "astral-sh/uv" in each.arguments
    ]
    assert len(copied_uv) == 1
    assert f"astral-sh/uv:{makefile_variable('UV_VERSION')} " in copied_uv[0]

    # The Makefile's `sync`: `uv sync --locked`, a lock that no longer matches fails.
    make_sync = re.search(r"^\t\$\(UV\) (sync .*)$", (ROOT / "Makefile").read_text(), re.M)
    assert make_sync is not None
    required = {flag for flag in make_sync[1].split() if flag != "--quiet"}
    runs = [shlex.split(each.arguments) for each in instructions if each.keyword == "RUN"]
    syncs = [argv for argv in runs if argv[:2] == ["uv", "sync"]]
    assert len(syncs) == 2  # dependencies first (a cached layer), then the service
    for argv in syncs:
        assert required <= set(argv[1:]), argv
        assert "--no-dev" in argv
    assert not [argv for argv in runs if argv[0] == "uv" and argv[1] != "sync"]

    # The Makefile's interpreter rule: never a downloaded Python.
    assert makefile_variable("UV_PYTHON_DOWNLOADS") == "never"
    env = " ".join(each.arguments for each in instructions if each.keyword == "ENV")
    assert "UV_PYTHON_DOWNLOADS=never" in env


def test_every_stage_uses_one_python_that_pyproject_allows() -> None:
    images = [each.arguments.split()[0] for each in dockerfile() if each.keyword == "FROM"]
    assert len(images) == 2
    versions = set()
    for image in images:
        match = re.fullmatch(r"python:(\d+\.\d+)-slim-\w+", image)
        assert match is not None, image
        versions.add(match[1])

    # The virtual environment moves from one stage to the next: one Python for both.
    assert len(versions) == 1
    (version,) = versions
    assert SpecifierSet(pyproject()["project"]["requires-python"]).contains(f"{version}.0")


def test_the_build_context_leaves_out_secrets_and_local_state_and_keeps_the_sources() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(path: str) -> bool:
        return any(
            fnmatch.fnmatch(path, pattern.removeprefix("**/"))
            or fnmatch.fnmatch(Path(path).name, pattern.removeprefix("**/"))
            for pattern in patterns
        )

    for secret_or_local in (".env", "tasks.db", "tasks.db.secret", ".venv", ".git", "token.json"):
        assert ignored(secret_or_local), secret_or_local
    copied = [
        source
        for each in dockerfile()
        if each.keyword == "COPY" and not each.arguments.startswith("--from")
        for source in each.arguments.split()[:-1]
    ]
    needed = [*copied, "src", "migrations", "README.md", "clients", "alembic.ini"]
    assert not [path for path in needed if path != "." and ignored(path)]


# --- compose.yaml -----------------------------------------------------------------------


def test_every_environment_name_given_to_the_service_is_a_setting_it_reads() -> None:
    prefix = Settings.model_config.get("env_prefix") or ""
    settings = {f"{prefix}{name}".upper() for name in Settings.model_fields}

    given = {
        name: service_name
        for service_name, service in services_of_this_image().items()
        for name in service.get("environment", {})
    }

    assert given
    assert {name for name in given if name not in settings} == set()


def test_every_command_compose_runs_is_one_the_cli_parses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services = services_of_this_image()

    migrate = parse_command(services["migrate"]["command"], monkeypatch)
    api = parse_command(services["api"]["command"], monkeypatch)

    assert migrate.command == "migrate"
    assert migrate.revision == "head"
    assert api.command == "serve"
    assert api.host == EVERY_INTERFACE
    assert f"{api.port}:{api.port}" in services["api"]["ports"]


def test_the_api_starts_after_a_healthy_database_and_a_finished_migration() -> None:
    services = compose()["services"]
    database = services["db"]

    assert database["image"].startswith("postgres:")
    assert "pg_isready" in database["healthcheck"]["test"]
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert services["migrate"]["restart"] == "no"  # one-shot
    assert services["api"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    for name in ("migrate", "api"):
        url = services[name]["environment"]["DATABASE_URL"]
        assert url.startswith("postgresql+asyncpg://")
        assert "@db:5432/" in url  # the compose service, by its name


def test_secrets_come_from_the_environment_never_from_the_file() -> None:
    services = compose()["services"]
    api = services["api"]["environment"]

    # `${NAME:?message}`: compose refuses to start without it, rather than run unsigned.
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", api["SECRET_KEY"])
    assert re.fullmatch(
        r"\$\{POSTGRES_PASSWORD:\?[^}]+\}", services["db"]["environment"]["POSTGRES_PASSWORD"]
    )
    for service in ("migrate", "api"):
        url = services[service]["environment"]["DATABASE_URL"]
        assert re.search(r"://postgres:\$\{POSTGRES_PASSWORD\}@", url), url


def test_docker_stops_the_api_no_sooner_than_it_can_drain() -> None:
    # Docker's default is 10 s before SIGKILL. The drain's grace is a setting, 20 s by
    # default (SHUTDOWN_GRACE_SECONDS; until the drain work lands, its documented default).
    field = Settings.model_fields.get("shutdown_grace_seconds")
    drain = field.default if field is not None else 20
    grace = re.fullmatch(r"(\d+)s", compose()["services"]["api"]["stop_grace_period"])

    assert grace is not None
    assert int(grace[1]) > drain
