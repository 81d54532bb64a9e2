"""Upgrading a database written by the released bot (tests/upgrade/v0.1.0.db, made by
tests/upgrade/make_release_db.py from that release's code): nobody's streak, points, hidden flag or
review state may change. Every new migration must keep this test passing; a later release adds its own file."""

import json
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.app import build_app
from bot.config import load_settings
from bot.core.replies import ChatRef, MemberRef
from bot.store.schema import migrations

UPGRADE = Path(__file__).parent / "upgrade"
RELEASES = ["v0.1.0"]
GROUP = "telegram:-4001"


def readings(app, now: datetime) -> dict:
    """What members see and what the spaced repetition knows, read with the newest code (the release's
    own reading, in make_release_db.py, is what it must equal)."""
    store = app.store
    members = {}
    for member in ("telegram:42", "telegram:43", "telegram:44"):
        streak = app.drill.streak_of(GROUP, member)
        members[member] = {
            "current_streak": streak.current,
            "best_streak": streak.best,
            "points_all_time": store.grades.points_by_member(GROUP).get(member, ("", 0))[1],
            "points_this_month": store.grades.points_by_member(GROUP, since=date(2026, 11, 1)).get(member, ("", 0))[1],
            "hidden": member in store.chats.hidden_members(GROUP),
            "cards": {qid: [due.isoformat(), stability]
                      for qid, (due, stability) in sorted(store.grades.cards(member).items())},
        }
    ann = MemberRef("telegram:42", "Ann", is_admin=True)
    return {
        "written_at": now.isoformat(),
        "chats": {key: {k: store.chats.chat(key)[k] for k in ("status", "at", "zone", "days", "language", "subscribed_by")}
                  for key in (GROUP, "telegram:42")},
        "drill_days": [day.isoformat() for day in store.deliveries.drill_days(GROUP)],
        "members": members,
        "board": app.drill.command(ChatRef(GROUP, "telegram", "group", "team"), ann, "/leaderboard all", now)[0].text,
    }


@pytest.mark.parametrize("release", RELEASES)
def test_a_released_database_upgrades_with_every_member_as_they_were(tmp_path, release):
    expected = json.loads((UPGRADE / f"{release}.json").read_text(encoding="utf-8"))
    db = tmp_path / "drill.db"
    shutil.copy(UPGRADE / f"{release}.db", db)
    now = datetime.fromisoformat(expected["written_at"])

    app = build_app(load_settings({"DRILL_DB": str(db)}), now)  # migrates to the newest schema
    try:
        assert migrations.pending(app.store.db) == []
        found = readings(app, now)
        # The board's figures must read the same; its title's bold markup changed (`*` to `**`) since.
        found["board"], expected["board"] = found["board"].replace("*", ""), expected["board"].replace("*", "")
        assert found == expected
    finally:
        app.close()


# The questions whose text the markdown-it notes reader cleans (new ids), as the old reader stored them.
CLEANED = {"1. What is a Pod?": "What is a Pod?", "**Q2: What is a Node?**": "What is a Node?"}


def test_questions_cleaned_by_the_new_reader_keep_everyones_history(tmp_path):
    """tests/upgrade/v0.1.1-reader.db was written by the reader before markdown-it (make_reader_db.py)."""
    expected = json.loads((UPGRADE / "v0.1.1-reader.json").read_text(encoding="utf-8"))
    db = tmp_path / "drill.db"
    shutil.copy(UPGRADE / "v0.1.1-reader.db", db)
    now = datetime.fromisoformat(expected["written_at"])
    app = build_app(load_settings({"DRILL_DB": str(db), "DRILL_CONTENT": str(UPGRADE / "reader_notes.md")}), now)
    try:
        assert app.sync.carried_over == 2
        store = app.store
        asked = [store.bank.question(row["question_id"])["question"] for row in store.db.query(
            "select question_id from deliveries where chat = ? order by local_date", [GROUP])]
        assert asked == [CLEANED.get(text, text) for text in expected["asked"]]
        for member, before in expected["members"].items():
            streak = app.drill.streak_of(GROUP, member)
            assert (streak.current, streak.best) == (before["current_streak"], before["best_streak"])
            assert store.grades.points_by_member(GROUP)[member][1] == before["points_all_time"]
            cards = {store.bank.question(qid)["question"]: [due.isoformat(), stability]
                     for qid, (due, stability) in store.grades.cards(member).items()}
            assert cards == {CLEANED.get(text, text): value for text, value in before["cards"].items()}
        # The old ids stay as retired rows with nothing pointing at them any more.
        old = [row["id"] for row in store.db.query("select id from questions where active = 0")]
        assert len(old) == 2
        for table in ("deliveries", "cards"):
            assert not list(store.db.query(f"select 1 from {table} where question_id in (?, ?)", old))
    finally:
        app.close()


async def test_a_single_workspace_slack_database_moves_under_its_workspace_with_everyone_as_they_were(tmp_path):
    """tests/upgrade/v0.3.0-slack.db was written by the bot that kept Slack chats as `slack:C...`
    (make_slack_db.py). The first start with the bot token moves them under the token's workspace."""
    from contextlib import AsyncExitStack

    from bot.platforms import open_platforms
    from fakes.slack_api import TEAM_ID, FakeSlackAPI
    from upgrade.make_slack_db import readings as slack_readings

    expected = json.loads((UPGRADE / "v0.3.0-slack.json").read_text(encoding="utf-8"))
    db = tmp_path / "drill.db"
    shutil.copy(UPGRADE / "v0.3.0-slack.db", db)
    now = datetime.fromisoformat(expected["written_at"])
    async with FakeSlackAPI() as fake:
        app = build_app(load_settings({
            "DRILL_DB": str(db), "DRILL_CONTENT": str(UPGRADE / "reader_notes.md"), "SLACK_BOT_TOKEN": fake.token,
            "SLACK_API_URL": fake.base_url, "SLACK_SIGNING_SECRET": "test-signing-secret"}), now)
        try:
            async with AsyncExitStack() as stack:
                await open_platforms(app, lambda: now, stack, listen=False)
            members = {old: old.replace("slack:", f"slack:{TEAM_ID}:") for old in expected["members"]}
            assert slack_readings(app, f"slack:{TEAM_ID}:C0TEAM", members, now) == expected
            keys = [row["key"] for row in app.store.db.query("select key from chats order by key")]
            assert keys == [f"slack:{TEAM_ID}:C0TEAM", f"slack:{TEAM_ID}:D0ANN"]
            # Nothing is left under the old keys, and a second start has nothing to move.
            for table, column in (("members", "key"), ("grades", "member"), ("chat_totals", "member"),
                                  ("streak_states", "member"), ("cards", "member"), ("deliveries", "chat")):
                left = app.store.db.execute(f"select count(*) from {table} where {column} not like 'slack:{TEAM_ID}:%'")
                assert left.fetchone()[0] == 0, table
            async with AsyncExitStack() as stack:
                await open_platforms(app, lambda: now, stack, listen=False)
            assert len(fake.calls_to("auth.test")) == 1
        finally:
            app.close()
