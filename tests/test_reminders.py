"""When reminders are due: the member's time or three hours before the next question, in the chat's zone."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.core.reminders import reminder_time
from bot.core.schedule import Schedule

WEEKDAYS = frozenset(range(5))
SEOUL = Schedule(time(9, 0), "Asia/Seoul", WEEKDAYS)
THURSDAY, FRIDAY = date(2026, 11, 26), date(2026, 11, 27)


def local(instant: datetime, zone: str = "Asia/Seoul") -> datetime:
    return instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def test_by_default_three_hours_before_the_next_question_in_the_chats_zone():
    reminder = reminder_time(SEOUL, THURSDAY, None)
    assert local(reminder.due) == datetime(2026, 11, 27, 6, 0) and local(reminder.closes) == datetime(2026, 11, 27, 9, 0)
    # Friday's question stays open over the weekend: its reminder is on Monday morning.
    assert local(reminder_time(SEOUL, FRIDAY, None).due) == datetime(2026, 11, 30, 6, 0)


def test_at_the_members_own_time_the_first_one_after_the_question():
    assert local(reminder_time(SEOUL, THURSDAY, time(20, 0)).due) == datetime(2026, 11, 26, 20, 0)
    assert local(reminder_time(SEOUL, THURSDAY, time(7, 30)).due) == datetime(2026, 11, 27, 7, 30)  # next morning
    assert local(reminder_time(SEOUL, FRIDAY, time(20, 0)).due) == datetime(2026, 11, 27, 20, 0)


def test_none_when_the_time_would_fall_as_the_day_closes():
    assert local(reminder_time(SEOUL, THURSDAY, time(9, 30)).due) == datetime(2026, 11, 26, 9, 30)
    assert reminder_time(SEOUL, THURSDAY, time(9, 0)) is None  # the question's own time: Friday's comes then
    assert reminder_time(Schedule(time(9, 0), "Asia/Seoul", frozenset()), THURSDAY, None) is None  # no drill days


def test_never_after_the_day_closed_and_not_before_it_is_due():
    reminder = reminder_time(SEOUL, THURSDAY, None)
    assert not reminder.is_due(reminder.due - timedelta(seconds=1))
    assert reminder.is_due(reminder.due) and reminder.is_due(reminder.closes - timedelta(seconds=1))
    assert not reminder.is_due(reminder.closes)


def test_daylight_saving_time_keeps_the_local_hour():
    new_york = Schedule(time(9, 0), "America/New_York", frozenset(range(7)))
    # The clocks go forward on Sunday 2026-03-08: Saturday's day closes at 09:00 EDT, 13:00 UTC.
    reminder = reminder_time(new_york, date(2026, 3, 7), None)
    assert reminder.closes == datetime(2026, 3, 8, 13, 0, tzinfo=timezone.utc)
    assert local(reminder.due, "America/New_York") == datetime(2026, 3, 8, 6, 0)
    evening = reminder_time(new_york, date(2026, 3, 7), time(21, 0))
    assert evening.due == datetime(2026, 3, 8, 2, 0, tzinfo=timezone.utc)  # 21:00 EST, still UTC-5


# -- the engine and the sweep, on the store ----------------------------------------------------------

import pytest  # noqa: E402

from bot.core.commands import grade_payload, reveal_payload  # noqa: E402
from bot.core.replies import ChatRef, MemberRef  # noqa: E402
from bot.delivery import PermanentSendError  # noqa: E402
from bot.reminder_sweep import ReminderSweep  # noqa: E402
from factories import RecordingSender  # noqa: E402

TEAM = ChatRef("console:team", "console", "group", "team")
ANN, BO, CY = (MemberRef(f"console:{n}", n.title(), is_admin=n == "ann") for n in ("ann", "bo", "cy"))


def seoul(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=ZoneInfo("Asia/Seoul")).astimezone(timezone.utc)


@pytest.fixture
def team(app):
    """A Seoul team on weekdays at 09:00; Bo wants reminders at 20:00, Cy at the default time, Ann none."""
    sender = RecordingSender()
    delivery = app.delivery({"console": sender}, clock=None)
    app.drill.command(TEAM, ANN, "/subscribe 09:00 Asia/Seoul", seoul(23))
    assert "20:00" in app.drill.command(TEAM, BO, "/remind on 20:00", seoul(23))[0].text
    app.drill.command(TEAM, CY, "/remind on", seoul(23))
    sweep = ReminderSweep(app.store, app.drill, {"console": sender})

    async def at(instant: datetime) -> list[tuple[str, str, object]]:
        await delivery.sweep(instant)
        before = len(sender.reminded)
        await sweep.sweep(instant)
        return sender.reminded[before:]

    at.sender = sender
    return app, at


async def test_a_reminder_goes_once_at_the_members_time_and_not_to_who_graded_or_turned_it_off(team):
    app, at = team
    assert await at(seoul(26)) == []  # Thursday 09:00: the question is out, nobody's time has come
    assert await at(seoul(26, 19, 59)) == []
    (bo,) = await at(seoul(26, 20, 0))
    member, chat, reply = bo
    assert (member, chat, reply.kind) == ("console:bo", TEAM.key, "reminder")
    assert [b.payload for b in reply.buttons] == [reveal_payload(reply.delivery_id)]
    assert await at(seoul(26, 20, 1)) == [] and await at(seoul(26, 23)) == []  # never twice a day
    # Cy's default time is 3 hours before Friday's question; Cy grades first, Bo turns reminders off.
    app.drill.action(TEAM, CY, grade_payload(reply.delivery_id, "knew"), seoul(27, 5))
    assert await at(seoul(27, 6)) == []
    app.drill.command(TEAM, BO, "/remind off", seoul(27, 7))
    await at(seoul(27))  # Friday's question
    assert await at(seoul(27, 20)) == []  # Bo is off; Cy's time for Friday is Monday 06:00
    assert [m for m, _, _ in await at(seoul(30, 6))] == ["console:cy"]


async def test_no_reminder_after_the_day_closed_nor_on_a_day_without_a_drill(team):
    app, at = team
    await at(seoul(27))  # Friday's question
    assert await at(seoul(28, 20)) != []  # Saturday 20:00: Friday's day is still open, Bo's time comes
    assert await at(seoul(29, 20)) == []  # Sunday: no new drill day, Bo was reminded of Friday's already
    assert [m for m, _, _ in await at(seoul(30, 6))] == ["console:cy"]
    assert await at(seoul(30, 9)) == []  # Monday's question closes Friday's day: nothing more about it
    app.drill.command(TEAM, ANN, "/unsubscribe", seoul(30, 10))
    assert await at(seoul(30, 20)) == []  # a chat that stopped its drill reminds nobody


async def test_the_show_answer_button_of_a_reminder_works_in_the_members_private_chat(team):
    app, at = team
    await at(seoul(26))
    ((_, _, reply),) = await at(seoul(26, 20))
    private = ChatRef("console:bo-private", "console", "private", "Bo")
    answer = app.drill.action(private, BO, reply.buttons[0].payload, seoul(26, 20, 5))[0]
    assert answer.kind == "answer"
    graded = app.drill.action(private, BO, grade_payload(reply.delivery_id, "partly"), seoul(26, 20, 6))[0]
    assert graded.kind == "graded" and app.store.grades.grade(reply.delivery_id, BO.key)["on_time"] == 1
    # Ann has no reminder there: the same button from her private chat is refused.
    refused = app.drill.action(ChatRef("console:ann-private", "console", "private"), ANN, reply.buttons[0].payload,
                               seoul(26, 20, 7))[0]
    assert refused.kind == "notice"


async def test_a_failed_reminder_is_tried_again_and_a_refused_one_is_not(team):
    app, at = team
    sender = at.sender
    await at(seoul(26))
    sender.refuse[BO.key] = ConnectionError("the network is down")
    assert await at(seoul(26, 20)) == []
    del sender.refuse[BO.key]
    assert [m for m, _, _ in await at(seoul(26, 20, 1))] == ["console:bo"]  # the next tick sends it
    await at(seoul(27))
    sender.refuse[BO.key] = PermanentSendError("Forbidden: bot was blocked by the user")
    assert await at(seoul(27, 20)) == []
    del sender.refuse[BO.key]
    assert await at(seoul(27, 20, 1)) == []  # refused for good: not sent again that day


def test_remind_takes_on_off_and_a_time_and_refuses_anything_else(app):
    chat = ChatRef("console:solo", "console", "private", "solo")
    assert "꺼져" in app.drill.command(chat, ANN, "/remind", NOW_SEOUL)[0].text  # the default language: Korean
    for bad in ("/remind maybe", "/remind on 25:00", "/remind on 08:00 extra"):
        app.drill.command(chat, ANN, bad, NOW_SEOUL)
        assert app.store.reminders.get(chat.key, ANN.key) is None, bad
    app.drill.command(chat, ANN, "/remind on 07:45", NOW_SEOUL)
    assert app.store.reminders.get(chat.key, ANN.key) == {"at": "07:45"}
    app.drill.command(chat, ANN, "/remind off", NOW_SEOUL)
    assert app.store.reminders.get(chat.key, ANN.key) is None


NOW_SEOUL = datetime(2026, 11, 23, 0, 0, tzinfo=timezone.utc)
