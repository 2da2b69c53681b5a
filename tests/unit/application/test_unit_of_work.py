"""The unit of work: nothing is kept without a commit; use cases commit exactly when they write."""

from datetime import timedelta

import pytest

from adapters.memory.store import MemoryDatabase, Owned
from adapters.memory.unit_of_work import MemoryUnitOfWork
from application.idempotency import IdempotencyPolicy, IdempotencyRequest
from application.notes import NOTES
from application.paging import ListRequest, Pager
from application.ports import NewClaim
from application.preconditions import Precondition
from application.tasks import TASKS, TaskService
from domain.errors import InvalidInput, NotFound, VersionMismatch
from domain.note import NewNote
from domain.task import NewTask, Task, TaskChanges, TaskFilters
from support.clock import START, SteppingClock
from support.owners import OWNER


def a_new_task(title: str = "t") -> NewTask:
    return NewTask.create(title=title, now=START)


def a_new_note() -> NewNote:
    return NewNote.create(title="n", now=START)


async def stored_task(database: MemoryDatabase, title: str = "t") -> Task:
    async with MemoryUnitOfWork(database) as uow:
        task = await uow.repository(TASKS).add(OWNER, a_new_task(title))
        await uow.commit()
    return task


# The memory unit of work


async def test_a_committed_add_is_kept(database: MemoryDatabase) -> None:
    task = await stored_task(database)
    async with MemoryUnitOfWork(database, read_only=True) as uow:
        assert await uow.repository(TASKS).get(OWNER, task.id) == task


async def test_an_add_without_commit_is_rolled_back(database: MemoryDatabase) -> None:
    async with MemoryUnitOfWork(database) as uow:
        await uow.repository(TASKS).add(OWNER, a_new_task())
        await uow.repository(NOTES).add(OWNER, a_new_note())
    assert (database.table(TASKS), database.table(NOTES)) == ({}, {})


async def test_an_update_without_commit_is_rolled_back(database: MemoryDatabase) -> None:
    task = await stored_task(database)
    async with MemoryUnitOfWork(database) as uow:
        assert await uow.repository(TASKS).update(
            OWNER, task, task.changed(TaskChanges(done=True), START)
        )
    assert database.table(TASKS)[task.id].resource == task


async def test_a_delete_without_commit_is_rolled_back(database: MemoryDatabase) -> None:
    task = await stored_task(database)
    async with MemoryUnitOfWork(database) as uow:
        assert await uow.repository(TASKS).delete(OWNER, task.id)
    assert database.table(TASKS)[task.id].resource == task


async def test_several_changes_to_one_row_are_all_rolled_back(database: MemoryDatabase) -> None:
    task = await stored_task(database)
    async with MemoryUnitOfWork(database) as uow:
        changed = task.changed(TaskChanges(title="one"), START)
        await uow.repository(TASKS).update(OWNER, task, changed)
        await uow.repository(TASKS).update(
            OWNER, changed, changed.changed(TaskChanges(title="two"), START)
        )
        await uow.repository(TASKS).delete(OWNER, task.id)
    assert database.table(TASKS) == {task.id: Owned(OWNER, task)}


async def test_idempotency_writes_without_commit_are_rolled_back(database: MemoryDatabase) -> None:
    claim = NewClaim(
        owner=OWNER,
        scope="Task",
        key="k",
        fingerprint="fp",
        token="token",
        now=START,
        lease_until=START + timedelta(seconds=30),
        expires_at=START + timedelta(days=1),
    )
    async with MemoryUnitOfWork(database) as uow:
        await uow.idempotency.claim(claim)
    assert database.idempotency == {}

    async with MemoryUnitOfWork(database) as uow:
        await uow.idempotency.claim(claim)
        await uow.commit()
    kept = database.idempotency[(OWNER, "Task", "k")]
    async with MemoryUnitOfWork(database) as uow:
        assert await uow.idempotency.complete(OWNER, "Task", "k", "token", "{}")
    async with MemoryUnitOfWork(database) as uow:
        assert await uow.idempotency.purge_expired(START + timedelta(days=2)) == 1
    assert database.idempotency == {(OWNER, "Task", "k"): kept}


async def add_then_fail(database: MemoryDatabase) -> None:
    async with MemoryUnitOfWork(database) as uow:
        await uow.repository(TASKS).add(OWNER, a_new_task())
        raise RuntimeError("boom")


async def test_an_error_inside_rolls_back_and_propagates(database: MemoryDatabase) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        await add_then_fail(database)
    assert database.table(TASKS) == {}


async def test_writes_after_a_commit_need_a_commit_of_their_own(database: MemoryDatabase) -> None:
    async with MemoryUnitOfWork(database) as uow:
        kept = await uow.repository(TASKS).add(OWNER, a_new_task("kept"))
        await uow.commit()
        await uow.repository(TASKS).add(OWNER, a_new_task("lost"))
    assert [row.resource for row in database.table(TASKS).values()] == [kept]


async def test_ids_are_not_reused_after_a_rollback(database: MemoryDatabase) -> None:
    async with MemoryUnitOfWork(database) as uow:
        lost = await uow.repository(TASKS).add(OWNER, a_new_task())
    assert (await stored_task(database)).id == lost.id + 1


async def test_a_read_only_unit_of_work_cannot_commit(database: MemoryDatabase) -> None:
    async with MemoryUnitOfWork(database, read_only=True) as uow:
        with pytest.raises(RuntimeError, match="read-only"):
            await uow.commit()
        assert not uow.committed


async def test_commit_is_recorded(database: MemoryDatabase) -> None:
    async with MemoryUnitOfWork(database) as uow:
        assert not uow.committed
        await uow.commit()
        assert uow.committed


# Use cases commit exactly when they write


class RecordingFactory:
    """A unit-of-work factory that keeps every unit of work it made."""

    def __init__(self, database: MemoryDatabase) -> None:
        self.database = database
        self.made: list[MemoryUnitOfWork] = []
        self.read_only: list[bool] = []
        self.single_statement: list[bool] = []

    def __call__(
        self, *, read_only: bool = False, single_statement: bool = False
    ) -> MemoryUnitOfWork:
        self.made.append(MemoryUnitOfWork(self.database, read_only=read_only))
        self.read_only.append(read_only)
        self.single_statement.append(single_statement)
        return self.made[-1]

    def commits(self) -> list[bool]:
        commits = [uow.committed for uow in self.made]
        self.made.clear()
        self.read_only.clear()
        self.single_statement.clear()
        return commits


@pytest.fixture
def recorded(database: MemoryDatabase) -> RecordingFactory:
    return RecordingFactory(database)


@pytest.fixture
def service(recorded: RecordingFactory, clock: SteppingClock, pager: Pager) -> TaskService:
    return TaskService(uow=recorded, clock=clock, pager=pager, idempotency=IdempotencyPolicy())


async def existing(service: TaskService, recorded: RecordingFactory) -> Task:
    task = (await service.create(OWNER, title="t")).resource
    recorded.commits()
    return task


async def test_a_create_commits_once(service: TaskService, recorded: RecordingFactory) -> None:
    await service.create(OWNER, title="t")
    assert recorded.commits() == [True]


async def test_an_invalid_create_opens_no_unit_of_work(
    service: TaskService, recorded: RecordingFactory
) -> None:
    with pytest.raises(InvalidInput):
        await service.create(OWNER, title="")
    assert recorded.made == []


async def test_reads_use_read_only_units_of_work_and_commit_nothing(
    service: TaskService, recorded: RecordingFactory
) -> None:
    task = await existing(service, recorded)
    await service.get(OWNER, task.id)
    await service.list(OWNER, TaskFilters.of(), ListRequest())
    with pytest.raises(NotFound):
        await service.get(OWNER, task.id + 1)
    assert recorded.read_only == [True, True, True]
    assert recorded.commits() == [False, False, False]


async def test_an_update_commits(service: TaskService, recorded: RecordingFactory) -> None:
    task = await existing(service, recorded)
    await service.update(OWNER, task.id, TaskChanges(done=True))
    assert recorded.commits() == [True]


async def test_an_update_that_changes_nothing_does_not_commit(
    service: TaskService, recorded: RecordingFactory
) -> None:
    task = await existing(service, recorded)
    await service.update(OWNER, task.id, TaskChanges(title=" t "))
    assert recorded.commits() == [False]


async def test_a_failed_update_does_not_commit(
    service: TaskService, recorded: RecordingFactory
) -> None:
    task = await existing(service, recorded)
    with pytest.raises(VersionMismatch):
        await service.update(OWNER, task.id, TaskChanges(done=True), Precondition(frozenset({9})))
    with pytest.raises(InvalidInput):
        await service.update(OWNER, task.id, TaskChanges(title=""))
    with pytest.raises(NotFound):
        await service.update(OWNER, task.id + 1, TaskChanges(done=True))
    # The invalid change is refused before any unit of work is opened.
    assert recorded.commits() == [False, False]


@pytest.mark.parametrize("precondition", [None, Precondition(frozenset({1}))])
async def test_a_delete_commits(
    service: TaskService, recorded: RecordingFactory, precondition: Precondition | None
) -> None:
    task = await existing(service, recorded)
    await service.delete(OWNER, task.id, precondition)
    assert recorded.commits() == [True]


async def test_a_failed_delete_does_not_commit(
    service: TaskService, recorded: RecordingFactory
) -> None:
    task = await existing(service, recorded)
    with pytest.raises(VersionMismatch):
        await service.delete(OWNER, task.id, Precondition(frozenset({9})))
    with pytest.raises(NotFound):
        await service.delete(OWNER, task.id + 1)
    # The second delete found nothing to delete on its own, and asked again in a
    # transaction that waits its turn (nothing could also mean a rival's lock).
    assert recorded.single_statement == [True, True, False]
    assert recorded.commits() == [False, False, False]


async def test_an_idempotent_create_commits_its_claim_then_the_task(
    service: TaskService, recorded: RecordingFactory, database: MemoryDatabase
) -> None:
    await service.create(OWNER, title="t", idempotency=IdempotencyRequest("k", "fp"))
    assert recorded.commits() == [True, True]
    [record] = database.idempotency.values()
    assert record.snapshot is not None


async def test_a_replay_writes_nothing(
    service: TaskService, recorded: RecordingFactory, database: MemoryDatabase
) -> None:
    await service.create(OWNER, title="t", idempotency=IdempotencyRequest("k", "fp"))
    before = (dict(database.table(TASKS)), dict(database.idempotency))
    await service.create(OWNER, title="t", idempotency=IdempotencyRequest("k", "fp"))
    assert (database.table(TASKS), database.idempotency) == before


async def test_a_create_without_a_key_and_first_tries_of_changes_need_no_transaction(
    service: TaskService, recorded: RecordingFactory
) -> None:
    # Each is one write, atomic on its own, or a read then a write conditional on
    # the version read (which never waits on a rival's lock): a store may spare
    # them BEGIN and COMMIT.
    task = (await service.create(OWNER, title="t")).resource
    await service.update(OWNER, task.id, TaskChanges(done=True))
    await service.delete(OWNER, task.id, Precondition(frozenset({2})))
    other = (await service.create(OWNER, title="u")).resource
    await service.delete(OWNER, other.id)
    assert recorded.single_statement == [True, True, True, True, True]
    assert recorded.commits() == [True, True, True, True, True]


async def test_a_create_with_a_key_keeps_its_transaction(
    service: TaskService, recorded: RecordingFactory
) -> None:
    # Claiming the key and adding the task must stand or fall together.
    await service.create(OWNER, title="t", idempotency=IdempotencyRequest("k", "fp"))
    assert recorded.single_statement
    assert not any(recorded.single_statement)
