"""Benchmark of the reminder sweep's work at every tick: which of 10,000 members' reminders are due.

Run as `python tests/bench/bench_reminders.py [members]`. A fresh database with 1,000 chats of 10
members, every member opted in (half at their own time, half at the default), every chat with an open
drill day and a quarter of the members graded already; the tick at 20:00 in Seoul, when the members who
chose 20:00 are due. Goal: the sweep's store query and rule under 1 s, without the sends (those go at
the platform's pace, behind the daily questions).
"""

from __future__ import annotations

import platform
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench_calendar import cpu_model  # noqa: E402 - a sibling script: the same machine line

from bot.core.progress import POINTS  # noqa: E402
from bot.reminder_sweep import ReminderSweep  # noqa: E402
from bot.store import Store  # noqa: E402

RUNS = 3
GOAL_S = 1.0
DAY = date(2026, 11, 26)  # a Thursday
EVENING = datetime(2026, 11, 26, 11, 0, tzinfo=timezone.utc)  # 20:00 in Seoul


class RemindNobody:
    """A sender that takes reminders: the benchmark times finding them, not sending them."""

    async def send_reminder(self, pending: dict, reply) -> None:
        raise AssertionError("the benchmark calls due() only")


def build(path: Path, members: int) -> Store:
    store = Store.open(path)
    db = store.db
    now = datetime(2026, 11, 26, 0, 0, tzinfo=timezone.utc).isoformat()
    per_chat = 10
    with db.conn:
        db.execute("insert into questions (id, question, answer, topic, source, position, active, added_at,"
                   " updated_at) values ('q1', 'What is a Pod?', 'A group of containers.', 'k8s', 'notes.md:1', 0, 1,"
                   " ?, ?)", [now, now])
        for chat in range(members // per_chat):
            key = f"telegram:-{1000 + chat}"
            db.execute("insert into chats (key, platform, kind, title, status, at, zone, days, language, seed,"
                       " created_at, updated_at) values (?, 'telegram', 'group', ?, 'active', '09:00', 'Asia/Seoul',"
                       " 'mon,tue,wed,thu,fri', 'ko', ?, ?, ?)", [key, f"team {chat}", chat, now, now])
            cursor = db.execute("insert into deliveries (chat, local_date, question_id, status, claimed_at, sent_at)"
                                " values (?, ?, 'q1', 'sent', ?, ?)", [key, DAY.isoformat(), now, now])
            for n in range(per_chat):
                member = f"telegram:{chat * per_chat + n + 1}"
                db.execute("insert or ignore into members (key, name) values (?, ?)", [member, f"m{n}"])
                db.execute("insert into reminders (chat, member, at) values (?, ?, ?)",
                           [key, member, "20:00" if n % 2 else None])
                if n % 4 == 0:
                    db.execute("insert into grades (delivery_id, member, grade, points, on_time, graded_at)"
                               " values (?, ?, 'knew', ?, 1, ?)", [cursor.lastrowid, member, POINTS["knew"], now])
    return store


def main() -> None:
    members = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as folder:
        store = build(Path(folder) / "drill.db", members)
        sweep = ReminderSweep(store, None, {"telegram": RemindNobody()})
        times, due = [], []
        for _ in range(RUNS):
            started = time.perf_counter()
            due = sweep.due(EVENING)
            times.append(time.perf_counter() - started)
        store.close()
    median = statistics.median(times)
    print(f"machine: {cpu_model()}, Python {platform.python_version()}")
    print(f"reminder sweep over {members:,} members ({len(due):,} due at 20:00 in Seoul): {median:.3f} s "
          f"(median of {RUNS} runs, {min(times):.3f}-{max(times):.3f} s): "
          f"{'PASS' if median < GOAL_S else 'MISS'} against {GOAL_S:.0f} s")


if __name__ == "__main__":
    main()
