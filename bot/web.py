"""The one HTTP server of the process: webhooks and Slack events share `PORT`, beside `/healthz`.

Hosts such as Heroku give a process a single port, so every platform that needs inbound HTTP adds its
route here before the server starts; polling and Socket Mode need no server at all.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Health = Callable[[], Awaitable[dict]]  # the bot's status, with "healthy" true or false


class WebServer:
    """An aiohttp server on one port; routes are added first, then it starts."""

    def __init__(self, port: int, health: Health, host: str = "0.0.0.0"):
        self.host = host
        self.requested_port = port
        self.port: int | None = None
        self.health = health
        self.application = web.Application(client_max_size=1024 * 1024)
        self.application.router.add_get("/healthz", self._healthz)
        self._runner: web.AppRunner | None = None

    def add_post(self, path: str, handler: Handler) -> None:
        """Serve POST requests to `path` with `handler`."""
        self.application.router.add_post(path, handler)

    def add_get(self, path: str, handler: Handler) -> None:
        """Serve GET requests to `path` with `handler`."""
        self.application.router.add_get(path, handler)

    async def start(self) -> None:
        """Listen; with port 0 the system picks a free port, found afterwards in `port`."""
        self._runner = web.AppRunner(self.application, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.requested_port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info("listening for HTTP on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        """Stop listening and finish the requests being handled."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, request: web.Request) -> web.Response:
        """The host's health check: the bot's status as JSON, 503 when its scheduler is wedged, so that
        the host restarts it."""
        status = await self.health()
        return web.json_response(status, status=200 if status["healthy"] else 503)
