"""Use cases of tasks: the shared flow of `Resources`, plus how a task is created and changed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from application import snapshots
from application.idempotency import Created, IdempotencyRequest
from application.preconditions import Precondition
from application.resources import ResourceKind, Resources
from domain.task import NewTask, Task, TaskChanges, TaskFilters

TASKS: Final[ResourceKind[Task, NewTask, TaskFilters]] = ResourceKind(
    name="Task",
    codec=snapshots.codec(Task),
    stored_as=NewTask.stored_as,
    matches=TaskFilters.matches,
)


class TaskService(Resources[Task, NewTask, TaskFilters]):
    kind = TASKS

    async def create(
        self,
        owner: int,
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
        return await self._create(owner, new, idempotency)

    async def update(
        self,
        owner: int,
        task_id: int,
        changes: TaskChanges,
        precondition: Precondition | None = None,
    ) -> Task:
        return await self._update(
            owner, task_id, lambda task, now: task.changed(changes, now), precondition
        )
