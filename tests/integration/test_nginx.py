"""The recommended production front: `deploy/nginx.conf`, run by nginx in front of two
`tasks-api serve` instances on one PostgreSQL database, passing the API through.

The configuration under test is the shipped file itself, with only its ports
moved to free ones of 127.0.0.1 (nginx is the Debian package; `.ci/run`
installs it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.sqlalchemy.engine import SqlDatabase
from entrypoints.container import Container
from entrypoints.settings import DEFAULT_DATABASE_URL
from support.auth import bearer
from support.databases import SqlStore
from support.owners import OWNER
from support.ports import free_port
from support.postgres import unavailable
from support.problem_checks import assert_problem
from support.servers import TASKS_API, launch, stop
from support.settings import isolated_settings

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "nginx.conf"
SECRET_KEY = "nginx-test-secret-key-0123456789abcdef"


def wait_until_up(url: str) -> None:
    for _ in range(150):
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not come up")


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).is_file()), None
    )
    if found is None:
        unavailable("nginx is not installed (apt-get install -y nginx)")
        raise AssertionError("unreachable: unavailable() raises")
    return found


def generated_config(listen: int, apps: tuple[int, int], workdir: Path) -> Path:
    """`deploy/nginx.conf` with its ports substituted, inside a main config of the test's own."""
    site = TEMPLATE.read_text()
    site, listens = re.subn(r"listen 80;", f"listen 127.0.0.1:{listen};", site)
    site, first = re.subn(r"server 127\.0\.0\.1:8001\b", f"server 127.0.0.1:{apps[0]}", site)
    site, second = re.subn(r"server 127\.0\.0\.1:8002\b", f"server 127.0.0.1:{apps[1]}", site)
    assert (listens, first, second) == (1, 1, 1), "deploy/nginx.conf no longer has those lines"
    (workdir / "tasks-api.conf").write_text(site)
    main = workdir / "nginx.conf"
    main.write_text(
        f"""
daemon off;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {workdir}/access.log;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    include {workdir}/tasks-api.conf;
}}
"""
    )
    return main


@pytest.fixture(scope="module")
def front(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """nginx in front of two instances; its base URL. The instances' ports follow in `APPS`."""
    nginx = nginx_binary()
    workdir = tmp_path_factory.mktemp("nginx")
    apps = (free_port(), free_port())
    listen = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": postgres_url,
        "SECRET_KEY": SECRET_KEY,
        "LOG_LEVEL": "WARNING",
    }
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for port in apps:
            processes.append(
                launch(
                    [str(TASKS_API), "serve", "--port", str(port)],
                    env=environment,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        config = generated_config(listen, apps, workdir)
        checked = subprocess.run(
            [nginx, "-t", "-c", str(config)], capture_output=True, text=True, check=False
        )
        assert checked.returncode == 0, checked.stderr
        processes.append(
            launch([nginx, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        )
        for port in apps:
            wait_until_up(f"http://127.0.0.1:{port}/health")
        wait_until_up(f"http://127.0.0.1:{listen}/health")
        APPS[:] = apps
        yield f"http://127.0.0.1:{listen}"
    finally:
        for process in reversed(processes):
            stop(process)


APPS: list[int] = []
"""The two instances' ports, once `front` has started them."""


@pytest.fixture(scope="module")
async def accounts(postgresql_database: SqlDatabase) -> None:
    """The tests' accounts in place (the instances share this database)."""
    await SqlStore("postgresql", postgresql_database).reset()


@pytest.fixture(scope="module")
def api(front: str, accounts: None) -> Iterator[httpx.Client]:
    """A client through nginx, signed in with a token the instances' key signed."""
    container = Container()
    container.settings.override(
        isolated_settings(database_url=DEFAULT_DATABASE_URL, secret_key=SECRET_KEY)
    )
    with httpx.Client(base_url=front, timeout=15, headers=bearer(container, OWNER)) as client:
        yield client


def test_the_api_works_through_nginx(api: httpx.Client) -> None:
    created = api.post("/tasks", json={"title": "behind nginx", "tags": ["ops"]})
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    assert api.get(location).json()["title"] == "behind nginx"
    listed = api.get("/tasks", params={"tag": "ops"})
    assert [t["title"] for t in listed.json()["items"]] == ["behind nginx"]
    patched = api.patch(
        location, json={"done": True}, headers={"If-Match": created.headers["etag"]}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["done"] is True
    assert api.delete(location).status_code == 204
    missing = api.get(location)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["status"] == 404


def test_the_request_id_passes_through_both_ways(api: httpx.Client) -> None:
    given = api.get("/health", headers={"X-Request-ID": "trace-me-123"})
    assert given.headers["x-request-id"] == "trace-me-123"
    made_up = api.get("/health")
    assert re.fullmatch(r"[0-9a-f]{32}", made_up.headers["x-request-id"])


def test_a_body_over_the_limit_is_refused_by_nginx_as_a_problem(api: httpx.Client) -> None:
    refused = api.post(
        "/tasks", content=b"x" * (1024 * 1024 + 1), headers={"Content-Type": "application/json"}
    )
    assert refused.status_code == 413
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["status"] == 413


def test_a_header_over_nginx_buffers_is_refused_by_nginx_as_a_problem(api: httpx.Client) -> None:
    refused = api.get("/tasks", headers={"X-Big": "a" * (17 * 1024)})
    assert_problem(refused, "request-header-fields-too-large", instance="/tasks")


def test_both_instances_serve_requests(api: httpx.Client) -> None:
    for _ in range(40):
        assert api.get("/tasks").status_code == 200
    for port in APPS:
        scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        served = re.search(
            r'^http_requests_total\{method="GET",route="/tasks",status="200"\} ([0-9.]+)$',
            scraped,
            re.MULTILINE,
        )
        assert served is not None, f"instance {port} served no GET /tasks"
        assert float(served.group(1)) > 0
