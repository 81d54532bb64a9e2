"""Which chat platforms this process serves, from the settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime

from bot.app import App
from bot.delivery import Sender
from bot.status import bot_status
from bot.web import WebServer


@dataclass
class Platforms:
    """The connected platforms: the scheduler's senders, and the HTTP server when one is needed."""

    senders: dict[str, Sender]
    server: WebServer | None = None


async def open_platforms(app: App, clock: Callable[[], datetime], stack: AsyncExitStack, *,
                         listen: bool) -> Platforms:
    """Connect every platform whose token is set; `listen` also starts receiving updates.

    Everything opened here is closed by `stack` when the caller leaves it, the HTTP server first so
    that no request arrives at a platform that is shutting down.
    """
    settings = app.settings

    async def health() -> dict:
        return await app.run(bot_status, app.store, settings, clock())

    server = WebServer(settings.port, health) if listen and settings.needs_http_server else None
    senders: dict[str, Sender] = {}
    after_listening: list[Callable[[], Awaitable[None]]] = []
    if settings.telegram is not None:
        from bot.adapters import telegram

        adapter = telegram.TelegramAdapter(app, settings.telegram, clock)
        stack.push_async_callback(telegram.stop_telegram, adapter)
        if listen:
            await telegram.start_telegram(adapter, server)
            if settings.telegram.webhook_url:
                after_listening.append(lambda: telegram.set_webhook(adapter))
        else:
            await adapter.application.initialize()
        senders["telegram"] = adapter
    if settings.slack is not None:
        from bot.adapters import slack

        slack_adapter = slack.SlackAdapter(app, settings.slack, clock)
        stack.push_async_callback(slack.stop_slack, slack_adapter)
        await slack_adapter.place_unplaced_chats()  # before any request or delivery names them
        if listen:
            await slack.start_slack(slack_adapter, server)
        senders["slack"] = slack_adapter
    if listen:  # the scheduler starts next: /healthz gives its first sweep three intervals from here
        await app.run(app.store.runtime.put, "started", {"at": clock().isoformat(), "platforms": sorted(senders)})
    if server is not None:
        await server.start()
        stack.push_async_callback(server.stop)
    for step in after_listening:
        await step()
    return Platforms(senders, server)
