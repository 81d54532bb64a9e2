"""`python -m bot run`: the chat platforms and the scheduler in one asyncio process."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime

from bot.app import App
from bot.platforms import platform_senders


async def run_platforms(app: App, clock: Callable[[], datetime]) -> int:
    """Serve every configured platform until SIGTERM or SIGINT."""
    if not platform_senders(app):
        print("error: no chat platform is available: set TELEGRAM_BOT_TOKEN or SLACK_BOT_TOKEN, "
              "or use `python -m bot chat` for the terminal chat", file=sys.stderr)
        return 2
    raise NotImplementedError
