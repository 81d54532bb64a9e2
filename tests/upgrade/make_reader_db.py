"""Write a small database with the bot before the markdown-it notes reader, and what it reads back.

    PYTHONPATH=<checkout of eb80fc4> python tests/upgrade/make_reader_db.py tests/upgrade/v0.1.1-reader

writes v0.1.1-reader.db and v0.1.1-reader.json from tests/upgrade/reader_notes.md. That reader kept
"1. What is a Pod?" and "**Q2: What is a Node?**" as written; the new one cleans them to "What is a
Pod?" and "What is a Node?", new ids. tests/test_upgrade.py checks that the bank sync carries every
member's streak, points and review state over to them. Run it from the old code only.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from bot.app import build_app
from bot.config import load_settings
from bot.core.commands import grade_payload
from bot.core.replies import ChatRef, MemberRef

NOTES = Path(__file__).parent / "reader_notes.md"
GROUP = ChatRef("telegram:-4001", "telegram", "group", "team")
PRIVATE = ChatRef("telegram:42", "telegram", "private", "Ann")
ANN = MemberRef("telegram:42", "Ann", is_admin=True)
BO = MemberRef("telegram:43", "Bo")
DAYS = [date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4), date(2026, 11, 5)]
PLAN = {ANN: ["knew", "partly", "knew", "knew"], BO: ["missed", "knew", None, "knew"]}


def write(target: Path) -> dict:
    """Build the database at target.db through the bot's own engine; return what it reads back."""
    folder = Path(tempfile.mkdtemp())
    db_path = folder / "drill.db"
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    app = build_app(load_settings({"DRILL_DB": str(db_path), "DRILL_CONTENT": str(NOTES)}), start)
    try:
        app.drill.command(GROUP, ANN, "/subscribe 09:00 Asia/Seoul", start)
        for index, day in enumerate(DAYS):
            now = datetime(day.year, day.month, day.day, 0, 0, tzinfo=timezone.utc)
            chat = app.store.chats.chat(GROUP.key)
            delivery_id = app.store.deliveries.claim_delivery(GROUP.key, day, *app.drill.next_daily_question(chat), now)
            app.store.deliveries.mark_sent(delivery_id, str(100 + index), now)
            for member, grades in PLAN.items():
                if grades[index]:
                    app.drill.action(GROUP, member, grade_payload(delivery_id, grades[index]), now + timedelta(minutes=5))
        end = datetime(2026, 11, 5, 3, 0, tzinfo=timezone.utc)
        for _ in range(2):  # practice: review cards of their own
            question = app.drill.command(PRIVATE, ANN, "/quiz", end)[0]
            answer = app.drill.action(PRIVATE, ANN, question.buttons[0].payload, end)[0]
            app.drill.action(PRIVATE, ANN, answer.buttons[1].payload, end)
        expected = readings(app, end)
    finally:
        app.close()
    shutil.copy(db_path, f"{target}.db")
    shutil.rmtree(folder)
    return expected


def readings(app, now: datetime) -> dict:
    """Streaks, points and review cards (by question text) of each member."""
    store = app.store
    members = {}
    for member in PLAN:
        streak = app.drill.streak_of(GROUP.key, member.key)
        members[member.key] = {
            "current_streak": streak.current,
            "best_streak": streak.best,
            "points_all_time": store.grades.points_by_member(GROUP.key).get(member.key, ("", 0))[1],
            "cards": {store.bank.question(qid)["question"]: [due.isoformat(), stability]
                      for qid, (due, stability) in sorted(store.grades.cards(member.key).items())},
        }
    asked = [store.bank.question(row["question_id"])["question"] for row in store.db.query(
        "select question_id from deliveries where chat = ? order by local_date", [GROUP.key])]
    return {"written_at": now.isoformat(), "asked": asked, "members": members}


if __name__ == "__main__":
    target = Path(sys.argv[1])
    result = write(target)
    Path(f"{target}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {target}.db and {target}.json")
