"""The docs in a real browser: headless Chromium (Debian's) driven by Playwright, on a
real `tasks-api serve`, with every request that would leave the machine recorded and
refused. Screenshots go to test-artifacts/browser/ (printed; kept out of git).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from support.accounts import PASSWORD
from support.postgres import unavailable
from support.servers import serving

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
TASKS_API = Path(sys.executable).with_name("tasks-api")
# Debian's package; `playwright install` would download a browser, which cannot be done here.
CHROMIUM = Path("/usr/bin/chromium")
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
EMAIL = "browser@example.com"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        unavailable("chromium is not installed (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server on a SQLite file of its own, with one account signed up over HTTP."""
    directory = tmp_path_factory.mktemp("browser")
    database = {"DATABASE_URL": f"sqlite+aiosqlite:///{directory / 'tasks.db'}"}
    with serving(TASKS_API, database, cwd=directory) as base:
        created = httpx.post(f"{base}/users", json={"email": EMAIL, "password": PASSWORD})
        assert created.status_code == 201, created.text
        yield base


@pytest.fixture
def requested(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A page whose every request is recorded; any to another machine is aborted."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    urls: list[str] = []

    def local_only(route: Route) -> None:
        url = route.request.url
        urls.append(url)
        if urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            route.abort()

    context.route("**/*", local_only)
    yield context.new_page(), urls
    context.close()


def screenshot(page: Page, name: str, selector: str | None = None) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    if selector is None:
        page.screenshot(path=path, full_page=True)
    else:
        page.locator(selector).first.screenshot(path=path)
    print(f"screenshot: {path}")
    return path


def assert_nothing_left_the_machine(urls: list[str]) -> None:
    assert urls, "the route handler saw no request: interception is not in place"
    assert [url for url in urls if urlsplit(url).hostname not in LOCAL_HOSTS] == []


def test_swagger_ui_offline_authorizes_and_creates_a_task(
    base_url: str, requested: tuple[Page, list[str]]
) -> None:
    page, urls = requested
    page.goto(f"{base_url}/docs")

    # Both resources, with their operations.
    page.locator("h3.opblock-tag").first.wait_for()
    tags = page.locator("h3.opblock-tag").evaluate_all("tags => tags.map(t => t.dataset.tag)")
    assert {"tasks", "notes"} <= set(tags)
    for resource in ("tasks", "notes"):
        for method in ("post", "get", "patch", "delete"):
            operations = page.locator(f"#operations-tag-{resource} ~ div .opblock-{method}")
            assert operations.count() >= 1, (resource, method)
    screenshot(page, "docs.png")

    # Authorize once, with the OAuth2 password flow the schema declares.
    page.locator("button.authorize").first.click()
    dialog = page.locator(".modal-ux")
    dialog.locator("#oauth_username").fill(EMAIL)
    dialog.locator("#oauth_password").fill(PASSWORD)
    dialog.locator(".auth-btn-wrapper button", has_text="Authorize").click()
    dialog.locator("button", has_text="Logout").wait_for()
    assert "Authorized" in dialog.inner_text()
    dialog.locator("button", has_text="Close").click()

    # Try it out: POST /tasks with the documented example, as it is filled in.
    create = page.locator("#operations-tasks-create_task")
    create.locator(".opblock-summary").click()
    create.locator("button.try-out__btn").click()
    body = create.locator("textarea.body-param__text").input_value()
    assert '"title": "Ship FastAPI CRUD"' in body
    create.locator("button.execute").click()
    status = create.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "201"
    assert "Ship FastAPI CRUD" in create.locator(".live-responses-table").inner_text()
    screenshot(page, "docs-try-it-out.png", "#operations-tasks-create_task .live-responses-table")

    # The task exists, for the account that authorized: the browser's call was real.
    token = httpx.post(
        f"{base_url}/auth/token",
        data={"grant_type": "password", "username": EMAIL, "password": PASSWORD},
    ).json()["access_token"]
    listed = httpx.get(f"{base_url}/tasks", headers={"Authorization": f"Bearer {token}"})
    assert [task["title"] for task in listed.json()["items"]] == ["Ship FastAPI CRUD"]

    assert any("/docs-assets/" in url for url in urls)
    assert_nothing_left_the_machine(urls)


def test_redoc_renders_offline(base_url: str, requested: tuple[Page, list[str]]) -> None:
    page, urls = requested
    page.goto(f"{base_url}/redoc")

    page.locator("h1", has_text="tasks-api").wait_for()
    for summary in ("Create a task", "Create a note"):
        assert page.locator("h2", has_text=summary).count() == 1, summary
    screenshot(page, "redoc.png")

    assert any(url.endswith("/redoc-assets/redoc.standalone.js") for url in urls)
    assert any(url.endswith("/openapi.json") for url in urls)
    assert_nothing_left_the_machine(urls)
