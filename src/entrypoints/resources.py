"""Every resource the service serves, registered here and nowhere else.

The rest is derived from this list: the SQL unit of work's repositories, the
app's routers, and the resources the tests run over. The memory store needs
nothing from it: the kind itself says how a new one is stored and which ones
a filter matches. How to add a resource: docs/architecture.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from fastapi import APIRouter

from adapters.sqlalchemy.notes import NoteStatements, SqlNoteRepository
from adapters.sqlalchemy.tasks import SqlTaskRepository, TaskStatements
from adapters.sqlalchemy.unit_of_work import SqlResource, SqlResources
from application.notes import NOTES
from application.resources import ResourceKind
from application.tasks import TASKS
from entrypoints.http import notes, tasks


@dataclass(frozen=True, slots=True)
class Resource:
    kind: ResourceKind[Any, Any, Any]
    sql: SqlResource[Any]
    router: APIRouter
    """Its endpoints; the collection's path is the router's prefix."""


RESOURCES: Final = (
    Resource(TASKS, SqlResource(SqlTaskRepository, TaskStatements), tasks.router),
    Resource(NOTES, SqlResource(SqlNoteRepository, NoteStatements), notes.router),
)

SQL_RESOURCES: Final[SqlResources] = {resource.kind.name: resource.sql for resource in RESOURCES}
