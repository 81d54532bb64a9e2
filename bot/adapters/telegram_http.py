"""python-telegram-bot's HTTP calls over aiohttp's client instead of httpx.

The morning fan-out is bound by the bot's own CPU long before Telegram's limit matters; in the fan-out
profile httpx's connection pool cost more per request than everything else the bot does per chat.
aiohttp is already here for the webhook server, and its client does the same work for less.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_DEFAULT = type(BaseRequest.DEFAULT_NONE)


class AiohttpRequest(BaseRequest):
    """A BaseRequest on one aiohttp ClientSession with a bounded connection pool."""

    def __init__(self, *, connections: int = 64, read_timeout: float = 5.0, connect_timeout: float = 5.0):
        self._connections = connections
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        """Seconds to wait for an answer when a call does not say (getUpdates adds its long-poll time)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session; safe to call twice."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE, write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        """Send one Bot API call; the body is form-encoded as python-telegram-bot expects (files as multipart)."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        timeout = aiohttp.ClientTimeout(
            sock_read=self._read_timeout if isinstance(read_timeout, _DEFAULT) else read_timeout,
            sock_connect=self._connect_timeout if isinstance(connect_timeout, _DEFAULT) else connect_timeout,
        )
        try:
            body, headers = _body(request_data)
            async with self._session.request(method, url, data=body, headers=headers, timeout=timeout) as response:
                return response.status, await response.read()
        except asyncio.TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


_FORM = {"Content-Type": "application/x-www-form-urlencoded"}

def _body(request_data: RequestData | None) -> tuple[bytes | aiohttp.FormData | None, dict | None]:
    if request_data is None:
        return None, None
    files = request_data.multipart_data
    if not files:
        # Encoded here: aiohttp's own form handling of a dict cost a tenth of the fan-out's time.
        return urlencode(request_data.json_parameters).encode(), _FORM
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, upload in files.items():
        filename, content, *mimetype = upload if isinstance(upload, tuple) else (name, upload)
        form.add_field(name, content, filename=filename, content_type=mimetype[0] if mimetype else None)
    return form, None
