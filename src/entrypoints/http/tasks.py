"""The /tasks endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response

from application.tasks import TaskService
from domain.tags import MAX_TAGS
from domain.task import TaskChanges, TaskFilters
from entrypoints.http import etags
from entrypoints.http.auth import CurrentAccount
from entrypoints.http.collection import Collection
from entrypoints.http.dependencies import (
    Flag,
    Id,
    IdempotencyKey,
    IfMatch,
    IfNoneMatch,
    Paging,
    flag,
    idempotency,
    resources,
)
from entrypoints.http.schemas import (
    SearchTerm,
    TagInput,
    TaskCreate,
    TaskOut,
    TaskPage,
    TaskPatch,
    given,
)

routes = Collection("tasks", "task", TaskOut, TaskPatch, TaskPage)
router = routes.router


@routes.create
async def create_task(
    account: CurrentAccount,
    payload: TaskCreate,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> TaskOut:
    tasks = resources(request, TaskService)
    created = await tasks.create(
        account,
        title=payload.title,
        description=payload.description,
        done=payload.done,
        tags=payload.tags,
        idempotency=idempotency(idempotency_key, payload),
    )
    return routes.created(response, created)


@routes.list
async def list_tasks(
    account: CurrentAccount,
    request: Request,
    response: Response,
    paging: Paging,
    q: Annotated[
        SearchTerm | None, Query(description="Case-insensitive substring of the title.")
    ] = None,
    done: Annotated[Flag | None, Query()] = None,
    tag: Annotated[
        list[TagInput] | None, Query(max_length=MAX_TAGS, description="Has every tag named.")
    ] = None,
) -> TaskPage:
    tasks = resources(request, TaskService)
    filters = TaskFilters.of(q=q, done=flag(done), tags=tag or ())
    return routes.page(request, response, await tasks.list(account, filters, paging))


@routes.get
async def get_task(
    account: CurrentAccount,
    task_id: Id,
    request: Request,
    response: Response,
    if_none_match: IfNoneMatch = None,
) -> Any:
    tasks = resources(request, TaskService)
    return routes.fetched(response, if_none_match, await tasks.get(account, task_id))


@routes.update
async def update_task(
    account: CurrentAccount,
    task_id: Id,
    payload: TaskPatch,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> TaskOut:
    tasks = resources(request, TaskService)
    changes = TaskChanges(
        title=given(payload.title),
        description=given(payload.description),
        done=given(payload.done),
        tags=given(payload.tags),
    )
    task = await tasks.update(account, task_id, changes, etags.if_match(if_match))
    return routes.current(response, task)


@routes.delete
async def delete_task(
    account: CurrentAccount, task_id: Id, request: Request, if_match: IfMatch = None
) -> None:
    tasks = resources(request, TaskService)
    await tasks.delete(account, task_id, etags.if_match(if_match))
