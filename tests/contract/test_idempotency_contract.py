"""Idempotency keys in every store: claims, completion, expiry and purge behave the same."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from application.ports import AlreadyClaimed, Claimed, NewClaim
from support.clock import START
from support.databases import Store
from support.owners import OWNER

LEASE = timedelta(seconds=30)
TTL = timedelta(hours=24)


def claim(
    key: str = "k", *, token: str = "t1", fingerprint: str = "f1", after: timedelta = timedelta(0)
) -> NewClaim:
    now = START + after
    return NewClaim(
        owner=OWNER,
        scope="Task",
        key=key,
        fingerprint=fingerprint,
        token=token,
        now=now,
        lease_until=now + LEASE,
        expires_at=now + TTL,
    )


async def claim_and_commit(store: Store, request: NewClaim) -> Claimed | AlreadyClaimed:
    async with store.unit_of_work() as uow:
        outcome = await uow.idempotency.claim(request)
        await uow.commit()
    return outcome


async def complete(store: Store, token: str, snapshot: str, key: str = "k") -> bool:
    async with store.unit_of_work() as uow:
        done = await uow.idempotency.complete(OWNER, "Task", key, token, snapshot)
        await uow.commit()
    return done


async def test_the_first_claim_owns_the_key_and_later_ones_see_it_in_flight(store: Store) -> None:
    assert await claim_and_commit(store, claim()) == Claimed("t1")
    assert await claim_and_commit(store, claim(token="t2")) == AlreadyClaimed("f1", None)


async def test_a_completed_key_gives_back_its_snapshot(store: Store) -> None:
    await claim_and_commit(store, claim())
    assert await complete(store, "t1", '{"id": 1}')

    assert await claim_and_commit(store, claim(token="t2", fingerprint="f2")) == AlreadyClaimed(
        "f1", '{"id": 1}'
    )


async def test_only_the_holder_completes_and_only_once(store: Store) -> None:
    await claim_and_commit(store, claim())

    assert not await complete(store, "someone else", "x")
    assert await complete(store, "t1", "first")
    assert not await complete(store, "t1", "second")
    assert await claim_and_commit(store, claim(token="t2")) == AlreadyClaimed("f1", "first")


async def test_keys_are_separate_per_scope_and_key(store: Store) -> None:
    await claim_and_commit(store, claim("a"))

    assert await claim_and_commit(store, claim("b", token="t2")) == Claimed("t2")
    assert await claim_and_commit(store, replace(claim("a", token="t3"), scope="Note")) == (
        Claimed("t3")
    )


async def test_a_stale_in_flight_claim_is_taken_over_after_its_lease(store: Store) -> None:
    await claim_and_commit(store, claim())

    assert await claim_and_commit(store, claim(token="t2", after=LEASE - timedelta(seconds=1))) == (
        AlreadyClaimed("f1", None)
    )
    assert await claim_and_commit(store, claim(token="t3", fingerprint="f3", after=LEASE)) == (
        Claimed("t3")
    )
    assert not await complete(store, "t1", "too late"), "the first holder lost the key"
    assert await complete(store, "t3", "new")


async def test_an_expired_key_is_claimed_anew(store: Store) -> None:
    await claim_and_commit(store, claim())
    await complete(store, "t1", "old")

    assert await claim_and_commit(store, claim(token="t2", fingerprint="f2", after=TTL)) == Claimed(
        "t2"
    )


async def test_a_released_claim_can_be_claimed_at_once(store: Store) -> None:
    await claim_and_commit(store, claim())
    async with store.unit_of_work() as uow:
        await uow.idempotency.release(OWNER, "Task", "k", "not the holder")
        await uow.idempotency.release(OWNER, "Task", "k", "t1")
        await uow.commit()

    assert await claim_and_commit(store, claim(token="t2")) == Claimed("t2")


async def test_a_completion_that_is_not_committed_is_undone(store: Store) -> None:
    await claim_and_commit(store, claim())
    async with store.unit_of_work() as uow:
        assert await uow.idempotency.complete(OWNER, "Task", "k", "t1", "lost")

    assert await claim_and_commit(store, claim(token="t2")) == AlreadyClaimed("f1", None)


async def test_purging_removes_exactly_the_expired_keys(store: Store) -> None:
    await claim_and_commit(store, claim("old"))
    await claim_and_commit(store, claim("new", after=timedelta(hours=1)))
    await complete(store, "t1", "kept", key="new")

    async with store.unit_of_work() as uow:
        purged = await uow.idempotency.purge_expired(START + TTL)
        await uow.commit()

    assert purged == 1
    assert await claim_and_commit(store, claim("new", token="t2", after=TTL)) == AlreadyClaimed(
        "f1", "kept"
    )
    assert await claim_and_commit(store, claim("old", token="t3", after=TTL)) == Claimed("t3")
