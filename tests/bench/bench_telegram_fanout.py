"""Benchmark of the Telegram morning fan-out: a real `python -m bot run` and the fake Bot API.

Run as `python tests/bench/bench_telegram_fanout.py [--chats 10000] [--scale 10] [--members 200]`.
Three runs, each on a fresh database with 1,000 questions:

1. paced: the fake enforces Telegram's limits times `scale` and the bot is configured to the same
   limits; meanwhile `members` people each do /quiz, Show answer and a grade, spread over the fan-out;
   then the same people again once the fan-out is over;
2. unpaced: the fake's limits off and the bot's pacing off: what the bot's own path costs;
3. footprint: start-up time to ready (polling) and peak RSS, from run 1's process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fakes.telegram_api import FakeTelegramAPI  # noqa: E402
from fanout import BotProcess, DailyCount, bot_env, print_figures, seed_chats, timed_out, write_settings  # noqa: E402

TELEGRAM_RATE = 30  # messages per second, overall


def notes_with(questions: int) -> str:
    """A notes file of `questions` short questions over two topics."""
    parts = ["---\nlanguage: en\n---\n"]
    for n in range(questions):
        topic = "docker" if n % 2 else "kubernetes"
        parts.append(f"## {topic} question {n}: what does component {n} do?\n\nIt does thing {n}, "
                     f"described in a few lines of `{topic}` detail.\n\n")
    return "".join(parts)


class Members:
    """People using the bot while it broadcasts: each does /quiz, Show answer, a grade; latencies in ms."""

    def __init__(self, fake: FakeTelegramAPI):
        self.fake = fake
        self.latencies: dict[str, list[float]] = {"quiz": [], "reveal": [], "grade": []}
        self._waiting: dict[tuple[str, object], asyncio.Future] = {}
        fake.on_answer.append(self._answered)

    def _answered(self, call) -> None:
        key = ("sendMessage", int(call.params.get("chat_id", 0))) if call.method == "sendMessage" else (
            call.method, call.params.get("callback_query_id"))
        future = self._waiting.pop(key, None)
        if future is not None and not future.done():
            future.set_result(call)

    async def _ask(self, update: dict, key: tuple, step: str):
        future = asyncio.get_running_loop().create_future()
        self._waiting[key] = future
        pushed = time.monotonic()
        self.fake.push_update(update)
        call = await asyncio.wait_for(future, 30)
        self.latencies[step].append((call.at - pushed) * 1000)
        return call

    async def one(self, user_id: int, delay: float, round_: int) -> None:
        await asyncio.sleep(delay)
        who = {"id": user_id, "is_bot": False, "first_name": f"m{user_id}"}
        chat = {"id": user_id, "type": "private", "first_name": f"m{user_id}"}
        quiz = {"message": {"message_id": 10 * round_ + 1, "date": int(time.time()), "chat": chat, "from": who,
                            "text": "/quiz", "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}
        question = await self._ask(quiz, ("sendMessage", user_id), "quiz")
        answer = await self._ask(self._tap(who, chat, question, f"r{round_}-{user_id}"), ("sendMessage", user_id),
                                 "reveal")
        query_id = f"g{round_}-{user_id}"
        await self._ask(self._tap(who, chat, answer, query_id), ("answerCallbackQuery", query_id), "grade")

    @staticmethod
    def _tap(who: dict, chat: dict, message_call, query_id: str) -> dict:
        data = message_call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        return {"callback_query": {"id": query_id, "from": who, "chat_instance": "b", "data": data, "message": {
            "message_id": 1, "date": int(time.time()), "chat": chat, "text": message_call.params["text"]}}}

    async def run(self, count: int, spread: float, round_: int) -> None:
        await asyncio.gather(*(self.one(5_000_000 + n, spread * n / max(count, 1), round_) for n in range(count)))

    def summary(self) -> tuple[float, float, int, str]:
        every = [ms for values in self.latencies.values() for ms in values]
        steps = ", ".join(f"{step} {percentile(values, 99):.0f}" for step, values in self.latencies.items())
        for values in self.latencies.values():
            values.clear()
        return statistics.median(every), percentile(every, 99), len(every), steps


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def fan_out(work: Path, chats: int, scale: float | None, members: int) -> dict:
    """One run; returns its figures."""
    work.mkdir(parents=True)
    (work / "notes.md").write_text(notes_with(1000), encoding="utf-8")
    async with FakeTelegramAPI(rate_scale=scale or 1, enforce_limits=scale is not None) as fake:
        db = work / "drill.db"
        chat_ids = seed_chats(db, chats)
        env = {**bot_env(fake, db, write_settings(work / "settings.toml", scale=scale)),
               "DRILL_CONTENT": str(work / "notes.md")}
        count = DailyCount.watching(fake)
        bot = BotProcess(env, work / "bot.log")
        await bot.start()
        await fake.wait_for_call("getUpdates", timeout=60)
        ready = time.monotonic() - bot.started_at
        people = Members(fake)
        allowed = TELEGRAM_RATE * scale if scale else None
        spread = 0.5 * chats / allowed if allowed else 0
        during = asyncio.create_task(people.run(members, spread, 1)) if members else None
        done = await count.wait_for(chats, timeout=max(120, 3 * chats / (allowed or 300)))
        figures = {"ready_s": ready, "done": done, "delivered": count.delivered, "missing": count.missing(chat_ids),
                   "duplicates": count.duplicates, "429s": fake.rejected_429,
                   "first_to_last_s": count.last_at - count.first_at,
                   "start_to_last_s": count.last_at - bot.started_at}
        if during is not None:
            await during
            figures["during"] = people.summary()
            await people.run(members, spread, 2)
            figures["after"] = people.summary()
        sends = [c for c in fake.calls_to("sendMessage") if c.status == 200]
        in_window = [c for c in sends if count.first_at <= c.at <= count.last_at]
        figures["rate"] = (len(in_window) - 1) / figures["first_to_last_s"]
        # The deliveries made, not the ones asked for: a run that timed out must not read fast.
        figures["daily_rate"] = (count.delivered - 1) / figures["first_to_last_s"]
        figures["allowed"] = allowed
        figures["rss_mb"] = bot.peak_rss_mb()
        figures["exit"] = await bot.stop()
        return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--scale", type=float, default=10)
    parser.add_argument("--members", type=int, default=200)
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"{args.chats:,} chats due at once (70% private, 30% groups), 1,000 questions")
    with tempfile.TemporaryDirectory() as tmp:
        paced = asyncio.run(fan_out(Path(tmp) / "paced", args.chats, args.scale, args.members))
        unpaced = asyncio.run(fan_out(Path(tmp) / "unpaced", args.chats, None, 0))
    allowed = paced["allowed"]
    rows = [
        ("paced: achieved rate / allowed", f"{paced['rate']:.0f}/s of {allowed:.0f}/s = {paced['rate'] / allowed:.3f}",
         ">= 0.95", paced["rate"] / allowed >= 0.95),
        ("paced: daily questions alone", f"{paced['daily_rate']:.0f}/s", "", None),
        ("paced: 429s received", f"{paced['429s']}", "", None),
        ("paced: missing / duplicated", f"{paced['missing']} / {paced['duplicates']}", "0 / 0",
         paced["missing"] == paced["duplicates"] == 0),
        ("paced: bot start to last delivery", f"{paced['start_to_last_s']:.1f} s", "", None),
        ("unpaced: deliveries per second", f"{unpaced['daily_rate']:.0f}/s", f">= {20 * TELEGRAM_RATE}/s",
         unpaced["daily_rate"] >= 20 * TELEGRAM_RATE),
        ("unpaced: missing / duplicated", f"{unpaced['missing']} / {unpaced['duplicates']}", "0 / 0",
         unpaced["missing"] == unpaced["duplicates"] == 0),
    ]
    if "during" in paced:
        for label, key, target in (("during the fan-out", "during", 250), ("without a fan-out", "after", 100)):
            p50, p99, n, steps = paced[key]
            rows.append((f"interactive {label}: p50 / p99 ({n} replies)", f"{p50:.0f} / {p99:.0f} ms",
                         f"p99 < {target} ms", p99 < target))
            rows.append(("  p99 by step", steps, "", None))
    rows += [
        ("start-up to ready (polling)", f"{paced['ready_s']:.2f} s", "< 3 s", paced["ready_s"] < 3),
        ("peak RSS after the fan-out", f"{paced['rss_mb']:.0f} MB", "< 200 MB", paced["rss_mb"] < 200),
    ]
    print_figures(rows)
    late = [timed_out(label, run, args.chats) for label, run in (("paced", paced), ("unpaced", unpaced))]
    return 1 if any(late) else 0


if __name__ == "__main__":
    sys.exit(main())
