"""The fake Slack Web API plus Socket Mode: apps.connections.open and the WebSocket it points to.

slack_sdk's Socket Mode client asks apps.connections.open (with the app-level token) for a wss URL,
connects, and waits for envelopes; it acknowledges each with its envelope_id. Tests push envelopes
with `send_envelope` and await the acknowledgement with `wait_for_ack`.
"""

from __future__ import annotations

import asyncio
import itertools

from aiohttp import WSMsgType, web

from fakes.slack_api import FakeSlackAPI


class FakeSlackWithSocketMode(FakeSlackAPI):
    """A FakeSlackAPI that also plays Slack's Socket Mode server, one connection at a time."""

    def __init__(self, *, app_token: str = "xapp-1-test", **options):
        super().__init__(**options)
        self.app_token = app_token
        self.acks: dict[str, dict] = {}
        self._handlers["apps.connections.open"] = self._connections_open
        self._socket: web.WebSocketResponse | None = None
        self._connected = asyncio.Event()
        self._acked = asyncio.Condition()
        self._ids = itertools.count(1)

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/socket", self._serve_socket)

    def _expected_token(self, method: str) -> str:
        return self.app_token if method == "apps.connections.open" else self.token

    def _connections_open(self, params: dict) -> dict:
        return {"url": self.base_url.replace("http://", "ws://").replace("/api/", "/socket")}

    async def wait_until_connected(self, timeout: float = 10) -> None:
        """Wait for the bot's Socket Mode client to connect."""
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def send_envelope(self, kind: str, payload: dict) -> str:
        """Push an envelope (slash_commands, interactive, events_api) to the bot; return its id."""
        envelope_id = f"env-{next(self._ids)}"
        await self._socket.send_json({"envelope_id": envelope_id, "type": kind, "payload": payload,
                                      "accepts_response_payload": kind != "events_api", "retry_attempt": 0,
                                      "retry_reason": ""})
        return envelope_id

    async def wait_for_ack(self, envelope_id: str, timeout: float = 10) -> dict:
        """Wait for the bot to acknowledge an envelope; return its acknowledgement."""
        async with asyncio.timeout(timeout), self._acked:
            await self._acked.wait_for(lambda: envelope_id in self.acks)
        return self.acks[envelope_id]

    async def _serve_socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json({"type": "hello", "num_connections": 1,
                                "connection_info": {"app_id": "A0DRILL"}, "debug_info": {"host": "fake"}})
        self._connected.set()
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                ack = message.json()
                async with self._acked:
                    self.acks[ack.get("envelope_id", "")] = ack
                    self._acked.notify_all()
        self._connected.clear()
        return socket
