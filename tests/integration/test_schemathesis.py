"""Schemathesis against the app's own OpenAPI schema, in-process, with all its default checks.

Every operation of the published schema is exercised (examples, coverage and
fuzzing phases, with valid and invalid data), then sequences of operations are
chained along the schema's links (stateful). All of it runs over PostgreSQL,
which refuses what memory would let through (NUL characters, integers past 64
bits), and over the memory adapters, which must behave the same.

The schema states precisely what the API accepts. Rules of API.md that depend
on server state cannot be stated in OpenAPI, so valid data may meet them:
- an `Idempotency-Key` already used with another body is a 422: drawn keys
  collide all the time ("0"), so the stored keys are forgotten before each POST
  that carries one, and every valid POST is really processed;
- a `cursor` is signed: a drawn one is a 422 (so is a cursor with an `offset`);
- an `If-Match` that does not name the current ETag is a 412.
For the last two alone, `positive_data_acceptance` is told to expect that one
more status on the operations concerned (`CONFIG`), and `only_stateful_rejections`
checks that each such answer is for that rule and nothing else. Two judgements of
schemathesis are corrected, narrowly: see `filter_failure`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs, urlsplit

import pytest
import schemathesis
from anyio.from_thread import start_blocking_portal
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import CheckContext, CheckFunction
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import AcceptedNegativeData, Failure
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.transport import Response
from schemathesis.hooks import HookContext
from schemathesis.python import asgi
from schemathesis.specs.openapi.utils import parameter_types, sent_text_is_valid
from sqlalchemy import func, select

from adapters.memory.store import MemoryDatabase
from adapters.sqlalchemy.engine import EngineOptions, SqlDatabase, open_database
from adapters.sqlalchemy.tables import idempotency_keys, metadata
from application.paging import MAX_OFFSET
from domain.text import trim
from entrypoints.app import create_app
from entrypoints.container import Container
from support.auth import bearer
from support.databases import add_test_accounts, add_test_accounts_in_memory
from support.owners import OWNER
from support.resources import COLLECTIONS, SAMPLES
from support.settings import isolated_settings

if TYPE_CHECKING:
    # Schemathesis names its OpenAPI case type for type checkers only.
    from schemathesis.specs.openapi.schemas import OpenApiCase

# What `positive_data_acceptance` expects of valid data by default (schemathesis'
# POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES); each rule below adds one status to it.
_ACCEPTED: Final = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]


def _also_expect(*statuses: int, method: str, paths: list[str]) -> dict[str, Any]:
    expected = [*_ACCEPTED, *map(str, statuses)]
    return {
        "include-method": method,
        "include-path": paths,
        "checks": {"positive_data_acceptance": {"expected-statuses": expected}},
    }


ITEMS: Final = [sample.item_path for sample in SAMPLES]
CONFIG: Final = SchemathesisConfig.from_dict(
    {
        "operations": [
            # A `cursor` is opaque and signed: a made-up one is a 422, and so is
            # a cursor together with `offset`.
            _also_expect(422, method="GET", paths=list(COLLECTIONS)),
            # An `If-Match` that does not name the current ETag is a 412.
            _also_expect(412, method="PATCH", paths=ITEMS),
            _also_expect(412, method="DELETE", paths=ITEMS),
            # An email is checked after trimming, and a password for NUL: rules a
            # schema cannot state, so a schema-valid sign-up may still be a 422; and an
            # email may be taken already (409).
            _also_expect(409, 422, method="POST", paths=["/users"]),
        ]
    }
)


def only_stateful_rejections(app: FastAPI) -> CheckFunction:
    """A check: the statuses that `CONFIG` adds are given for their rule and nothing else."""

    def only_stateful_rejections(ctx: CheckContext, response: Response, case: OpenApiCase) -> None:
        if response.status_code == 412:
            sent = response.request.headers.get("If-Match")
            assert sent is not None, "412 to a request without If-Match"
            if_match = sent if isinstance(sent, str) else sent.decode("latin-1")
            # Nothing changed, so the resource is still as it was when refused.
            with asgi.get_client(app) as client:  # type: ignore[arg-type]  # schemathesis types ASGI messages as dict, Starlette as MutableMapping
                auth = {"Authorization": response.request.headers["Authorization"]}
                current = client.get(response.request.path_url, headers=auth)
            assert current.status_code == 200, f"412, yet GET answers {current.status_code}"
            etag = current.headers["ETag"]
            named = {tag.strip() for tag in if_match.split(",")}
            assert if_match.strip() != "*", "412 to If-Match: * on an existing resource"
            assert etag not in named, f"412, yet If-Match {if_match!r} names the ETag {etag}"
        elif response.status_code == 422 and case.meta and case.meta.generation.mode.is_positive:
            problem = json.loads(response.content)
            fields = {error["field"] for error in problem.get("errors", [])}
            query = case.query or {}
            if response.request.path_url == "/users":
                assert fields <= {"email", "password"}, f"valid data refused: {problem}"
                return
            if fields == {"offset"} and int(query["offset"]) > MAX_OFFSET:
                # Documented in the description, not as a `maximum` (2^63-1 reads as
                # 9223372036854776000 in JavaScript, and so in Swagger UI).
                return
            assert "cursor" in query, f"valid data refused: {problem}"
            assert fields <= {"cursor", "offset"}, f"valid data refused: {problem}"

    return only_stateful_rejections


def _has_header(case: OpenApiCase, name: str) -> bool:
    return any(given.lower() == name.lower() for given in case.headers or {})


def build_app(database_url: str) -> FastAPI:
    container = Container()
    container.settings.override(isolated_settings(database_url=database_url))
    if container.backend() == "memory":
        add_test_accounts_in_memory(container.database())
    return create_app(container)


# The schema is the same whatever the database: it is read once, from an app
# over memory, and each test sends its requests to the app of its backend.
schema = schemathesis.openapi.from_asgi("/openapi.json", build_app("memory://"), config=CONFIG)


@schema.hook
def filter_failure(
    context: HookContext, failure: Failure, case: OpenApiCase, response: Response
) -> bool:
    """Drop "invalid data accepted" only where the query, as sent, was valid data.

    A list in the query goes out as the parameter repeated (`?tag=a&tag=b`), and so
    does any other value given for it: `tag: false` goes out as `?tag=false`, the
    valid list `["false"]`. Schemathesis judges array parameters by the value it
    generated, not by the text it sent; this judges every query parameter by that text.
    """
    meta = case.meta
    if not isinstance(failure, AcceptedNegativeData) or meta is None:
        return True
    if _valid_once_the_title_is_trimmed(case):
        return False
    if any(
        location is not ParameterLocation.QUERY and component.mode.is_negative
        for location, component in meta.components.items()
    ):
        return True
    url = response.request.url
    assert url is not None, "a request that was sent has a URL"
    sent = parse_qs(urlsplit(url).query, keep_blank_values=True)
    for name in case.query or {}:
        parameter = case.operation.query.get(name)
        if parameter is None or name not in sent:
            continue  # unknown parameters are ignored, by the API too; empty lists are not sent
        is_valid = parameter.get_validator().is_valid
        types = parameter_types(parameter.validation_schema)
        texts = sent[name]
        if "array" in types:
            if not is_valid(texts):
                return True
        elif not sent_text_is_valid(texts[-1], is_valid, types):
            return True
    return False


def _valid_once_the_title_is_trimmed(case: OpenApiCase) -> bool:
    """Whether the body is valid data as the API reads it: its title trimmed first.

    A title's `minLength`/`maxLength` apply once surrounding white space is trimmed
    (API.md; the schema's description says so, as JSON Schema cannot): a drawn title
    of 201 characters, one of them a leading space, is too long for the schema but
    a valid title of 200 for the API.
    """
    components = case.meta.components if case.meta else {}
    body = components.get(ParameterLocation.BODY)
    if body is None or not body.mode.is_negative:
        return False
    if any(
        component.mode.is_negative
        for location, component in components.items()
        if location is not ParameterLocation.BODY
    ):
        return False
    title = case.body.get("title") if isinstance(case.body, dict) else None
    if not isinstance(title, str) or not isinstance(case.body, dict):
        return False
    trimmed = {**case.body, "title": trim(title)}
    return any(
        definition.media_type == case.media_type and definition.get_validator().is_valid(trimmed)
        for definition in case.operation.body
    )


@dataclass(frozen=True)
class Backend:
    app: FastAPI
    reset: Callable[[], None]
    """Empties the app's database, ids included."""
    forget_idempotency_keys: Callable[[], None]

    def prepare(self, case: OpenApiCase) -> None:
        if case.method == "POST" and _has_header(case, "Idempotency-Key"):
            self.forget_idempotency_keys()
        # Every call is made as the tests' account; what a missing or bad token
        # does is tested on its own.
        case.headers.update(bearer(self.app.state.container, OWNER))


async def _empty(database: SqlDatabase) -> None:
    """Delete every row and restart every id sequence, in one transaction.

    Cheaper than `TRUNCATE`, which makes new files for every table and index:
    it runs before each stateful scenario.
    """
    async with database.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            await connection.execute(table.delete())
            for column in table.primary_key.columns:
                if column.identity is not None:
                    sequence = func.pg_get_serial_sequence(table.name, column.name)
                    await connection.execute(select(func.setval(sequence, 1, False)))
        await add_test_accounts(connection)


async def _forget_idempotency_keys(database: SqlDatabase) -> None:
    async with database.begin() as connection:
        await connection.execute(idempotency_keys.delete())


@pytest.fixture(scope="module", params=["postgresql", "memory"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "memory":
        app = build_app("memory://")
        memory: MemoryDatabase = app.state.container.database()

        def reset() -> None:
            fresh = MemoryDatabase()
            for field in dataclasses.fields(fresh):
                setattr(memory, field.name, getattr(fresh, field.name))
            add_test_accounts_in_memory(memory)

        def forget_idempotency_keys() -> None:
            memory.idempotency.clear()

        yield Backend(app, reset, forget_idempotency_keys)
        return

    url: str = request.getfixturevalue("postgres_url")
    # The app runs on schemathesis' event loop; the store is emptied from a loop of its own.
    with start_blocking_portal() as portal:
        database = open_database(url, EngineOptions(pool_size=1))
        portal.call(_empty, database)
        yield Backend(
            build_app(url),
            lambda: portal.call(_empty, database),
            lambda: portal.call(_forget_idempotency_keys, database),
        )
        portal.call(database.close)


# How long generating data takes depends on the machine: that is no reason to fail.
SLOW_MACHINES_WELCOME: Final = [HealthCheck.too_slow]


@schema.parametrize()
@settings(max_examples=50, deadline=None, suppress_health_check=SLOW_MACHINES_WELCOME)
def test_every_operation(case: OpenApiCase, backend: Backend) -> None:
    backend.prepare(case)
    case.call_and_validate(
        app=backend.app, additional_checks=[only_stateful_rejections(backend.app)]
    )


def test_sequences_of_operations(backend: Backend) -> None:
    """Chains of calls along the schema's links, its own (a response's id and `ETag`
    to the conditional GET, PATCH and DELETE) and those schemathesis infers, each
    response checked as above."""

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]  # schemathesis makes this base class at run time
        def setup(self) -> None:
            # Each scenario starts from an empty database, so that it behaves
            # the same when Hypothesis replays it.
            backend.reset()

        def before_call(self, case: OpenApiCase) -> None:
            backend.prepare(case)

        def get_call_kwargs(self, case: OpenApiCase) -> dict[str, Any]:
            return {"app": backend.app}

        def validate_response(
            self,
            response: Response,
            case: OpenApiCase,
            additional_checks: list[Any] | None = None,
            **kwargs: Any,
        ) -> None:
            checks = [*(additional_checks or []), only_stateful_rejections(backend.app)]
            super().validate_response(response, case, additional_checks=checks, **kwargs)

    Workflow.run(
        settings=settings(
            max_examples=50,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=SLOW_MACHINES_WELCOME,
        )
    )
