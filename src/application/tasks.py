"""Use cases of tasks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from application.filters import TaskFilters
from application.idempotency import IdempotencyRequest
from application.ports import Repository, UnitOfWork
from application.resources import Created, ResourceService
from application.snapshots import dump_task, load_task
from domain.tags import normalize_tags
from domain.task import NewTask, Task, TaskChanges
from domain.text import normalize_search
from domain.validation import Validation


class TaskService(ResourceService[Task, NewTask, TaskChanges, TaskFilters]):
    name: ClassVar[str] = "Task"

    async def create(
        self,
        *,
        title: str,
        description: str | None = None,
        done: bool = False,
        tags: Sequence[str] = (),
        idempotency: IdempotencyRequest | None = None,
    ) -> Created[Task]:
        new = NewTask.create(
            title=title, description=description, done=done, tags=tags, now=self._clock.now()
        )
        return await self._create(new, idempotency)

    @staticmethod
    def filters(
        *, q: str | None = None, done: bool | None = None, tags: Sequence[str] = ()
    ) -> TaskFilters:
        """Validate list filters as the client gave them; `InvalidInput` names each bad one."""
        check = Validation()
        search = None if q is None else check.check("q", normalize_search, q)
        tag_set = check.check("tag", normalize_tags, tags)
        check.raise_if_invalid()
        return TaskFilters(search=search, done=done, tags=tag_set)

    def _repository(self, uow: UnitOfWork) -> Repository[Task, NewTask, TaskFilters]:
        return uow.tasks

    def _dump(self, resource: Task) -> str:
        return dump_task(resource)

    def _load(self, snapshot: str) -> Task:
        return load_task(snapshot)
