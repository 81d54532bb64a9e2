"""Sending at a platform's pace: evenly spaced slots overall, sliding windows per chat, people first.

The morning fan-out would otherwise take every slot the platform allows and leave a member who taps
Show answer waiting behind thousands of daily questions; so requests made for a person (foreground)
always get the next free slot before the broadcast (background) does.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from collections.abc import Callable, Hashable

WINDOW = 1.0  # seconds: the span a platform counts its per-second limit over


class SlotPacer:
    """Sends evenly spaced below `per_second`, and never more than `per_second` less the headroom in any
    one-second window, however late a timer fires; waiting foreground requests are served first.

    The platform counts a send when it arrives, and arrivals jitter (the event loop, the network): the
    `headroom` (a fraction of the limit left unused, 2% by default: 20 ms of a one-second window) keeps
    such jitter from ever making a window the platform counts hold one send too many."""

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic, headroom: float = 0.02):
        rate = per_second * (1 - headroom)
        self.interval = 1.0 / rate
        self.per_window = max(1, int(rate))  # sends in any window of WINDOW seconds
        self.clock = clock
        self._free_at = 0.0
        self._granted: deque[float] = deque()  # when the sends of the last window were let go
        self._waiting: tuple[deque[asyncio.Future], deque[asyncio.Future]] = (deque(), deque())
        self._timer: asyncio.TimerHandle | None = None

    async def acquire(self, foreground: bool = True) -> None:
        """Return when this request may be sent."""
        now = self.clock()
        if self._free_at <= now and self._window_free_at(now) <= now and not any(self._waiting):
            self._free_at = now + self.interval  # idle: the next slot is one interval from now
            self._granted.append(now)
            return
        future = asyncio.get_running_loop().create_future()
        self._waiting[0 if foreground else 1].append(future)
        self._arm()
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._arm()  # the slot it was given goes to the next in line
            raise

    def _window_free_at(self, now: float) -> float:
        """When the one-second window has room for one more send."""
        while self._granted and self._granted[0] <= now - WINDOW:
            self._granted.popleft()
        return self._granted[0] + WINDOW if len(self._granted) >= self.per_window else now

    def _take_on_grid(self, now: float) -> None:
        # A timer that fired a little late keeps the slots on their grid (the rate holds), but at
        # most one slot is caught up, so lateness never turns into a burst; the window caps it anyway.
        self._free_at = max(self._free_at, now - self.interval) + self.interval
        self._granted.append(now)

    def _arm(self) -> None:
        if self._timer is None and any(self._waiting):
            now = self.clock()
            delay = max(0.0, self._free_at - now, self._window_free_at(now) - now)
            self._timer = asyncio.get_running_loop().call_later(delay, self._release)

    def _release(self) -> None:
        self._timer = None
        now = self.clock()
        if self._free_at <= now and self._window_free_at(now) <= now:
            for queue in self._waiting:
                while queue:
                    future = queue.popleft()
                    if not future.cancelled():
                        future.set_result(None)
                        self._take_on_grid(now)
                        break
                else:
                    continue
                break
        self._arm()


class WindowLimit:
    """At most `count` sends per `seconds` to one key (a chat), counted over a sliding window."""

    def __init__(self, count: int, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.count = count
        self.seconds = seconds
        self.clock = clock
        self._sent: defaultdict[Hashable, deque[float]] = defaultdict(deque)
        self._acquired = 0

    async def acquire(self, key: Hashable) -> None:
        """Return when a send to `key` fits the window; it is counted from now."""
        self._acquired += 1
        if self._acquired % 4096 == 0:
            self.forget_idle()
        while True:
            now = self.clock()
            sent = self._sent[key]
            while sent and sent[0] <= now - self.seconds:
                sent.popleft()
            if len(sent) < self.count:
                sent.append(now)
                return
            await asyncio.sleep(sent[0] + self.seconds - now)

    def forget_idle(self) -> None:
        """Drop keys with nothing left in their window, so memory does not grow with every chat ever seen."""
        now = self.clock()
        for key in [k for k, sent in self._sent.items() if not sent or sent[-1] <= now - self.seconds]:
            del self._sent[key]
