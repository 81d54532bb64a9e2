"""The morning fan-out survives kill -9, SIGTERM and a misbehaving Bot API (small scale; the benchmark
`tests/bench/bench_resilience.py` runs the same at full size)."""

import random

import pytest

from bot.store import Store, open_database
from fakes.telegram_api import FakeTelegramAPI
from fanout import BotProcess, DailyCount, bot_env, claims_in_flight, seed_chats, write_settings

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
    assert all(store.chat(f"telegram:{c}")["status"] == "inactive" for c in blocked)
    store.close()
    sends = len(fake.calls_to("sendMessage"))
    # Every chat once, each 429 retried once, each blocked chat tried once: nothing more.
    assert sends == CHATS + len(throttled)
