"""Store writes from many coroutines, done together: one store-thread hop and one transaction per batch.

The daily fan-out claims and marks thousands of deliveries. Done one by one, every write is a hop to a
store thread and back, and two store threads writing at once meet in SQLite's busy handler, which
sleeps. Batched, the writes of the sends in flight go in one hop and one transaction (group commit:
while a batch is written the next one gathers, and nothing ever waits on a timer).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlite_utils import Database

from bot.store.connection import write_transaction

T = TypeVar("T")


class WriteBatch:
    """Runs `work` callables in batches, each batch in one `BEGIN IMMEDIATE` transaction on a store thread.

    A callable that raises undoes only its own writes: its caller gets the exception, the others their
    results.
    """

    def __init__(self, db: Callable[[], Database], run: Callable[..., Awaitable[Any]]):
        self._db = db  # looked up on the store thread: each thread has its own connection
        self._run = run
        self._pending: list[tuple[Callable[[], Any], asyncio.Future]] = []
        self._writer: asyncio.Task | None = None

    async def do(self, work: Callable[..., T], *args: Any) -> T:
        """Run `work(*args)` inside the next batch's transaction; its result or its exception."""
        future = asyncio.get_running_loop().create_future()
        self._pending.append((functools.partial(work, *args), future))
        if self._writer is None:
            self._writer = asyncio.ensure_future(self._write_pending())
        return await future

    async def _write_pending(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    outcomes = await self._run(self._write, [work for work, _ in batch])
                except BaseException as error:  # the transaction itself failed: so did every write in it
                    outcomes = [(False, error)] * len(batch)
                    if isinstance(error, asyncio.CancelledError):
                        self._settle(batch, outcomes)
                        raise
                self._settle(batch, outcomes)
        finally:
            self._writer = None

    @staticmethod
    def _settle(batch: list[tuple[Callable[[], Any], asyncio.Future]], outcomes: list) -> None:
        for (_, future), (done, value) in zip(batch, outcomes):
            if future.done():  # its caller was cancelled; the write itself was done
                continue
            if done:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _write(self, works: list[Callable[[], Any]]) -> list[tuple[bool, Any]]:
        """(True, result) or (False, exception) per callable. All in one transaction; when one of them
        raises, that transaction is undone and each callable runs again in a transaction of its own, so
        that one failing write costs only itself (a rare path: savepoints for every write cost more)."""
        db = self._db()
        try:
            return [(True, result) for result in self._transaction(db, works)]
        except Exception:
            outcomes: list[tuple[bool, Any]] = []
            for work in works:
                try:
                    outcomes.append((True, self._transaction(db, [work])[0]))
                except Exception as error:
                    outcomes.append((False, error))
            return outcomes

    @staticmethod
    def _transaction(db: Database, works: list[Callable[[], Any]]) -> list:
        with write_transaction(db):
            return [work() for work in works]
