from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.task_out import TaskOut
from ...models.task_patch import TaskPatch
from ...models.validation_problem import ValidationProblem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    task_id: int,
    *,
    body: TaskPatch,
    if_match: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    if not isinstance(x_request_id, Unset):
        headers["X-Request-ID"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/tasks/{task_id}".format(
            task_id=quote(str(task_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/merge-patch+json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | TaskOut | ValidationProblem | None:
    if response.status_code == 200:
        response_200 = TaskOut.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 405:
        response_405 = Problem.from_dict(response.json())

        return response_405

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 412:
        response_412 = Problem.from_dict(response.json())

        return response_412

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

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
) -> Response[Problem | TaskOut | ValidationProblem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    task_id: int,
    *,
    client: AuthenticatedClient,
    body: TaskPatch,
    if_match: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | TaskOut | ValidationProblem]:
    """Change some fields of a task

    Args:
        task_id (int):
        if_match (str | Unset): Only if the resource still has one of these ETags (or any, for
            `*`); 412 otherwise.
        x_request_id (str | Unset):
        body (TaskPatch): Fields left out are unchanged; `description: null` clears it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TaskOut | ValidationProblem]
    """

    kwargs = _get_kwargs(
        task_id=task_id,
        body=body,
        if_match=if_match,
        x_request_id=x_request_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    task_id: int,
    *,
    client: AuthenticatedClient,
    body: TaskPatch,
    if_match: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Problem | TaskOut | ValidationProblem | None:
    """Change some fields of a task

    Args:
        task_id (int):
        if_match (str | Unset): Only if the resource still has one of these ETags (or any, for
            `*`); 412 otherwise.
        x_request_id (str | Unset):
        body (TaskPatch): Fields left out are unchanged; `description: null` clears it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TaskOut | ValidationProblem
    """

    return sync_detailed(
        task_id=task_id,
        client=client,
        body=body,
        if_match=if_match,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    task_id: int,
    *,
    client: AuthenticatedClient,
    body: TaskPatch,
    if_match: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | TaskOut | ValidationProblem]:
    """Change some fields of a task

    Args:
        task_id (int):
        if_match (str | Unset): Only if the resource still has one of these ETags (or any, for
            `*`); 412 otherwise.
        x_request_id (str | Unset):
        body (TaskPatch): Fields left out are unchanged; `description: null` clears it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TaskOut | ValidationProblem]
    """

    kwargs = _get_kwargs(
        task_id=task_id,
        body=body,
        if_match=if_match,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    task_id: int,
    *,
    client: AuthenticatedClient,
    body: TaskPatch,
    if_match: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Problem | TaskOut | ValidationProblem | None:
    """Change some fields of a task

    Args:
        task_id (int):
        if_match (str | Unset): Only if the resource still has one of these ETags (or any, for
            `*`); 412 otherwise.
        x_request_id (str | Unset):
        body (TaskPatch): Fields left out are unchanged; `description: null` clears it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TaskOut | ValidationProblem
    """

    return (
        await asyncio_detailed(
            task_id=task_id,
            client=client,
            body=body,
            if_match=if_match,
            x_request_id=x_request_id,
        )
    ).parsed
