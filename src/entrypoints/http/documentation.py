"""OpenAPI documentation of responses, and Swagger UI and ReDoc served from packaged files."""

from __future__ import annotations

import html
from dataclasses import dataclass
from importlib.resources import files
from typing import Annotated, Any, Final

from fastapi import FastAPI, Request
from fastapi import Path as PathParam
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from entrypoints.http.problems import (
    NOT_FOUND,
    PROBLEM_JSON,
    TITLES,
    TYPES,
    Problem,
    ValidationProblem,
)
from entrypoints.http.routers import add_routes, api_router
from entrypoints.http.schemas import example

_WHY: Final = {
    400: "The body is not valid JSON.",
    401: "No valid bearer token.",
    404: "No such resource.",
    405: "The path does not answer this method; `Allow` lists those it does.",
    409: "An idempotency key still in flight, or a resource under heavy concurrent change.",
    412: "`If-Match` did not match the resource's current ETag; nothing was changed.",
    413: "The body is larger than 1 MiB.",
    415: "The body is not JSON.",
    422: "Invalid input: `errors` names every invalid field.",
    500: "Unexpected error; nothing internal is revealed.",
    503: "The database is unavailable, or the service overloaded (type `/problems/overloaded`); "
    "retry after `Retry-After` seconds.",
}

ALWAYS: Final = (500, 503)
"""What any data endpoint can answer, whatever the request."""
WITH_BODY: Final = (400, 413, 415, 422)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for these error statuses, as problem+json."""
    return {
        status: {
            "model": ValidationProblem if status == 422 else Problem,
            "description": _WHY.get(status, TITLES.get(status, "Error")),
            "content": {PROBLEM_JSON: {}},
        }
        for status in sorted({*statuses, *ALWAYS})
    }


def _etag_links(item_path: str, id_name: str) -> dict[str, Any]:
    """OpenAPI links from a response carrying a resource and its `ETag` to the
    conditional requests on that resource: the next steps of a careful client."""
    pointer = "#/paths/" + item_path.replace("~", "~0").replace("/", "~1")
    ids = {f"path.{id_name}": "$response.body#/id"}

    def link(method: str, header: str, description: str) -> dict[str, Any]:
        return {
            "operationRef": f"{pointer}/{method}",
            "parameters": {**ids, f"header.{header}": "$response.header.ETag"},
            "description": description,
        }

    return {
        "GetIfChanged": link("get", "If-None-Match", "Read it again; 304 while it is unchanged."),
        "UpdateIfUnchanged": link("patch", "If-Match", "Change it, unless changed since."),
        "DeleteIfUnchanged": link("delete", "If-Match", "Delete it, unless changed since."),
    }


def _header(description: str) -> dict[str, Any]:
    return {"description": description, "required": True, "schema": {"type": "string"}}


def merge_patch(schema: str) -> dict[str, Any]:
    """`openapi_extra` for a PATCH that also takes `application/merge-patch+json` (RFC 7396)."""
    body = {"schema": {"$ref": f"#/components/schemas/{schema}"}}
    return {"requestBody": {"content": {"application/merge-patch+json": body}}}


@dataclass(frozen=True, slots=True)
class ResourceResponses:
    """The documented responses of one resource's five endpoints."""

    created: dict[int | str, dict[str, Any]]
    listed: dict[int | str, dict[str, Any]]
    fetched: dict[int | str, dict[str, Any]]
    changed: dict[int | str, dict[str, Any]]
    deleted: dict[int | str, dict[str, Any]]

    @classmethod
    def of(cls, name: str, item_path: str, id_name: str) -> ResourceResponses:
        etag = {"ETag": _header(f"The {name}'s version as a strong ETag.")}
        links = _etag_links(item_path, id_name)
        return cls(
            created={
                201: {
                    "headers": {"Location": _header(f"The new {name}'s path."), **etag},
                    "links": links,
                },
                **error_responses(409, *WITH_BODY),
            },
            listed={
                200: {
                    "headers": {
                        "Link": {
                            "description": 'rel="next": the next page, when there is one.',
                            "schema": {"type": "string"},
                        }
                    }
                },
                **error_responses(422),
            },
            fetched={
                200: {"headers": etag, "links": links},
                304: {"description": "Not modified: `If-None-Match` matched.", "headers": etag},
                **error_responses(404, 422),
            },
            changed={
                200: {"headers": etag, "links": links},
                **error_responses(404, 409, 412, *WITH_BODY),
            },
            deleted=error_responses(404, 409, 412, 422),
        )


def only_problem_json(schema: dict[str, Any]) -> dict[str, Any]:
    """Error responses are problem+json only; FastAPI also lists them as application/json."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[0] in "45" and PROBLEM_JSON in content and "application/json" in content:
                    content[PROBLEM_JSON] = content.pop("application/json")
    return schema


# Swagger UI's own files, as packaged by fastapi-swagger.
_ASSETS: Final = str(files("fastapi_swagger") / "resources")
_ASSET_URL: Final = "/docs-assets"
# ReDoc's standalone bundle (MIT, its license beside it), as packaged by
# fastapi-standalone-docs; only its files are used, not its patching of FastAPI.
_REDOC_ASSETS: Final = str(files("fastapi_standalone_docs") / "static" / "redoc")
_REDOC_ASSET_URL: Final = "/redoc-assets"

router = api_router(include_in_schema=False)


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI with every asset served from here: it works with no internet access."""
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} API",
        swagger_js_url=f"{_ASSET_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{_ASSET_URL}/swagger-ui.css",
        swagger_favicon_url=f"{_ASSET_URL}/favicon-32x32.png",
        # Swagger UI would otherwise send the schema to validator.swagger.io for a badge.
        swagger_ui_parameters={"validatorUrl": None},
    )


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    """ReDoc, as offline as /docs: its bundle from here, and no web fonts (its default
    page loads them from Google; the bundle falls back to the system's fonts)."""
    return get_redoc_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} API",
        redoc_js_url=f"{_REDOC_ASSET_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{_ASSET_URL}/favicon-32x32.png",
        with_google_fonts=False,
    )


_NOT_FOUND_MEANING: Final = "No resource at this path: an unknown id or route."


class ProblemType(BaseModel):
    """What a problem `type` means."""

    model_config = example({**NOT_FOUND, "description": _NOT_FOUND_MEANING})

    type: str = Field(examples=["/problems/not-found"])
    title: str = Field(examples=["Not Found"])
    status: int = Field(examples=[404])
    description: str = Field(examples=[_NOT_FOUND_MEANING])


problem_types = api_router("/problems", tags=["problems"])


@problem_types.get(
    "/{name}",
    summary="What a problem type means",
    response_model=ProblemType,
    description="The `type` of every problem body resolves here. HTML for a browser "
    "(`Accept: text/html`), JSON otherwise. Names: "
    + ", ".join(f"`{name}`" for name in TYPES)
    + ".",
    responses={
        200: {"content": {"text/html": {"schema": {"type": "string"}}}},
        **error_responses(404, 422),
    },
)
async def get_problem_type(
    name: Annotated[str, PathParam(examples=["not-found"], max_length=100)], request: Request
) -> Any:
    if name not in TYPES:
        raise HTTPException(404)
    status, description = TYPES[name]
    about = ProblemType(
        type=f"/problems/{name}", title=TITLES[status], status=status, description=description
    )
    if "text/html" in request.headers.get("accept", ""):
        return HTMLResponse(_problem_page(about))
    return about


def _problem_page(about: ProblemType) -> str:
    title = html.escape(f"{about.status} {about.title}: {about.type}")
    return (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{title}</title>"
        f"<h1>{title}</h1><p>{html.escape(about.description)}</p></html>"
    )


def install(app: FastAPI) -> None:
    add_routes(app, problem_types)
    add_routes(app, router)
    app.mount(_ASSET_URL, StaticFiles(directory=_ASSETS), name="docs-assets")
    app.mount(_REDOC_ASSET_URL, StaticFiles(directory=_REDOC_ASSETS), name="redoc-assets")
