"""What the endpoints of every resource collection share: how they are declared (paths,
status codes, summaries, documented responses, accepted body types) and how a
resource goes out (`Location`, `ETag`, 304, the page's `Link`).

Each resource's route module still writes its five endpoints as plain FastAPI
functions, with the parameters and schemas that are its own; only what would be
written alike for every resource is here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from fastapi import Depends, Request, Response
from pydantic import BaseModel

from application.idempotency import Created
from application.paging import Page
from entrypoints.http import etags
from entrypoints.http.dependencies import require_json, require_merge_patch
from entrypoints.http.documentation import ResourceResponses, merge_patch
from entrypoints.http.links import add_next_link
from entrypoints.http.routers import api_router
from entrypoints.http.schemas import PageOut, ResourceOut


class Stored(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def version(self) -> int: ...


Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
Out = TypeVar("Out", bound=ResourceOut)
PageT = TypeVar("PageT", bound=PageOut[Any])
S = TypeVar("S", bound=Stored)


_JSON_BODY = [Depends(require_json)]
_MERGE_PATCH = [Depends(require_merge_patch)]


class Collection(Generic[Out, PageT]):
    """The router of one collection, e.g. `Collection("tasks", "task", TaskOut, TaskPatch,
    TaskPage)`, whose methods declare its endpoints (`@tasks.create`, ...) and send
    what they answer."""

    def __init__(
        self,
        collection: str,
        name: str,
        out: type[Out],
        patch: type[BaseModel],
        page: type[PageT],
    ) -> None:
        self.path = f"/{collection}"
        self.router = api_router(self.path, tags=[collection])
        self._collection = collection
        self._name = name
        self._item = f"/{{{name}_id}}"
        self._out = out
        self._patch = patch.__name__
        self._page = page
        self._responses = ResourceResponses.of(name, self.path + self._item, f"{name}_id")

    # How the endpoints are declared. The collection answers with and without a
    # trailing slash, without a redirect; only the first is documented.

    def create(self, endpoint: Endpoint) -> Endpoint:
        self.router.post("/", status_code=201, include_in_schema=False, dependencies=_JSON_BODY)(
            endpoint
        )
        return self.router.post(
            "",
            status_code=201,
            summary=f"Create a {self._name}",
            dependencies=_JSON_BODY,
            responses=self._responses.created,
        )(endpoint)

    def list(self, endpoint: Endpoint) -> Endpoint:
        self.router.get("/", include_in_schema=False)(endpoint)
        return self.router.get(
            "", summary=f"List {self._collection}", responses=self._responses.listed
        )(endpoint)

    def get(self, endpoint: Endpoint) -> Endpoint:
        # A 304 is a bare Response, so the schema is named, not read from the signature.
        return self.router.get(
            self._item,
            summary=f"Get a {self._name}",
            response_model=self._out,
            responses=self._responses.fetched,
        )(endpoint)

    def update(self, endpoint: Endpoint) -> Endpoint:
        return self.router.patch(
            self._item,
            summary=f"Change some fields of a {self._name}",
            dependencies=_MERGE_PATCH,
            responses=self._responses.changed,
            openapi_extra=merge_patch(self._patch),
        )(endpoint)

    def delete(self, endpoint: Endpoint) -> Endpoint:
        return self.router.delete(
            self._item,
            status_code=204,
            response_class=Response,
            summary=f"Delete a {self._name}",
            responses=self._responses.deleted,
        )(endpoint)

    # What the endpoints send.

    def created(self, response: Response, created: Created[S]) -> Out:
        """A 201's body, with where the resource is, its ETag, and whether this is a replay."""
        resource = created.resource
        location = f"{self.path}/{resource.id}"
        etags.send_created(response, location, resource.version, replayed=created.replayed)
        return self._out.of(resource)

    def current(self, response: Response, resource: Stored) -> Out:
        """The resource as it is now, with its ETag."""
        etags.send_current(response, resource.version)
        return self._out.of(resource)

    def fetched(self, response: Response, if_none_match: str | None, resource: Stored) -> Any:
        """A 304 if the client's copy is current, else the resource."""
        if unchanged := etags.not_modified(if_none_match, resource.version):
            return unchanged
        return self.current(response, resource)

    def page(self, request: Request, response: Response, page: Page[Any]) -> PageT:
        """A page of the list, with the `Link` to the next one."""
        add_next_link(request, response, page)
        return self._page.of(page, [self._out.of(item) for item in page.items])
