"""The OpenAPI document as a consumer's contract: FastAPI's, made fit for client generators.

FastAPI writes what the code declares; a consumer also needs what the middleware
and the problem mapping add (request ids, `Retry-After`, `Allow`, ...), parameters
as their types rather than `anyOf [X, null]`, readable enum member names and an
example for everything. All of that is stated here, once, for every operation.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import FastAPI

from entrypoints.http.documentation import only_problem_json
from entrypoints.http.methods import ACCEPT_PATCH
from entrypoints.http.problems import PROBLEM_JSON

JsonObject = dict[str, Any]


_PARAMETER_EXAMPLES: Final[JsonObject] = {
    "limit": 20,
    "offset": 0,
    "cursor": "eyJrIjpbNDJdLCJzIjoiLWlkIn0.c2lnbmF0dXJl",
    "q": "ship",
    "done": False,
    "tag": ["backend"],
    "sort": "-created_at",
    "with_total": True,
    "name": "not-found",
    "Idempotency-Key": "6f1c2a0e-create-task-1",
    "If-Match": '"3"',
    "If-None-Match": '"3"',
    "X-Request-ID": "6f1c2a0e9b",
}

_FLAGS: Final = frozenset({"done", "with_total"})
"""Query parameters that are booleans, spelt exactly `true` or `false`."""

_REQUEST_ID: Final[JsonObject] = {
    "name": "X-Request-ID",
    "in": "header",
    "required": False,
    "description": "Your id for this request, echoed in the response and written in "
    "every log line, when it is 1..128 visible ASCII characters; otherwise (or without "
    "one) the service generates one. Never a reason to refuse a request.",
    "schema": {"type": "string"},
    "example": _PARAMETER_EXAMPLES["X-Request-ID"],
}


def _header(description: str, example: Any, schema: JsonObject | None = None) -> JsonObject:
    return {
        "description": description,
        "schema": schema or {"type": "string"},
        "example": example,
    }


_RESPONSE_HEADERS: Final[dict[str, JsonObject]] = {
    "X-Request-ID": _header("The request's id: yours if valid, generated otherwise.", "6f1c2a0e9b"),
    "Retry-After": _header("Seconds to wait before retrying.", 5, {"type": "integer"}),
    "Allow": _header("The methods this path answers.", "GET, HEAD, PATCH, DELETE, OPTIONS"),
    "Accept-Patch": _header("The body types a PATCH takes.", ACCEPT_PATCH),
    "ETag": _header("The resource's current version as a strong ETag.", '"3"'),
    "WWW-Authenticate": _header(
        "How to authenticate: a bearer token.", 'Bearer realm="tasks-api", error="invalid_token"'
    ),
    "Idempotent-Replayed": _header(
        "`true` when this is the stored response of an earlier request with the same "
        "`Idempotency-Key` (nothing was created this time).",
        "true",
        {"type": "string", "enum": ["true"]},
    ),
}

_HEADERS_BY_STATUS: Final = {
    "201": ("Idempotent-Replayed",),
    "401": ("WWW-Authenticate",),
    "405": ("Allow",),
    "412": ("ETag",),
    "429": ("Retry-After",),
    "503": ("Retry-After",),
}


def install(app: FastAPI) -> None:
    """Serve the consumers' document as the app's `/openapi.json`, built once."""
    generate = app.openapi
    built: list[JsonObject] = []

    def document() -> JsonObject:
        if not built:
            built.append(for_consumers(only_problem_json(generate())))
        return built[0]

    app.openapi = document  # type: ignore[method-assign]  # FastAPI documents this override


def for_consumers(document: JsonObject) -> JsonObject:
    """`document` (FastAPI's) with what a client generator and its users need."""
    schemas = document.get("components", {}).get("schemas", {})
    for path in document.get("paths", {}).values():
        id_example = _id_example(path, schemas)
        for method, operation in path.items():
            _parameters(operation, id_example)
            _responses(method, operation)
            if method == "patch":
                _one_patch_media_type(operation)
    return document


def _id_example(path: JsonObject, schemas: JsonObject) -> Any:
    """The example of a resource path's id (`task_id`): the id in the example of the
    resource its GET answers with, so that the two agree and no resource is named here."""
    answer = path.get("get", {}).get("responses", {}).get("200", {})
    reference = answer.get("content", {}).get("application/json", {}).get("schema", {})
    name = reference.get("$ref", "").rpartition("/")[2]
    return schemas.get(name, {}).get("examples", [{}])[0].get("id")


def _parameters(operation: JsonObject, id_example: Any) -> None:
    parameters = operation.setdefault("parameters", [])
    for parameter in parameters:
        schema = parameter["schema"] = _without_null(parameter["schema"])
        name = parameter["name"]
        if name in _FLAGS:
            parameter["schema"] = schema = {"type": "boolean", **_described(schema)}
        if name == "sort" and "enum" in schema:
            schema["x-enum-varnames"] = [_enum_name(value) for value in schema["enum"]]
        if name == "offset":
            # 2^63-1 reads as 9223372036854776000 in JavaScript; the server still checks it.
            schema.pop("maximum", None)
            parameter["description"] += " At most 2^63-1 (9223372036854775807)."
        if name in _PARAMETER_EXAMPLES:
            parameter["example"] = _PARAMETER_EXAMPLES[name]
        elif parameter["in"] == "path" and name.endswith("_id") and id_example is not None:
            parameter["example"] = id_example
    parameters.append(_REQUEST_ID)


def _without_null(schema: JsonObject) -> JsonObject:
    """`anyOf [X, null]` → X: an optional parameter is one left out, never a null."""
    options = schema.get("anyOf")
    if not options:
        return schema
    kept = [option for option in options if option.get("type") != "null"]
    if len(kept) != 1:
        return schema
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    return {**kept[0], **rest}


def _described(schema: JsonObject) -> JsonObject:
    return {key: schema[key] for key in ("title", "description") if key in schema}


def _enum_name(value: str) -> str:
    """`-created_at` → `CREATED_AT_DESC`, `id` → `ID`: names a generated client can use."""
    descending = value.startswith("-")
    name = value.removeprefix("-").upper()
    return f"{name}_DESC" if descending else name


def _responses(method: str, operation: JsonObject) -> None:
    responses: JsonObject = operation.setdefault("responses", {})
    if operation.get("security") and "401" not in responses:
        responses["401"] = _problem("No valid bearer token (missing, malformed or expired).")
    responses.setdefault("405", _problem("The path does not answer this method."))
    for status, response in responses.items():
        headers = response.setdefault("headers", {})
        for name in _HEADERS_BY_STATUS.get(status, ()):
            headers.setdefault(name, _RESPONSE_HEADERS[name])
        if status == "415" and method == "patch":
            headers.setdefault("Accept-Patch", _RESPONSE_HEADERS["Accept-Patch"])
        headers["X-Request-ID"] = _RESPONSE_HEADERS["X-Request-ID"]


def _problem(description: str) -> JsonObject:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _one_patch_media_type(operation: JsonObject) -> None:
    """One media type for the PATCH body, so that a generator makes it one required
    argument; `application/json` is accepted too, and said so."""
    body = operation.get("requestBody")
    if body is None:
        return
    content = body["content"]
    schema = content.get("application/json", content.get("application/merge-patch+json"))
    body["content"] = {"application/merge-patch+json": schema}
    body["required"] = True
    body["description"] = (
        "A JSON merge patch (RFC 7396): fields left out are unchanged. Sent as "
        "`application/merge-patch+json` or `application/json`; anything else is a 415."
    )
