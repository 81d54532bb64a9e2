"""The daily delivery: which chats are due, claim, send, mark sent. Effectively once per chat and day.

A delivery row (unique per chat and local date) is committed as a claim before anything is sent,
and marked sent with the platform's message id after. A restart therefore never sends a day twice;
a crash can only repeat the sends that were in flight, and a claim left unsent past the lease is
sent again by a later sweep, so no day is lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from bot.core.schedule import Schedule, due_drill_days, local_date, parse_days, parse_time
from bot.core.replies import Reply
from bot.drill import Drill
from bot.store import Store
from bot.store.write_batch import WriteBatch

log = logging.getLogger(__name__)


class PermanentSendError(Exception):
    """The platform will never accept messages for this chat (blocked, kicked, archived...)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ChatMoved(Exception):
    """The chat has a new id (a Telegram group upgraded to a supergroup)."""

    def __init__(self, new_key: str):
        super().__init__(new_key)
        self.new_key = new_key


class Sender(Protocol):
    """What an adapter implements so the scheduler can deliver to its chats."""

    async def send_daily(self, chat: dict, replies: list[Reply]) -> str | None:
        """Send the daily replies to `chat` (a stored chat row); return the question's message id.

        Raise PermanentSendError or ChatMoved for those cases; any other exception is a transient
        failure and the claim is retried after its lease.

        A sender may also have `lane(chat_key) -> str`: the chats it paces together (a Slack workspace).
        Each lane has its own bound on sends in flight, so that a lane waiting for its pace never holds
        up another; without it, the platform is one lane."""


@dataclass
class SweepReport:
    """What one sweep did."""

    sent: int = 0
    empty: int = 0
    failed: int = 0
    deactivated: int = 0
    retried: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    total: int = 0  # chats (and stale claims) this sweep takes on
    done: int = 0  # of them, finished: what a progress bar shows while the sweep runs


async def run_inline(work: Callable[..., Any], *args, **kwargs) -> Any:
    """Store work on the caller's thread: for a delivery built without the app's store threads (tests)."""
    return work(*args, **kwargs)


class DailyDelivery:
    """Finds due chats and delivers their daily question through the sender of each platform.

    Every store access goes through `run` (the app's store threads), so a database busy with another
    process's write never holds up the event loop, and with it the replies to people. The claims and
    marks of the sends in flight are written together (WriteBatch): one hop and one transaction for many.
    """

    def __init__(self, store: Store, drill: Drill, senders: Mapping[str, Sender], *,
                 catch_up: timedelta, lease: timedelta, max_concurrent: int = 16,
                 clock: Callable[[], datetime] | None = None,
                 run: Callable[..., Awaitable[Any]] = run_inline,
                 before_tick: Callable[[], Awaitable[Any]] | None = None,
                 after_sweep: Callable[[datetime], Awaitable[Any]] | None = None):
        self.store = store
        self.before_tick = before_tick  # the app's: pick up changed notes, so the tick's sweep asks from them
        self.after_sweep = after_sweep  # the app's: the reminders, which go behind the daily questions
        self._run = run
        self._writes = WriteBatch(lambda: store.db, run)
        self.drill = drill
        self.senders = dict(senders)
        self.catch_up = catch_up
        self.lease = lease
        self.clock = clock
        self.max_concurrent = max_concurrent
        self._lanes: dict[tuple[str, str], asyncio.Semaphore] = {}
        self._stopping = False
        self._in_flight: set[asyncio.Task] = set()
        self._ticks: set[asyncio.Task] = set()

    def due(self, now: datetime, every_active: bool = False) -> list[tuple[dict, object]]:
        """(chat row, local date) pairs due at `now` without a delivery; `every_active`: today for every
        active chat, whatever its time (a manual push), still once per day.

        This runs every tick over every active chat, so the schedule maths is done once per distinct
        schedule and the deliveries once per date, not once per chat.
        """
        pending = []
        due_days: dict[tuple, list] = {}
        delivered: dict[object, set[str]] = {}
        for chat in self.store.chats.active_chats():
            if chat["platform"] not in self.senders:
                continue
            plan = (chat["zone"],) if every_active else (chat["at"], chat["zone"], chat["days"])
            if plan not in due_days:
                due_days[plan] = self._due_days(chat, now, every_active)
            for day in due_days[plan]:
                if day not in delivered:
                    delivered[day] = self.store.deliveries.chats_delivered_on(day)
                if chat["key"] not in delivered[day]:
                    pending.append((chat, day))
        return pending

    def _due_days(self, chat: dict, now: datetime, every_active: bool) -> list:
        if every_active:
            return [local_date(now, chat["zone"])]
        days = parse_days(chat["days"]) if chat["days"] else frozenset()
        return due_drill_days(Schedule(parse_time(chat["at"]), chat["zone"], days), now, self.catch_up)

    async def sweep(self, now: datetime, every_active: bool = False,
                    report: SweepReport | None = None) -> SweepReport:
        """Deliver every due chat's question (and retry stale claims); returns what happened, filled in
        as it happens into `report` when the caller passes one to watch."""
        report = report or SweepReport()
        due = await self._run(self.due, now, every_active)
        stale = await self._run(self.store.deliveries.stale_claims, now - self.lease)
        jobs = [self._deliver_new(chat, day, now, report) for chat, day in due]
        jobs += [self._retry(claim, now, report) for claim in stale]
        report.total = len(jobs)
        await asyncio.gather(*(self._track(job, report) for job in jobs))
        return report

    async def tick(self) -> None:
        """The scheduler's job: `before_tick`, then one sweep at the current time, recorded once complete;
        errors are logged, never raised."""
        if self._stopping:
            return
        tick = asyncio.current_task()
        self._ticks.add(tick)
        try:
            if self.before_tick is not None:
                try:
                    await self.before_tick()
                except Exception:
                    log.exception("the work before the sweep failed; the sweep goes on")
            started, timer = self.clock(), time.perf_counter()
            report = await self.sweep(started)
            if report.sent or report.failed or report.retried:
                log.info("sweep: %s", report)
            if self.after_sweep is not None:
                try:
                    await self.after_sweep(started)
                except Exception:
                    log.exception("the work after the sweep failed; the next tick tries again")
            # A completed sweep is what /healthz and `status --check` look for.
            await self._run(self.store.runtime.put, "last_sweep", {
                "started_at": started.isoformat(), "finished_at": self.clock().isoformat(),
                "seconds": round(time.perf_counter() - timer, 3), "sent": report.sent, "failed": report.failed})
        except Exception:
            log.exception("delivery sweep failed; the next tick retries")
        finally:
            self._ticks.discard(tick)

    async def stop(self) -> None:
        """Stop claiming; let the running tick and the sends already in flight finish and be marked.

        Waiting for the tick too matters: the scheduler's shutdown would otherwise cancel it between
        two of its store calls."""
        self._stopping = True
        others = self._ticks - {asyncio.current_task()}
        while self._in_flight or others:
            await asyncio.gather(*self._in_flight, *others, return_exceptions=True)
            others = self._ticks - {asyncio.current_task()}

    async def _track(self, job, report: SweepReport) -> None:
        task = asyncio.ensure_future(job)
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        # Shielded: cancelling a sweep (the scheduler shutting down) must not cut a send off between
        # the request and its mark, which would send it again after the lease. stop() waits for it.
        await asyncio.shield(task)
        report.done += 1

    def _lane(self, chat_key: str) -> asyncio.Semaphore:
        """The bound on sends in flight of the chat's lane (see Sender)."""
        platform = chat_key.partition(":")[0]
        lane = getattr(self.senders.get(platform), "lane", None)
        name = (platform, lane(chat_key) if lane else "")
        bound = self._lanes.get(name)
        if bound is None:
            bound = self._lanes[name] = asyncio.Semaphore(self.max_concurrent)
        return bound

    async def _deliver_new(self, chat: dict, day: date, now: datetime, report: SweepReport) -> None:
        async with self._lane(chat["key"]):
            if self._stopping:
                report.skipped += 1
                return
            claimed = await self._writes.do(self._claim, chat, day, now)
            if claimed is not None:  # None: another sweep claimed it first
                await self._send(chat, *claimed, now, report)

    def _claim(self, chat: dict, day: date, now: datetime) -> tuple[int, list[Reply]] | None:
        question_id, cycle = self.drill.next_daily_question(chat, day, now)
        delivery_id = self.store.deliveries.claim_delivery(chat["key"], day, question_id, cycle, now)
        if delivery_id is None:
            return None
        return delivery_id, self.drill.daily_replies(chat["key"], delivery_id)

    async def _retry(self, claim: dict, now: datetime, report: SweepReport) -> None:
        async with self._lane(claim["chat"]):
            if self._stopping:
                return
            renewed = await self._writes.do(self._renew, claim, now)
            if renewed is not None:
                report.retried += 1
                await self._send(renewed[0], claim["id"], renewed[1], now, report)

    def _renew(self, claim: dict, now: datetime) -> tuple[dict, list[Reply]] | None:
        if not self.store.deliveries.renew_claim(claim, now):
            return None  # another sweep took it first
        chat = self.store.chats.chat(claim["chat"])
        if chat["platform"] not in self.senders:
            return None
        return chat, self.drill.daily_replies(chat["key"], claim["id"])

    async def _send(self, chat: dict, delivery_id: int, replies: list[Reply], now: datetime,
                    report: SweepReport) -> None:
        sender = self.senders[chat["platform"]]
        try:
            try:
                message_id = await sender.send_daily(chat, replies)
            except ChatMoved as moved:
                chat = await self._writes.do(self._move, chat["key"], moved.new_key, delivery_id)
                if chat is None:
                    return  # the new id already had this day: the two merged, and that day is its own
                message_id = await sender.send_daily(chat, replies)
        except PermanentSendError as error:
            await self._writes.do(self._refused, delivery_id, chat["key"], error.reason, now)
            report.failed += 1
            report.deactivated += 1
            log.warning("chat deactivated: %s", error.reason, extra={"chat": chat["key"], "delivery": delivery_id})
            return
        except Exception as error:  # transient: the claim stays and is retried after the lease
            report.failed += 1
            report.errors.append(f"{chat['key']}: {error!r}")
            log.warning("send failed, retried after the lease: %r", error,
                        extra={"chat": chat["key"], "delivery": delivery_id})
            return
        await self._writes.do(self.store.deliveries.mark_sent, delivery_id, message_id, now)
        if replies and replies[-1].kind == "question":
            report.sent += 1
        else:
            report.empty += 1

    def _move(self, old_key: str, new_key: str, delivery_id: int) -> dict | None:
        """The chat under its new id, or None when its history merged into one that had this day already."""
        self.drill.chat_moved(old_key, new_key)
        return self.store.chats.chat(new_key) if self.store.deliveries.delivery(delivery_id) is not None else None

    def _refused(self, delivery_id: int, chat_key: str, reason: str, now: datetime) -> None:
        self.store.deliveries.mark_failed(delivery_id, reason)  # with the chat's removal: one batch's savepoint
        self.drill.bot_removed(chat_key, reason, now)
