"""Write a small database with the bot as released, and what that release reads back from it.

    PYTHONPATH=<checkout of the release> python tests/upgrade/make_release_db.py tests/upgrade/v0.1.0

writes v0.1.0.db and v0.1.0.json. The upgrade test (tests/test_upgrade.py) opens the database with the
newest code and checks that every member's streak, points, hidden flag and review state read the same.
Run it from the released code (a checkout of its commit), never from newer code: the point is a file
written by the schema and the rules people's databases really have.
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

GROUP = ChatRef("telegram:-4001", "telegram", "group", "team")
PRIVATE = ChatRef("telegram:42", "telegram", "private", "Ann")
ANN = MemberRef("telegram:42", "Ann", is_admin=True)
BO = MemberRef("telegram:43", "Bo")
CY = MemberRef("telegram:44", "Cy")
FIRST_DAY = date(2026, 11, 2)  # a Monday; ten weekdays of drill from here
# Who grades what on each drill day (None: not that day); a late grade comes after the next question.
PLAN = {
    ANN: ["knew", "knew", "partly", "knew", "missed", "knew", "knew", "partly", "knew", "knew"],
    BO: ["partly", None, "knew", "knew", "knew", None, "missed", "knew", "knew", None],
    CY: ["missed", "missed", None, "knew", "partly", "partly", "knew", "knew", None, "knew"],
}


def seoul_nine(day: date) -> datetime:
    """09:00 in Seoul on `day`, as a UTC instant."""
    return datetime(day.year, day.month, day.day, 0, 0, tzinfo=timezone.utc)


def drill_days() -> list[date]:
    days, day = [], FIRST_DAY
    while len(days) < 10:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def write(target: Path) -> dict:
    """Build the database at target.db through the bot's own engine; return what it reads back."""
    folder = Path(tempfile.mkdtemp())
    db_path = folder / "drill.db"
    start = seoul_nine(FIRST_DAY) - timedelta(days=1)
    app = build_app(load_settings({"DRILL_DB": str(db_path)}), start)
    try:
        app.drill.command(GROUP, ANN, "/subscribe 09:00 Asia/Seoul", start)
        app.drill.command(GROUP, ANN, "/schedule language en", start)
        app.drill.command(PRIVATE, ANN, "/subscribe 08:30 Europe/Berlin", start)
        for index, day in enumerate(drill_days()):
            now = seoul_nine(day)
            delivery_id = app.store.claim_delivery(GROUP.key, day, *app.drill.next_daily_question(app.store.chat(GROUP.key)), now)
            app.store.mark_sent(delivery_id, str(100 + index), now)
            for member, grades in PLAN.items():
                if grades[index]:
                    app.drill.action(GROUP, member, grade_payload(delivery_id, grades[index]), now + timedelta(minutes=5))
            if index == 4:  # Bo changes his mind the same day; Cy grades a closed day late
                app.drill.action(GROUP, BO, grade_payload(delivery_id, "partly"), now + timedelta(minutes=30))
            if index == 6:
                earlier = app.store.latest_drill_day(GROUP.key)["id"] - 4
                app.drill.action(GROUP, CY, grade_payload(earlier, "knew"), now + timedelta(hours=1))
        end = seoul_nine(drill_days()[-1]) + timedelta(hours=3)
        for _ in range(3):  # practice: FSRS cards outside the daily questions
            question = app.drill.command(PRIVATE, ANN, "/quiz", end)[0]
            answer = app.drill.action(PRIVATE, ANN, question.buttons[0].payload, end)[0]
            app.drill.action(PRIVATE, ANN, answer.buttons[1].payload, end)
        app.drill.command(GROUP, CY, "/leaderboard hide", end)
        expected = readings(app, end)
    finally:
        app.close()
    shutil.copy(db_path, f"{target}.db")
    shutil.rmtree(folder)
    return expected


def readings(app, now: datetime) -> dict:
    """What members see and what the spaced repetition knows: the figures an upgrade must keep."""
    store = app.store
    members = {}
    for member in PLAN:
        streak = app.drill.streak_of(GROUP.key, member.key)
        members[member.key] = {
            "current_streak": streak.current,
            "best_streak": streak.best,
            "points_all_time": store.points_by_member(GROUP.key).get(member.key, ("", 0))[1],
            "points_this_month": store.points_by_member(GROUP.key, since=date(2026, 11, 1)).get(member.key, ("", 0))[1],
            "hidden": member.key in store.hidden_members(GROUP.key),
            "cards": {qid: [due.isoformat(), stability] for qid, (due, stability) in sorted(store.cards(member.key).items())},
        }
    return {
        "written_at": now.isoformat(),
        "chats": {key: {k: store.chat(key)[k] for k in ("status", "at", "zone", "days", "language", "subscribed_by")}
                  for key in (GROUP.key, PRIVATE.key)},
        "drill_days": [day.isoformat() for day in store.drill_days(GROUP.key)],
        "members": members,
        "board": app.drill.command(GROUP, ANN, "/leaderboard all", now)[0].text,
    }


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.parent.mkdir(parents=True, exist_ok=True)
    result = write(target)
    Path(f"{target}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {target}.db and {target}.json")
