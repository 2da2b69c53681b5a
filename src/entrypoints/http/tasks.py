"""The /tasks endpoints."""

from __future__ import annotations

from typing import Annotated, Any, TypeAlias

from fastapi import APIRouter, Depends, Query, Request, Response

from application.tasks import TaskService
from domain.tags import MAX_TAGS
from domain.task import TaskChanges, TaskFilters
from entrypoints.http import etags
from entrypoints.http.auth import CurrentAccount
from entrypoints.http.dependencies import (
    Flag,
    Id,
    IdempotencyKey,
    IfMatch,
    IfNoneMatch,
    Paging,
    flag,
    idempotency,
    require_json,
    require_merge_patch,
    service,
)
from entrypoints.http.documentation import ResourceResponses, merge_patch
from entrypoints.http.links import add_next_link
from entrypoints.http.schemas import (
    SearchTerm,
    TagInput,
    TaskCreate,
    TaskOut,
    TaskPage,
    TaskPatch,
    given,
)

Tasks: TypeAlias = Annotated[TaskService, Depends(service(TaskService))]
router = APIRouter(prefix="/tasks", tags=["tasks"])
responses = ResourceResponses.of("task", "/tasks/{task_id}", "task_id")
_JSON_BODY = [Depends(require_json)]
_MERGE_PATCH = [Depends(require_merge_patch)]


@router.post(
    "",
    status_code=201,
    summary="Create a task",
    dependencies=_JSON_BODY,
    responses=responses.created,
)
@router.post("/", status_code=201, include_in_schema=False, dependencies=_JSON_BODY)
async def create_task(
    account: CurrentAccount,
    payload: TaskCreate,
    tasks: Tasks,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> TaskOut:
    created = await tasks.create(
        account,
        title=payload.title,
        description=payload.description,
        done=payload.done,
        tags=payload.tags,
        idempotency=idempotency(idempotency_key, payload),
    )
    task = created.resource
    etags.send_created(response, f"/tasks/{task.id}", task.version, replayed=created.replayed)
    return TaskOut.of(task)


@router.get("", summary="List tasks", responses=responses.listed)
@router.get("/", include_in_schema=False)
async def list_tasks(
    account: CurrentAccount,
    request: Request,
    response: Response,
    tasks: Tasks,
    paging: Paging,
    q: Annotated[
        SearchTerm | None, Query(description="Case-insensitive substring of the title.")
    ] = None,
    done: Annotated[Flag | None, Query()] = None,
    tag: Annotated[
        list[TagInput] | None, Query(max_length=MAX_TAGS, description="Has every tag named.")
    ] = None,
) -> TaskPage:
    filters = TaskFilters.of(q=q, done=flag(done), tags=tag or ())
    page = await tasks.list(account, filters, paging)
    add_next_link(request, response, page)
    return TaskPage.of(page, [TaskOut.of(task) for task in page.items])


@router.get("/{task_id}", summary="Get a task", response_model=TaskOut, responses=responses.fetched)
async def get_task(
    account: CurrentAccount,
    task_id: Id,
    tasks: Tasks,
    response: Response,
    if_none_match: IfNoneMatch = None,
) -> Any:
    task = await tasks.get(account, task_id)
    if unchanged := etags.not_modified(if_none_match, task.version):
        return unchanged
    etags.send_current(response, task.version)
    return TaskOut.of(task)


@router.patch(
    "/{task_id}",
    summary="Change some fields of a task",
    dependencies=_MERGE_PATCH,
    responses=responses.changed,
    openapi_extra=merge_patch("TaskPatch"),
)
async def update_task(
    account: CurrentAccount,
    task_id: Id,
    payload: TaskPatch,
    tasks: Tasks,
    response: Response,
    if_match: IfMatch = None,
) -> TaskOut:
    changes = TaskChanges(
        title=given(payload.title),
        description=given(payload.description),
        done=given(payload.done),
        tags=given(payload.tags),
    )
    task = await tasks.update(account, task_id, changes, etags.if_match(if_match))
    etags.send_current(response, task.version)
    return TaskOut.of(task)


@router.delete(
    "/{task_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a task",
    responses=responses.deleted,
)
async def delete_task(
    account: CurrentAccount, task_id: Id, tasks: Tasks, if_match: IfMatch = None
) -> None:
    await tasks.delete(account, task_id, etags.if_match(if_match))
