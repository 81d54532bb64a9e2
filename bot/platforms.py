"""Which chat platforms this process serves, from the settings."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import datetime

from bot.app import App
from bot.delivery import Sender


async def open_platforms(app: App, clock: Callable[[], datetime], stack: AsyncExitStack, *,
                         listen: bool) -> dict[str, Sender]:
    """Connect every platform whose token is set; `listen` also starts receiving updates.

    Each platform is closed by `stack` when the caller leaves it.
    """
    senders: dict[str, Sender] = {}
    if app.settings.telegram is not None:
        from bot.adapters import telegram

        adapter = telegram.TelegramAdapter(app, app.settings.telegram, clock)
        if listen:
            await telegram.start_telegram(adapter)
        else:
            await adapter.application.initialize()
        stack.push_async_callback(telegram.stop_telegram, adapter)
        senders["telegram"] = adapter
    return senders
