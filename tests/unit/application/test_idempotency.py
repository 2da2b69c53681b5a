"""Idempotent creation: a retried create returns the first result instead of creating twice."""

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import pytest

from adapters.memory.store import MemoryDatabase
from adapters.memory.unit_of_work import MemoryUnitOfWork
from application.errors import IdempotencyKeyInUse, IdempotencyKeyReused, InvalidIdempotencyKey
from application.idempotency import IdempotencyPolicy, IdempotencyRequest
from application.notes import NoteService
from application.paging import Pager
from application.ports import NewClaim, UnitOfWork
from application.tasks import TASKS, TaskService
from domain.errors import InvalidInput
from domain.task import TaskChanges
from support.clock import SteppingClock
from support.hooked import HookedUnitOfWork
from support.owners import OWNER

UnitsOfWork = Callable[..., MemoryUnitOfWork]

POLICY = IdempotencyPolicy()
KEY = "3f1c9e2a-request-1"
REQUEST = IdempotencyRequest(KEY, "fingerprint-of-body-1")


async def claim_elsewhere(
    uow: UnitsOfWork, now: datetime, *, key: str = KEY, holder: str = "other"
) -> None:
    """Claim the key as another request would, and leave it in flight."""
    async with uow() as unit:
        await unit.idempotency.claim(
            NewClaim(
                owner=OWNER,
                scope=TaskService.kind.name,
                key=key,
                fingerprint=REQUEST.fingerprint,
                token=holder,
                now=now,
                lease_until=now + POLICY.lease,
                expires_at=now + POLICY.ttl,
            )
        )
        await unit.commit()


# Keys


@pytest.mark.parametrize(
    "key",
    ["", "x" * 256, "with space", " leading", "tab\there", "clé", "日本", "\x7f", "nul\x00"],
    ids=["empty", "256-chars", "space", "leading-space", "tab", "accent", "cjk", "DEL", "NUL"],
)
def test_a_key_that_is_not_1_to_255_visible_ascii_characters_is_invalid(key: str) -> None:
    with pytest.raises(InvalidIdempotencyKey, match=r"must be 1\.\.255 visible ASCII characters"):
        IdempotencyRequest(key, "fingerprint")


@pytest.mark.parametrize("key", ["k", "!", "~", "x" * 255, "a-Z_0.9:/+=~!{}"])
def test_a_key_of_1_to_255_visible_ascii_characters_is_valid(key: str) -> None:
    assert IdempotencyRequest(key, "fingerprint").key == key


# Create, replay, conflict


async def test_the_first_request_with_a_key_creates(
    tasks: TaskService, database: MemoryDatabase
) -> None:
    created = await tasks.create(OWNER, title="Ship it", idempotency=REQUEST)
    assert not created.replayed
    assert [row.resource for row in database.table(TASKS).values()] == [created.resource]


async def test_a_repeated_request_returns_the_first_result_and_creates_nothing(
    tasks: TaskService, database: MemoryDatabase
) -> None:
    first = await tasks.create(OWNER, title="Ship it", idempotency=REQUEST)
    again = await tasks.create(OWNER, title="Ship it", idempotency=REQUEST)
    assert again.replayed
    assert again.resource == first.resource
    assert len(database.table(TASKS)) == 1


async def test_a_replay_returns_the_task_as_it_was_created(tasks: TaskService) -> None:
    first = await tasks.create(OWNER, title="Ship it", idempotency=REQUEST)
    await tasks.update(OWNER, first.resource.id, TaskChanges(title="Shipped"))
    again = await tasks.create(OWNER, title="Ship it", idempotency=REQUEST)
    assert again.resource == first.resource


async def test_the_same_key_with_another_body_is_refused(
    tasks: TaskService, database: MemoryDatabase
) -> None:
    await tasks.create(OWNER, title="Ship it", idempotency=REQUEST)
    with pytest.raises(IdempotencyKeyReused):
        await tasks.create(
            OWNER, title="Other", idempotency=IdempotencyRequest(KEY, "another body")
        )
    assert len(database.table(TASKS)) == 1


async def test_the_same_key_while_the_first_request_is_in_flight_is_refused(
    tasks: TaskService,
    database: MemoryDatabase,
    uow: UnitsOfWork,
    clock: SteppingClock,
) -> None:
    await claim_elsewhere(uow, clock.now())
    with pytest.raises(IdempotencyKeyInUse):
        await tasks.create(OWNER, title="Ship it", idempotency=REQUEST)
    assert database.table(TASKS) == {}


async def test_another_body_while_the_first_request_is_in_flight_is_refused_as_reuse(
    tasks: TaskService,
    uow: UnitsOfWork,
    clock: SteppingClock,
) -> None:
    await claim_elsewhere(uow, clock.now())
    with pytest.raises(IdempotencyKeyReused):
        await tasks.create(
            OWNER, title="Other", idempotency=IdempotencyRequest(KEY, "another body")
        )


async def test_keys_of_tasks_and_notes_do_not_collide(
    tasks: TaskService, notes: NoteService
) -> None:
    task = await tasks.create(OWNER, title="a task", idempotency=REQUEST)
    note = await notes.create(OWNER, title="a note", idempotency=REQUEST)
    assert not task.replayed
    assert not note.replayed
    assert note.resource.title == "a note"


async def test_different_keys_create_different_tasks(
    tasks: TaskService, database: MemoryDatabase
) -> None:
    await tasks.create(OWNER, title="Ship it", idempotency=IdempotencyRequest("one", "fp"))
    await tasks.create(OWNER, title="Ship it", idempotency=IdempotencyRequest("two", "fp"))
    assert len(database.table(TASKS)) == 2


# Time


async def test_a_key_is_replayed_until_it_expires(tasks: TaskService, clock: SteppingClock) -> None:
    first = await tasks.create(OWNER, title="Ship it", idempotency=REQUEST)
    clock.advance(POLICY.ttl - timedelta(seconds=1))
    again = await tasks.create(OWNER, title="Ship it", idempotency=REQUEST)
    assert (again.replayed, again.resource) == (True, first.resource)


async def test_an_expired_key_is_taken_over_and_creates_anew(
    tasks: TaskService, clock: SteppingClock, database: MemoryDatabase
) -> None:
    first = await tasks.create(OWNER, title="Ship it", idempotency=REQUEST)
    clock.advance(POLICY.ttl)
    again = await tasks.create(OWNER, title="Ship it", idempotency=REQUEST)
    assert not again.replayed
    assert again.resource.id != first.resource.id
    assert len(database.table(TASKS)) == 2


async def test_an_expired_key_can_be_reused_with_another_body(
    tasks: TaskService, clock: SteppingClock
) -> None:
    await tasks.create(OWNER, title="Ship it", idempotency=REQUEST)
    clock.advance(POLICY.ttl)
    other = await tasks.create(
        OWNER, title="Other", idempotency=IdempotencyRequest(KEY, "another body")
    )
    assert (other.replayed, other.resource.title) == (False, "Other")


async def test_a_request_whose_lease_ran_out_is_taken_over(
    tasks: TaskService,
    clock: SteppingClock,
    uow: UnitsOfWork,
) -> None:
    await claim_elsewhere(uow, clock.now())
    clock.advance(POLICY.lease)
    created = await tasks.create(OWNER, title="Ship it", idempotency=REQUEST)
    assert not created.replayed
    assert (await tasks.create(OWNER, title="Ship it", idempotency=REQUEST)).replayed


async def test_a_request_within_its_lease_is_still_in_flight(
    tasks: TaskService,
    clock: SteppingClock,
    uow: UnitsOfWork,
) -> None:
    await claim_elsewhere(uow, clock.now())
    clock.advance(POLICY.lease - timedelta(seconds=1))
    with pytest.raises(IdempotencyKeyInUse):
        await tasks.create(OWNER, title="Ship it", idempotency=REQUEST)


# Failures


async def test_invalid_input_creates_nothing_and_claims_no_key(
    tasks: TaskService, database: MemoryDatabase
) -> None:
    with pytest.raises(InvalidInput):
        await tasks.create(OWNER, title=" ", idempotency=REQUEST)
    assert database.table(TASKS) == {}
    assert database.idempotency == {}
    assert not (await tasks.create(OWNER, title="Fixed", idempotency=REQUEST)).replayed


def service_with(
    database: MemoryDatabase,
    clock: SteppingClock,
    pager: Pager,
    before_add: Callable[[], Awaitable[None]],
) -> TaskService:
    def make(*, read_only: bool = False, single_statement: bool = False) -> UnitOfWork:
        # `before_add` runs whenever a task is about to be added.
        return HookedUnitOfWork(MemoryUnitOfWork(database), before_add, {"add"})

    return TaskService(uow=make, clock=clock, pager=pager, idempotency=POLICY)


async def test_a_create_that_fails_releases_its_key_so_that_a_retry_runs_at_once(
    tasks: TaskService,
    database: MemoryDatabase,
    clock: SteppingClock,
    pager: Pager,
) -> None:
    async def crash() -> None:
        raise ConnectionError("the store went away")

    with pytest.raises(ConnectionError):
        await service_with(database, clock, pager, crash).create(
            OWNER, title="t", idempotency=REQUEST
        )
    assert database.table(TASKS) == {}
    assert database.idempotency == {}
    assert not (await tasks.create(OWNER, title="t", idempotency=REQUEST)).replayed


async def test_a_request_whose_key_was_taken_over_while_it_ran_creates_nothing(
    database: MemoryDatabase,
    clock: SteppingClock,
    pager: Pager,
    uow: UnitsOfWork,
) -> None:
    async def a_retry_takes_the_key_over() -> None:
        await claim_elsewhere(uow, clock.now() + POLICY.lease, holder="retry")

    slow = service_with(database, clock, pager, a_retry_takes_the_key_over)
    with pytest.raises(IdempotencyKeyInUse):
        await slow.create(OWNER, title="t", idempotency=REQUEST)
    assert database.table(TASKS) == {}
    assert database.idempotency[(OWNER, TaskService.kind.name, KEY)].token == "retry"


# Purging


async def test_purging_deletes_only_expired_keys(
    tasks: TaskService,
    clock: SteppingClock,
    uow: UnitsOfWork,
    database: MemoryDatabase,
) -> None:
    await tasks.create(OWNER, title="old", idempotency=IdempotencyRequest("old", "fp"))
    clock.advance(timedelta(hours=1))
    await tasks.create(OWNER, title="new", idempotency=IdempotencyRequest("new", "fp"))
    clock.advance(POLICY.ttl - timedelta(minutes=30))
    async with uow() as unit:
        assert await unit.idempotency.purge_expired(clock.now()) == 1
        await unit.commit()
    assert set(database.idempotency) == {(OWNER, TaskService.kind.name, "new")}
    assert (
        await tasks.create(OWNER, title="new", idempotency=IdempotencyRequest("new", "fp"))
    ).replayed


async def test_purging_with_nothing_expired_deletes_nothing(
    tasks: TaskService,
    clock: SteppingClock,
    uow: UnitsOfWork,
    database: MemoryDatabase,
) -> None:
    await tasks.create(OWNER, title="t", idempotency=REQUEST)
    async with uow() as unit:
        assert await unit.idempotency.purge_expired(clock.now()) == 0
    assert len(database.idempotency) == 1
