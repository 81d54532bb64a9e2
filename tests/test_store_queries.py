"""The store queries behind leaderboards and streaks: every member's streak in one walk, all-time totals
kept by triggers (and backfilled by the migration), all checked against the plain computations."""

import random
import sqlite3
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from bot.core.practice import review
from bot.core.progress import POINTS, streak
from bot.standings import current_streaks
from bot.store import Store
from bot.store.schema import migrations

from factories import make_question

START = date(2026, 9, 7)  # a Monday


def history(store: Store, chat: str, members: list[str], days: int, rng: random.Random, now: datetime) -> None:
    """A chat with `days` weekday deliveries (some failed or empty: not drill days) and random grades,
    on time or late, including changed grades."""
    question = make_question("What is a pod?")
    store.bank.sync_bank([question], now)
    store.chats.ensure_chat(chat, "console", "group", chat, "en", now)
    for member in members:
        store.chats.ensure_member(member, member.split(":")[1].title())
    (latest,) = store.db.execute("select max(local_date) from deliveries where chat = ?", [chat]).fetchone()
    day = date.fromisoformat(latest) if latest else START  # a second call goes on from the first one's days
    for _ in range(days):
        day += timedelta(days=3 if day.weekday() == 4 else 1)
        status = rng.choices(["sent", "claimed", "failed", "empty"], [85, 5, 5, 5])[0]
        delivery_id = store.deliveries.claim_delivery(chat, day, None if status == "empty" else question.id, 0, now)
        if status == "sent":
            store.deliveries.mark_sent(delivery_id, "m1", now)
        elif status == "failed":
            store.deliveries.mark_failed(delivery_id, "chat not found")
        for member in members:
            for _ in range(rng.choice([0, 1, 1, 2])):  # a second grade changes the first
                grade = rng.choice(list(POINTS))
                on_time = rng.random() < 0.9
                store.grades.record_daily_grade(delivery_id, member, question.id, grade, POINTS[grade] if on_time else 0,
                                         on_time, None, review(None, grade, now, card_id=1), now)


def test_every_members_streak_on_a_board_matches_the_streak_rule_as_days_go_by(store, now):
    rng = random.Random(5)
    members = [f"console:m{n}" for n in range(8)]
    for number in range(12):
        chat = f"console:chat{number}"
        for _ in range(3):  # the stored states are carried forward over the days added since
            history(store, chat, members, rng.randint(0, 15), rng, now)
            days = store.deliveries.drill_days(chat)
            boards = current_streaks(store, chat, members)
            expected = {m: streak(days, store.grades.completed_days(chat, m)).current for m in members}
            assert boards == expected, chat


def test_a_stored_streak_state_whose_history_changed_is_worked_out_again(store, now):
    members = ["console:ann"]
    history(store, "console:team", members, 20, random.Random(3), now)
    before = current_streaks(store, "console:team", members)
    assert store.grades.streak_states("console:team", members)
    # An earlier drill day appears under the stored state (two chats' histories merged): it counts.
    store.db.execute("update streak_states set through = '1999-01-01'")
    assert current_streaks(store, "console:team", members) == before


def test_all_time_points_follow_every_grade_write(store, now):
    rng = random.Random(9)
    members = ["console:ann", "console:bo", "console:cy"]
    history(store, "console:team", members, 12, rng, now)
    history(store, "console:other", members, 5, rng, now)
    for chat in ("console:team", "console:other"):
        # Without dates the totals answer; with any date the grades themselves are added up.
        assert store.grades.points_by_member(chat) == store.grades.points_by_member(chat, since=date.min), chat
    store.db.execute("delete from grades where member = 'console:bo'")
    store.chats.move_chat("console:team", "console:moved")
    assert store.grades.points_by_member("console:team") == {}
    assert store.grades.points_by_member("console:moved") == store.grades.points_by_member("console:moved", since=date.min)
    assert "console:bo" not in store.grades.points_by_member("console:moved")


def test_a_member_with_only_late_grades_is_on_the_all_time_board_with_no_points(store, now):
    question = make_question("What is a pod?")
    store.bank.sync_bank([question], now)
    store.chats.ensure_chat("console:team", "console", "group", "team", "en", now)
    store.chats.ensure_member("console:bo", "Bo")
    delivery_id = store.deliveries.claim_delivery("console:team", START, question.id, 0, now)
    store.grades.record_daily_grade(delivery_id, "console:bo", question.id, "knew", 0, False, None,
                             review(None, "knew", now, card_id=1), now)
    assert store.grades.points_by_member("console:team") == {"console:bo": ("Bo", 0)}


def test_the_migration_totals_the_grades_already_there(tmp_path, now):
    db = Database(sqlite3.connect(str(tmp_path / "drill.db")))
    db.execute("PRAGMA foreign_keys = ON")
    migrations.apply(db, stop_before="m003_leaderboards")
    store = Store(db)
    history(store, "console:team", ["console:ann", "console:bo"], 10, random.Random(3), now)
    migrations.apply(db)
    assert store.grades.points_by_member("console:team") == store.grades.points_by_member("console:team", since=date.min)
    assert store.grades.points_by_member("console:team")
    store.close()


def test_hidden_members_are_the_ones_who_asked_among_the_chats_own(store, now):
    question = make_question("What is a pod?")
    store.bank.sync_bank([question], now)
    for chat in ("console:team", "console:other"):
        store.chats.ensure_chat(chat, "console", "group", chat, "en", now)
    members = {"console:ann": "console:team", "console:bo": "console:team", "console:cy": "console:other"}
    for member, chat in members.items():
        store.chats.ensure_member(member, member)
        delivery = store.deliveries.latest_drill_day(chat) or store.deliveries.delivery(store.deliveries.claim_delivery(chat, START, question.id, 0, now))
        store.grades.record_daily_grade(delivery["id"], member, question.id, "knew", 3, True, None,
                                 review(None, "knew", now, card_id=1), now)
    store.chats.set_hidden("console:bo", True)
    store.chats.set_hidden("console:cy", True)
    assert store.chats.hidden_members("console:team") == {"console:bo"}  # not cy, who is on another chat's board
    assert store.chats.hidden_members("console:other") == {"console:cy"}
    store.chats.set_hidden("console:bo", False)
    assert store.chats.hidden_members("console:team") == set()


def test_moving_a_chat_into_an_id_with_its_own_history_merges_both_and_loses_no_grade(store, now):
    """A Telegram group upgraded to a supergroup that had been subscribed on its own before the move."""
    question = make_question("What is a pod?")
    store.bank.sync_bank([question], now)
    old, new = "telegram:-1", "telegram:-1002"
    for chat in (old, new):
        store.chats.ensure_chat(chat, "telegram", "group", chat, "en", now)
        store.chats.subscribe(chat, at="09:00", zone="UTC", days="mon,tue,wed,thu,fri", by="telegram:1", now=now)
    monday, tuesday = START, START + timedelta(days=1)
    grades = [(old, monday, "telegram:ann", "knew"), (old, tuesday, "telegram:ann", "partly"),
              (old, tuesday, "telegram:bo", "knew"), (new, tuesday, "telegram:bo", "missed"),
              (new, tuesday, "telegram:cy", "knew")]
    for chat, day, member, grade in grades:
        store.chats.ensure_member(member, member)
        delivery_id = store.deliveries.claim_delivery(chat, day, question.id, 0, now) or next(
            d for d in store.db["deliveries"].rows if (d["chat"], d["local_date"]) == (chat, day.isoformat()))["id"]
        store.grades.record_daily_grade(delivery_id, member, question.id, grade, POINTS[grade], True, None,
                                 review(None, grade, now, card_id=1), now)

    store.chats.move_chat(old, new)

    assert store.chats.chat(old) is None and store.chats.chat(new)["status"] == "active"
    assert store.deliveries.drill_days(new) == [monday, tuesday]
    # Tuesday happened under both ids: ann's grade joins the new id's day; bo graded both and keeps the new one.
    assert {m: p for m, (_, p) in store.grades.points_by_member(new).items()} == {
        "telegram:ann": 3 + 2, "telegram:bo": 1, "telegram:cy": 3}
    assert store.grades.points_by_member(new) == store.grades.points_by_member(new, since=date.min)  # totals match the grades
    assert store.grades.completed_days(new, "telegram:ann") == {monday, tuesday}
