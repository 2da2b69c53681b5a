"""The /notes endpoints."""

from __future__ import annotations

from typing import Annotated, Any, TypeAlias

from fastapi import APIRouter, Depends, Query, Request, Response

from application.notes import NoteService
from domain.note import NoteChanges, NoteFilters
from entrypoints.http import etags
from entrypoints.http.auth import CurrentAccount
from entrypoints.http.dependencies import (
    Id,
    IdempotencyKey,
    IfMatch,
    IfNoneMatch,
    Paging,
    idempotency,
    require_json,
    require_merge_patch,
    service,
)
from entrypoints.http.documentation import ResourceResponses, merge_patch
from entrypoints.http.links import add_next_link
from entrypoints.http.schemas import NoteCreate, NoteOut, NotePage, NotePatch, SearchTerm, given

Notes: TypeAlias = Annotated[NoteService, Depends(service(NoteService))]
router = APIRouter(prefix="/notes", tags=["notes"])
responses = ResourceResponses.of("note", "/notes/{note_id}", "note_id")
_JSON_BODY = [Depends(require_json)]
_MERGE_PATCH = [Depends(require_merge_patch)]


@router.post(
    "",
    status_code=201,
    summary="Create a note",
    dependencies=_JSON_BODY,
    responses=responses.created,
)
@router.post("/", status_code=201, include_in_schema=False, dependencies=_JSON_BODY)
async def create_note(
    account: CurrentAccount,
    payload: NoteCreate,
    notes: Notes,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> NoteOut:
    created = await notes.create(
        account,
        title=payload.title,
        body=payload.body,
        idempotency=idempotency(idempotency_key, payload),
    )
    note = created.resource
    etags.send_created(response, f"/notes/{note.id}", note.version, replayed=created.replayed)
    return NoteOut.of(note)


@router.get("", summary="List notes", responses=responses.listed)
@router.get("/", include_in_schema=False)
async def list_notes(
    account: CurrentAccount,
    request: Request,
    response: Response,
    notes: Notes,
    paging: Paging,
    q: Annotated[
        SearchTerm | None, Query(description="Case-insensitive substring of the title or body.")
    ] = None,
) -> NotePage:
    page = await notes.list(account, NoteFilters.of(q=q), paging)
    add_next_link(request, response, page)
    return NotePage.of(page, [NoteOut.of(note) for note in page.items])


@router.get("/{note_id}", summary="Get a note", response_model=NoteOut, responses=responses.fetched)
async def get_note(
    account: CurrentAccount,
    note_id: Id,
    notes: Notes,
    response: Response,
    if_none_match: IfNoneMatch = None,
) -> Any:
    note = await notes.get(account, note_id)
    if unchanged := etags.not_modified(if_none_match, note.version):
        return unchanged
    etags.send_current(response, note.version)
    return NoteOut.of(note)


@router.patch(
    "/{note_id}",
    summary="Change some fields of a note",
    dependencies=_MERGE_PATCH,
    responses=responses.changed,
    openapi_extra=merge_patch("NotePatch"),
)
async def update_note(
    account: CurrentAccount,
    note_id: Id,
    payload: NotePatch,
    notes: Notes,
    response: Response,
    if_match: IfMatch = None,
) -> NoteOut:
    changes = NoteChanges(title=given(payload.title), body=given(payload.body))
    note = await notes.update(account, note_id, changes, etags.if_match(if_match))
    etags.send_current(response, note.version)
    return NoteOut.of(note)


@router.delete(
    "/{note_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a note",
    responses=responses.deleted,
)
async def delete_note(
    account: CurrentAccount, note_id: Id, notes: Notes, if_match: IfMatch = None
) -> None:
    await notes.delete(account, note_id, etags.if_match(if_match))
