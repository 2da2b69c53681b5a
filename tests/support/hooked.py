"""A unit of work that lets a test act just before chosen task writes: a rival writer, a crash."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from types import TracebackType
from typing import Literal, Self, TypeVar

from application.paging import Slice, Window
from application.ports import Repository, UnitOfWork
from application.resources import ResourceKind, Versioned
from application.tasks import TASKS

E = TypeVar("E")
V = TypeVar("V", bound=Versioned)
N = TypeVar("N")
F = TypeVar("F")

Hook = Callable[[], Awaitable[None]]
Write = Literal["add", "update", "delete"]


class HookedRepository(Repository[E, N, F]):
    """Does what `inner` does, but awaits `hook` first in each of the `hooked` writes."""

    def __init__(self, inner: Repository[E, N, F], hook: Hook, hooked: Collection[Write]) -> None:
        self._inner = inner
        self._hook = hook
        self._hooked = hooked

    async def _before(self, write: Write) -> None:
        if write in self._hooked:
            await self._hook()

    async def add(self, owner: int, new: N) -> E:
        await self._before("add")
        return await self._inner.add(owner, new)

    async def get(self, owner: int, resource_id: int, *, for_update: bool = False) -> E | None:
        return await self._inner.get(owner, resource_id, for_update=for_update)

    async def list(self, owner: int, filters: F, window: Window) -> Slice[E]:
        return await self._inner.list(owner, filters, window)

    async def update(self, owner: int, current: E, updated: E) -> bool:
        await self._before("update")
        return await self._inner.update(owner, current, updated)

    async def delete(self, owner: int, resource_id: int, *, version: int | None = None) -> bool:
        await self._before("delete")
        return await self._inner.delete(owner, resource_id, version=version)


class HookedUnitOfWork(UnitOfWork):
    """`inner`, whose task repository awaits `hook` before each of the `hooked` writes."""

    def __init__(self, inner: UnitOfWork, hook: Hook, hooked: Collection[Write]) -> None:
        self._inner = inner
        self._hook = hook
        self._hooked = hooked

    def repository(self, kind: ResourceKind[V, N, F]) -> Repository[V, N, F]:
        repository = self._inner.repository(kind)
        if kind is not TASKS:
            return repository
        return HookedRepository(repository, self._hook, self._hooked)

    async def __aenter__(self) -> Self:
        inner = await self._inner.__aenter__()
        self.idempotency = inner.idempotency
        self.accounts = inner.accounts
        self.refresh_tokens = inner.refresh_tokens
        self.login_attempts = inner.login_attempts
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._inner.__aexit__(exc_type, exc, traceback)

    async def commit(self) -> None:
        await self._inner.commit()
