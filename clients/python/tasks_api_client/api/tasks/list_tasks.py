from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_tasks_sort import ListTasksSort
from ...models.problem import Problem
from ...models.task_page import TaskPage
from ...models.validation_problem import ValidationProblem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    q: str | Unset = UNSET,
    done: bool | Unset = UNSET,
    tag: list[str] | Unset = UNSET,
    limit: int | Unset = 20,
    offset: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    sort: ListTasksSort | Unset = UNSET,
    with_total: bool | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-ID"] = x_request_id

    params: dict[str, Any] = {}

    params["q"] = q

    params["done"] = done

    json_tag: list[str] | Unset = UNSET
    if not isinstance(tag, Unset):
        json_tag = tag

    params["tag"] = json_tag

    params["limit"] = limit

    params["offset"] = offset

    params["cursor"] = cursor

    json_sort: str | Unset = UNSET
    if not isinstance(sort, Unset):
        json_sort = sort.value

    params["sort"] = json_sort

    params["with_total"] = with_total

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/tasks",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | TaskPage | ValidationProblem | None:
    if response.status_code == 200:
        response_200 = TaskPage.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

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
) -> Response[Problem | TaskPage | ValidationProblem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    q: str | Unset = UNSET,
    done: bool | Unset = UNSET,
    tag: list[str] | Unset = UNSET,
    limit: int | Unset = 20,
    offset: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    sort: ListTasksSort | Unset = UNSET,
    with_total: bool | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | TaskPage | ValidationProblem]:
    """List tasks

    Args:
        q (str | Unset): Case-insensitive substring of the title.
        done (bool | Unset):
        tag (list[str] | Unset): Has every tag named.
        limit (int | Unset): Page size. Default: 20.
        offset (int | Unset): Rows to skip (offset mode); not with `cursor`.
        cursor (str | Unset): `next_cursor` of the previous page (cursor mode), with the same
            filters and sort.
        sort (ListTasksSort | Unset): Sort key, `-` for descending; ties broken by id. Default
            `-id`.
        with_total (bool | Unset): In cursor mode, also count the matches.
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TaskPage | ValidationProblem]
    """

    kwargs = _get_kwargs(
        q=q,
        done=done,
        tag=tag,
        limit=limit,
        offset=offset,
        cursor=cursor,
        sort=sort,
        with_total=with_total,
        x_request_id=x_request_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    q: str | Unset = UNSET,
    done: bool | Unset = UNSET,
    tag: list[str] | Unset = UNSET,
    limit: int | Unset = 20,
    offset: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    sort: ListTasksSort | Unset = UNSET,
    with_total: bool | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Problem | TaskPage | ValidationProblem | None:
    """List tasks

    Args:
        q (str | Unset): Case-insensitive substring of the title.
        done (bool | Unset):
        tag (list[str] | Unset): Has every tag named.
        limit (int | Unset): Page size. Default: 20.
        offset (int | Unset): Rows to skip (offset mode); not with `cursor`.
        cursor (str | Unset): `next_cursor` of the previous page (cursor mode), with the same
            filters and sort.
        sort (ListTasksSort | Unset): Sort key, `-` for descending; ties broken by id. Default
            `-id`.
        with_total (bool | Unset): In cursor mode, also count the matches.
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TaskPage | ValidationProblem
    """

    return sync_detailed(
        client=client,
        q=q,
        done=done,
        tag=tag,
        limit=limit,
        offset=offset,
        cursor=cursor,
        sort=sort,
        with_total=with_total,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    q: str | Unset = UNSET,
    done: bool | Unset = UNSET,
    tag: list[str] | Unset = UNSET,
    limit: int | Unset = 20,
    offset: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    sort: ListTasksSort | Unset = UNSET,
    with_total: bool | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | TaskPage | ValidationProblem]:
    """List tasks

    Args:
        q (str | Unset): Case-insensitive substring of the title.
        done (bool | Unset):
        tag (list[str] | Unset): Has every tag named.
        limit (int | Unset): Page size. Default: 20.
        offset (int | Unset): Rows to skip (offset mode); not with `cursor`.
        cursor (str | Unset): `next_cursor` of the previous page (cursor mode), with the same
            filters and sort.
        sort (ListTasksSort | Unset): Sort key, `-` for descending; ties broken by id. Default
            `-id`.
        with_total (bool | Unset): In cursor mode, also count the matches.
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TaskPage | ValidationProblem]
    """

    kwargs = _get_kwargs(
        q=q,
        done=done,
        tag=tag,
        limit=limit,
        offset=offset,
        cursor=cursor,
        sort=sort,
        with_total=with_total,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    q: str | Unset = UNSET,
    done: bool | Unset = UNSET,
    tag: list[str] | Unset = UNSET,
    limit: int | Unset = 20,
    offset: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    sort: ListTasksSort | Unset = UNSET,
    with_total: bool | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Problem | TaskPage | ValidationProblem | None:
    """List tasks

    Args:
        q (str | Unset): Case-insensitive substring of the title.
        done (bool | Unset):
        tag (list[str] | Unset): Has every tag named.
        limit (int | Unset): Page size. Default: 20.
        offset (int | Unset): Rows to skip (offset mode); not with `cursor`.
        cursor (str | Unset): `next_cursor` of the previous page (cursor mode), with the same
            filters and sort.
        sort (ListTasksSort | Unset): Sort key, `-` for descending; ties broken by id. Default
            `-id`.
        with_total (bool | Unset): In cursor mode, also count the matches.
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TaskPage | ValidationProblem
    """

    return (
        await asyncio_detailed(
            client=client,
            q=q,
            done=done,
            tag=tag,
            limit=limit,
            offset=offset,
            cursor=cursor,
            sort=sort,
            with_total=with_total,
            x_request_id=x_request_id,
        )
    ).parsed
