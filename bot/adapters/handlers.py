"""Counting the platform handlers that are running, so that a stop (or a test) can wait for them."""

from __future__ import annotations

import asyncio
import functools


class RunningHandlers:
    """Wraps handlers; `settled()` returns once at most `running` of them are still running."""

    def __init__(self):
        self._busy = 0
        self._idle = asyncio.Condition()

    def track(self, handler):
        """The handler, counted while it runs (platforms answer first and finish the work after)."""
        @functools.wraps(handler)
        async def run(*args, **kwargs):
            self._busy += 1
            try:
                return await handler(*args, **kwargs)
            finally:
                self._busy -= 1
                async with self._idle:
                    self._idle.notify_all()
        return run

    async def settled(self, running: int = 0) -> None:
        """Return once at most `running` handlers are still running."""
        async with self._idle:
            await self._idle.wait_for(lambda: self._busy <= running)
