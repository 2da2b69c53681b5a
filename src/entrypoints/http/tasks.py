"""The /tasks endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from domain.task import Task, TaskChanges
from entrypoints.http import conditional
from entrypoints.http.conditional import etag
from entrypoints.http.dependencies import (
    Flag,
    Id,
    IdempotencyKey,
    IfMatch,
    IfNoneMatch,
    Paging,
    Tasks,
    flag,
    idempotency,
    require_json,
)
from entrypoints.http.documentation import WITH_BODY, etag_links, problems
from entrypoints.http.paging import add_next_link
from entrypoints.http.schemas import (
    SearchTerm,
    TagInput,
    TaskCreate,
    TaskOut,
    TaskPage,
    TaskPatch,
    given,
)

router = APIRouter(prefix="/tasks", tags=["tasks"])

_ETAG = {
    "ETag": {
        "description": "The task's version as a strong ETag.",
        "required": True,
        "schema": {"type": "string"},
    }
}
_LINKS = etag_links("/tasks/{task_id}", "task_id")


def task_out(task: Task) -> TaskOut:
    return TaskOut(
        id=task.id,
        title=task.title,
        description=task.description,
        done=task.done,
        tags=list(task.tags),
        created_at=task.created_at,
        updated_at=task.updated_at,
        version=task.version,
    )


@router.post(
    "",
    status_code=201,
    summary="Create a task",
    dependencies=[Depends(require_json)],
    responses={
        201: {
            "headers": {"Location": {"required": True, "schema": {"type": "string"}}, **_ETAG},
            "links": _LINKS,
        },
        **problems(409, *WITH_BODY),
    },
)
@router.post("/", status_code=201, include_in_schema=False, dependencies=[Depends(require_json)])
async def create_task(
    payload: TaskCreate, tasks: Tasks, response: Response, idempotency_key: IdempotencyKey = None
) -> TaskOut:
    created = await tasks.create(
        title=payload.title,
        description=payload.description,
        done=payload.done,
        tags=payload.tags,
        idempotency=idempotency(idempotency_key, payload),
    )
    task = created.resource
    response.headers["Location"] = f"/tasks/{task.id}"
    response.headers["ETag"] = etag(task.version)
    if created.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return task_out(task)


@router.get(
    "",
    summary="List tasks",
    responses={
        200: {"headers": {"Link": {"description": 'rel="next"', "schema": {"type": "string"}}}},
        **problems(422),
    },
)
@router.get("/", include_in_schema=False)
async def list_tasks(
    request: Request,
    response: Response,
    tasks: Tasks,
    paging: Paging,
    q: Annotated[
        SearchTerm | None, Query(description="Case-insensitive substring of the title.")
    ] = None,
    done: Annotated[Flag | None, Query()] = None,
    tag: Annotated[
        list[TagInput] | None, Query(max_length=20, description="Has every tag named.")
    ] = None,
) -> TaskPage:
    filters = tasks.filters(q=q, done=flag(done), tags=tag or ())
    page = await tasks.list(filters, paging)
    add_next_link(request, response, page)
    return TaskPage(
        items=[task_out(task) for task in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        next_cursor=page.next_cursor,
    )


@router.get(
    "/{task_id}",
    summary="Get a task",
    response_model=TaskOut,
    responses={
        200: {"headers": _ETAG, "links": _LINKS},
        304: {"description": "Not modified: `If-None-Match` matched.", "headers": _ETAG},
        **problems(404, 422),
    },
)
async def get_task(
    task_id: Id, tasks: Tasks, response: Response, if_none_match: IfNoneMatch = None
) -> Any:
    task = await tasks.get(task_id)
    tag = etag(task.version)
    if conditional.none_match(if_none_match, task.version):
        return Response(status_code=304, headers={"ETag": tag})
    response.headers["ETag"] = tag
    return task_out(task)


@router.patch(
    "/{task_id}",
    summary="Change some fields of a task",
    dependencies=[Depends(require_json)],
    responses={200: {"headers": _ETAG, "links": _LINKS}, **problems(404, 409, 412, *WITH_BODY)},
)
async def update_task(
    task_id: Id, payload: TaskPatch, tasks: Tasks, response: Response, if_match: IfMatch = None
) -> TaskOut:
    changes = TaskChanges(
        title=given(payload.title),
        description=given(payload.description),
        done=given(payload.done),
        tags=given(payload.tags),
    )
    task = await tasks.update(task_id, changes, conditional.if_match(if_match))
    response.headers["ETag"] = etag(task.version)
    return task_out(task)


@router.delete(
    "/{task_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a task",
    responses=problems(404, 409, 412, 422),
)
async def delete_task(task_id: Id, tasks: Tasks, if_match: IfMatch = None) -> None:
    await tasks.delete(task_id, conditional.if_match(if_match))
