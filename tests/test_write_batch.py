"""WriteBatch: the writes of many coroutines go to a store thread together, in one transaction, and one
write that fails undoes only itself. On a real database file, through real store threads."""

import asyncio
import functools
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.store import Store, open_database
from bot.store.connection import connect, write_transaction
from bot.store.write_batch import WriteBatch


class StoreThreads:
    """The app's way to run store work (App.run), counting the hops to the store threads."""

    def __init__(self):
        self.pool = ThreadPoolExecutor(2, thread_name_prefix="store")
        self.hops = 0

    async def run(self, work, *args):
        self.hops += 1
        return await asyncio.get_running_loop().run_in_executor(self.pool, functools.partial(work, *args))


@pytest.fixture
def store(tmp_path):
    store = Store.open(tmp_path / "drill.db")
    store.db.execute("create table marks (n integer primary key)")
    yield store
    store.close()


def mark(store: Store, n: int) -> int:
    store.db.execute("insert into marks (n) values (?)", [n])
    return n * 10


def marks(path) -> list[int]:
    """What another connection sees: only committed writes."""
    with sqlite3.connect(path) as other:
        return [n for (n,) in other.execute("select n from marks order by n")]


async def test_writes_in_flight_together_take_one_hop_and_are_all_committed(store, tmp_path):
    threads = StoreThreads()
    batch = WriteBatch(lambda: store.db, threads.run)
    results = await asyncio.gather(*(batch.do(mark, store, n) for n in range(50)))
    assert results == [n * 10 for n in range(50)]
    assert threads.hops == 1
    assert marks(tmp_path / "drill.db") == list(range(50))
    threads.pool.shutdown()


async def test_a_failing_write_undoes_only_itself_and_its_caller_gets_the_error(store, tmp_path):
    threads = StoreThreads()
    batch = WriteBatch(lambda: store.db, threads.run)

    def mark_then_fail(n: int) -> None:
        mark(store, n)
        raise ValueError("no such question")

    outcomes = await asyncio.gather(batch.do(mark, store, 1), batch.do(mark_then_fail, 2), batch.do(mark, store, 3),
                                    return_exceptions=True)
    assert outcomes[0] == 10 and outcomes[2] == 30
    assert isinstance(outcomes[1], ValueError)
    assert marks(tmp_path / "drill.db") == [1, 3]
    threads.pool.shutdown()


async def test_a_batch_is_one_transaction_and_writes_arriving_meanwhile_go_in_the_next_one(store, tmp_path):
    threads = StoreThreads()
    batch = WriteBatch(lambda: store.db, threads.run)
    holding, go_on = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()

    def hold_then_mark(n: int) -> int:  # runs on the store thread: holds the first batch open until told
        loop.call_soon_threadsafe(holding.set)
        asyncio.run_coroutine_threadsafe(go_on.wait(), loop).result(timeout=10)
        return mark(store, n)

    first = [asyncio.ensure_future(batch.do(mark, store, 1)), asyncio.ensure_future(batch.do(hold_then_mark, 2))]
    await holding.wait()
    later = [asyncio.ensure_future(batch.do(mark, store, n)) for n in range(3, 13)]
    await asyncio.sleep(0)
    assert marks(tmp_path / "drill.db") == []  # 1 is written but its batch is still open
    go_on.set()
    assert await asyncio.gather(*first) == [10, 20]
    assert await asyncio.gather(*later) == [n * 10 for n in range(3, 13)]
    assert threads.hops == 2
    assert marks(tmp_path / "drill.db") == list(range(1, 13))
    threads.pool.shutdown()


async def test_a_batch_waits_for_another_connections_write_lock_off_the_loop(store, tmp_path):
    threads = StoreThreads()
    batch = WriteBatch(lambda: store.db, threads.run)
    other = sqlite3.connect(tmp_path / "drill.db", timeout=30)
    other.execute("begin immediate")
    pending = asyncio.ensure_future(batch.do(mark, store, 7))
    for _ in range(20):  # the loop keeps turning while the batch waits for the lock
        await asyncio.sleep(0)
    assert not pending.done()
    other.execute("rollback")
    other.close()
    assert await pending == 70
    assert marks(tmp_path / "drill.db") == [7]
    threads.pool.shutdown()


def test_a_write_transaction_holds_the_write_lock_from_its_first_read(tmp_path):
    # A deferred transaction that reads, then writes after another connection committed, fails at once
    # ("database is locked", its snapshot stale; a Telegram group's move did under load). Taking the lock
    # at BEGIN lets no other write in between, so the transaction's own write cannot fail that way.
    open_database(tmp_path / "drill.db").close()
    mine, other = connect(tmp_path / "drill.db"), connect(tmp_path / "drill.db")
    other.conn.execute("PRAGMA busy_timeout = 0")
    with write_transaction(mine):
        assert mine.execute("select count(*) from members").fetchone() == (0,)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("insert into members (key, name) values ('telegram:2', 'Bo')")
        other.conn.rollback()
        mine.execute("insert into members (key, name) values ('telegram:1', 'Ann')")
    other.execute("insert into members (key, name) values ('telegram:2', 'Bo')")
    other.conn.commit()
    assert [row[0] for row in mine.execute("select key from members order by key")] == ["telegram:1", "telegram:2"]
    mine.close(), other.close()


def test_a_write_transaction_rolls_back_on_an_error_and_nests_as_a_savepoint(tmp_path):
    db = open_database(tmp_path / "drill.db")
    with pytest.raises(ZeroDivisionError):
        with write_transaction(db):
            db.execute("insert into members (key, name) values ('telegram:1', 'Ann')")
            1 / 0
    with write_transaction(db):
        db.execute("insert into members (key, name) values ('telegram:2', 'Bo')")
        with pytest.raises(ZeroDivisionError):
            with write_transaction(db):
                db.execute("insert into members (key, name) values ('telegram:3', 'Cy')")
                1 / 0
    assert [row[0] for row in db.execute("select key from members")] == ["telegram:2"]
    db.close()
