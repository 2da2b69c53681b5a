"""A FastAPI route that answers a well-formed request without FastAPI's per-request machinery.

FastAPI solves a route's parameters and dependencies anew on every request,
re-deriving from each parameter's annotation how to read it (a sequence? a
model?), wrapping the call in two exit stacks and re-validating the response
model: about two thirds of a `GET /tasks/{id}` in process. `DirectRoute` reads
the same signature once, when the route is built, into a plan: which value comes
from where, validated by the very `ModelField` FastAPI would use. A request is
then answered by reading those values, calling the dependencies in their order
and the endpoint, and serialising what it returns as FastAPI would.

Anything else goes to FastAPI's own handler for the route, so that every error is
FastAPI's and ours exactly as before: a parameter or body that does not validate,
a missing one, a body that is not JSON, a route whose signature uses what the plan
does not cover (forms, cookies, `yield` dependencies, ...). The plan only ever
takes the path on which FastAPI would have called the endpoint. A request handed
over has had its dependencies called once already, up to the value that failed,
and FastAPI calls them again: they must be safe to repeat (the service's are
lookups and checks).

The OpenAPI document does not change: it is written from the same route.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass
from inspect import iscoroutinefunction
from types import UnionType
from typing import Any, Final, Union, get_args, get_origin

from fastapi import params
from fastapi._compat import ModelField  # the type of `Dependant`'s fields
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import ResponseValidationError
from fastapi.routing import APIRoute
from fastapi.utils import is_body_allowed_for_status_code
from pydantic import Json
from starlette.datastructures import Headers, QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

# The body types read as JSON by the plan; FastAPI's handler parses the others.
_JSON_BODIES: Final = frozenset({"application/json", "application/merge-patch+json"})
_SEQUENCES: Final = (list, tuple, set, frozenset, Sequence)


class _FrameworkAnswers(Exception):
    """This request is FastAPI's to answer (an invalid or missing value, most often)."""


@dataclass(frozen=True, slots=True)
class _Parameter:
    name: str
    key: str
    field: ModelField
    sequence: bool
    loc: tuple[str, str]

    def read(self, source: Mapping[str, Any], values: dict[str, Any]) -> None:
        """Put the validated value of this parameter into `values`, as FastAPI would."""
        if self.sequence and isinstance(source, QueryParams | Headers):
            raw: Any = source.getlist(self.key) or None
        else:
            raw = source.get(self.key)
        if raw is None:
            if self.field.field_info.is_required():
                raise _FrameworkAnswers
            values[self.name] = deepcopy(self.field.default)
            return
        value, errors = self.field.validate(raw, values, loc=self.loc)
        if errors:
            raise _FrameworkAnswers
        values[self.name] = value


@dataclass(frozen=True, slots=True)
class _Plan:
    """How to solve one dependant (the endpoint's or a dependency's) for a request."""

    call: Callable[..., Awaitable[Any]]
    name: str | None
    dependencies: tuple[_Plan, ...]
    path: tuple[_Parameter, ...]
    query: tuple[_Parameter, ...]
    headers: tuple[_Parameter, ...]
    request_name: str | None
    response_name: str | None

    async def solve(
        self, request: Request, response: Response, solved: dict[int, Any]
    ) -> dict[str, Any]:
        """The arguments of `call`; each dependency is called once per request."""
        values: dict[str, Any] = {}
        for dependency in self.dependencies:
            key = id(dependency.call)
            if key in solved:
                value = solved[key]
            else:
                value = solved[key] = await dependency.call(
                    **await dependency.solve(request, response, solved)
                )
            if dependency.name is not None:
                values[dependency.name] = value
        for parameter in self.path:
            parameter.read(request.path_params, values)
        if self.query:
            query = request.query_params
            for parameter in self.query:
                parameter.read(query, values)
        if self.headers:
            headers = request.headers
            for parameter in self.headers:
                parameter.read(headers, values)
        if self.request_name is not None:
            values[self.request_name] = request
        if self.response_name is not None:
            values[self.response_name] = response
        return values


class DirectRoute(APIRoute):
    """An `APIRoute` answering well-formed requests from a plan made once (module docstring)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        super().__init__(path, endpoint, **options)
        plan = _plan(self.dependant, name=None)
        self.direct = plan is not None and self._plain()
        """Whether well-formed requests are answered from the plan (else all by FastAPI)."""
        if plan is None or not self.direct:
            return
        self._plan = plan
        self._framework = self.app
        self._body = self.body_field
        self.app = self._answer

    def _plain(self) -> bool:
        """Whether the route asks for nothing the plan leaves to FastAPI."""
        return (
            self.stream_item_field is None
            and not self._embed_body_fields
            and len(self.dependant.body_params) <= 1
            and (self.body_field is None or not _is_form(self.body_field))
            and self.response_model_include is None
            and self.response_model_exclude is None
        )

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        body = await _body_of(request) if self._body is not None else None
        try:
            response = await self._call(request, body)
        except _FrameworkAnswers:
            await self._framework(scope, _replaying(body, receive), send)
            return
        await response(scope, receive, send)

    async def _call(self, request: Request, body: bytes | None) -> Response:
        # Read as FastAPI's handler would, before any dependency runs.
        document = None if body is None else _json(request, body)
        # What the endpoint sets on its `response` parameter, as FastAPI's temporary one.
        changes = Response()
        changes.raw_headers.clear()  # no `content-length: 0`: FastAPI deletes it too
        changes.status_code = None  # type: ignore[assignment]  # "not set", as FastAPI marks it
        values = await self._plan.solve(request, changes, {})
        if self._body is not None:
            value, errors = self._body.validate(document, values, loc=("body",))
            if errors:
                raise _FrameworkAnswers
            values[self.dependant.body_params[0].name] = value
        returned = await self._plan.call(**values)
        if isinstance(returned, Response):
            return returned
        response = self._serialised(returned, changes.status_code or self.status_code)
        if not is_body_allowed_for_status_code(response.status_code):
            response.body = b""
        response.headers.raw.extend(changes.headers.raw)
        return response

    def _serialised(self, returned: Any, status: int | None) -> Response:
        """What the endpoint returned, as FastAPI's handler serialises it."""
        status_code = status or 200  # FastAPI leaves it to the class, whose default is 200
        response_class = self.response_class
        field = self.response_field
        if field is None:
            if isinstance(response_class, DefaultPlaceholder):
                response_class = response_class.value
            made: Response = response_class(jsonable_encoder(returned), status_code=status_code)
            return made
        value, errors = field.validate(returned, {}, loc=("response",))
        if errors:
            raise ResponseValidationError(errors=errors, body=returned)
        if isinstance(response_class, DefaultPlaceholder):
            # FastAPI's fast path: the model straight to JSON bytes.
            content = field.serialize_json(
                value,
                by_alias=self.response_model_by_alias,
                exclude_unset=self.response_model_exclude_unset,
                exclude_defaults=self.response_model_exclude_defaults,
                exclude_none=self.response_model_exclude_none,
            )
            return Response(content, status_code=status_code, media_type="application/json")
        document = field.serialize(
            value,
            mode="json",
            by_alias=self.response_model_by_alias,
            exclude_unset=self.response_model_exclude_unset,
            exclude_defaults=self.response_model_exclude_defaults,
            exclude_none=self.response_model_exclude_none,
        )
        return response_class(document, status_code=status_code)


def _plan(dependant: Dependant, name: str | None) -> _Plan | None:
    """The plan of `dependant`, or `None` if it needs what only FastAPI's solver does."""
    call = dependant.call
    if (
        call is None
        or not _is_coroutine_callable(call)
        or dependant.cookie_params
        or dependant.websocket_param_name
        or dependant.http_connection_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
        or dependant.own_oauth_scopes
        or dependant.concurrency is not None
        or not dependant.use_cache
    ):
        return None
    if any(sub.body_params for sub in dependant.dependencies):
        return None  # FastAPI merges them into one body
    dependencies = [_plan(sub, sub.name) for sub in dependant.dependencies]
    path = _parameters(dependant.path_params, "path")
    query = _parameters(dependant.query_params, "query")
    headers = _parameters(dependant.header_params, "header")
    if None in dependencies or path is None or query is None or headers is None:
        return None
    return _Plan(
        call=call,
        name=name,
        dependencies=tuple(plan for plan in dependencies if plan is not None),
        path=path,
        query=query,
        headers=headers,
        request_name=dependant.request_param_name,
        response_name=dependant.response_param_name,
    )


def _parameters(fields: Sequence[ModelField], location: str) -> tuple[_Parameter, ...] | None:
    """How to read each of `fields`: by its alias (a header's has its underscores as dashes)."""
    parameters = []
    for field in fields:
        info = field.field_info
        if (
            not isinstance(info, params.Param)
            or info.validation_alias not in (None, field.alias)
            or info.validate_default
            or any(type(item) is Json for item in info.metadata)
            or _is_model(info.annotation)
        ):
            return None
        sequence = location != "path" and _is_sequence(info.annotation)
        parameters.append(
            _Parameter(field.name, field.alias, field, sequence, (location, field.alias))
        )
    return tuple(parameters)


def _is_coroutine_callable(call: Callable[..., Any]) -> bool:
    return iscoroutinefunction(call) or iscoroutinefunction(getattr(call, "__call__", None))  # noqa: B004  # an instance with `async def __call__`


def _is_sequence(annotation: Any) -> bool:
    if get_origin(annotation) in (Union, UnionType):
        return any(_is_sequence(arg) for arg in get_args(annotation) if arg is not type(None))
    origin = get_origin(annotation) or annotation
    return (
        isinstance(origin, type) and issubclass(origin, _SEQUENCES) and origin not in (str, bytes)
    )


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and hasattr(annotation, "model_fields")


def _is_form(field: ModelField) -> bool:
    return isinstance(field.field_info, params.Form)


async def _body_of(request: Request) -> bytes:
    """The request body; a failure to read it is what FastAPI's handler makes of it."""
    try:
        return await request.body()
    except HTTPException:
        raise  # 413, from the body limit
    except Exception as error:
        raise HTTPException(400, "There was an error parsing the body") from error


def _json(request: Request, body: bytes) -> Any:
    """The JSON document of a body typed as JSON; any other is FastAPI's to read."""
    if not body or request.headers.get("content-type") not in _JSON_BODIES:
        raise _FrameworkAnswers
    try:
        return json.loads(body)
    except ValueError:
        raise _FrameworkAnswers from None


def _replaying(body: bytes | None, receive: Receive) -> Receive:
    """`receive`, first giving back the body already read (if it was)."""
    if body is None:
        return receive
    pending = [body]

    async def replay() -> Message:
        if pending:
            return {"type": "http.request", "body": pending.pop(), "more_body": False}
        return await receive()

    return replay
