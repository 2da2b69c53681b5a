"""The /notes endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from domain.note import Note, NoteChanges
from entrypoints.http import conditional
from entrypoints.http.conditional import etag
from entrypoints.http.dependencies import (
    Id,
    IdempotencyKey,
    IfMatch,
    IfNoneMatch,
    Notes,
    Paging,
    idempotency,
    require_json,
)
from entrypoints.http.documentation import WITH_BODY, etag_links, problems
from entrypoints.http.paging import add_next_link
from entrypoints.http.schemas import NoteCreate, NoteOut, NotePage, NotePatch, SearchTerm, given

router = APIRouter(prefix="/notes", tags=["notes"])

_ETAG = {
    "ETag": {
        "description": "The note's version as a strong ETag.",
        "required": True,
        "schema": {"type": "string"},
    }
}
_LINKS = etag_links("/notes/{note_id}", "note_id")


def note_out(note: Note) -> NoteOut:
    return NoteOut(
        id=note.id,
        title=note.title,
        body=note.body,
        created_at=note.created_at,
        updated_at=note.updated_at,
        version=note.version,
    )


@router.post(
    "",
    status_code=201,
    summary="Create a note",
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
async def create_note(
    payload: NoteCreate, notes: Notes, response: Response, idempotency_key: IdempotencyKey = None
) -> NoteOut:
    created = await notes.create(
        title=payload.title, body=payload.body, idempotency=idempotency(idempotency_key, payload)
    )
    note = created.resource
    response.headers["Location"] = f"/notes/{note.id}"
    response.headers["ETag"] = etag(note.version)
    if created.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return note_out(note)


@router.get(
    "",
    summary="List notes",
    responses={
        200: {"headers": {"Link": {"description": 'rel="next"', "schema": {"type": "string"}}}},
        **problems(422),
    },
)
@router.get("/", include_in_schema=False)
async def list_notes(
    request: Request,
    response: Response,
    notes: Notes,
    paging: Paging,
    q: Annotated[
        SearchTerm | None, Query(description="Case-insensitive substring of the title or body.")
    ] = None,
) -> NotePage:
    page = await notes.list(notes.filters(q=q), paging)
    add_next_link(request, response, page)
    return NotePage(
        items=[note_out(note) for note in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        next_cursor=page.next_cursor,
    )


@router.get(
    "/{note_id}",
    summary="Get a note",
    response_model=NoteOut,
    responses={
        200: {"headers": _ETAG, "links": _LINKS},
        304: {"description": "Not modified: `If-None-Match` matched.", "headers": _ETAG},
        **problems(404, 422),
    },
)
async def get_note(
    note_id: Id, notes: Notes, response: Response, if_none_match: IfNoneMatch = None
) -> Any:
    note = await notes.get(note_id)
    tag = etag(note.version)
    if conditional.none_match(if_none_match, note.version):
        return Response(status_code=304, headers={"ETag": tag})
    response.headers["ETag"] = tag
    return note_out(note)


@router.patch(
    "/{note_id}",
    summary="Change some fields of a note",
    dependencies=[Depends(require_json)],
    responses={200: {"headers": _ETAG, "links": _LINKS}, **problems(404, 409, 412, *WITH_BODY)},
)
async def update_note(
    note_id: Id, payload: NotePatch, notes: Notes, response: Response, if_match: IfMatch = None
) -> NoteOut:
    changes = NoteChanges(title=given(payload.title), body=given(payload.body))
    note = await notes.update(note_id, changes, conditional.if_match(if_match))
    response.headers["ETag"] = etag(note.version)
    return note_out(note)


@router.delete(
    "/{note_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a note",
    responses=problems(404, 409, 412, 422),
)
async def delete_note(note_id: Id, notes: Notes, if_match: IfMatch = None) -> None:
    await notes.delete(note_id, conditional.if_match(if_match))
