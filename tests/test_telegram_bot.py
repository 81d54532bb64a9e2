"""The Telegram adapter end to end: the real python-telegram-bot Application, polling the fake Bot API."""

import asyncio
import io
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import date, datetime, timedelta, timezone

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED
from PIL import Image, ImageColor

from bot.adapters.streak_calendar import FILLS, HEIGHT, WIDTH, cell_box
from bot.app import build_app
from bot.config import load_settings
from bot.platforms import open_platforms
from bot.reminder_sweep import ReminderSweep
from bot.scheduler import start_scheduler, stop_scheduler
from bot.core.commands import grade_payload
from bot.core.replies import ChatRef, MemberRef
from fakes.telegram_api import ERRORS, FakeTelegramAPI

PRIVATE, GROUP = 42, -4001
NOW = datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc)  # Monday 09:00 in Seoul
USERS = {42: "Ann", 43: "Bo"}


def user(user_id: int) -> dict:
    return {"id": user_id, "is_bot": False, "first_name": USERS[user_id]}


def chat(chat_id: int) -> dict:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": USERS[chat_id]}
    return {"id": chat_id, "type": "group", "title": "Team"}


def command(chat_id: int, user_id: int, typed: str, message_id: int = 1) -> dict:
    name = typed.split()[0]
    return {"message": {"message_id": message_id, "date": 1764460800, "chat": chat(chat_id), "from": user(user_id),
                        "text": typed, "entities": [{"type": "bot_command", "offset": 0, "length": len(name)}]}}


def tap(chat_id: int, user_id: int, data: str, message: dict, query_id: str) -> dict:
    return {"callback_query": {"id": query_id, "from": user(user_id), "chat_instance": "ci", "data": data,
                               "message": {"message_id": message["message_id"], "date": 1764460800,
                                           "chat": chat(chat_id), "text": message["text"]}}}


@asynccontextmanager
async def running_telegram(tmp_path, notes: str | None = None):
    """The bot polling a fake Bot API server, on a fresh database, with the clock fixed at NOW; on `notes`
    as its only notes file when given, else on the project's own notes."""
    content = {}
    if notes is not None:
        (tmp_path / "notes.md").write_text(notes, encoding="utf-8")
        content["DRILL_CONTENT"] = str(tmp_path / "notes.md")
    fake = FakeTelegramAPI(enforce_limits=False)
    await fake.start()
    env = {"DRILL_DB": str(tmp_path / "drill.db"), "TELEGRAM_BOT_TOKEN": fake.token,
           "TELEGRAM_API_BASE_URL": fake.base_url, **content}
    app = build_app(load_settings(env), NOW)
    async with AsyncExitStack() as stack:
        senders = (await open_platforms(app, lambda: NOW, stack, listen=True)).senders
        await fake.wait_for_call("getUpdates")
        yield fake, app, senders
    app.close()
    await fake.stop()


@pytest.fixture
async def telegram(tmp_path):
    """The bot with the project's own notes."""
    async with running_telegram(tmp_path) as running:
        yield running


async def deliver(fake, update: dict, method: str, count: int) -> list:
    fake.push_update(update)
    return await fake.wait_for_call(method, count=count)


def last_sent(fake, chat_id: int) -> dict:
    """The last message sent to a chat, with the id the fake gave it (ids count up per chat)."""
    sent = fake.sent_messages(chat_id)
    return {**sent[-1], "message_id": len(sent)}


def last_markup(fake) -> list:
    return fake.sent_messages()[-1]["reply_markup"]["inline_keyboard"][0]


async def test_commands_are_registered_in_korean_and_english(telegram):
    fake, _, _ = telegram
    assert {c["command"] for c in fake.commands_for("en")} >= {"quiz", "streak", "leaderboard", "subscribe"}
    assert fake.commands_for("ko")[0]["description"] != fake.commands_for("en")[0]["description"]


async def test_private_chat_start_subscribe_quiz_reveal_and_grade(telegram):
    fake, app, _ = telegram
    await deliver(fake, command(PRIVATE, 42, "/start"), "sendMessage", 2)
    assert "Daily Drill" in fake.sent_messages(PRIVATE)[0]["text"]
    await deliver(fake, command(PRIVATE, 42, "/subscribe 09:00 Asia/Seoul", 2), "sendMessage", 3)
    assert app.store.chats.chat(f"telegram:{PRIVATE}")["status"] == "active"

    await deliver(fake, command(PRIVATE, 42, "/quiz docker", 3), "sendMessage", 4)
    question = last_sent(fake, PRIVATE)
    (show,) = last_markup(fake)
    await deliver(fake, tap(PRIVATE, 42, show["callback_data"], question, "q1"), "sendMessage", 5)
    answer = last_sent(fake, PRIVATE)
    assert "tg-spoiler" not in answer["text"]  # a private chat gets the answer itself
    knew = last_markup(fake)[0]
    await deliver(fake, tap(PRIVATE, 42, knew["callback_data"], answer, "q2"), "answerCallbackQuery", 2)
    assert app.store.db["cards"].count == 1


async def test_group_subscribe_is_for_admins_and_the_answer_is_posted_once_as_a_spoiler(telegram):
    fake, app, senders = telegram
    fake.set_chat_member(GROUP, 43, "member")
    await deliver(fake, command(GROUP, 43, "/subscribe 09:00 Asia/Seoul"), "sendMessage", 1)
    assert app.store.chats.chat(f"telegram:{GROUP}")["status"] == "new"
    fake.set_chat_member(GROUP, 42, "administrator")
    await deliver(fake, command(GROUP, 42, "/subscribe 09:00 Asia/Seoul", 2), "sendMessage", 2)
    assert app.store.chats.chat(f"telegram:{GROUP}")["status"] == "active"

    report = await app.delivery(senders, lambda: NOW).sweep(NOW)  # the daily push at 09:00 Seoul
    assert report.sent == 1
    question = last_sent(fake, GROUP)
    assert "오늘의 문제" in question["text"]
    (show,) = last_markup(fake)
    await deliver(fake, tap(GROUP, 43, show["callback_data"], question, "g1"), "sendMessage", 4)
    answer = last_sent(fake, GROUP)
    assert "<tg-spoiler>" in answer["text"] and answer["reply_parameters"]["message_id"] == question["message_id"]
    await deliver(fake, tap(GROUP, 42, show["callback_data"], question, "g2"), "answerCallbackQuery", 2)
    assert len(fake.sent_messages(GROUP)) == 4  # the second tap got a toast, not another post

    knew, partly, _ = last_markup(fake)
    await deliver(fake, tap(GROUP, 42, knew["callback_data"], answer, "g3"), "answerCallbackQuery", 3)
    await deliver(fake, tap(GROUP, 43, partly["callback_data"], answer, "g4"), "answerCallbackQuery", 4)
    assert {m: p for m, (_, p) in app.store.grades.points_by_member(f"telegram:{GROUP}").items()} == {
        "telegram:42": 3, "telegram:43": 2}
    forged = dict(knew, callback_data="g:999:k")
    await deliver(fake, tap(GROUP, 43, forged["callback_data"], answer, "g5"), "answerCallbackQuery", 5)
    assert app.store.db["grades"].count == 2


async def test_blocked_chat_is_deactivated_and_a_429_is_retried(telegram):
    fake, app, senders = telegram
    fake.set_chat_member(GROUP, 42, "administrator")
    await deliver(fake, command(PRIVATE, 42, "/subscribe 09:00 Asia/Seoul"), "sendMessage", 1)
    await deliver(fake, command(GROUP, 42, "/subscribe 09:00 Asia/Seoul", 2), "sendMessage", 2)
    fake.block(PRIVATE)
    fake.fail_next("sendMessage", error="429", chat_id=GROUP, retry_after=1)
    report = await app.delivery(senders, lambda: NOW).sweep(NOW)
    assert (report.sent, report.deactivated) == (1, 1)
    assert app.store.chats.chat(f"telegram:{PRIVATE}")["status"] == "inactive"
    assert fake.sent_messages(GROUP)[-1]["text"].count("오늘의 문제") == 1


@pytest.mark.parametrize("error, permanent", [
    ("blocked", True), ("kicked", True), ("kicked_supergroup", True), ("chat_not_found", True),
    ("user_deactivated", True), ("server_error", False), ("no_rights", False), ("too_long", False),
])
async def test_only_the_refusals_that_never_change_deactivate_the_chat(telegram, error, permanent):
    fake, app, senders = telegram
    fake.set_chat_member(GROUP, 42, "administrator")
    await deliver(fake, command(GROUP, 42, "/subscribe 09:00 Asia/Seoul"), "sendMessage", 1)
    fake.fail_next("sendMessage", error=error, chat_id=GROUP)
    report = await app.delivery(senders, lambda: NOW).sweep(NOW)
    row = app.store.chats.chat(f"telegram:{GROUP}")
    (delivery,) = app.store.db["deliveries"].rows
    if permanent:
        assert (report.deactivated, row["status"], delivery["status"]) == (1, "inactive", "failed")
        assert ERRORS[error][1].split(": ", 1)[1].lower() in row["reason"].lower()  # Telegram's words
    else:  # transient: the chat stays, the claim stays and is sent after the lease
        assert (report.deactivated, row["status"], delivery["status"]) == (0, "active", "claimed")
        later = NOW + app.settings.claim_lease + timedelta(seconds=1)
        assert (await app.delivery(senders, lambda: later).sweep(later)).retried == 1
        assert app.store.deliveries.delivery(delivery["id"])["status"] == "sent"


async def subscribed_group_with_todays_question(fake, app, senders) -> dict:
    """A group an admin subscribed, with today's question delivered by the 09:00 sweep."""
    fake.set_chat_member(GROUP, 42, "administrator")
    await deliver(fake, command(GROUP, 42, "/subscribe 09:00 Asia/Seoul"), "sendMessage", 1)
    assert (await app.delivery(senders, lambda: NOW).sweep(NOW)).sent == 1
    return last_sent(fake, GROUP)


async def test_the_scheduler_pushes_the_daily_question_at_nine_and_not_before(telegram):
    fake, app, senders = telegram
    await deliver(fake, command(PRIVATE, 42, "/subscribe 09:00 Asia/Seoul"), "sendMessage", 1)
    clock = {"now": NOW - timedelta(minutes=1)}  # 08:59 in Seoul
    delivery = app.delivery(senders, lambda: clock["now"])
    scheduler = start_scheduler(delivery, tick_seconds=0.05)
    try:
        await asyncio.wait_for(delivery_ticks(scheduler, 3), timeout=10)
        assert len(fake.sent_messages(PRIVATE)) == 1  # only the /subscribe confirmation
        clock["now"] = NOW
        await fake.wait_for_call("sendMessage", count=2)
    finally:
        await stop_scheduler(scheduler, delivery)
    assert "오늘의 문제" in fake.sent_messages(PRIVATE)[-1]["text"]
    assert app.store.deliveries.has_delivery(f"telegram:{PRIVATE}", NOW.date())


async def delivery_ticks(scheduler, count: int) -> None:
    """Wait until the scheduler has run its job `count` more times (an APScheduler listener, no sleeps)."""
    done = asyncio.Event()
    seen = []

    def executed(event) -> None:
        seen.append(event)
        if len(seen) >= count:
            done.set()

    scheduler.add_listener(executed, EVENT_JOB_EXECUTED)
    try:
        await done.wait()
    finally:
        scheduler.remove_listener(executed)


async def test_streak_and_leaderboard_after_two_members_grade(telegram):
    fake, app, senders = telegram
    question = await subscribed_group_with_todays_question(fake, app, senders)
    (show,) = last_markup(fake)
    await deliver(fake, tap(GROUP, 43, show["callback_data"], question, "s1"), "sendMessage", 3)
    answer = last_sent(fake, GROUP)
    knew, partly, _ = last_markup(fake)
    await deliver(fake, tap(GROUP, 43, partly["callback_data"], answer, "s2"), "answerCallbackQuery", 2)
    await deliver(fake, tap(GROUP, 42, knew["callback_data"], answer, "s3"), "answerCallbackQuery", 3)

    await deliver(fake, command(GROUP, 43, "/streak", 10), "sendPhoto", 1)
    (photo,) = fake.calls_to("sendPhoto")
    assert "연속 기록: 1일" in photo.params["caption"] and photo.params["parse_mode"] == "HTML"
    picture = Image.open(io.BytesIO(photo.params["photo"])).convert("RGB")
    assert picture.size == (WIDTH, HEIGHT)
    x0, y0, x1, y1 = cell_box(date(2026, 11, 30), date(2026, 11, 30))  # today, graded "partly" on time
    assert picture.getpixel(((x0 + x1) // 2, (y0 + y1) // 2)) == ImageColor.getrgb(FILLS["partly"])
    await deliver(fake, command(GROUP, 42, "/leaderboard week", 11), "sendMessage", 4)
    board = last_sent(fake, GROUP)["text"]
    assert board.index("1. Ann: 3점") < board.index("2. Bo: 2점")


async def test_a_group_upgraded_to_a_supergroup_keeps_its_history(telegram):
    fake, app, senders = telegram
    await subscribed_group_with_todays_question(fake, app, senders)
    supergroup = -1001234
    migrate = {"message": {"message_id": 20, "date": 1764460800, "chat": chat(GROUP), "from": user(42),
                           "migrate_to_chat_id": supergroup}}
    fake.push_update(migrate)
    fake.push_update(command(supergroup, 42, "/help", 21))  # the new id speaks while the move is under way
    await fake.wait_for_call("sendMessage", count=3)
    await senders["telegram"].settled()  # updates are handled side by side: the move may finish last
    moved = app.store.chats.chat(f"telegram:{supergroup}")
    assert moved["status"] == "active" and app.store.chats.chat(f"telegram:{GROUP}") is None
    assert app.store.deliveries.has_delivery(moved["key"], NOW.date())


async def test_chat_migrated_on_send_moves_the_chat_and_delivers_there(telegram):
    fake, app, senders = telegram
    fake.set_chat_member(GROUP, 42, "administrator")
    await deliver(fake, command(GROUP, 42, "/subscribe 09:00 Asia/Seoul"), "sendMessage", 1)
    fake.fail_next("sendMessage", error="migrated", chat_id=GROUP, migrate_to=-1005678)
    report = await app.delivery(senders, lambda: NOW).sweep(NOW)
    assert report.sent == 1
    assert "오늘의 문제" in fake.sent_messages(-1005678)[-1]["text"]
    assert app.store.chats.chat("telegram:-1005678")["status"] == "active"
    assert app.store.chats.chat(f"telegram:{GROUP}") is None


async def test_a_group_migrated_into_a_supergroup_the_bot_knew_keeps_both_histories_and_gets_one_question(telegram):
    fake, app, senders = telegram
    supergroup = -1005678
    for chat_id in (GROUP, supergroup):
        fake.set_chat_member(chat_id, 42, "administrator")
    await deliver(fake, command(GROUP, 42, "/subscribe 09:00 Asia/Seoul"), "sendMessage", 1)
    friday = NOW - timedelta(days=3)
    assert (await app.delivery(senders, lambda: friday).sweep(friday)).sent == 1
    graded = app.drill.action(ChatRef(f"telegram:{GROUP}", "telegram", "group"), MemberRef("telegram:43", "Bo"),
                              grade_payload(app.store.deliveries.latest_drill_day(f"telegram:{GROUP}")["id"], "knew"), friday)
    assert graded[0].kind == "graded"
    # The supergroup was subscribed on its own before the group's move reached the bot.
    await deliver(fake, command(supergroup, 42, "/subscribe 09:00 Asia/Seoul", 2), "sendMessage", 3)
    fake.fail_next("sendMessage", error="migrated", chat_id=GROUP, migrate_to=supergroup)

    report = await app.delivery(senders, lambda: NOW).sweep(NOW)
    assert report.failed == 0
    assert [m["text"].count("오늘의 문제") for m in fake.sent_messages(supergroup)[1:]] == [1]  # once, not twice
    assert app.store.chats.chat(f"telegram:{GROUP}") is None
    moved = f"telegram:{supergroup}"
    assert app.store.deliveries.drill_days(moved) == [friday.date(), NOW.date()]
    assert {m: p for m, (_, p) in app.store.grades.points_by_member(moved).items()} == {"telegram:43": 3}
    assert (await app.delivery(senders, lambda: NOW).sweep(NOW)).sent == 0


def membership(chat_id: int, old: str, new: str, update_id: int) -> dict:
    """A my_chat_member update: the bot's own status in a chat changed (added, removed, blocked)."""
    bot = {"id": 123456, "is_bot": True, "first_name": "Drill Test Bot", "username": "drill_test_bot"}
    return {"update_id": update_id, "my_chat_member": {
        "chat": chat(chat_id), "from": user(42), "date": 1764460800,
        "old_chat_member": {"user": bot, "status": old}, "new_chat_member": {"user": bot, "status": new}}}


async def test_added_to_a_group_says_hello_removed_deactivates_and_added_back_reactivates(telegram):
    fake, app, _ = telegram
    await deliver(fake, membership(GROUP, "left", "member", 900), "sendMessage", 1)
    assert "/subscribe" in fake.sent_messages(GROUP)[0]["text"]  # hello, and how to subscribe
    fake.set_chat_member(GROUP, 42, "administrator")
    await deliver(fake, command(GROUP, 42, "/subscribe 09:00 Asia/Seoul"), "sendMessage", 2)

    fake.push_update(membership(GROUP, "member", "left", 901))
    # Updates start in order, and the removal never waits on the network: once the /help pushed
    # after it is answered, the removal has been handled.
    fake.push_update(command(PRIVATE, 42, "/help", 2))
    await fake.wait_for_call("sendMessage", count=3)
    assert app.store.chats.chat(f"telegram:{GROUP}")["status"] == "inactive"
    await deliver(fake, membership(GROUP, "left", "member", 902), "sendMessage", 4)
    assert app.store.chats.chat(f"telegram:{GROUP}")["status"] == "active"


CODE_NOTES = """## 롤백은 어떻게 하나요?

`kubectl rollout undo`로 이전 리비전으로 돌아간다:

```bash
kubectl rollout undo deploy/web
```
"""


async def test_a_group_answer_with_code_links_to_a_private_copy_with_its_code_formatted(tmp_path):
    async with running_telegram(tmp_path, CODE_NOTES) as (fake, app, senders):
        fake.set_chat_member(GROUP, 42, "administrator")
        await deliver(fake, command(GROUP, 42, "/subscribe 09:00 Asia/Seoul"), "sendMessage", 1)
        await app.delivery(senders, lambda: NOW).sweep(NOW)
        question = last_sent(fake, GROUP)
        (show,) = last_markup(fake)
        delivery_id = int(show["callback_data"].split(":")[1])
        await deliver(fake, command(PRIVATE, 43, f"/start ans{delivery_id}"), "sendMessage", 3)
        assert "유효하지 않습니다" in last_sent(fake, PRIVATE)["text"]  # not before the group has seen it

        await deliver(fake, tap(GROUP, 43, show["callback_data"], question, "g1"), "sendMessage", 4)
        await senders["telegram"].settled()  # the answer's message id is stored after Telegram answers the send
        spoiler = fake.sent_messages(GROUP)[-1]
        assert "<tg-spoiler>" in spoiler["text"] and "<code" not in spoiler["text"]  # Telegram forbids code there
        grades, (report,), (link,) = spoiler["reply_markup"]["inline_keyboard"]
        assert len(grades) == 3 and report["callback_data"].startswith("f:") and link["url"] == f"https://t.me/drill_test_bot?start=ans{delivery_id}"

        await deliver(fake, command(PRIVATE, 43, f"/start ans{delivery_id}", 2), "sendMessage", 5)
        private = last_sent(fake, PRIVATE)
        assert '<pre><code class="language-bash">kubectl rollout undo deploy/web</code></pre>' in private["text"]
        assert "<code>kubectl rollout undo</code>" in private["text"] and "그룹" in private["text"]
        assert "reply_markup" not in private or not private["reply_markup"]  # grading stays in the group
        await deliver(fake, command(GROUP, 43, f"/start ans{delivery_id}", 3), "sendMessage", 6)
        assert "유효하지 않습니다" in last_sent(fake, GROUP)["text"]  # the link's answer is for a private chat


async def test_a_reminder_goes_privately_to_a_member_who_asked_and_not_to_one_who_turned_it_off(telegram):
    fake, app, senders = telegram
    USERS[44] = "Cy"
    for member in (43, 44):  # both started the bot privately: it may write to them
        await deliver(fake, command(member, member, "/start"), "sendMessage", len(fake.calls_to("sendMessage")) + 2)
    fake.set_chat_member(GROUP, 42, "administrator")
    sent = len(fake.calls_to("sendMessage"))
    await deliver(fake, command(GROUP, 42, "/subscribe 09:00 Asia/Seoul"), "sendMessage", sent + 1)
    for member, typed in ((43, "/remind on 20:00"), (44, "/remind on 20:00"), (44, "/remind off")):
        sent = len(fake.calls_to("sendMessage"))
        await deliver(fake, command(GROUP, member, typed, 5), "sendMessage", sent + 1)
    assert (await app.delivery(senders, lambda: NOW).sweep(NOW)).sent == 1
    daily = last_sent(fake, GROUP)

    before = {member: len(fake.sent_messages(member)) for member in (43, 44)}
    evening = NOW + timedelta(hours=11)  # 20:00 in Seoul
    assert await ReminderSweep(app.store, app.drill, senders).sweep(evening) == 1
    reminder = fake.sent_messages(43)[-1]
    assert len(fake.sent_messages(43)) == before[43] + 1 and len(fake.sent_messages(44)) == before[44]
    assert "Team" in reminder["text"]
    (show,) = reminder["reply_markup"]["inline_keyboard"][0]
    # The reminder's Show answer works in the private chat, and the grade counts in the group.
    await deliver(fake, tap(43, 43, show["callback_data"], {**reminder, "message_id": 9}, "rem1"), "sendMessage",
                  len(fake.calls_to("sendMessage")) + 1)
    knew = fake.sent_messages(43)[-1]["reply_markup"]["inline_keyboard"][0][0]
    await deliver(fake, tap(43, 43, knew["callback_data"], {**fake.sent_messages(43)[-1], "message_id": 10}, "rem2"),
                  "answerCallbackQuery", 2)
    points = app.store.grades.points_by_member(f"telegram:{GROUP}")
    assert points == {"telegram:43": ("Bo", 3)} and daily["text"]
    assert await ReminderSweep(app.store, app.drill, senders).sweep(evening + timedelta(minutes=1)) == 0


async def test_remind_in_a_group_asks_a_member_who_never_started_the_bot_to_start_it(telegram):
    fake, app, _ = telegram
    await deliver(fake, command(GROUP, 43, "/remind on"), "sendMessage", 1)
    assert "Start" in last_sent(fake, GROUP)["text"] or "시작" in last_sent(fake, GROUP)["text"]
    assert app.store.reminders.get(f"telegram:{GROUP}", "telegram:43") is None


async def test_the_weekly_recap_is_posted_once_on_the_first_drill_day_of_a_week(telegram):
    fake, app, senders = telegram
    fake.set_chat_member(GROUP, 42, "administrator")
    await deliver(fake, command(GROUP, 42, "/subscribe 09:00 Asia/Seoul"), "sendMessage", 1)
    group = ChatRef(f"telegram:{GROUP}", "telegram", "group", "Team")
    for day in range(5):  # last week, Monday to Friday: Ann grades every day, Bo misses the first
        when = NOW - timedelta(days=7 - day)
        await app.delivery(senders, lambda when=when: when).sweep(when)
        delivery_id = app.store.deliveries.latest_drill_day(group.key)["id"]
        for user_id, grade in ((42, "knew"), (43, "missed" if day else None)):
            if grade:
                app.drill.action(group, MemberRef(f"telegram:{user_id}", USERS[user_id]),
                                 grade_payload(delivery_id, grade), when + timedelta(hours=1))
    before = len(fake.sent_messages(GROUP))
    assert (await app.delivery(senders, lambda: NOW).sweep(NOW)).sent == 1
    sent = [m["text"] for m in fake.sent_messages(GROUP)[before:]]
    recaps = [t for t in sent if "지난주 돌아보기" in t]
    assert len(recaps) == 1 and len(sent) == 3  # last week's board, the recap, today's question
    assert "2명이 채점했고, 5번의 문제 중 5번" in recaps[0] and "Ann 5일" in recaps[0]
    (practise,) = fake.sent_messages(GROUP)[before + 1]["reply_markup"]["inline_keyboard"][0]
    assert practise["callback_data"].startswith("pq:")
    assert (await app.delivery(senders, lambda: NOW).sweep(NOW + timedelta(minutes=1))).sent == 0
    assert len(fake.sent_messages(GROUP)) == before + 3  # once: the day was claimed
