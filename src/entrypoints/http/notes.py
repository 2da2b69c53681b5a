"""The /notes endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response

from application.notes import NoteService
from domain.note import NoteChanges, NoteFilters
from entrypoints.http import etags
from entrypoints.http.auth import CurrentAccount
from entrypoints.http.collection import Collection
from entrypoints.http.dependencies import (
    Id,
    IdempotencyKey,
    IfMatch,
    IfNoneMatch,
    Paging,
    idempotency,
    resources,
)
from entrypoints.http.schemas import NoteCreate, NoteOut, NotePage, NotePatch, SearchTerm, given

routes = Collection("notes", "note", NoteOut, NotePatch, NotePage)
router = routes.router


@routes.create
async def create_note(
    account: CurrentAccount,
    payload: NoteCreate,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> NoteOut:
    notes = resources(request, NoteService)
    created = await notes.create(
        account,
        title=payload.title,
        body=payload.body,
        idempotency=idempotency(idempotency_key, payload),
    )
    return routes.created(response, created)


@routes.list
async def list_notes(
    account: CurrentAccount,
    request: Request,
    response: Response,
    paging: Paging,
    q: Annotated[
        SearchTerm | None, Query(description="Case-insensitive substring of the title or body.")
    ] = None,
) -> NotePage:
    notes = resources(request, NoteService)
    page = await notes.list(account, NoteFilters.of(q=q), paging)
    return routes.page(request, response, page)


@routes.get
async def get_note(
    account: CurrentAccount,
    note_id: Id,
    request: Request,
    response: Response,
    if_none_match: IfNoneMatch = None,
) -> Any:
    notes = resources(request, NoteService)
    return routes.fetched(response, if_none_match, await notes.get(account, note_id))


@routes.update
async def update_note(
    account: CurrentAccount,
    note_id: Id,
    payload: NotePatch,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> NoteOut:
    notes = resources(request, NoteService)
    changes = NoteChanges(title=given(payload.title), body=given(payload.body))
    note = await notes.update(account, note_id, changes, etags.if_match(if_match))
    return routes.current(response, note)


@routes.delete
async def delete_note(
    account: CurrentAccount, note_id: Id, request: Request, if_match: IfMatch = None
) -> None:
    notes = resources(request, NoteService)
    await notes.delete(account, note_id, etags.if_match(if_match))
