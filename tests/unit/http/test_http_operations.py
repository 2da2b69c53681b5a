"""Operations: health, readiness, metrics, request ids, and the offline docs and schema."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from prometheus_client.parser import text_string_to_metric_families

from application.errors import StorageUnavailable
from entrypoints.app import create_app
from entrypoints.container import Container
from support.apps import client_of
from support.headers import request_header
from support.problem_checks import PROBLEM_FIELDS, assert_problem, create_task

_VISIBLE_ASCII = re.compile(r"[\x21-\x7e]{1,128}")

# --- health -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/health", "/health/ready"])
async def test_health_and_readiness_answer_ok(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "ok"}


class UnreachableDatabase:
    """A database that never answers."""

    async def ping(self) -> None:
        raise StorageUnavailable("could not connect to db.internal:5432")

    async def close(self) -> None:
        return None


def failing_unit_of_work(**_: Any) -> Any:
    raise StorageUnavailable("could not connect to db.internal:5432")


async def test_readiness_is_a_503_problem_with_retry_after_when_the_database_is_down(
    container: Container,
) -> None:
    container.database.override(providers.Object(UnreachableDatabase()))
    app = create_app(container)

    async with client_of(app, lifespan=False) as client:
        response = await client.get("/health/ready")

    assert_problem(response, "service-unavailable", instance="/health/ready")
    assert int(response.headers["retry-after"]) > 0
    assert "db.internal" not in response.text


async def test_overrides_made_after_the_app_was_built_take_effect(
    container: Container, client: httpx.AsyncClient
) -> None:
    # `client` is over the app already built from `container`.
    assert (await client.get("/tasks")).status_code == 200

    with (
        container.database.override(providers.Object(UnreachableDatabase())),
        container.unit_of_work.override(providers.Callable(failing_unit_of_work)),
    ):
        ready = await client.get("/health/ready")
        data = await client.get("/tasks")

    assert ready.status_code == 503
    assert data.status_code == 503
    assert (await client.get("/tasks")).status_code == 200


async def test_liveness_touches_nothing_else_so_it_stays_ok_when_the_database_is_down(
    container: Container,
) -> None:
    container.database.override(providers.Object(UnreachableDatabase()))
    container.unit_of_work.override(providers.Callable(failing_unit_of_work))
    app = create_app(container)

    async with client_of(app, lifespan=False) as client:
        live = await client.get("/health")
        data = await client.get("/tasks")

    assert live.status_code == 200
    assert live.json() == {"status": "ok"}
    assert data.status_code == 503


# --- metrics ----------------------------------------------------------------------------


def samples(text: str, name: str) -> dict[tuple[str, str, str], float]:
    """`name`'s samples by (method, route, status)."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                labels = sample.labels
                found[labels["method"], labels["route"], labels["status"]] = sample.value
    return found


async def test_metrics_count_requests_by_route_template_and_status(
    client: httpx.AsyncClient,
) -> None:
    await create_task(client)
    for path in ("/tasks/1", "/tasks/1", "/tasks/2"):
        await client.get(path)
    await client.patch("/tasks/1", json={"title": ""})

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    counts = samples(response.text, "http_requests_total")
    assert counts["POST", "/tasks", "201"] == 1
    assert counts["GET", "/tasks/{task_id}", "200"] == 2
    assert counts["GET", "/tasks/{task_id}", "404"] == 1
    assert counts["PATCH", "/tasks/{task_id}", "422"] == 1


async def test_metrics_never_label_a_series_with_a_concrete_path(
    client: httpx.AsyncClient,
) -> None:
    await create_task(client)
    for path in ("/tasks/1", "/notes/5", "/tasks/abc", "/no/such/route/42"):
        await client.get(path)

    text = (await client.get("/metrics")).text

    routes = {route for _, route, _ in samples(text, "http_requests_total")}
    assert {"/tasks/{task_id}", "/notes/{note_id}"} <= routes
    for concrete in ("/tasks/1", "/notes/5", "/tasks/abc", "/no/such/route/42"):
        assert f'route="{concrete}"' not in text


async def test_metrics_record_latency_histograms_by_route_template_and_status(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/tasks/7")

    text = (await client.get("/metrics")).text

    counts = samples(text, "http_request_duration_seconds_count")
    assert counts["GET", "/tasks/{task_id}", "404"] == 1
    buckets = [
        sample
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "http_request_duration_seconds_bucket"
        and sample.labels["route"] == "/tasks/{task_id}"
        and sample.labels["status"] == "404"
    ]
    assert len(buckets) > 1
    assert {sample.labels["le"]: sample.value for sample in buckets}["+Inf"] == 1


# --- X-Request-ID -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "given",
    ["abc", "a" * 128, "!", "~x~", "550e8400-e29b-41d4-a716-446655440000", "req:1/2?x=y"],
    ids=["short", "128-chars", "one-char", "tildes", "uuid", "symbols"],
)
async def test_a_valid_request_id_is_echoed(client: httpx.AsyncClient, given: str) -> None:
    response = await client.get("/health", headers={"X-Request-ID": given})

    assert response.headers["x-request-id"] == given


@pytest.mark.parametrize(
    "given",
    ["", "a" * 129, "has space", "tab\tinside", "é".encode(), b"\x7f"],
    ids=["empty", "129-chars", "space", "tab", "non-ascii", "del"],
)
async def test_an_invalid_request_id_is_replaced_by_a_generated_one(
    client: httpx.AsyncClient, given: str | bytes
) -> None:
    response = await client.get("/health", headers=request_header("X-Request-ID", given))

    generated = response.headers["x-request-id"]
    assert _VISIBLE_ASCII.fullmatch(generated)
    assert generated.encode() != (given if isinstance(given, bytes) else given.encode())


async def test_requests_without_an_id_each_get_a_fresh_one(client: httpx.AsyncClient) -> None:
    first = await client.get("/health")
    second = await client.get("/health")

    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["x-request-id"]), "128 random bits"
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/nope", {}),
        ("GET", "/tasks/9", {}),
        ("PUT", "/tasks", {}),
        ("GET", "/tasks?limit=0", {}),
        ("POST", "/tasks", {"content": b"{", "headers": {"Content-Type": "application/json"}}),
        ("POST", "/tasks", {"content": b"x", "headers": {"Content-Type": "text/plain"}}),
        (
            "POST",
            "/tasks",
            {"content": b" " * (1024 * 1024 + 1), "headers": {"Content-Type": "application/json"}},
        ),
    ],
    ids=["404-route", "404-id", "405", "422", "400", "415", "413"],
)
async def test_error_responses_carry_the_request_id_in_header_and_body(
    client: httpx.AsyncClient, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    headers = {**kwargs.pop("headers", {}), "X-Request-ID": "trace-me"}

    response = await client.request(method, path, headers=headers, **kwargs)

    assert response.status_code >= 400
    assert response.headers["x-request-id"] == "trace-me"
    assert response.json()["request_id"] == "trace-me"


async def test_a_generated_request_id_is_the_one_in_the_problem_body(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/tasks/9", headers={"X-Request-ID": "bad id"})

    assert response.json()["request_id"] == response.headers["x-request-id"] != "bad id"


# --- docs and schema --------------------------------------------------------------------


async def test_the_docs_page_names_no_external_url(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "SwaggerUIBundle" in html
    for external in ("http://", "https://", "//cdn", "cdn.jsdelivr", "unpkg.com"):
        assert external not in html
    for url in re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', html):
        assert url.startswith("/")
        assert not url.startswith("//")


async def test_every_asset_of_the_docs_page_is_served_by_the_app(
    client: httpx.AsyncClient,
) -> None:
    html = (await client.get("/docs")).text
    assets = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', html)

    kinds = {}
    for url in assets:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert response.content, url
        kinds[url.rsplit(".", 1)[-1]] = response.headers["content-type"]

    assert set(kinds) == {"js", "css", "png"}
    assert "javascript" in kinds["js"]
    assert kinds["css"].startswith("text/css")
    assert kinds["png"] == "image/png"


async def test_the_docs_page_loads_the_schema_from_the_app(client: httpx.AsyncClient) -> None:
    html = (await client.get("/docs")).text
    match = re.search(r"url:\s*'([^']+)'", html)

    assert match is not None
    assert match[1] == "/openapi.json"
    assert (await client.get(match[1])).status_code == 200


def error_responses(schema: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    return [
        (path, method, status, response)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if status[0] in "45"
    ]


async def test_the_schema_lists_every_error_response_as_problem_json_only(
    client: httpx.AsyncClient,
) -> None:
    schema = (await client.get("/openapi.json")).json()

    errors = error_responses(schema)
    assert len(errors) > 20
    for path, method, status, response in errors:
        where = f"{method.upper()} {path} {status}"
        assert set(response["content"]) == {"application/problem+json"}, where
        expected = "ValidationProblem" if status == "422" else "Problem"
        assert response["content"]["application/problem+json"]["schema"] == {
            "$ref": f"#/components/schemas/{expected}"
        }, where


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/tasks", "post", {"400", "409", "413", "415", "422", "500", "503"}),
        ("/tasks", "get", {"422", "500", "503"}),
        ("/tasks/{task_id}", "get", {"404", "422", "500", "503"}),
        ("/tasks/{task_id}", "patch", {"400", "404", "409", "412", "413", "415", "422"}),
        ("/tasks/{task_id}", "delete", {"404", "412", "422"}),
        ("/notes", "post", {"400", "409", "413", "415", "422"}),
        ("/notes/{note_id}", "patch", {"404", "412", "422"}),
        ("/health/ready", "get", {"503"}),
    ],
)
async def test_the_schema_documents_the_errors_each_operation_can_answer(
    client: httpx.AsyncClient, path: str, method: str, statuses: set[str]
) -> None:
    schema = (await client.get("/openapi.json")).json()

    documented = set(schema["paths"][path][method]["responses"])

    assert statuses <= documented


async def test_the_problem_schemas_require_every_problem_field(
    client: httpx.AsyncClient,
) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]

    assert set(schemas["Problem"]["required"]) == PROBLEM_FIELDS
    assert set(schemas["ValidationProblem"]["required"]) == PROBLEM_FIELDS | {"errors"}
    assert "HTTPValidationError" not in schemas


async def test_the_docs_page_does_not_send_the_schema_to_an_online_validator(
    client: httpx.AsyncClient,
) -> None:
    # Swagger UI's default validatorUrl is https://validator.swagger.io/validator.
    page = (await client.get("/docs")).text

    assert '"validatorUrl": null' in page


async def test_metrics_label_every_route_by_its_template_and_bound_the_labels(
    client: httpx.AsyncClient,
) -> None:
    await create_task(client)
    for method, path in [
        ("GET", "/openapi.json"),
        ("GET", "/docs-assets/swagger-ui.css"),
        ("GET", "/docs-assets/favicon-32x32.png"),
        ("GET", "/problems/not-found"),
        ("GET", "/problems/no-such-problem"),
        ("GET", "/tasks/"),
        ("GET", "/tasks"),
        ("HEAD", "/tasks/1"),
        ("BREW", "/tasks"),
        ("X" * 40, "/tasks/1"),
        ("GET", "/no/such/route/42"),
    ]:
        await client.request(method, path)
    too_large = b'{"title": "x"}' + b" " * (1024 * 1024)
    await client.post("/tasks/", content=too_large, headers={"Content-Type": "application/json"})

    counts = samples((await client.get("/metrics")).text, "http_requests_total")

    assert counts["GET", "/openapi.json", "200"] == 1
    assert counts["GET", "/docs-assets/{path}", "200"] == 2
    assert counts["GET", "/problems/{name}", "200"] == 1
    assert counts["GET", "/problems/{name}", "404"] == 1
    assert counts["GET", "/tasks", "200"] == 2  # /tasks/ and /tasks are one route
    assert counts["HEAD", "/tasks/{task_id}", "200"] == 1
    assert counts["other", "/tasks", "405"] == 1
    assert counts["other", "/tasks/{task_id}", "405"] == 1
    assert counts["POST", "/tasks", "413"] == 1
    assert counts["GET", "unmatched", "404"] == 1
    assert {method for method, _, _ in counts} <= {
        "GET",
        "HEAD",
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
        "OPTIONS",
        "other",
    }
    assert not any(route.endswith("/") for _, route, _ in counts)
