"""The drill rules end to end through the engine and the store, with the clock passed in."""

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.core.commands import grade_payload, reveal_payload
from bot.core.progress import Streak
from conftest import ADMIN, MEMBER, SEOUL_GROUP
from factories import RecordingSender, store_snapshot


def seoul(day: int, hour: int = 9, minute: int = 0) -> datetime:
    """An instant given as a November 2026 date and time in Seoul (UTC+9)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=timezone(timedelta(hours=9))).astimezone(timezone.utc)


@pytest.fixture
def drill_day(app):
    """Subscribe the group and give a function that delivers the question due at an instant."""
    sender = RecordingSender()
    delivery = app.delivery({"console": sender}, clock=None)
    app.drill.command(SEOUL_GROUP, ADMIN, "/subscribe 09:00 Asia/Seoul", seoul(2))

    async def deliver(at: datetime) -> int | None:
        await delivery.sweep(at)
        row = app.store.deliveries.latest_drill_day(SEOUL_GROUP.key)
        return row["id"] if row else None

    deliver.sender = sender
    return deliver


def grade(app, member, delivery_id, which, at):
    return app.drill.action(SEOUL_GROUP, member, grade_payload(delivery_id, which), at)


async def test_two_members_grade_the_same_question_for_themselves(app, drill_day):
    delivery_id = await drill_day(seoul(30))  # Monday
    reveal = app.drill.action(SEOUL_GROUP, MEMBER, reveal_payload(delivery_id), seoul(30, 9, 5))
    assert reveal[0].kind == "answer" and [b.role for b in reveal[0].buttons] == ["knew", "partly", "missed", "flag"]
    grade(app, ADMIN, delivery_id, "knew", seoul(30, 9, 10))
    grade(app, MEMBER, delivery_id, "missed", seoul(30, 9, 11))
    assert app.store.grades.points_by_member(SEOUL_GROUP.key) == {ADMIN.key: ("Ann", 3), MEMBER.key: ("Bo", 1)}
    board = app.drill.command(SEOUL_GROUP, MEMBER, "/leaderboard", seoul(30, 10))[0]
    assert not board.private
    assert board.text.index("Ann") < board.text.index("Bo")


async def test_a_second_tap_changes_the_grade(app, drill_day):
    delivery_id = await drill_day(seoul(30))
    grade(app, MEMBER, delivery_id, "missed", seoul(30, 9, 10))
    reply = grade(app, MEMBER, delivery_id, "knew", seoul(30, 9, 12))[0]
    assert reply.private
    rows = list(app.store.db["grades"].rows)
    assert [(r["grade"], r["points"]) for r in rows] == [("knew", 3)]
    assert app.store.db["cards"].count == 1


async def test_a_late_grade_earns_no_points_but_updates_spaced_repetition(app, drill_day):
    monday = await drill_day(seoul(30))
    await drill_day(datetime(2026, 12, 1, 0, 0, tzinfo=timezone.utc))  # Tuesday's question is out
    grade(app, MEMBER, monday, "knew", datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc))
    (row,) = app.store.db["grades"].rows
    assert (row["points"], row["on_time"]) == (0, 0)
    assert app.store.db["cards"].count == 1
    assert app.drill.streak_of(SEOUL_GROUP.key, MEMBER.key).current == 0


async def test_a_streak_runs_across_the_weekend(app, drill_day):
    days = [seoul(d) for d in (23, 24, 25, 26, 27)] + [datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc)]
    for day in days:
        delivery_id = await drill_day(day)
        grade(app, MEMBER, delivery_id, "partly", day + timedelta(minutes=30))
    # Saturday and Sunday had no delivery at all.
    assert app.store.deliveries.drill_days(SEOUL_GROUP.key, since=seoul(28).date(), before=seoul(30).date()) == []
    reply = app.drill.command(SEOUL_GROUP, MEMBER, "/streak", seoul(30, 12))[0]
    assert "6" in reply.text and reply.private
    assert app.drill.streak_of(SEOUL_GROUP.key, MEMBER.key).current == 6


async def test_the_first_drill_day_of_a_week_brings_last_weeks_board_and_recap(app, drill_day):
    friday = await drill_day(seoul(27))
    grade(app, MEMBER, friday, "knew", seoul(27, 10))
    await drill_day(datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc))
    _, monday_replies = drill_day.sender.sent[-1]
    assert [r.kind for r in monday_replies] == ["board", "board", "question"]  # the board, the recap, the question
    assert "Bo" in monday_replies[0].text and "1명이 채점" in monday_replies[1].text
    await drill_day(datetime(2026, 12, 1, 0, 0, tzinfo=timezone.utc))
    assert [r.kind for r in drill_day.sender.sent[-1][1]] == ["question"]


async def test_buttons_are_checked_against_the_store(app, drill_day):
    delivery_id = await drill_day(seoul(30))
    other_chat = SEOUL_GROUP.__class__("console:other", "console", "group", "other")
    for chat, payload in [(SEOUL_GROUP, "g:999999:k"), (SEOUL_GROUP, "r:abc"), (SEOUL_GROUP, "x" * 100),
                          (other_chat, grade_payload(delivery_id, "knew")), (SEOUL_GROUP, "pg:0000000000000000:k")]:
        reply = app.drill.action(chat, MEMBER, payload, seoul(30, 10))
        assert len(reply) == 1 and reply[0].private
    assert app.store.db["grades"].count == 0 and app.store.db["cards"].count == 0


@pytest.mark.parametrize("typed", [
    "/subscribe 25:00", "/schedule zone Mars/Olympus", "/schedule days funday", "/schedule topics astrology",
    "/quiz astrology", "/schedule time", "/schedule", "/leaderboard forever", "/subscribe 09:00 UTC extra",
    "/schedule language fr", "/subscribe " + "9" * 10_000, "/schedule days " + "x" * 10_000, "/nonsense",
])
async def test_bad_input_gets_one_line_with_an_example_and_changes_nothing(app, drill_day, typed):
    await drill_day(seoul(30))
    before = store_snapshot(app.store)
    replies = app.drill.command(SEOUL_GROUP, ADMIN, typed, seoul(30, 10))
    assert len(replies) == 1
    message = replies[0].text
    assert "\n" not in message and len(message) < 200
    assert "/" in message  # names a command to type
    assert store_snapshot(app.store) == before


async def test_only_admins_change_a_group_schedule(app, drill_day):
    await drill_day(seoul(30))
    before = store_snapshot(app.store)
    for typed in ("/schedule time 10:00", "/unsubscribe", "/subscribe 07:00"):
        (reply,) = app.drill.command(SEOUL_GROUP, MEMBER, typed, seoul(30, 10))
        assert reply.private
    assert store_snapshot(app.store) == before
    (reply,) = app.drill.command(SEOUL_GROUP, ADMIN, "/schedule time 10:00", seoul(30, 10))
    assert app.store.chats.chat(SEOUL_GROUP.key)["at"] == "10:00"


async def test_a_day_with_no_eligible_questions_sends_a_notice_and_is_not_a_drill_day(app, drill_day):
    app.drill.command(SEOUL_GROUP, ADMIN, "/schedule topics docker", seoul(29))
    docker_free = [q for q in app.bank.questions if q.topic != "docker"]
    app.store.bank.sync_bank(docker_free, seoul(29))  # the docker notes were removed
    await drill_day(seoul(30))
    _, replies = drill_day.sender.sent[-1]
    assert replies[-1].kind == "notice" and "docker" in replies[-1].text
    assert app.store.deliveries.drill_days(SEOUL_GROUP.key) == []
    (row,) = app.store.db["deliveries"].rows
    assert row["status"] == "empty"


async def test_quiz_practice_prefers_due_reviews_then_unseen(app):
    chat = SEOUL_GROUP
    first = app.drill.command(chat, MEMBER, "/quiz docker", seoul(30))[0]
    assert first.kind == "question" and first.question_id
    answer = app.drill.action(chat, MEMBER, first.buttons[0].payload, seoul(30))[0]
    knew = next(b for b in answer.buttons if b.role == "missed")
    app.drill.action(chat, MEMBER, knew.payload, seoul(30))
    # Straight away: the missed card is not due yet, so an unseen docker question comes next.
    second = app.drill.command(chat, MEMBER, "/quiz docker", seoul(30, 9, 0))[0]
    assert second.question_id != first.question_id
    # An hour later the missed card is due again and comes first.
    later = app.drill.command(chat, MEMBER, "/quiz docker", seoul(30, 10, 0))[0]
    assert later.question_id == first.question_id
    assert app.store.db["grades"].count == 0  # practice gives no points


async def test_leaderboard_hide_takes_the_member_off_the_others_boards_and_show_puts_them_back(app, drill_day):
    delivery_id = await drill_day(seoul(30))
    grade(app, ADMIN, delivery_id, "partly", seoul(30, 9, 10))
    grade(app, MEMBER, delivery_id, "knew", seoul(30, 9, 11))
    app.drill.command(SEOUL_GROUP, MEMBER, "/leaderboard hide", seoul(30, 10))
    for period in ("week", "month", "all"):
        seen_by_ann = app.drill.command(SEOUL_GROUP, ADMIN, f"/leaderboard {period}", seoul(30, 10))[0].text
        assert "Ann" in seen_by_ann and "Bo" not in seen_by_ann
        assert "1. Ann" in seen_by_ann  # ranked as if Bo were not there
    assert "Bo" in app.drill.command(SEOUL_GROUP, MEMBER, "/leaderboard", seoul(30, 10))[0].text  # their own line
    app.drill.command(SEOUL_GROUP, MEMBER, "/leaderboard show", seoul(30, 10))
    assert "Bo" in app.drill.command(SEOUL_GROUP, ADMIN, "/leaderboard", seoul(30, 10))[0].text


async def test_a_grade_changed_after_its_day_closed_keeps_the_points_earned_while_it_was_open(app, drill_day):
    monday = await drill_day(seoul(30))
    grade(app, MEMBER, monday, "knew", seoul(30, 9, 10))
    await drill_day(datetime(2026, 12, 1, 0, 0, tzinfo=timezone.utc))  # Tuesday's question closes Monday
    card_before = app.store.grades.card_json(MEMBER.key, app.store.deliveries.delivery(monday)["question_id"])
    reply = grade(app, MEMBER, monday, "missed", datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc))[0]
    (row,) = app.store.db["grades"].rows
    assert (row["grade"], row["points"], row["on_time"]) == ("missed", 3, 1)
    assert app.store.grades.points_by_member(SEOUL_GROUP.key) == {MEMBER.key: ("Bo", 3)}
    assert app.drill.streak_of(SEOUL_GROUP.key, MEMBER.key).current == 1
    assert app.store.grades.card_json(MEMBER.key, app.store.deliveries.delivery(monday)["question_id"]) != card_before  # review corrected
    assert reply.kind == "graded"


async def test_leaderboard_periods_count_this_week_this_month_or_everything(app, drill_day):
    app.drill.command(SEOUL_GROUP, ADMIN, "/schedule days daily", seoul(2))
    # Saturday 31 October (last month) and Sunday 1 November (this month's first day) Bo graded;
    # Monday 30 November (this week) Ann did.
    for day, member in ((datetime(2026, 10, 31, 0, 0, tzinfo=timezone.utc), MEMBER),
                        (datetime(2026, 11, 1, 0, 0, tzinfo=timezone.utc), MEMBER),
                        (datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc), ADMIN)):
        grade(app, member, await drill_day(day), "knew", day + timedelta(minutes=5))
    monday_noon = seoul(30, 12)

    def board(period: str) -> str:
        reply = app.drill.command(SEOUL_GROUP, ADMIN, f"/leaderboard {period}".strip(), monday_noon)[0]
        assert reply.kind == "board" and not reply.private  # the team's board, for everyone
        return reply.text

    assert "Bo" not in board("week") and "Ann: 3" in board("week") and board("") == board("week")
    assert "Bo: 3" in board("month") and "Ann: 3" in board("month")  # 1 November counts, 31 October not
    assert "Bo: 6" in board("all")
    bad = app.drill.command(SEOUL_GROUP, ADMIN, "/leaderboard week month", monday_noon)[0]
    assert bad.kind == "notice" and bad.private


async def test_changing_a_grade_replaces_its_review_rather_than_adding_a_second(app, drill_day):
    from bot.core.commands import practice_grade_payload
    from bot.core.practice import review
    from bot.drill import _card_id

    delivery_id = await drill_day(seoul(30))
    question_id = app.store.deliveries.delivery(delivery_id)["question_id"]
    app.drill.action(SEOUL_GROUP, MEMBER, practice_grade_payload(question_id, "partly"), seoul(20))  # practised
    practised = app.store.grades.card_json(MEMBER.key, question_id)
    grade(app, MEMBER, delivery_id, "missed", seoul(30, 9, 10))
    grade(app, MEMBER, delivery_id, "knew", seoul(30, 9, 12))
    # As if the member had pressed Knew it once: the first tap's review is undone, not built upon.
    once = review(practised, "knew", seoul(30, 9, 12), card_id=_card_id(MEMBER.key, question_id))
    assert app.store.grades.card_json(MEMBER.key, question_id) == once.card_json


def test_topics_and_schedule_changes_in_a_private_chat(app):
    from bot.core.replies import ChatRef, MemberRef

    chat, me = ChatRef("console:solo", "console", "private", "solo"), MemberRef("console:solo", "Solo")
    now = seoul(30, 8)

    def say(typed: str) -> str:
        return app.drill.command(chat, me, typed, now)[0].text

    assert say("/schedule language en").startswith("Saved. To get the daily question")  # not subscribed yet
    assert say("/schedule").startswith("This chat is not subscribed") and say("/unsubscribe").startswith("This chat is not")
    topics = say("/topics")
    counts = app.store.bank.topics()
    assert all(f"• {topic}: {n} questions" in topics for topic, n in counts.items())
    assert topics.endswith("This chat's topics: all")
    say("/subscribe 09:00 Asia/Seoul")
    say("/schedule zone Europe/Berlin")
    say("/schedule topics docker")
    assert say("/topics").endswith("This chat's topics: docker")
    say("/schedule language KO")  # any case
    row = app.store.chats.chat(chat.key)
    assert (row["zone"], row["topics"], row["language"]) == ("Europe/Berlin", "docker", "ko")
    for everything in ("all", "전체"):
        say("/schedule topics docker")
        say(f"/schedule topics {everything}")
        assert app.store.chats.chat(chat.key)["topics"] == ""
    assert "Mars/Olympus" in say("/schedule zone Mars/Olympus") and app.store.chats.chat(chat.key)["zone"] == "Europe/Berlin"


def test_schedule_replies_name_the_days_in_the_chats_language():
    from bot.core.messages import days_text
    assert days_text("ko", frozenset(range(5))) == "평일" and days_text("en", frozenset(range(5))) == "weekdays"
    assert days_text("ko", frozenset(range(7))) == "매일" and days_text("en", frozenset(range(7))) == "every day"
    assert days_text("ko", frozenset({0, 2, 4})) == "매주 월·수·금"
    assert days_text("en", frozenset({5, 6})) == "Sat, Sun"


def test_the_subscribe_reply_says_the_days_as_people_do(app):
    reply = app.drill.command(SEOUL_GROUP, ADMIN, "/subscribe 09:00 Asia/Seoul", seoul(2))[0].text
    assert "평일 09:00" in reply and "mon" not in reply
    changed = app.drill.command(SEOUL_GROUP, ADMIN, "/schedule days mon,wed,fri", seoul(2))[0].text
    assert "매주 월·수·금 09:00" in changed


async def test_a_missed_day_uses_a_freeze_and_a_late_grade_of_it_changes_nothing(app, drill_day):
    ids = {}
    for day in (3, 4, 5, 6, 9, 10, 11):  # seven drill days graded on time: a freeze is earned
        ids[day] = await drill_day(seoul(day))
        grade(app, MEMBER, ids[day], "knew", seoul(day, 10))
    ids[12] = await drill_day(seoul(12))  # Thursday: not graded
    ids[13] = await drill_day(seoul(13))  # Friday's question closes Thursday: the freeze covers it
    late = grade(app, MEMBER, ids[12], "knew", seoul(13, 10))[0]
    assert late.kind == "graded" and app.store.grades.grade(ids[12], MEMBER.key)["on_time"] == 0
    grade(app, MEMBER, ids[13], "partly", seoul(13, 11))

    calendar = app.drill.command(SEOUL_GROUP, MEMBER, "/streak", seoul(13, 12))[0].calendar
    assert calendar.streak == Streak(current=8, best=8, freezes=0, last_freeze=date(2026, 11, 12))
    shown = dict(calendar.days)
    assert shown[date(2026, 11, 12)] == "frozen" and shown[date(2026, 11, 13)] == "partly"
    assert date(2026, 11, 7) not in shown  # Saturday: no drill, nothing to freeze
    board = app.drill.command(SEOUL_GROUP, MEMBER, "/leaderboard all", seoul(13, 12))[0].text
    (line,) = [line for line in board.splitlines() if "Bo:" in line]
    assert line == "1. Bo: 23점, 연속 8일"  # 7 x 3 + 0 (late) + 2 points; the frozen day kept the streak


async def test_weak_lists_the_chats_hardest_questions_of_30_days_each_with_a_practice_button(app, drill_day):
    early = await drill_day(seoul(2))  # 24 days before the /weak below: inside its 30 days
    days = {}
    for day, (ann, bo) in {24: ("knew", "knew"), 25: ("missed", "partly"), 26: ("partly", "missed")}.items():
        days[day] = await drill_day(seoul(day))
        grade(app, ADMIN, days[day], ann, seoul(day, 10))
        grade(app, MEMBER, days[day], bo, seoul(day, 10))
    grade(app, MEMBER, early, "missed", seoul(2, 10))
    reply = app.drill.command(SEOUL_GROUP, MEMBER, "/weak", seoul(26, 12))[0]
    assert reply.kind == "board" and not reply.private
    questions = {day: app.store.deliveries.delivery(d)["question_id"] for day, d in days.items()}
    # Averages: the 2nd 1.0 (one missed), the 25th and 26th 1.5 (missed and partly), the 24th 3.0.
    practise = [button.payload for button in reply.buttons]
    assert len(practise) == 4 and practise[-1] == f"pq:{questions[24]}"
    assert practise[0] == f"pq:{app.store.deliveries.delivery(early)['question_id']}"
    asked = app.drill.action(SEOUL_GROUP, MEMBER, practise[-1], seoul(26, 12))[0]
    assert asked.kind == "question" and asked.question_id == questions[24]
    assert [b.role for b in asked.buttons] == ["reveal"]


def test_weak_with_nothing_graded_says_so(app):
    reply = app.drill.command(SEOUL_GROUP, MEMBER, "/weak", seoul(26, 12))[0]
    assert reply.buttons == () and "30" in reply.text
