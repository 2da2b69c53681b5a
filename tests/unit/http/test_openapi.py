"""The OpenAPI document as a consumer's contract: what client generators and Swagger UI read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from openapi_spec_validator import validate

from support.resources import COLLECTIONS, SAMPLES, every_collection

Operation = tuple[str, str, dict[str, Any]]


@pytest.fixture
def document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def operations(document: dict[str, Any]) -> Iterator[Operation]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)


def test_the_document_is_built_once_and_stays_the_same(app: FastAPI) -> None:
    first = app.openapi()
    assert app.openapi() is first
    parameters = first["paths"]["/tasks"]["get"]["parameters"]
    assert [p["name"] for p in parameters].count("X-Request-ID") == 1


def test_operation_ids_are_the_stable_names_of_the_operations(document: dict[str, Any]) -> None:
    ids = {(method, path): op["operationId"] for path, method, op in operations(document)}

    # Every resource's five, named alike: `create_task`, `list_tasks`, ...
    resources: dict[tuple[str, str], str] = {}
    for sample in SAMPLES:
        one, many = sample.name.lower(), str(sample)
        resources |= {
            ("post", sample.collection): f"create_{one}",
            ("get", sample.collection): f"list_{many}",
            ("get", sample.item_path): f"get_{one}",
            ("patch", sample.item_path): f"update_{one}",
            ("delete", sample.item_path): f"delete_{one}",
        }
    assert ids == {
        **resources,
        ("get", "/health"): "get_health",
        ("get", "/health/ready"): "get_readiness",
        ("get", "/metrics"): "get_metrics",
        ("get", "/problems/{name}"): "get_problem_type",
        ("post", "/users"): "sign_up",
        ("get", "/users/me"): "get_me",
        ("delete", "/users/me"): "delete_me",
        ("post", "/auth/token"): "issue_token",
        ("post", "/auth/revoke"): "revoke_token",
    }


def _parameter(document: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    found = [p for p in document["paths"][path]["get"]["parameters"] if p["name"] == name]
    assert len(found) == 1
    parameter: dict[str, Any] = found[0]
    return parameter


@pytest.mark.parametrize("path", COLLECTIONS, ids=str)
def test_sort_keys_have_readable_enum_names(document: dict[str, Any], path: str) -> None:
    schema = _parameter(document, path, "sort")["schema"]

    names = dict(zip(schema["enum"], schema["x-enum-varnames"], strict=True))
    assert names["id"] == "ID"
    assert names["-id"] == "ID_DESC"
    assert names["-title"] == "TITLE_DESC"
    assert names["created_at"] == "CREATED_AT"


@pytest.mark.parametrize(("path", "name"), [("/tasks", "done"), ("/tasks", "with_total")])
def test_flags_are_booleans(document: dict[str, Any], path: str, name: str) -> None:
    assert _parameter(document, path, name)["schema"]["type"] == "boolean"


def test_no_parameter_is_any_of_something_or_null(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        for parameter in operation["parameters"]:
            assert "anyOf" not in parameter["schema"], (method, path, parameter)


def test_offset_states_no_unreadable_maximum(document: dict[str, Any]) -> None:
    schema = _parameter(document, "/tasks", "offset")["schema"]

    assert schema["minimum"] == 0
    assert "maximum" not in schema


def test_every_parameter_and_schema_has_an_example(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        for parameter in operation["parameters"]:
            assert "example" in parameter or "examples" in parameter, (method, path, parameter)
    for name, schema in document["components"]["schemas"].items():
        assert schema.get("examples"), name


def test_the_create_example_is_a_sensible_task(document: dict[str, Any]) -> None:
    example = document["components"]["schemas"]["TaskCreate"]["examples"][0]

    assert example["title"] == "Ship FastAPI CRUD"
    assert set(example) <= {"title", "description", "done", "tags"}


def test_the_title_is_constrained_by_lengths_not_a_long_pattern(document: dict[str, Any]) -> None:
    for model in ("TaskCreate", "NoteCreate"):
        title = document["components"]["schemas"][model]["properties"]["title"]
        assert (title["minLength"], title["maxLength"]) == (1, 200)
        assert len(title["pattern"]) < 120  # not blank, no NUL: no lengths in it
        assert "trim" in title["description"]


@pytest.mark.parametrize("path", ["/tasks/{task_id}", "/notes/{note_id}"])
def test_a_patch_body_is_one_required_merge_patch(document: dict[str, Any], path: str) -> None:
    body = document["paths"][path]["patch"]["requestBody"]

    assert body["required"] is True
    assert list(body["content"]) == ["application/merge-patch+json"]
    assert "application/json" in body["description"]


def test_timestamps_are_date_times(document: dict[str, Any]) -> None:
    created = document["components"]["schemas"]["TaskOut"]["properties"]["created_at"]

    assert created["format"] == "date-time"


def test_every_response_documents_the_request_id_and_every_request_may_send_one(
    document: dict[str, Any],
) -> None:
    for path, method, operation in operations(document):
        names = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
        assert "X-Request-ID" in names, (method, path)
        for status, response in operation["responses"].items():
            assert "X-Request-ID" in response["headers"], (method, path, status)


def test_every_operation_documents_405_with_allow_and_503_with_retry_after(
    document: dict[str, Any],
) -> None:
    for path, method, operation in operations(document):
        responses = operation["responses"]
        assert "Allow" in responses["405"]["headers"], (method, path)
        if "503" in responses:
            assert "Retry-After" in responses["503"]["headers"], (method, path)


@every_collection
def test_resource_operations_document_their_headers_and_statuses(
    document: dict[str, Any], collection: str
) -> None:
    item = next(path for path in document["paths"] if path.startswith(f"{collection}/"))
    create = document["paths"][collection]["post"]["responses"]
    patch = document["paths"][item]["patch"]["responses"]

    assert {"Location", "ETag", "Idempotent-Replayed"} <= set(create["201"]["headers"])
    assert "415" in create
    assert "Accept-Patch" in patch["415"]["headers"]
    assert "ETag" in patch["412"]["headers"]
    assert "Link" in document["paths"][collection]["get"]["responses"]["200"]["headers"]
    for operation in [*document["paths"][collection].values(), *document["paths"][item].values()]:
        assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]
