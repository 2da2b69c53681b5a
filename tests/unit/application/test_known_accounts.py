"""Whether a token's account still exists, answered from the process's memory: a hit asks
no store, a miss asks once, a deletion is forgotten at once, and nothing is trusted
longer than the ttl or beyond the capacity."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from adapters.memory.store import MemoryDatabase
from adapters.memory.unit_of_work import MemoryUnitOfWork
from adapters.tokens import JwtAccessTokens
from application.accounts import AccountService, Authenticator, KnownAccounts
from application.errors import AccountGone, InvalidToken
from domain.account import NewAccount
from support.accounts import FastHasher
from support.clock import SteppingClock

TTL = 30.0
KEY = b"k" * 32


class Ticks:
    """A monotonic clock that moves only when the test says."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingUnitsOfWork:
    """Units of work over a memory database, counting how many were opened."""

    def __init__(self, database: MemoryDatabase) -> None:
        self.database = database
        self.opened = 0

    def __call__(
        self, *, read_only: bool = False, single_statement: bool = False
    ) -> MemoryUnitOfWork:
        self.opened += 1
        return MemoryUnitOfWork(self.database, read_only=read_only)


@pytest.fixture
def units(database: MemoryDatabase) -> CountingUnitsOfWork:
    return CountingUnitsOfWork(database)


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
def known(units: CountingUnitsOfWork, ticks: Ticks) -> KnownAccounts:
    return KnownAccounts(units, ttl=TTL, capacity=3, monotonic=ticks)


async def add_accounts(units: CountingUnitsOfWork, count: int) -> list[int]:
    ids = []
    async with units() as uow:
        for n in range(count):
            new = NewAccount(
                email=f"a{n}@example.com", password_hash="!", created_at=datetime.now(UTC)
            )
            account = await uow.accounts.add(new)
            assert account is not None
            ids.append(account.id)
        await uow.commit()
    units.opened = 0
    return ids


async def delete_behind_its_back(database: MemoryDatabase, account: int) -> None:
    """Delete `account` in the store only, as another server process would."""
    async with MemoryUnitOfWork(database) as uow:
        await uow.accounts.delete(account)
        await uow.commit()


async def test_a_miss_asks_the_store_once_and_hits_then_ask_nothing(
    known: KnownAccounts, units: CountingUnitsOfWork, ticks: Ticks
) -> None:
    [account] = await add_accounts(units, 1)

    assert await known.exists(account)
    assert units.opened == 1
    for _ in range(3):
        ticks.now += TTL / 4
        assert await known.exists(account)
    assert units.opened == 1


async def test_past_the_ttl_the_store_is_asked_again_and_its_answer_holds(
    known: KnownAccounts, units: CountingUnitsOfWork, ticks: Ticks, database: MemoryDatabase
) -> None:
    [account] = await add_accounts(units, 1)
    assert await known.exists(account)
    await delete_behind_its_back(database, account)

    assert await known.exists(account), "trusted until the ttl is over"
    ticks.now += TTL
    assert not await known.exists(account)
    assert not await known.exists(account)
    assert units.opened == 3, "absence is asked again each time, never remembered"


async def test_an_unknown_account_does_not_exist_and_is_not_remembered(
    known: KnownAccounts, units: CountingUnitsOfWork
) -> None:
    await add_accounts(units, 1)
    assert not await known.exists(999)
    assert not await known.exists(999)
    assert units.opened == 2


async def test_a_forgotten_account_is_asked_of_the_store_at_once(
    known: KnownAccounts, units: CountingUnitsOfWork, database: MemoryDatabase
) -> None:
    [account] = await add_accounts(units, 1)
    assert await known.exists(account)
    await delete_behind_its_back(database, account)

    known.forget(account)

    assert not await known.exists(account)


async def test_a_lookup_that_spans_a_deletion_is_not_remembered(
    database: MemoryDatabase, ticks: Ticks
) -> None:
    """A lookup reads the account, then the account is deleted and forgotten before the
    lookup returns: its answer is stale, and must not be trusted for a whole ttl."""
    reading, deleted = asyncio.Event(), asyncio.Event()

    class SlowUnitOfWork(MemoryUnitOfWork):
        async def __aexit__(self, *args: object) -> None:
            reading.set()
            await deleted.wait()
            await super().__aexit__(None, None, None)

    def slow_units(*, read_only: bool = False, single_statement: bool = False) -> MemoryUnitOfWork:
        return SlowUnitOfWork(database, read_only=read_only)

    known = KnownAccounts(slow_units, ttl=TTL, capacity=3, monotonic=ticks)
    [account] = await add_accounts(CountingUnitsOfWork(database), 1)

    lookup = asyncio.create_task(known.exists(account))
    await reading.wait()
    await delete_behind_its_back(database, account)
    known.forget(account)
    deleted.set()

    assert await lookup, "it read the account before the deletion"
    assert not await known.exists(account)


async def test_no_more_accounts_than_the_capacity_are_kept_the_oldest_go_first(
    known: KnownAccounts, units: CountingUnitsOfWork, ticks: Ticks
) -> None:
    accounts = await add_accounts(units, 4)
    for account in accounts[:3]:
        assert await known.exists(account)
        ticks.now += 1
    assert await known.exists(accounts[0]), "a hit does not make an entry younger"
    assert units.opened == 3

    assert await known.exists(accounts[3])  # the fourth makes room: the first goes
    assert units.opened == 4
    for account in accounts[1:]:
        assert await known.exists(account)
    assert units.opened == 4
    assert await known.exists(accounts[0])
    assert units.opened == 5


async def test_a_zero_ttl_asks_the_store_every_time(
    units: CountingUnitsOfWork, ticks: Ticks
) -> None:
    known = KnownAccounts(units, ttl=0, capacity=3, monotonic=ticks)
    [account] = await add_accounts(units, 1)
    for _ in range(3):
        assert await known.exists(account)
    assert units.opened == 3


@pytest.mark.parametrize(("ttl", "capacity"), [(-1.0, 3), (TTL, 0)])
def test_a_negative_ttl_or_no_capacity_is_refused(
    units: CountingUnitsOfWork, ttl: float, capacity: int
) -> None:
    with pytest.raises(ValueError, match="ttl"):
        KnownAccounts(units, ttl=ttl, capacity=capacity)


async def test_the_authenticator_names_the_tokens_account_only_while_it_exists(
    known: KnownAccounts, units: CountingUnitsOfWork, clock: SteppingClock
) -> None:
    signer = JwtAccessTokens(KEY)
    authenticator = Authenticator(signer=signer, accounts=known)
    service = AccountService(
        uow=units, clock=clock, hasher=FastHasher(), signer=signer, known=known
    )
    [account] = await add_accounts(units, 1)
    token = signer.issue(account, datetime.now(UTC)).token

    assert await authenticator.account_of(token) == account
    await service.delete_me(account)

    with pytest.raises(AccountGone):
        await authenticator.account_of(token)
    with pytest.raises(InvalidToken):
        await authenticator.account_of(token + "x")
