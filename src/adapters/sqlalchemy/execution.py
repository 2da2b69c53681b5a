"""Running the repositories' statements: through SQLAlchemy, or straight on asyncpg.

The repositories build their statements once with SQLAlchemy Core and hand
them, with a dict of values, to an `Executor`. On SQLite the executor is
SQLAlchemy's own connection. On PostgreSQL it is the raw asyncpg connection
under SQLAlchemy's pooled one: each statement is compiled once for the
asyncpg dialect (SQL text with `$n` parameters, and the order of their names),
then executed as an asyncpg prepared statement (asyncpg caches it per
connection). SQLAlchemy's per-execution machinery (the greenlet hop, the
cursor adapter, result objects, the compiled-cache lookup) cost about 450 µs
of a `GET /tasks/{id}` that the rest of the request serves in a few hundred.

Rows come back as mappings (`row["id"]`) whichever the executor.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Protocol, TypeAlias, cast

import asyncpg
from sqlalchemy import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import SQLCompiler


class Row(Protocol):
    """A row read by column name: SQLAlchemy's `RowMapping` or asyncpg's `Record`."""

    def __getitem__(self, name: str, /) -> Any: ...


Params: TypeAlias = Mapping[str, Any]


class Executor(Protocol):
    """Runs built statements on one connection, within the unit of work's transaction."""

    connection: AsyncConnection
    """SQLAlchemy's connection, for the stores that still execute through it."""

    async def rows(self, statement: Executable, params: Params) -> Sequence[Row]: ...

    async def row(self, statement: Executable, params: Params) -> Row | None:
        """The only row, or None; more than one is a bug."""

    async def count(self, statement: Executable, params: Params) -> int:
        """Run a data-changing statement; how many rows it changed."""

    async def many(self, statement: Executable, params: Sequence[Params]) -> None:
        """Run a statement once for each set of values."""

    async def begin(self) -> None:
        """Start the unit of work's transaction (a read-only one has none)."""

    async def commit(self) -> None: ...

    async def end(self) -> None:
        """Roll back whatever was not committed, before the connection is given back."""


class SqlAlchemyExecutor(Executor):
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def rows(self, statement: Executable, params: Params) -> Sequence[Row]:
        result = await self.connection.execute(statement, dict(params))
        return result.mappings().all()

    async def row(self, statement: Executable, params: Params) -> Row | None:
        result = await self.connection.execute(statement, dict(params))
        return result.mappings().one_or_none()

    async def count(self, statement: Executable, params: Params) -> int:
        result = await self.connection.execute(statement, dict(params))
        return result.rowcount

    async def many(self, statement: Executable, params: Sequence[Params]) -> None:
        if params:  # SQLAlchemy would run it once without values (an INSERT of defaults)
            await self.connection.execute(statement, [dict(values) for values in params])

    async def begin(self) -> None:
        """Nothing to send: SQLAlchemy begins with the first statement."""

    async def commit(self) -> None:
        await self.connection.commit()

    async def end(self) -> None:
        """Nothing to send: giving the connection back to the pool rolls back."""


_Binder: TypeAlias = Callable[[Params], list[Any]]


def _binder(compiled: SQLCompiler) -> _Binder:
    """The positional arguments of `compiled`, in its parameters' order, from a dict.

    Each value goes through its type's bind processor, as SQLAlchemy would;
    values written into the statement (`version=1`) are bound from it.
    """
    names: Sequence[str] = compiled.positiontup or ()
    # Positional (numeric) statements have one processor per parameter, never a tuple.
    processors = cast(Mapping[str, Callable[[Any], Any]], compiled._bind_processors)
    fixed = {
        name: parameter.effective_value
        for name in names
        if not (parameter := compiled.binds[name]).required
    }
    steps = [(name, processors.get(name)) for name in names]
    if not fixed and not any(process for _, process in steps):
        return lambda params: [params[name] for name in names]

    def bind(params: Params) -> list[Any]:
        values = {**fixed, **params} if fixed else params
        return [
            values[name] if process is None else process(values[name]) for name, process in steps
        ]

    return bind


class CompiledStatements:
    """Each statement compiled once for asyncpg: its SQL and how to bind its values.

    Keyed by the statement object and the names of the values given: an INSERT
    or UPDATE whose columns come from the values compiles once per set of names.
    Statements are built once and live as long as the process, so their ids
    are stable; the statement is kept with its entry so its id is never reused.
    """

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._compiled: dict[tuple[int, tuple[str, ...]], tuple[str, _Binder, Executable]] = {}

    def get(self, statement: Executable, names: tuple[str, ...]) -> tuple[str, _Binder]:
        key = (id(statement), names)
        found = self._compiled.get(key)
        if found is None:
            compiled = statement.compile(dialect=self._dialect, column_keys=list(names))  # type: ignore[attr-defined]  # SQLAlchemy's Executable does not declare compile(); every statement here has it
            if not isinstance(compiled, SQLCompiler) or "POSTCOMPILE" in compiled.string:
                raise ValueError("only statements with positional, plain parameters run on asyncpg")
            found = self._compiled[key] = (compiled.string, _binder(compiled), statement)
        return found[0], found[1]


_CHANGED: Final = re.compile(r"(\d+)$")


class AsyncpgExecutor(Executor):
    """Statements as asyncpg prepared statements on the raw connection: one round trip each.

    Transactions are the unit of work's: it sends BEGIN and COMMIT on the same
    raw connection, and SQLAlchemy's connection is kept in autocommit mode, so
    that the stores still executing through it join that transaction rather
    than open their own.
    """

    def __init__(
        self,
        connection: AsyncConnection,
        raw: asyncpg.Connection,
        compiled: CompiledStatements,
    ) -> None:
        self.connection = connection
        self.raw = raw
        self._compiled = compiled

    def _prepared(self, statement: Executable, params: Params) -> tuple[str, list[Any]]:
        sql, bind = self._compiled.get(statement, tuple(params))
        return sql, bind(params)

    async def rows(self, statement: Executable, params: Params) -> Sequence[Row]:
        sql, args = self._prepared(statement, params)
        records: Sequence[Row] = await self.raw.fetch(sql, *args)
        return records

    async def row(self, statement: Executable, params: Params) -> Row | None:
        records = await self.rows(statement, params)
        if len(records) > 1:
            raise RuntimeError("a statement expected to give one row at most gave more")
        return records[0] if records else None

    async def count(self, statement: Executable, params: Params) -> int:
        sql, args = self._prepared(statement, params)
        status: str = await self.raw.execute(sql, *args)
        changed = _CHANGED.search(status)
        return int(changed.group(1)) if changed else 0

    async def many(self, statement: Executable, params: Sequence[Params]) -> None:
        if not params:
            return
        sql, bind = self._compiled.get(statement, tuple(params[0]))
        await self.raw.executemany(sql, [bind(values) for values in params])

    async def begin(self) -> None:
        await self.raw.execute("BEGIN")

    async def commit(self) -> None:
        await self.raw.execute("COMMIT")

    async def end(self) -> None:
        if self.raw.is_in_transaction():
            await self.raw.execute("ROLLBACK")
