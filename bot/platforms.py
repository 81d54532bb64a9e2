"""Which chat platforms this process serves, from the settings (Telegram and Slack adapters plug in here)."""

from __future__ import annotations

from bot.app import App
from bot.delivery import Sender


def platform_senders(app: App) -> dict[str, Sender]:
    """The senders of the platforms whose tokens are set."""
    return {}
