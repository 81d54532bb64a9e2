"""Telegram's send limits, kept by the bot: python-telegram-bot's rate limiter hook, people first.

Telegram allows about 30 messages a second overall, 20 a minute in a group and one a second in a
private chat (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits). Daily questions are sent
with `rate_limit_args=BROADCAST` and reminders with REMINDER after them; everything else answers a person
and goes first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.config import TelegramPacing
from bot import pacing
from bot.pacing import SlotPacer, WindowLimit

log = logging.getLogger(__name__)
BROADCAST = "broadcast"  # rate_limit_args of the daily questions
REMINDER = "reminder"  # and of reminders, which come after them
_PRIORITIES = {BROADCAST: pacing.BROADCAST, REMINDER: pacing.REMINDER}
# Methods that post or change a message count against the limits; reading and answering a tap do not.
PACED_METHODS = frozenset({
    "sendMessage", "editMessageText", "editMessageReplyMarkup", "sendPhoto", "sendDocument", "copyMessage",
    "forwardMessage",
})


class TelegramPacer(BaseRateLimiter[str]):
    """Evenly spaced sends within the overall, group and private-chat limits; waits out a 429 and retries."""

    def __init__(self, pacing: TelegramPacing, max_retries: int = 3):
        self.max_retries = max_retries
        self.overall = SlotPacer(pacing.messages_per_second)
        self.groups = WindowLimit(pacing.group_messages_per_minute, 60.0)
        # One a second on average, with a short burst (a reply and the answer right after it).
        self.private_chats = WindowLimit(3, 3.0 / pacing.chat_messages_per_second)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(self, callback, args, kwargs, endpoint: str, data: dict[str, Any],
                              rate_limit_args: str | None):
        """Wait for a slot and send; on a 429 this request waits retry_after and tries again.

        Only the refused request waits: the pacing keeps the bot inside the overall limit, so a 429 is
        about one chat, and pausing every chat for it would stall the whole fan-out.
        """
        if endpoint not in PACED_METHODS:
            return await callback(*args, **kwargs)
        chat_id = _chat_id(data.get("chat_id"))
        for attempt in range(self.max_retries + 1):
            try:
                async with self._chat_slot(chat_id), self.overall.slot(_PRIORITIES.get(rate_limit_args, pacing.PERSON)):
                    return await callback(*args, **kwargs)
            except RetryAfter as flood:
                if attempt == self.max_retries:
                    raise
                wait = _seconds(flood.retry_after) + 0.1
                log.info("Telegram asked to wait %.1f s; retrying", wait, extra={"chat": f"telegram:{chat_id}"})
                await asyncio.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _chat_slot(self, chat_id: int | str | None) -> contextlib.AbstractAsyncContextManager:
        """The chat's own window, a private chat's or a group's; none for a @channel name."""
        if not isinstance(chat_id, int):
            return contextlib.nullcontext()
        return (self.private_chats if chat_id > 0 else self.groups).slot(chat_id)


def _chat_id(value: Any) -> int | str | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value  # a @channel username, or no chat at all


def _seconds(retry_after: int | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)
