"""Handing the rows made before accounts existed to a real account.

Migration 0004 gives every task and note it finds to one legacy account that
nobody can sign in as; an operator moves them to a real account once, with
`tasks-api adopt-legacy --email EMAIL`. Everything moves in one transaction,
and the legacy account is deleted after, so there is nothing left to adopt twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import delete, select, update

from adapters.sqlalchemy.engine import SqlDatabase
from adapters.sqlalchemy.tables import accounts, notes, task_tags, tasks

LEGACY_EMAIL: Final = "legacy@tasks-api.invalid"
"""The account migration 0004 made; it must stay the same as there."""


class NoSuchAccount(Exception):
    """The account meant to adopt the rows does not exist."""


@dataclass(frozen=True, slots=True)
class Adopted:
    tasks: int
    notes: int


async def adopt_legacy_rows(database: SqlDatabase, email: str) -> Adopted:
    """Give the legacy account's tasks and notes to the account with `email`."""
    async with database.begin() as connection:
        found = await connection.execute(
            select(accounts.c.email, accounts.c.id).where(
                accounts.c.email.in_([email.strip().lower(), LEGACY_EMAIL])
            )
        )
        ids: dict[str, int] = {row.email: row.id for row in found}
        target = ids.get(email.strip().lower())
        if target is None:
            raise NoSuchAccount(f"no account has the email {email!r}; sign up first")
        legacy = ids.get(LEGACY_EMAIL)
        if legacy is None or legacy == target:
            return Adopted(0, 0)
        moved = {}
        for table in (tasks, notes, task_tags):
            result = await connection.execute(
                update(table).where(table.c.owner_id == legacy).values(owner_id=target)
            )
            moved[table.name] = result.rowcount
        await connection.execute(delete(accounts).where(accounts.c.id == legacy))
    return Adopted(moved["tasks"], moved["notes"])
