"""The morning fan-out survives kill -9, SIGTERM and a misbehaving Bot API (small scale; the benchmark
`tests/bench/bench_resilience.py` runs the same at full size)."""

import asyncio
import random
import sqlite3
import sys
from datetime import datetime, timedelta, timezone

import pytest

from bot.app import build_app
from bot.config import load_settings
from bot.core.commands import grade_payload
from bot.core.replies import ChatRef, MemberRef
from bot.store import Store, open_database
from fakes.telegram_api import FakeTelegramAPI
from fanout import PROJECT_ROOT, BotProcess, DailyCount, bot_env, claims_in_flight, seed_chats, write_settings

CHATS = 300


@pytest.fixture
async def fanout(tmp_path):
    """A fake Bot API without limits, and a bot (not started) with 300 chats due now, paced at 300/s."""
    async with FakeTelegramAPI(enforce_limits=False) as fake:
        db = tmp_path / "drill.db"
        chat_ids = seed_chats(db, CHATS)
        env = bot_env(fake, db, write_settings(tmp_path / "settings.toml", scale=10))
        yield fake, db, chat_ids, lambda: BotProcess(env, tmp_path / "bot.log")


async def test_kill_9_mid_fan_out_then_restart_delivers_everywhere_duplicating_at_most_the_sends_in_flight(fanout):
    fake, db, chat_ids, new_bot = fanout
    count = DailyCount.watching(fake)
    bot = new_bot()
    await bot.start()
    assert await count.wait_for(100, timeout=60)
    bot.kill()
    await bot.process.wait()
    in_flight = claims_in_flight(db)
    assert count.delivered < CHATS  # it really died in the middle

    restarted = new_bot()
    await restarted.start()
    assert await count.wait_for(CHATS, timeout=90), (bot.log_path.read_text()[-2000:])
    assert await restarted.stop() == 0
    assert count.missing(chat_ids) == 0
    assert count.duplicates <= in_flight


async def test_sigterm_mid_fan_out_then_restart_never_sends_twice_or_misses(fanout):
    fake, _, chat_ids, new_bot = fanout
    count = DailyCount.watching(fake)
    bot = new_bot()
    await bot.start()
    assert await count.wait_for(100, timeout=60)
    assert await bot.stop() == 0
    assert count.delivered < CHATS

    restarted = new_bot()
    await restarted.start()
    assert await count.wait_for(CHATS, timeout=90), (bot.log_path.read_text()[-2000:])
    assert await restarted.stop() == 0
    assert (count.missing(chat_ids), count.duplicates) == (0, 0)


async def test_429s_and_blocked_chats_deliver_everything_else_exactly_once_without_a_retry_storm(fanout):
    fake, db, chat_ids, new_bot = fanout
    rng = random.Random(7)
    shuffled = rng.sample(chat_ids, len(chat_ids))
    throttled, blocked = shuffled[:30], shuffled[30:45]  # 10% answered 429 once, 5% blocked
    for chat_id in throttled:
        fake.fail_next("sendMessage", error="429", chat_id=chat_id, retry_after=1)
    for chat_id in blocked:
        fake.block(chat_id)
    count = DailyCount.watching(fake)
    bot = new_bot()
    await bot.start()
    assert await count.wait_for(CHATS - len(blocked), timeout=90), (bot.log_path.read_text()[-2000:])
    assert await bot.stop() == 0

    assert count.missing([c for c in chat_ids if c not in blocked]) == 0 and count.duplicates == 0
    store = Store(open_database(db))
    assert all(store.chats.chat(f"telegram:{c}")["status"] == "inactive" for c in blocked)
    store.close()
    sends = len(fake.calls_to("sendMessage"))
    # Every chat once, each 429 retried once, each blocked chat tried once: nothing more.
    assert sends == CHATS + len(throttled)


def grade_yesterday(db, chat_ids: list[int], members: int) -> int:
    """Yesterday's question delivered to each chat and graded by `members` members; returns the grade count."""
    now = datetime.now(timezone.utc)
    app = build_app(load_settings({"DRILL_DB": str(db)}), now)
    try:
        for chat_id in chat_ids:
            key = f"telegram:{chat_id}"
            yesterday = (now - timedelta(days=1)).date()
            question_id, cycle = app.drill.next_daily_question(app.store.chats.chat(key), yesterday, now)
            delivery_id = app.store.deliveries.claim_delivery(key, yesterday, question_id, cycle, now)
            app.store.deliveries.mark_sent(delivery_id, "1", now)
            ref = ChatRef(key, "telegram", "group" if chat_id < 0 else "private")
            for member in range(members):
                app.drill.action(ref, MemberRef(f"telegram:{member}", f"m{member}"), grade_payload(delivery_id, "knew"),
                                 now)
        return app.store.db["grades"].count
    finally:
        app.close()


async def test_db_backup_while_the_bot_writes_is_a_consistent_copy_with_every_grade(fanout, tmp_path):
    fake, db, chat_ids, _ = fanout
    grades = grade_yesterday(db, chat_ids[:40], members=3)
    assert grades == 120
    # Telegram's real pace (30 messages a second): the 300 chats take ten seconds, the backup about one.
    env = bot_env(fake, db, write_settings(tmp_path / "paced.toml", scale=1))
    count = DailyCount.watching(fake)
    bot = BotProcess(env, tmp_path / "bot.log")
    await bot.start()
    assert await count.wait_for(60, timeout=60)  # the fan-out is writing claims and marks right now
    backup = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "db", "backup", str(tmp_path / "copy.db"), cwd=PROJECT_ROOT, env=bot.env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, stderr = await asyncio.wait_for(backup.communicate(), timeout=60)
    assert backup.returncode == 0, stderr.decode()
    delivered_at_backup = count.delivered
    assert delivered_at_backup < CHATS  # the backup finished while the fan-out was still going
    assert await count.wait_for(CHATS, timeout=60)
    assert await bot.stop() == 0

    with sqlite3.connect(tmp_path / "copy.db") as restored:
        assert restored.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert restored.execute("select count(*) from grades").fetchone()[0] == grades
        marked = restored.execute("select count(*) from deliveries where status = 'sent'").fetchone()[0] - 40
    # A copy from the middle of the fan-out: what was marked before it, nothing sent after it finished.
    assert 0 < marked <= delivered_at_backup < CHATS
