"""The event loop never waits on SQLite: while another process holds the database's write lock, the
bot keeps answering. Through the real python-telegram-bot Application and the fake Bot API."""

import asyncio
import logging
import sqlite3
import threading
import time
from contextlib import AsyncExitStack

from bot.app import build_app
from bot.config import load_settings
from bot.platforms import open_platforms
from fakes.telegram_api import FakeTelegramAPI
from test_telegram_bot import NOW, PRIVATE, USERS, command, last_markup, last_sent, tap

HOLD_SECONDS = 3.0
# Members who ask for something that only reads, each in a private chat of their own (one chat gets at
# most about a message a second from the bot, so one chat could not show the loop's speed).
READERS = {60 + n: f"Reader{n}" for n in range(5)}


class WriteLockHolder:
    """Another connection (as `python -m bot push` or a long migration would be) holding the write lock."""

    def __init__(self, path):
        self.path, self.taken, self.release = path, threading.Event(), threading.Event()

    def run(self) -> None:
        with sqlite3.connect(self.path, timeout=30) as other:
            other.execute("begin immediate")
            self.taken.set()
            self.release.wait(HOLD_SECONDS)
            other.execute("rollback")


async def test_reads_are_answered_and_writes_wait_off_the_loop_while_another_connection_holds_the_write_lock(
        tmp_path, caplog):
    async with FakeTelegramAPI(enforce_limits=False) as fake:
        env = {"DRILL_DB": str(tmp_path / "drill.db"), "TELEGRAM_BOT_TOKEN": fake.token,
               "TELEGRAM_API_BASE_URL": fake.base_url}
        app = build_app(load_settings(env), NOW)
        async with AsyncExitStack() as stack:
            senders = (await open_platforms(app, lambda: NOW, stack, listen=True)).senders
            USERS.update(READERS)
            for reader in READERS:  # first contact writes (the member's name); later reads do not
                fake.push_update(command(reader, reader, "/help"))
            fake.push_update(command(PRIVATE, 42, "/subscribe 09:00 Asia/Seoul"))
            await fake.wait_for_call("sendMessage", len(READERS) + 1)
            await app.delivery(senders, lambda: NOW).sweep(NOW)
            question = last_sent(fake, PRIVATE)
            fake.push_update(tap(PRIVATE, 42, last_markup(fake)[0]["callback_data"], question, "reveal"))
            await fake.wait_for_call("sendMessage", len(READERS) + 3)
            knew = last_markup(fake)[0]["callback_data"]

            holder = WriteLockHolder(tmp_path / "drill.db")
            thread = threading.Thread(target=holder.run)
            thread.start()
            await asyncio.to_thread(holder.taken.wait)
            # asyncio's debug mode logs every callback that holds the loop longer than this: a handler
            # waiting on SQLite would be one.
            loop = asyncio.get_running_loop()
            loop.set_debug(True)
            loop.slow_callback_duration = 1.0
            caplog.set_level(logging.WARNING, logger="asyncio")
            locked_at = time.monotonic()

            fake.push_update(tap(PRIVATE, 42, knew, last_sent(fake, PRIVATE), "grade"))  # a write: it must wait
            waits = []
            for reader, typed in zip(READERS, ["/quiz", "/leaderboard", "/help", "/topics", "/schedule"]):
                asked = time.monotonic()
                fake.push_update(command(reader, reader, typed, 10))
                await fake.wait_for_call("sendMessage", len(READERS) + 4 + len(waits))
                waits.append(time.monotonic() - asked)
            answered_reads_at = time.monotonic()
            graded_during_hold = app.store.db["grades"].count

            await asyncio.to_thread(thread.join)
            await fake.wait_for_call("answerCallbackQuery", 2)  # the grade goes through once the lock is free
            loop.set_debug(False)

        assert answered_reads_at - locked_at < HOLD_SECONDS  # every read answered while the lock was held
        assert graded_during_hold == 0 and app.store.db["grades"].count == 1
        print(f"\nread replies while locked: max {max(waits) * 1000:.0f} ms")
        assert max(waits) < 1.0  # far from the 3 s a loop waiting on SQLite would take
        blocked = [r.getMessage() for r in caplog.records if r.name == "asyncio" and "took" in r.getMessage()]
        assert blocked == []  # no callback held the loop for a second
        app.close()
