"""Sending the reminders that are due: after each tick's daily sweep, behind the daily questions.

A reminder is claimed before it is sent (reminders_sent), so it goes at most once per member and drill
day, whatever the number of processes; a send that fails for a moment gives its claim back for the next
tick, one the platform refuses for good (the member blocked the bot) keeps it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from bot.core.reminders import reminder_time
from bot.core.replies import Reply
from bot.core.schedule import Schedule, parse_days, parse_time
from bot.delivery import PermanentSendError, run_inline
from bot.drill import Drill
from bot.store import Store

log = logging.getLogger(__name__)


class ReminderSender(Protocol):
    """What an adapter implements to nudge a member privately."""

    async def send_reminder(self, pending: dict, reply: Reply) -> None:
        """Send `reply` to the member of `pending` (a row of ReminderStore.pending), privately."""


class ReminderSweep:
    """Finds the reminders whose time has come and sends each once, through its platform's sender."""

    def __init__(self, store: Store, drill: Drill, senders: Mapping[str, object], *, max_concurrent: int = 16,
                 run: Callable[..., Awaitable[Any]] = run_inline):
        self.store = store
        self.drill = drill
        self.senders = {platform: sender for platform, sender in senders.items() if hasattr(sender, "send_reminder")}
        self._run = run
        self._limit = asyncio.Semaphore(max_concurrent)

    def due(self, now: datetime) -> list[dict]:
        """The pending reminders whose time has come and whose drill day is still open."""
        found = []
        for pending in self.store.reminders.pending():
            if pending["platform"] not in self.senders or not pending["chat_at"]:
                continue
            days = parse_days(pending["days"]) if pending["days"] else frozenset()
            schedule = Schedule(parse_time(pending["chat_at"]), pending["zone"], days)
            when = reminder_time(schedule, datetime.fromisoformat(pending["local_date"]).date(),
                                 parse_time(pending["at"]) if pending["at"] else None)
            if when is not None and when.is_due(now):
                found.append(pending)
        return found

    async def sweep(self, now: datetime) -> int:
        """Send every due reminder once; returns how many were sent."""
        due = await self._run(self.due, now)
        sent = await asyncio.gather(*(self._remind(pending, now) for pending in due))
        return sum(sent)

    async def _remind(self, pending: dict, now: datetime) -> bool:
        async with self._limit:
            if not await self._run(self.store.reminders.claim, pending["delivery_id"], pending["member"], now):
                return False  # another process reminded them first
            reply = await self._run(self.drill.reminder, pending)
            try:
                await self.senders[pending["platform"]].send_reminder(pending, reply)
            except PermanentSendError as refused:
                log.info("reminder refused: %s", refused.reason, extra={"chat": pending["chat"]})
                return False
            except Exception as error:  # transient: the next tick tries again
                await self._run(self.store.reminders.release, pending["delivery_id"], pending["member"])
                log.warning("reminder failed, tried again next tick: %r", error, extra={"chat": pending["chat"]})
                return False
            return True
