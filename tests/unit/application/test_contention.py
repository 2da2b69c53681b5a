"""Lost races: conditional writes that another writer beat to the row.

A rival writer commits between the use case's read and its write, as a
concurrent request would; the use case must retry on fresh data, never
overwrite the rival's change unseen, and give up after a bounded number of tries.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from adapters.memory.store import MemoryDatabase, Owned
from adapters.memory.unit_of_work import MemoryUnitOfWork
from application.errors import TooMuchContention
from application.idempotency import IdempotencyPolicy
from application.paging import Pager
from application.ports import UnitOfWork
from application.preconditions import ANY_VERSION, Precondition
from application.tasks import TASKS, TaskService
from domain.errors import NotFound, VersionMismatch
from domain.task import NewTask, Task, TaskChanges
from support.clock import START, SteppingClock
from support.hooked import HookedUnitOfWork
from support.owners import OWNER

Rival = Callable[[], Awaitable[None]]


@dataclass
class Race:
    """A rival that acts just before the next `times` writes of the use case."""

    rival: Rival
    times: int = 0
    writes: int = 0
    single_statement: list[bool] = field(default_factory=list)
    """Whether each unit of work the use case opened was a `single_statement` one."""

    async def before_write(self) -> None:
        self.writes += 1
        if self.times > 0:
            self.times -= 1
            await self.rival()


@pytest.fixture
def task(database: MemoryDatabase) -> Task:
    task = NewTask.create(title="original", now=START).stored_as(1)
    database.table(TASKS)[task.id] = Owned(OWNER, task)
    return task


def raced_service(
    database: MemoryDatabase, clock: SteppingClock, pager: Pager, race: Race
) -> TaskService:
    def make(*, read_only: bool = False, single_statement: bool = False) -> UnitOfWork:
        # The use case's task writes first let the race's rival run.
        race.single_statement.append(single_statement)
        inner = MemoryUnitOfWork(database, read_only=read_only, single_statement=single_statement)
        return HookedUnitOfWork(inner, race.before_write, {"update", "delete"})

    return TaskService(uow=make, clock=clock, pager=pager, idempotency=IdempotencyPolicy())


def rival_toggles_done(database: MemoryDatabase, clock: SteppingClock) -> Rival:
    async def toggle() -> None:
        async with MemoryUnitOfWork(database) as uow:
            current = await uow.repository(TASKS).get(OWNER, 1)
            assert current is not None
            changed = current.changed(TaskChanges(done=not current.done), clock.now())
            assert await uow.repository(TASKS).update(OWNER, current, changed)
            await uow.commit()

    return toggle


def rival_deletes(database: MemoryDatabase) -> Rival:
    async def delete() -> None:
        async with MemoryUnitOfWork(database) as uow:
            assert await uow.repository(TASKS).delete(OWNER, 1)
            await uow.commit()

    return delete


async def test_an_update_that_loses_once_retries_on_top_of_the_rivals_change(
    database: MemoryDatabase, clock: SteppingClock, pager: Pager, task: Task
) -> None:
    race = Race(rival_toggles_done(database, clock), times=1)
    updated = await raced_service(database, clock, pager, race).update(
        OWNER, task.id, TaskChanges(title="mine")
    )
    assert (updated.title, updated.done, updated.version) == ("mine", True, 3)
    assert database.table(TASKS)[task.id].resource == updated
    assert race.writes == 2
    # A bet on no rival first; having lost it, a transaction (that locks, where it can).
    assert race.single_statement == [True, False]


@pytest.mark.parametrize("precondition", [None, ANY_VERSION])
async def test_an_update_that_keeps_losing_gives_up(
    database: MemoryDatabase,
    clock: SteppingClock,
    pager: Pager,
    task: Task,
    precondition: Precondition | None,
) -> None:
    race = Race(rival_toggles_done(database, clock), times=10**6)
    with pytest.raises(TooMuchContention, match="Task 1 is being changed by others"):
        await raced_service(database, clock, pager, race).update(
            OWNER, task.id, TaskChanges(title="mine"), precondition
        )
    assert database.table(TASKS)[task.id].resource.title == "original"
    assert 1 < race.writes < 100


async def test_an_update_conditional_on_a_version_that_a_rival_changed_fails(
    database: MemoryDatabase, clock: SteppingClock, pager: Pager, task: Task
) -> None:
    race = Race(rival_toggles_done(database, clock), times=1)
    with pytest.raises(VersionMismatch):
        await raced_service(database, clock, pager, race).update(
            OWNER, task.id, TaskChanges(title="mine"), Precondition(frozenset({1}))
        )
    assert (
        database.table(TASKS)[task.id].resource.title,
        database.table(TASKS)[task.id].resource.version,
    ) == (
        "original",
        2,
    )


async def test_an_update_that_loses_to_a_delete_is_not_found(
    database: MemoryDatabase, clock: SteppingClock, pager: Pager, task: Task
) -> None:
    race = Race(rival_deletes(database), times=1)
    with pytest.raises(NotFound):
        await raced_service(database, clock, pager, race).update(
            OWNER, task.id, TaskChanges(title="x")
        )
    assert database.table(TASKS) == {}


async def test_an_update_whose_retry_finds_nothing_left_to_change_returns_the_rivals_task(
    database: MemoryDatabase, clock: SteppingClock, pager: Pager, task: Task
) -> None:
    race = Race(rival_toggles_done(database, clock), times=1)
    result = await raced_service(database, clock, pager, race).update(
        OWNER, task.id, TaskChanges(done=True)
    )
    assert result == database.table(TASKS)[task.id].resource
    assert (result.done, result.version) == (True, 2)


async def test_a_conditional_delete_that_a_rival_beat_fails(
    database: MemoryDatabase, clock: SteppingClock, pager: Pager, task: Task
) -> None:
    race = Race(rival_toggles_done(database, clock), times=1)
    with pytest.raises(VersionMismatch):
        await raced_service(database, clock, pager, race).delete(
            OWNER, task.id, Precondition(frozenset({1}))
        )
    assert database.table(TASKS)[task.id].resource.version == 2


async def test_a_conditional_delete_still_allowed_after_losing_retries_and_deletes(
    database: MemoryDatabase, clock: SteppingClock, pager: Pager, task: Task
) -> None:
    race = Race(rival_toggles_done(database, clock), times=1)
    await raced_service(database, clock, pager, race).delete(
        OWNER, task.id, Precondition(frozenset({1, 2}))
    )
    assert database.table(TASKS) == {}
    assert race.writes == 2


async def test_a_conditional_delete_that_keeps_losing_gives_up(
    database: MemoryDatabase, clock: SteppingClock, pager: Pager, task: Task
) -> None:
    race = Race(rival_toggles_done(database, clock), times=10**6)
    every_version = Precondition(frozenset(range(1, 1000)))
    with pytest.raises(TooMuchContention):
        await raced_service(database, clock, pager, race).delete(OWNER, task.id, every_version)
    assert task.id in database.table(TASKS)
