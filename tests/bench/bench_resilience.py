"""Resilience of the Telegram fan-out at full size: kill -9, SIGTERM and faults, with figures.

Run as `python tests/bench/bench_resilience.py [--chats 2000] [--runs 10] [--seed 1]`. The same checks
run small in CI (tests/test_fanout_resilience.py). Each run is a fresh database of chats due now, a real
`python -m bot run` paced at Telegram's limits x10, and the fake Bot API (its limits off, so the
figures are about the bot).

- crash: kill -9 at a random moment of the fan-out, restart; every chat must get its drill, and the
  duplicates must not exceed the deliveries claimed but not marked at the kill (the sends in flight);
- clean stop: SIGTERM in the middle, restart: no duplicate, nothing missing;
- faults: 10% of chats answered 429 (retry_after 1 s) once, 5% blocked: every other chat exactly once,
  blocked chats deactivated, and the requests counted (no retry storm).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from bot.store import Store, open_database  # noqa: E402
from fakes.telegram_api import FakeTelegramAPI  # noqa: E402
from fanout import BotProcess, DailyCount, bot_env, claims_in_flight, seed_chats, write_settings  # noqa: E402


async def crash_or_stop(work: Path, chats: int, rng: random.Random, *, kill: bool) -> dict:
    """One fan-out stopped at a random moment (kill -9 or SIGTERM), then restarted to the end."""
    work.mkdir(parents=True)
    async with FakeTelegramAPI(enforce_limits=False) as fake:
        db = work / "drill.db"
        chat_ids = seed_chats(db, chats)
        env = bot_env(fake, db, write_settings(work / "settings.toml", scale=10))
        count = DailyCount.watching(fake)
        bot = BotProcess(env, work / "bot.log")
        await bot.start()
        await count.wait_for(1, timeout=60)
        await asyncio.sleep(rng.uniform(0.1, 0.9) * chats / 300)  # a random moment of the fan-out
        if kill:
            bot.kill()
            exit_status = await bot.process.wait()
        else:
            exit_status = await bot.stop()
        at_stop, in_flight = count.delivered, claims_in_flight(db)
        restarted = BotProcess(env, work / "bot.log")
        await restarted.start()
        done = await count.wait_for(chats, timeout=120)
        await restarted.stop()
        if not done:
            print(f"TIMED OUT: {count.delivered:,} of {chats:,} chats delivered 120 s after the restart")
        return {"done": done, "at_stop": at_stop, "in_flight": in_flight, "missing": count.missing(chat_ids),
                "duplicates": count.duplicates, "exit": exit_status}


async def faults(work: Path, chats: int, rng: random.Random) -> dict:
    """10% of the chats answered 429 once, 5% blocked."""
    work.mkdir(parents=True)
    async with FakeTelegramAPI(enforce_limits=False) as fake:
        db = work / "drill.db"
        chat_ids = seed_chats(db, chats)
        shuffled = rng.sample(chat_ids, len(chat_ids))
        throttled, blocked = shuffled[: chats // 10], set(shuffled[chats // 10: chats // 10 + chats // 20])
        for chat_id in throttled:
            fake.fail_next("sendMessage", error="429", chat_id=chat_id, retry_after=1)
        for chat_id in blocked:
            fake.block(chat_id)
        count = DailyCount.watching(fake)
        bot = BotProcess(bot_env(fake, db, write_settings(work / "settings.toml", scale=10)), work / "bot.log")
        await bot.start()
        done = await count.wait_for(chats - len(blocked), timeout=180)
        if not done:
            print(f"TIMED OUT: {count.delivered:,} of {chats - len(blocked):,} chats delivered within 180 s")
        duration = count.last_at - count.first_at
        await bot.stop()
        store = Store(open_database(db))
        deactivated = sum(store.chats.chat(f"telegram:{c}")["status"] == "inactive" for c in blocked)
        store.close()
        return {"done": done, "missing": count.missing([c for c in chat_ids if c not in blocked]),
                "duplicates": count.duplicates, "throttled": len(throttled), "blocked": len(blocked),
                "deactivated": deactivated, "requests": len(fake.calls_to("sendMessage")), "duration": duration}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"{args.chats:,} chats per run, paced at 300 messages/s")
    with tempfile.TemporaryDirectory() as tmp:
        print("\nkill -9 at a random moment, then restart")
        print(f"{'run':>3}  {'delivered at kill':>17}  {'in flight':>9}  {'duplicates':>10}  {'missing':>7}  verdict")
        worst = True
        for run in range(1, args.runs + 1):
            r = asyncio.run(crash_or_stop(Path(tmp) / f"kill{run}", args.chats, rng, kill=True))
            ok = r["done"] and r["missing"] == 0 and r["duplicates"] <= r["in_flight"]
            worst &= ok
            print(f"{run:>3}  {r['at_stop']:>17,}  {r['in_flight']:>9}  {r['duplicates']:>10}  {r['missing']:>7}  "
                  f"{'PASS' if ok else 'MISS'}")
        print(f"all runs: {'PASS' if worst else 'MISS'} (target: nothing missing, duplicates <= sends in flight)")
        verdicts = [worst]

        r = asyncio.run(crash_or_stop(Path(tmp) / "term", args.chats, rng, kill=False))
        ok = r["done"] and r["missing"] == 0 and r["duplicates"] == 0 and r["exit"] == 0
        verdicts.append(ok)
        print(f"\nSIGTERM after {r['at_stop']:,} deliveries (exit status {r['exit']}), restart: "
              f"{r['duplicates']} duplicates, {r['missing']} missing  {'PASS' if ok else 'MISS'}")

        r = asyncio.run(faults(Path(tmp) / "faults", args.chats, rng))
        expected = args.chats + r["throttled"]
        ok = r["done"] and r["missing"] == 0 and r["duplicates"] == 0 and r["deactivated"] == r["blocked"]
        print(f"\nfaults: {r['throttled']} chats answered 429 once, {r['blocked']} blocked")
        print(f"  every other chat exactly once: {r['missing']} missing, {r['duplicates']} duplicates; "
              f"blocked deactivated {r['deactivated']}/{r['blocked']}  {'PASS' if ok else 'MISS'}")
        print(f"  sendMessage requests: {r['requests']:,} (chats + one retry per 429 = {expected:,}); "
              f"fan-out took {r['duration']:.1f} s  {'PASS' if r['requests'] == expected else 'MISS'}")
        verdicts += [ok, r["requests"] == expected]
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
