"""The three stores every adapter contract test runs on, behind one small interface."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.memory.store import MemoryDatabase
from adapters.memory.unit_of_work import MemoryUnitOfWork
from adapters.sqlalchemy.engine import SqlDatabase
from adapters.sqlalchemy.tables import accounts, metadata
from adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from application.ports import UnitOfWork
from domain.account import Account
from entrypoints.resources import SQL_RESOURCES
from support.owners import ACCOUNTS


class Store(Protocol):
    name: str

    def unit_of_work(
        self, *, read_only: bool = False, single_statement: bool = False
    ) -> UnitOfWork: ...

    async def reset(self) -> None:
        """Empty every table, so each test starts from nothing but the tests' accounts."""


@dataclass
class MemoryStore:
    name: str = "memory"
    database: MemoryDatabase = field(default_factory=MemoryDatabase)

    def unit_of_work(
        self, *, read_only: bool = False, single_statement: bool = False
    ) -> UnitOfWork:
        return MemoryUnitOfWork(
            self.database, read_only=read_only, single_statement=single_statement
        )

    async def reset(self) -> None:
        self.database = MemoryDatabase()
        add_test_accounts_in_memory(self.database)


@dataclass
class SqlStore:
    name: str
    database: SqlDatabase

    def unit_of_work(
        self, *, read_only: bool = False, single_statement: bool = False
    ) -> UnitOfWork:
        return SqlUnitOfWork(
            self.database,
            SQL_RESOURCES,
            read_only=read_only,
            single_statement=single_statement,
        )

    async def reset(self) -> None:
        # Children before parents, from the schema itself: a new table needs no change here.
        tables = [table.name for table in reversed(metadata.sorted_tables)]
        async with self.database.begin() as connection:
            if self.database.engine.dialect.name == "postgresql":
                await connection.execute(
                    text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
                )
            else:
                for table in tables:
                    await connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608
                await connection.execute(text("DELETE FROM sqlite_sequence"))
            await add_test_accounts(connection)


def add_test_accounts_in_memory(database: MemoryDatabase) -> None:
    """The tests' accounts in a memory database, as `add_test_accounts` puts them in SQL
    ones: a token of theirs is refused if its account does not exist."""
    tables = database.account_tables
    for account_id in ACCOUNTS:
        account = Account(
            id=account_id,
            email=f"account-{account_id}@example.com",
            password_hash="!",
            created_at=datetime.now(UTC),
        )
        tables.accounts[account_id] = account
        tables.by_email[account.email] = account_id
    # Accounts made later go after them, as the SQL identity does.
    tables.account_ids = itertools.count(max(next(tables.account_ids), max(ACCOUNTS) + 1))


async def add_test_accounts(connection: AsyncConnection) -> None:
    """The tests' accounts, with the ids the tests know them by (and no usable password)."""
    await connection.execute(
        insert(accounts),
        [
            {
                "id": account_id,
                "email": f"account-{account_id}@example.com",
                "password_hash": "!",
                "created_at": datetime.now(UTC),
            }
            for account_id in ACCOUNTS
        ],
    )
    if connection.dialect.name == "postgresql":
        # Ids given by hand leave the identity behind: accounts made later go after them.
        sequence = func.pg_get_serial_sequence("accounts", "id")
        await connection.execute(select(func.setval(sequence, max(ACCOUNTS))))
