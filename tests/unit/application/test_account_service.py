"""The account use cases over the memory store: every rule and every refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory.store import MemoryDatabase
from adapters.passwords import Argon2PasswordHasher
from adapters.tokens import JwtAccessTokens
from application.accounts import AccountService, KnownAccounts, TokenPair
from application.errors import (
    AccountGone,
    EmailTaken,
    InvalidGrant,
    TooManyAttempts,
)
from application.ports import UnitOfWorkFactory
from domain.errors import InvalidInput
from support.accounts import PASSWORD, FastHasher
from support.clock import SteppingClock

KEY = b"k" * 32


@pytest.fixture
def clock() -> SteppingClock:
    """From now: access tokens are checked against the system's time (adapters/tokens.py)."""
    return SteppingClock(datetime.now(UTC))


@pytest.fixture
def hasher() -> FastHasher:
    return FastHasher()


@pytest.fixture
def known(uow: UnitOfWorkFactory) -> KnownAccounts:
    return KnownAccounts(uow, ttl=60, capacity=10, monotonic=lambda: 0.0)


@pytest.fixture
def accounts(
    uow: UnitOfWorkFactory, clock: SteppingClock, hasher: FastHasher, known: KnownAccounts
) -> AccountService:
    return AccountService(
        uow=uow, clock=clock, hasher=hasher, signer=JwtAccessTokens(KEY), known=known
    )


async def login(
    accounts: AccountService,
    email: str = "a@example.com",
    password: str = PASSWORD,
    address: str = "10.0.0.1",
) -> TokenPair:
    return await accounts.login(email=email, password=password, address=address)


async def test_sign_up_normalises_the_email_and_stores_only_a_hash(
    accounts: AccountService, database: MemoryDatabase
) -> None:
    account = await accounts.sign_up(email="  Ann@Example.COM ", password=PASSWORD)

    assert account.email == "ann@example.com"
    assert PASSWORD not in account.password_hash
    assert database.account_tables.accounts[account.id] == account
    assert PASSWORD not in repr(account)


@pytest.mark.parametrize(
    ("email", "password", "fields"),
    [
        ("no-at-sign", PASSWORD, {"email"}),
        ("two@@example.com", PASSWORD, {"email"}),
        ("@example.com", PASSWORD, {"email"}),
        ("ann@", PASSWORD, {"email"}),
        ("a" * 250 + "@b.co", PASSWORD, {"email"}),
        ("ann@example.com", "short", {"password"}),
        ("ann@example.com", "x" * 129, {"password"}),
        ("bad", "short", {"email", "password"}),
    ],
)
async def test_sign_up_names_every_invalid_field(
    accounts: AccountService, email: str, password: str, fields: set[str]
) -> None:
    with pytest.raises(InvalidInput) as raised:
        await accounts.sign_up(email=email, password=password)
    assert {error.field for error in raised.value.errors} == fields


async def test_passwords_of_12_and_128_characters_are_accepted(accounts: AccountService) -> None:
    await accounts.sign_up(email="a@example.com", password="x" * 12)
    await accounts.sign_up(email="b@example.com", password="x" * 128)


async def test_an_email_is_taken_whatever_its_case(accounts: AccountService) -> None:
    await accounts.sign_up(email="ann@example.com", password=PASSWORD)
    with pytest.raises(EmailTaken):
        await accounts.sign_up(email="ANN@example.com", password=PASSWORD)


async def test_login_gives_a_pair_whose_access_token_names_the_account(
    accounts: AccountService,
) -> None:
    account = await accounts.sign_up(email="a@example.com", password=PASSWORD)
    pair = await login(accounts, email=" A@EXAMPLE.com")

    assert pair.expires_in == 15 * 60
    assert JwtAccessTokens(KEY).verify(pair.access_token) == account.id


async def test_a_wrong_email_and_a_wrong_password_are_refused_alike(
    accounts: AccountService,
) -> None:
    await accounts.sign_up(email="a@example.com", password=PASSWORD)
    with pytest.raises(InvalidGrant) as wrong_password:
        await login(accounts, password="wrong password!")
    with pytest.raises(InvalidGrant) as wrong_email:
        await login(accounts, email="b@example.com")
    with pytest.raises(InvalidGrant) as not_an_email:
        await login(accounts, email="nobody")
    assert str(wrong_password.value) == str(wrong_email.value) == str(not_an_email.value)


async def test_an_unknown_email_is_still_verified_against_a_hash(
    accounts: AccountService, hasher: FastHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str | None] = []

    async def verify(password: str, password_hash: str | None) -> bool:
        verified.append(password_hash)
        return False

    monkeypatch.setattr(hasher, "verify", verify)
    with pytest.raises(InvalidGrant):
        await login(accounts, email="nobody@example.com")
    assert verified == [None]


async def test_the_sixth_attempt_for_an_email_is_refused_even_with_the_right_password(
    accounts: AccountService, clock: SteppingClock
) -> None:
    await accounts.sign_up(email="a@example.com", password=PASSWORD)
    for attempt in range(5):
        with pytest.raises(InvalidGrant):
            await login(accounts, password="wrong password!", address=f"10.0.0.{attempt}")
    with pytest.raises(TooManyAttempts) as refused:
        await login(accounts, address="10.9.9.9")
    assert 0 < refused.value.retry_after <= 15 * 60

    clock.advance(timedelta(seconds=refused.value.retry_after))
    await login(accounts)


async def test_a_success_forgets_the_emails_failures(accounts: AccountService) -> None:
    await accounts.sign_up(email="a@example.com", password=PASSWORD)
    for _ in range(4):
        with pytest.raises(InvalidGrant):
            await login(accounts, password="wrong password!")
    await login(accounts)
    for _ in range(4):
        with pytest.raises(InvalidGrant):
            await login(accounts, password="wrong password!")
    await login(accounts)


async def test_fifty_failures_from_one_address_lock_it_for_every_email(
    accounts: AccountService,
) -> None:
    await accounts.sign_up(email="a@example.com", password=PASSWORD)
    for attempt in range(50):
        with pytest.raises(InvalidGrant):
            await login(accounts, email=f"guess{attempt}@example.com")
    with pytest.raises(TooManyAttempts):
        await login(accounts)
    await login(accounts, address="10.0.0.2")


async def test_a_refresh_rotates_the_pair_and_retires_the_token_used(
    accounts: AccountService,
) -> None:
    account = await accounts.sign_up(email="a@example.com", password=PASSWORD)
    first = await login(accounts)
    second = await accounts.refresh(first.refresh_token)

    assert second.refresh_token != first.refresh_token
    assert JwtAccessTokens(KEY).verify(second.access_token) == account.id
    third = await accounts.refresh(second.refresh_token)
    assert third.refresh_token not in (first.refresh_token, second.refresh_token)


async def test_reusing_a_retired_token_revokes_its_whole_login_and_no_other(
    accounts: AccountService,
) -> None:
    await accounts.sign_up(email="a@example.com", password=PASSWORD)
    stolen = await login(accounts)
    other_login = await login(accounts)
    current = await accounts.refresh(stolen.refresh_token)

    with pytest.raises(InvalidGrant):
        await accounts.refresh(stolen.refresh_token)
    with pytest.raises(InvalidGrant):
        await accounts.refresh(current.refresh_token)
    await accounts.refresh(other_login.refresh_token)


async def test_unknown_and_expired_refresh_tokens_are_refused(
    accounts: AccountService, clock: SteppingClock
) -> None:
    await accounts.sign_up(email="a@example.com", password=PASSWORD)
    with pytest.raises(InvalidGrant):
        await accounts.refresh("made-up")
    pair = await login(accounts)
    clock.advance(timedelta(days=30))
    with pytest.raises(InvalidGrant):
        await accounts.refresh(pair.refresh_token)


async def test_revoking_ends_the_login_and_unknown_tokens_are_fine(
    accounts: AccountService,
) -> None:
    await accounts.sign_up(email="a@example.com", password=PASSWORD)
    pair = await login(accounts)
    await accounts.revoke("made-up")
    await accounts.revoke(pair.refresh_token)
    with pytest.raises(InvalidGrant):
        await accounts.refresh(pair.refresh_token)


async def test_deleting_the_account_removes_it_and_its_tokens(
    accounts: AccountService, database: MemoryDatabase
) -> None:
    account = await accounts.sign_up(email="a@example.com", password=PASSWORD)
    pair = await login(accounts)
    assert (await accounts.me(account.id)) == account

    await accounts.delete_me(account.id)

    assert database.account_tables.refresh_tokens == {}
    with pytest.raises(AccountGone):
        await accounts.me(account.id)
    with pytest.raises(AccountGone):
        await accounts.delete_me(account.id)
    with pytest.raises(InvalidGrant):
        await accounts.refresh(pair.refresh_token)
    await accounts.sign_up(email="a@example.com", password=PASSWORD)


async def test_an_outdated_hash_is_replaced_at_login(
    accounts: AccountService, hasher: FastHasher, database: MemoryDatabase
) -> None:
    account = await accounts.sign_up(email="a@example.com", password=PASSWORD)
    hasher.outdated.add(account.password_hash)
    database.account_tables.accounts[account.id] = account.__class__(
        id=account.id,
        email=account.email,
        password_hash=account.password_hash,
        created_at=account.created_at,
    )
    await login(accounts)
    assert database.account_tables.accounts[account.id].password_hash == account.password_hash
    assert hasher.outdated == {account.password_hash}


async def test_purging_removes_expired_tokens_and_old_failures(
    accounts: AccountService, clock: SteppingClock, database: MemoryDatabase
) -> None:
    await accounts.sign_up(email="a@example.com", password=PASSWORD)
    await login(accounts)
    with pytest.raises(InvalidGrant):
        await login(accounts, password="wrong password!")
    assert await accounts.purge_expired() == 0
    clock.advance(timedelta(days=31))
    assert await accounts.purge_expired() == 2
    assert database.account_tables.login_failures == {}


async def test_the_real_hasher_is_argon2id_and_verifies_only_the_password() -> None:
    hasher = Argon2PasswordHasher(threads=1)
    try:
        hashed = await hasher.hash(PASSWORD)
        assert hashed.startswith("$argon2id$")
        assert await hasher.verify(PASSWORD, hashed)
        assert not await hasher.verify("wrong password!", hashed)
        assert not await hasher.verify(PASSWORD, None)
        assert not await hasher.verify(PASSWORD, "!")
        assert not hasher.needs_rehash(hashed)
        assert hasher.needs_rehash("!")
    finally:
        hasher.close()
