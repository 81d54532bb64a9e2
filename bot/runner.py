"""`python -m bot run`: the chat platforms and the scheduler in one asyncio process."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import datetime

from bot.app import App
from bot.platforms import open_platforms
from bot.scheduler import start_scheduler, stop_scheduler

log = logging.getLogger(__name__)


async def run_platforms(app: App, clock: Callable[[], datetime]) -> int:
    """Serve every configured platform until SIGTERM or SIGINT, then stop gracefully."""
    # Handled from the start: a SIGTERM while the platforms connect stops the bot cleanly once they have.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stop_signal, stop.set)
    async with AsyncExitStack() as stack:
        senders = (await open_platforms(app, clock, stack, listen=True)).senders
        if not senders:
            print("error: no chat platform configured: set TELEGRAM_BOT_TOKEN or SLACK_BOT_TOKEN, "
                  "or use `python -m bot chat` for the terminal chat", file=sys.stderr)
            return 2
        delivery = app.delivery(senders, clock)
        scheduler = start_scheduler(delivery, tick_seconds=app.settings.sweep_every.total_seconds())
        log.info("running on %s", ", ".join(sorted(senders)))
        await stop.wait()
        log.info("stopping: finishing the sends in flight")
        await stop_scheduler(scheduler, delivery)
    return 0
