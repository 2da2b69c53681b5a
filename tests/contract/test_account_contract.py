"""Accounts, refresh tokens and failed logins in every store: the same behaviour on each."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.errors import AccountGone
from application.idempotency import IdempotencyRequest
from application.notes import NOTES, NoteService
from application.paging import ListRequest
from application.ports import StoredRefreshToken, TakenToken
from application.tasks import TASKS, TaskService
from domain.account import NewAccount
from domain.note import NoteFilters
from domain.task import TaskFilters
from support.clock import START
from support.databases import Store


def new_account(email: str = "a@example.com") -> NewAccount:
    return NewAccount(email=email, password_hash="hash", created_at=START)


def token(account_id: int, name: str = "t1", family: str = "f1") -> StoredRefreshToken:
    return StoredRefreshToken(
        token_hash=name.ljust(64, "0"),
        account_id=account_id,
        family_id=family,
        expires_at=START + timedelta(days=1),
    )


async def add_account(store: Store, email: str = "a@example.com") -> int:
    async with store.unit_of_work() as uow:
        account = await uow.accounts.add(new_account(email))
        await uow.commit()
    assert account is not None
    return account.id


async def test_accounts_are_found_by_email_and_id_and_emails_are_unique(store: Store) -> None:
    account_id = await add_account(store)
    async with store.unit_of_work() as uow:
        assert await uow.accounts.add(new_account()) is None
        by_email = await uow.accounts.by_email("a@example.com")
        by_id = await uow.accounts.by_id(account_id)
        assert await uow.accounts.by_email("b@example.com") is None
        assert await uow.accounts.by_id(account_id + 1) is None
    assert by_email == by_id == new_account().stored_as(account_id)


async def test_an_account_exists_from_its_commit_until_its_deletion(store: Store) -> None:
    async with store.unit_of_work() as uow:
        account = await uow.accounts.add(new_account())
        assert account is not None
        assert await uow.accounts.exists(account.id), "seen inside its own unit of work"
    async with store.unit_of_work(read_only=True) as uow:
        assert not await uow.accounts.exists(account.id), "rolled back"

    account_id = await add_account(store)
    async with store.unit_of_work(read_only=True) as uow:
        assert await uow.accounts.exists(account_id)
        assert not await uow.accounts.exists(account_id + 1)
    async with store.unit_of_work() as uow:
        assert await uow.accounts.delete(account_id)
        await uow.commit()
    async with store.unit_of_work(read_only=True) as uow:
        assert not await uow.accounts.exists(account_id)


async def test_a_password_hash_can_be_replaced(store: Store) -> None:
    account_id = await add_account(store)
    async with store.unit_of_work() as uow:
        await uow.accounts.change_password_hash(account_id, "new")
        await uow.commit()
    async with store.unit_of_work(read_only=True) as uow:
        account = await uow.accounts.by_id(account_id)
    assert account is not None
    assert account.password_hash == "new"


async def test_an_account_not_committed_is_not_kept(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.accounts.add(new_account())
    async with store.unit_of_work(read_only=True) as uow:
        assert await uow.accounts.by_email("a@example.com") is None


async def test_a_token_is_taken_once_then_seen_as_reused(store: Store) -> None:
    account_id = await add_account(store)
    async with store.unit_of_work() as uow:
        await uow.refresh_tokens.add(token(account_id))
        await uow.commit()
    async with store.unit_of_work() as uow:
        first = await uow.refresh_tokens.take(token(account_id).token_hash, START)
        second = await uow.refresh_tokens.take(token(account_id).token_hash, START)
        unknown = await uow.refresh_tokens.take("x" * 64, START)
        await uow.commit()
    assert first == TakenToken(token(account_id), reused=False)
    assert second == TakenToken(token(account_id), reused=True)
    assert unknown is None


async def test_revoking_removes_the_whole_family_only(store: Store) -> None:
    account_id = await add_account(store)
    async with store.unit_of_work() as uow:
        for name, family in (("a", "f1"), ("b", "f1"), ("c", "f2"), ("d", "f3")):
            await uow.refresh_tokens.add(token(account_id, name, family))
        await uow.commit()
    async with store.unit_of_work() as uow:
        await uow.refresh_tokens.revoke(token(account_id, "a").token_hash)
        await uow.refresh_tokens.revoke("unknown")
        await uow.refresh_tokens.revoke_family("f2")
        await uow.commit()
    async with store.unit_of_work() as uow:
        left = [
            await uow.refresh_tokens.take(token(account_id, name).token_hash, START)
            for name in "abcd"
        ]
    assert [t is not None for t in left] == [False, False, False, True]


async def test_expired_tokens_are_purged(store: Store) -> None:
    account_id = await add_account(store)
    async with store.unit_of_work() as uow:
        await uow.refresh_tokens.add(token(account_id))
        assert await uow.refresh_tokens.purge_expired(START) == 0
        assert await uow.refresh_tokens.purge_expired(START + timedelta(days=1)) == 1
        await uow.commit()


async def test_deleting_an_account_deletes_its_tokens(store: Store) -> None:
    account_id = await add_account(store)
    other = await add_account(store, "b@example.com")
    async with store.unit_of_work() as uow:
        await uow.refresh_tokens.add(token(account_id, "a"))
        await uow.refresh_tokens.add(token(other, "b", "f2"))
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.accounts.delete(account_id)
        assert not await uow.accounts.delete(account_id)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.accounts.by_id(account_id) is None
        assert await uow.refresh_tokens.take(token(account_id, "a").token_hash, START) is None
        assert await uow.refresh_tokens.take(token(other, "b").token_hash, START) is not None


async def test_failures_are_counted_per_email_and_per_address_newest_first(store: Store) -> None:
    async with store.unit_of_work() as uow:
        for minute in range(4):
            await uow.login_attempts.record_failure(
                email="a@example.com", address="10.0.0.1", at=START + timedelta(minutes=minute)
            )
        await uow.login_attempts.record_failure(email=None, address="10.0.0.1", at=START)
        await uow.login_attempts.record_failure(email="b@example.com", address=None, at=START)
        await uow.commit()
    async with store.unit_of_work() as uow:
        attempts = uow.login_attempts
        recent = await attempts.failures_since(email="a@example.com", since=START, limit=2)
        all_of_email = await attempts.failures_since(
            email="a@example.com", since=START - timedelta(1), limit=10
        )
        of_address = await attempts.failures_since(
            address="10.0.0.1", since=START - timedelta(1), limit=10
        )
    assert recent == [START + timedelta(minutes=3), START + timedelta(minutes=2)]
    assert len(all_of_email) == 4
    assert len(of_address) == 5


async def test_failures_are_cleared_per_email_and_purged_by_age(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.login_attempts.record_failure(email="a@example.com", address="x", at=START)
        await uow.login_attempts.record_failure(email="b@example.com", address="x", at=START)
        await uow.login_attempts.clear("a@example.com")
        assert await uow.login_attempts.purge(START) == 0
        assert await uow.login_attempts.purge(START + timedelta(seconds=1)) == 1
        await uow.commit()


async def test_deleting_an_account_deletes_its_tasks_and_notes_only(store: Store) -> None:
    from domain.note import NewNote
    from domain.task import NewTask

    mine = await add_account(store)
    theirs = await add_account(store, "b@example.com")
    async with store.unit_of_work() as uow:
        task = await uow.repository(TASKS).add(mine, NewTask.create(title="mine", now=START))
        note = await uow.repository(NOTES).add(
            mine, NewNote.create(title="mine", body="", now=START)
        )
        kept = await uow.repository(TASKS).add(theirs, NewTask.create(title="theirs", now=START))
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.accounts.delete(mine)
        await uow.commit()
    async with store.unit_of_work(read_only=True) as uow:
        assert await uow.repository(TASKS).get(mine, task.id) is None
        assert await uow.repository(NOTES).get(mine, note.id) is None
        assert await uow.repository(TASKS).get(theirs, kept.id) == kept


async def test_nothing_is_stored_for_an_account_that_does_not_exist(
    store: Store, tasks: TaskService, notes: NoteService
) -> None:
    # A token can outlive its account by up to ACCOUNT_CACHE_SECONDS in another
    # process: what it sends then must not be stored under no one.
    gone = 999_999
    with pytest.raises(AccountGone):
        await tasks.create(gone, title="orphan", tags=["a"])
    with pytest.raises(AccountGone):
        await notes.create(gone, title="orphan", body="")
    with pytest.raises(AccountGone):
        await tasks.create(gone, title="orphan", idempotency=IdempotencyRequest("k", "f" * 64))
    assert (await tasks.list(gone, TaskFilters(), ListRequest())).total == 0
    assert (await notes.list(gone, NoteFilters(), ListRequest())).total == 0
