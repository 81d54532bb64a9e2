"""Write a database of a single-workspace Slack bot (before workspaces were part of Slack keys), and what
it reads back.

    PYTHONPATH=<checkout of 4a2e66b> python tests/upgrade/make_slack_db.py tests/upgrade/v0.3.0-slack

writes v0.3.0-slack.db and v0.3.0-slack.json. That version kept Slack chats as `slack:C...` and members as
`slack:U...`; the next one keys them by workspace (`slack:T0001:C...`). tests/test_upgrade.py checks that the
first start with the bot token moves everything under the token's team with every member's streak (a
freeze included), points, hidden flag, reminder, report and review state as they were. Run it from the old
code only.
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
CHANNEL = ChatRef("slack:C0TEAM", "slack", "channel", "drill")
DM = ChatRef("slack:D0ANN", "slack", "private", "")
ANN = MemberRef("slack:U0ANN", "ann", is_admin=True)
BO = MemberRef("slack:U0BO", "bo")
CY = MemberRef("slack:U0CY", "cy")
DAYS = [date(2026, 11, 2) + timedelta(days=n) for n in range(9)]
# Ann grades every day; Bo misses the eighth, which a freeze (earned on the seventh) covers; Cy hides.
PLAN = {ANN: ["knew"] * 9, BO: ["knew", "partly", "knew", "knew", "missed", "knew", "knew", None, "knew"],
        CY: ["partly", None, "knew", None, None, None, None, None, "knew"]}


def write(target: Path) -> dict:
    """Build the database at target.db through the bot's own engine; return what it reads back."""
    folder = Path(tempfile.mkdtemp())
    db_path = folder / "drill.db"
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    app = build_app(load_settings({"DRILL_DB": str(db_path), "DRILL_CONTENT": str(NOTES)}), start)
    try:
        app.drill.command(CHANNEL, ANN, "/subscribe 09:00 Asia/Seoul", start)
        app.drill.command(CHANNEL, BO, "/remind on 20:00", start)
        app.drill.command(CHANNEL, CY, "/leaderboard hide", start)
        for index, day in enumerate(DAYS):
            now = datetime(day.year, day.month, day.day, 0, 0, tzinfo=timezone.utc)
            chat = app.store.chats.chat(CHANNEL.key)
            delivery_id = app.store.deliveries.claim_delivery(CHANNEL.key, day, *app.drill.next_daily_question(chat, day, now), now)
            app.store.deliveries.mark_sent(delivery_id, f"1700000000.{index:06d}", now)
            for member, grades in PLAN.items():
                if grades[index]:
                    app.drill.action(CHANNEL, member, grade_payload(delivery_id, grades[index]), now + timedelta(minutes=5))
        end = datetime(2026, 11, 10, 3, 0, tzinfo=timezone.utc)
        app.drill.command(CHANNEL, BO, "/flag the answer is out of date", end)
        for _ in range(2):  # practice in the DM: review cards of Ann's own
            question = app.drill.command(DM, ANN, "/quiz", end)[0]
            answer = app.drill.action(DM, ANN, question.buttons[0].payload, end)[0]
            app.drill.action(DM, ANN, answer.buttons[1].payload, end)
        expected = readings(app, CHANNEL.key, {m.key: m.key for m in PLAN}, end)
    finally:
        app.close()
    shutil.copy(db_path, f"{target}.db")
    shutil.rmtree(folder)
    return expected


def readings(app, channel: str, members: dict[str, str], now: datetime) -> dict:
    """What members see in `channel`, read through the engine. `members` maps the names the readings are
    filed under to the members' store keys (the keys change in the upgrade; the readings must not)."""
    store = app.store
    found = {}
    for name, key in members.items():
        streak = app.drill.streak_of(channel, key)
        found[name] = {
            "streak": [streak.current, streak.best, streak.freezes, str(streak.last_freeze)],
            "points_all_time": store.grades.points_by_member(channel).get(key, ("", 0))[1],
            "hidden": key in store.chats.hidden_members(channel),
            "reminder": [at for (at,) in store.db.execute("select at from reminders where chat = ? and member = ?",
                                                          [channel, key])],
            "flags": [reason for (reason,) in store.db.execute("select reason from flags where chat = ? and member = ?",
                                                               [channel, key])],
            "cards": {store.bank.question(qid)["question"]: [due.isoformat(), stability]
                      for qid, (due, stability) in sorted(store.grades.cards(key).items())},
        }
    ann = MemberRef(members[ANN.key], "ann", is_admin=True)
    chat = store.chats.chat(channel)
    return {
        "written_at": now.isoformat(),
        "chat": {k: chat[k] for k in ("status", "at", "zone", "days", "language")},
        "drill_days": [day.isoformat() for day in store.deliveries.drill_days(channel)],
        "members": found,
        "board": app.drill.command(ChatRef(channel, "slack", "channel", "drill"), ann, "/leaderboard all", now)[0].text,
    }


if __name__ == "__main__":
    target = Path(sys.argv[1])
    result = write(target)
    Path(f"{target}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {target}.db and {target}.json")
