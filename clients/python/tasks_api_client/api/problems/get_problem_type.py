from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.problem_type import ProblemType
from ...models.validation_problem import ValidationProblem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    name: str,
    *,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-ID"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/problems/{name}".format(
            name=quote(str(name), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | ProblemType | ValidationProblem | None:
    if response.status_code == 200:
        response_200 = ProblemType.from_dict(response.json())

        return response_200

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 405:
        response_405 = Problem.from_dict(response.json())

        return response_405

    if response.status_code == 422:
        response_422 = ValidationProblem.from_dict(response.json())

        return response_422

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | ProblemType | ValidationProblem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    name: str,
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | ProblemType | ValidationProblem]:
    """What a problem type means

     The `type` of every problem body resolves here. HTML for a browser (`Accept: text/html`), JSON
    otherwise. Names: `malformed-json`, `unauthorized`, `not-found`, `method-not-allowed`, `idempotency-
    key-in-use`, `conflict`, `precondition-failed`, `content-too-large`, `unsupported-media-type`,
    `invalid-input`, `idempotency-key-reused`, `email-taken`, `invalid-grant`, `unsupported-grant-type`,
    `too-many-requests`, `request-timeout`, `request-header-fields-too-large`, `internal-server-error`,
    `service-unavailable`, `overloaded`.

    Args:
        name (str):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ProblemType | ValidationProblem]
    """

    kwargs = _get_kwargs(
        name=name,
        x_request_id=x_request_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    name: str,
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Problem | ProblemType | ValidationProblem | None:
    """What a problem type means

     The `type` of every problem body resolves here. HTML for a browser (`Accept: text/html`), JSON
    otherwise. Names: `malformed-json`, `unauthorized`, `not-found`, `method-not-allowed`, `idempotency-
    key-in-use`, `conflict`, `precondition-failed`, `content-too-large`, `unsupported-media-type`,
    `invalid-input`, `idempotency-key-reused`, `email-taken`, `invalid-grant`, `unsupported-grant-type`,
    `too-many-requests`, `request-timeout`, `request-header-fields-too-large`, `internal-server-error`,
    `service-unavailable`, `overloaded`.

    Args:
        name (str):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ProblemType | ValidationProblem
    """

    return sync_detailed(
        name=name,
        client=client,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    name: str,
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | ProblemType | ValidationProblem]:
    """What a problem type means

     The `type` of every problem body resolves here. HTML for a browser (`Accept: text/html`), JSON
    otherwise. Names: `malformed-json`, `unauthorized`, `not-found`, `method-not-allowed`, `idempotency-
    key-in-use`, `conflict`, `precondition-failed`, `content-too-large`, `unsupported-media-type`,
    `invalid-input`, `idempotency-key-reused`, `email-taken`, `invalid-grant`, `unsupported-grant-type`,
    `too-many-requests`, `request-timeout`, `request-header-fields-too-large`, `internal-server-error`,
    `service-unavailable`, `overloaded`.

    Args:
        name (str):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ProblemType | ValidationProblem]
    """

    kwargs = _get_kwargs(
        name=name,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    name: str,
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Problem | ProblemType | ValidationProblem | None:
    """What a problem type means

     The `type` of every problem body resolves here. HTML for a browser (`Accept: text/html`), JSON
    otherwise. Names: `malformed-json`, `unauthorized`, `not-found`, `method-not-allowed`, `idempotency-
    key-in-use`, `conflict`, `precondition-failed`, `content-too-large`, `unsupported-media-type`,
    `invalid-input`, `idempotency-key-reused`, `email-taken`, `invalid-grant`, `unsupported-grant-type`,
    `too-many-requests`, `request-timeout`, `request-header-fields-too-large`, `internal-server-error`,
    `service-unavailable`, `overloaded`.

    Args:
        name (str):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ProblemType | ValidationProblem
    """

    return (
        await asyncio_detailed(
            name=name,
            client=client,
            x_request_id=x_request_id,
        )
    ).parsed
