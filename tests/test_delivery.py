"""The daily delivery: due times across zones and DST, catch-up, effectively-once, failures."""

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from datetime import date, datetime, time, timedelta, timezone

import pytest

from bot.delivery import PermanentSendError
from bot.core.replies import ChatRef
from conftest import ADMIN
from factories import RecordingSender


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def subscribe(app, key: str, at: str, zone: str, days: str = "daily", now=utc(2026, 11, 1)) -> ChatRef:
    chat = ChatRef(key, "console", "group", key)
    app.drill.command(chat, ADMIN, f"/subscribe {at} {zone}", now)
    app.drill.command(chat, ADMIN, f"/schedule days {days}", now)
    return chat


async def test_seoul_and_berlin_get_their_question_at_their_own_nine(app):
    seoul = subscribe(app, "console:seoul", "09:00", "Asia/Seoul", "mon-fri")
    berlin = subscribe(app, "console:berlin", "09:00", "Europe/Berlin", "mon-fri")
    sender = RecordingSender()
    delivery = app.delivery({"console": sender}, clock=None)
    await delivery.sweep(utc(2026, 11, 29, 23, 59))  # Monday 08:59 in Seoul
    assert sender.sent == []
    await delivery.sweep(utc(2026, 11, 30, 0, 0))  # 09:00 in Seoul, 01:00 in Berlin
    assert [key for key, _ in sender.sent] == [seoul.key]
    await delivery.sweep(utc(2026, 11, 30, 7, 59))
    assert len(sender.sent) == 1
    await delivery.sweep(utc(2026, 11, 30, 8, 0))  # 09:00 in Berlin
    assert [key for key, _ in sender.sent] == [seoul.key, berlin.key]
    await delivery.sweep(utc(2026, 11, 30, 9, 0))
    assert len(sender.sent) == 2


async def _sweep_every_minute(delivery, start: datetime, hours: int) -> None:
    now = start
    while now < start + timedelta(hours=hours):
        await delivery.sweep(now)
        now += timedelta(minutes=1)


@pytest.mark.parametrize("at, day, instant", [
    # 01:30 happens twice on New York's autumn day (05:30 and 06:30 UTC): one delivery, at the first.
    ("01:30", date(2026, 11, 1), "2026-11-01T05:30:00+00:00"),
    # 02:30 never happens on the spring day: one delivery, an hour later on the clocks (03:30 EDT).
    ("02:30", date(2026, 3, 8), "2026-03-08T07:30:00+00:00"),
])
async def test_new_york_dst_change_days_get_exactly_one_delivery_at_the_promised_instant(app, at, day, instant):
    chat = subscribe(app, "console:nyc", at, "America/New_York")
    sender = RecordingSender()
    delivery = app.delivery({"console": sender}, clock=None)
    # Every minute from the local evening before to well past both passes of the hour and the window.
    await _sweep_every_minute(delivery, datetime.combine(day, time(0), tzinfo=timezone.utc), hours=20)
    rows = list(app.store.db.query("select local_date, claimed_at, sent_at from deliveries where chat = ?",
                                   [chat.key]))
    assert [(r["local_date"], r["claimed_at"], r["sent_at"]) for r in rows] == [(day.isoformat(), instant, instant)]
    assert len(sender.sent) == 1


async def test_catch_up_after_downtime_inside_the_window_but_not_outside(app):
    subscribe(app, "console:seoul", "09:00", "Asia/Seoul", "mon-fri")
    sender = RecordingSender()
    delivery = app.delivery({"console": sender}, clock=None)
    await delivery.sweep(utc(2026, 11, 30, 2, 0))  # the bot comes back two hours late: delivers
    assert len(sender.sent) == 1
    await delivery.sweep(utc(2026, 12, 1, 7, 0))  # seven hours late the next day: too late
    assert len(sender.sent) == 1
    assert app.store.deliveries.drill_days("console:seoul") == [date(2026, 11, 30)]


async def test_two_sweeps_racing_over_the_same_chats_send_once(app, tmp_path):
    from bot.store import Store, open_database

    for i in range(30):
        subscribe(app, f"console:c{i}", "09:00", "Asia/Seoul")
    second_store = Store(open_database(app.settings.db_path))  # a second connection, like a second process
    sender = RecordingSender()
    one = app.delivery({"console": sender}, clock=None)
    two = type(one)(second_store, type(app.drill)(second_store, app.drill.defaults), {"console": sender},
                    catch_up=app.settings.catch_up, lease=app.settings.claim_lease)
    now = utc(2026, 11, 30, 0, 5)
    await asyncio.gather(one.sweep(now), two.sweep(now), one.sweep(now))
    keys = [key for key, _ in sender.sent]
    assert sorted(keys) == sorted(f"console:c{i}" for i in range(30))
    second_store.close()


async def test_a_permanent_error_deactivates_and_subscribing_again_reactivates(app):
    chat = subscribe(app, "console:gone", "09:00", "Asia/Seoul")
    other = subscribe(app, "console:fine", "09:00", "Asia/Seoul")
    sender = RecordingSender()
    sender.refuse[chat.key] = PermanentSendError("bot was blocked by the user")
    delivery = app.delivery({"console": sender}, clock=None)
    report = await delivery.sweep(utc(2026, 11, 30, 0, 1))
    assert report.deactivated == 1 and [key for key, _ in sender.sent] == [other.key]
    row = app.store.chats.chat(chat.key)
    assert (row["status"], row["reason"]) == ("inactive", "bot was blocked by the user")
    await delivery.sweep(utc(2026, 11, 30, 0, 30))  # no retry for a permanent error
    assert app.store.db["deliveries"].count == 2
    app.drill.command(chat, ADMIN, "/subscribe", utc(2026, 11, 30, 1))
    assert app.store.chats.chat(chat.key)["status"] == "active"


async def test_a_transient_error_is_retried_after_the_lease(app):
    chat = subscribe(app, "console:flaky", "09:00", "Asia/Seoul")
    sender = RecordingSender()
    sender.refuse[chat.key] = ConnectionError("network down")
    delivery = app.delivery({"console": sender}, clock=None)
    start = utc(2026, 11, 30, 0, 0)
    await delivery.sweep(start)
    del sender.refuse[chat.key]
    await delivery.sweep(start + timedelta(seconds=60))  # inside the lease: the claim is still someone's
    assert sender.sent == []
    report = await delivery.sweep(start + app.settings.claim_lease + timedelta(seconds=1))
    assert report.retried == 1 and [key for key, _ in sender.sent] == [chat.key]
    assert app.store.deliveries.latest_drill_day(chat.key)["status"] == "sent"


class GatedSender(RecordingSender):
    """Holds every send until the test opens the gate, so a stop can land mid-sweep."""

    def __init__(self):
        super().__init__()
        self.gate = asyncio.Event()
        self.started = asyncio.Event()

    async def send_daily(self, chat, replies):
        self.started.set()
        await self.gate.wait()
        return await super().send_daily(chat, replies)


async def test_a_clean_stop_mid_sweep_then_restart_never_sends_twice_or_misses(app):
    from bot.delivery import DailyDelivery

    for i in range(10):
        subscribe(app, f"console:c{i}", "09:00", "Asia/Seoul")
    sender = GatedSender()
    now = utc(2026, 11, 30, 0, 1)
    delivery = DailyDelivery(app.store, app.drill, {"console": sender}, catch_up=app.settings.catch_up,
                             lease=app.settings.claim_lease, max_concurrent=3)
    sweep = asyncio.create_task(delivery.sweep(now))
    await sender.started.wait()
    stopping = asyncio.create_task(delivery.stop())
    sender.gate.set()
    await asyncio.gather(sweep, stopping)
    first_run = len(sender.sent)
    assert 1 <= first_run < 10  # what was in flight finished; nothing new was claimed
    assert app.store.db.execute("select count(*) from deliveries where status = 'claimed'").fetchone()[0] == 0
    restarted = app.delivery({"console": sender}, clock=None)
    await restarted.sweep(now + timedelta(minutes=1))
    keys = [key for key, _ in sender.sent]
    assert sorted(keys) == sorted(f"console:c{i}" for i in range(10))


CRASHING_SWEEP = textwrap.dedent("""
    import asyncio, sys
    from datetime import datetime, timezone
    from bot.app import build_app
    from bot.config import load_settings

    class HangingSender:
        async def send_daily(self, chat, replies):
            print("sending", flush=True)
            await asyncio.Event().wait()  # killed here: claimed, maybe sent, never marked

    now = datetime.fromisoformat(sys.argv[1])
    app = build_app(load_settings(), now)
    asyncio.run(app.delivery({"console": HangingSender()}, clock=None).sweep(now))
""")


async def test_a_crash_between_claim_and_mark_is_retried_after_the_lease_and_never_loses_the_day(app):
    chat = subscribe(app, "console:crash", "09:00", "Asia/Seoul")
    now = utc(2026, 11, 30, 0, 1)
    env = {**os.environ, "DRILL_DB": str(app.settings.db_path)}
    process = subprocess.Popen([sys.executable, "-c", CRASHING_SWEEP, now.isoformat()], env=env,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "sending"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert app.store.deliveries.latest_drill_day(chat.key)["status"] == "claimed"
    sender = RecordingSender()
    delivery = app.delivery({"console": sender}, clock=None)
    await delivery.sweep(now + timedelta(seconds=30))
    assert sender.sent == []  # still inside the lease: the crashed sender might come back
    await delivery.sweep(now + app.settings.claim_lease + timedelta(minutes=1))
    assert [key for key, _ in sender.sent] == [chat.key]
    assert app.store.deliveries.latest_drill_day(chat.key)["status"] == "sent"
    assert app.store.db["deliveries"].count == 1


class SignallingSender(RecordingSender):
    """Sets an event on the first send, so a test can await the scheduler's sweep."""

    def __init__(self):
        super().__init__()
        self.arrived = asyncio.Event()

    async def send_daily(self, chat, replies):
        result = await super().send_daily(chat, replies)
        self.arrived.set()
        return result


async def test_the_apscheduler_job_sweeps_at_start_up_with_the_injected_clock(app):
    from bot.scheduler import start_scheduler, stop_scheduler

    chat = subscribe(app, "console:tick", "09:00", "Asia/Seoul")
    sender = SignallingSender()
    delivery = app.delivery({"console": sender}, clock=lambda: utc(2026, 11, 30, 0, 0))
    scheduler = start_scheduler(delivery)
    try:
        (job,) = scheduler.get_jobs()
        assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 300)
        await asyncio.wait_for(sender.arrived.wait(), timeout=10)
    finally:
        await stop_scheduler(scheduler, delivery)
    assert [key for key, _ in sender.sent] == [chat.key]


async def test_stopping_the_scheduler_mid_send_lets_the_send_finish_and_be_marked(app):
    """APScheduler cancels a running tick when it shuts down; the send in flight must still be marked."""
    from bot.scheduler import start_scheduler, stop_scheduler

    for i in range(3):
        subscribe(app, f"console:s{i}", "09:00", "Asia/Seoul")
    sender = GatedSender()
    delivery = app.delivery({"console": sender}, clock=lambda: utc(2026, 11, 30, 0, 1))
    scheduler = start_scheduler(delivery)
    await asyncio.wait_for(sender.started.wait(), timeout=10)
    stopping = asyncio.create_task(stop_scheduler(scheduler, delivery))
    await asyncio.sleep(0)  # the stop is under way while the send waits at the gate
    sender.gate.set()
    await asyncio.wait_for(stopping, timeout=10)
    claimed = app.store.db.execute("select count(*) from deliveries where status = 'claimed'").fetchone()[0]
    sent = app.store.db.execute("select count(*) from deliveries where status = 'sent'").fetchone()[0]
    assert claimed == 0 and sent == len(sender.sent) >= 1


async def test_a_tick_cancelled_by_the_scheduler_mid_send_still_finishes_and_marks_the_send(app):
    """APScheduler's executor cancels a running job when it shuts down (asyncio.run does the same to what
    is left at exit); here nothing waits first, so only the shield keeps the send from being cut off."""
    from bot.scheduler import start_scheduler

    chat = subscribe(app, "console:cut", "09:00", "Asia/Seoul")
    sender = GatedSender()
    delivery = app.delivery({"console": sender}, clock=lambda: utc(2026, 11, 30, 0, 1))
    scheduler = start_scheduler(delivery)
    await asyncio.wait_for(sender.started.wait(), timeout=10)
    (running,) = scheduler._executors["default"]._pending_futures
    scheduler.shutdown(wait=False)  # cancels the running tick (APScheduler logs the CancelledError)
    await asyncio.wait_for(running, timeout=10)
    assert sender.sent == [] and app.store.deliveries.latest_drill_day(chat.key)["status"] == "claimed"  # the tick is over
    sender.gate.set()  # the send, cut off from its tick, answers now
    await asyncio.wait_for(delivery.stop(), timeout=10)
    assert [key for key, _ in sender.sent] == [chat.key]
    assert app.store.deliveries.latest_drill_day(chat.key)["status"] == "sent"


@pytest.mark.parametrize("served, other", [("console", "slack"), ("slack", "console")])
async def test_a_sweep_claims_only_the_chats_of_platforms_it_can_send_to(app, served, other):
    """`python -m bot push` without a Slack token must leave Slack's days for the bot that has one."""
    from bot.core.replies import ChatRef as Ref

    here = Ref(f"{served}:here", served, "channel", "team")
    elsewhere = Ref(f"{other}:elsewhere", other, "channel", "team")
    for chat in (here, elsewhere):
        app.drill.command(chat, ADMIN, "/subscribe 09:00 Asia/Seoul", utc(2026, 11, 1))
    sender = RecordingSender()
    report = await app.delivery({served: sender}, clock=None).sweep(utc(2026, 11, 30, 0, 1))
    assert (report.sent, [key for key, _ in sender.sent]) == (1, [here.key])
    assert not app.store.deliveries.has_delivery(elsewhere.key, date(2026, 11, 30))
    if other != "slack":
        return
    slack = elsewhere
    # Stale claims too: a Slack claim left over is not retried by a process without Slack.
    question_id = app.store.bank.active_question_ids()[0]
    app.store.deliveries.claim_delivery(slack.key, date(2026, 11, 30), question_id, 0, utc(2026, 11, 30, 0, 1))
    later = utc(2026, 11, 30, 1, 0)
    assert (await app.delivery({served: sender}, clock=None).sweep(later)).retried == 0
    assert app.store.deliveries.latest_drill_day(slack.key)["status"] == "claimed"


async def test_a_tick_after_stop_claims_nothing(app):
    subscribe(app, "console:late", "09:00", "Asia/Seoul")
    sender = RecordingSender()
    delivery = app.delivery({"console": sender}, clock=lambda: utc(2026, 11, 30, 0, 1))
    await delivery.stop()
    await delivery.tick()  # the scheduler's last tick, arriving after the stop
    assert sender.sent == [] and app.store.db["deliveries"].count == 0


async def test_push_all_sends_today_to_every_active_chat_in_its_own_zone_once(app):
    """`python -m bot push --all`: whatever the chats' times, today's question now, still once a day."""
    seoul = subscribe(app, "console:seoul-evening", "18:00", "Asia/Seoul")
    new_york = subscribe(app, "console:nyc-evening", "20:00", "America/New_York")
    sender = RecordingSender()
    delivery = app.delivery({"console": sender}, clock=None)
    now = utc(2026, 11, 30, 23, 30)  # Tuesday 08:30 in Seoul, Monday 18:30 in New York: neither is due
    assert (await delivery.sweep(now)).sent == 0
    assert (await delivery.sweep(now, every_active=True)).sent == 2
    days = {row["chat"]: row["local_date"] for row in app.store.db["deliveries"].rows}
    assert days == {seoul.key: "2026-12-01", new_york.key: "2026-11-30"}  # each chat's own today
    assert (await delivery.sweep(now + timedelta(minutes=5), every_active=True)).sent == 0
