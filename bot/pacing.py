"""Sending at a platform's pace: evenly spaced slots overall, sliding windows per chat, people first.

The morning fan-out would otherwise take every slot the platform allows and leave a member who taps
Show answer waiting behind thousands of daily questions; so requests made for a person (PERSON) always
get the next free slot before the daily broadcast (BROADCAST) does, and reminders (REMINDER) come last.

A platform counts a send when it arrives, somewhere between our request and its answer, and arrivals
jitter (a busy event loop on either side, the network). So a window counts each send from its answer (or
from its failure), and a send still in flight as inside every window: the platform's count can then never
exceed ours, however late a timer fires or a request arrives.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import defaultdict, deque
from collections.abc import Callable, Hashable

WINDOW = 1.0  # seconds: the span a platform counts its per-second limit over
PERSON, BROADCAST, REMINDER = 0, 1, 2  # who a send is for, first served first
CATCH_UP = 0.02  # seconds of slots a late timer may still use: a busy loop otherwise loses them for good


class _Sends:
    """The sends to one destination: how many are in flight, and when the finished ones were answered."""

    __slots__ = ("in_flight", "answered", "finished")

    def __init__(self) -> None:
        self.in_flight = 0
        self.answered: deque[float] = deque()
        self.finished: asyncio.Event | None = None  # made by the first to wait on a full window; set at answers

    def free_at(self, now: float, limit: int, span: float) -> float:
        """When one more send fits `limit` in any `span`; infinity while `limit` are in flight."""
        while self.answered and self.answered[0] <= now - span:
            self.answered.popleft()
        over = self.in_flight + len(self.answered) - limit  # answers that must leave the window first
        if over < 0:
            return now
        return self.answered[over] + span if over < len(self.answered) else math.inf

    def finish(self, now: float) -> None:
        self.in_flight -= 1
        self.answered.append(now)
        if self.finished is not None:
            self.finished.set()


class SlotPacer:
    """Sends evenly spaced a little below `per_second` (`headroom`, a fraction of the limit, is left unused
    by the spacing), and never more than `per_second` in any one-second window, counted as the platform
    counts at the latest; waiting requests are served by priority (PERSON, BROADCAST, REMINDER)."""

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic, headroom: float = 0.01):
        self.interval = 1.0 / (per_second * (1 - headroom))
        # The window counts every send until its answer: the platform's count can never be higher, so the
        # limit itself is safe here (a fraction of it would cost a 30/s bot a whole send a second).
        self.per_window = max(1, int(per_second))  # sends in any window of WINDOW seconds
        self.clock = clock
        self._free_at = 0.0
        self._sends = _Sends()
        self._waiting: tuple[deque[asyncio.Future], ...] = (deque(), deque(), deque())  # by priority
        self._timer: asyncio.TimerHandle | None = None

    def slot(self, priority: int = PERSON) -> _PacerSlot:
        """`async with` it around a send: it waits for a slot, and the send counts until its answer, which
        ends the block."""
        return _PacerSlot(self, priority)

    def _answered(self) -> None:
        # A cancelled request counts from now as well: whether it reached the platform is unknown.
        self._sends.finish(self.clock())
        self._arm()

    async def _acquire(self, priority: int) -> None:
        now = self.clock()
        if self._free_at <= now and self._sends.free_at(now, self.per_window, WINDOW) <= now and not any(self._waiting):
            self._free_at = now + self.interval  # idle: the next slot is one interval from now
            self._sends.in_flight += 1
            return
        future = asyncio.get_running_loop().create_future()
        self._waiting[priority].append(future)
        self._arm()
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._answered()  # given a slot it will not use: the next in line may
            raise

    def _arm(self) -> None:
        if self._timer is None and any(self._waiting):
            now = self.clock()
            at = max(self._free_at, self._sends.free_at(now, self.per_window, WINDOW))
            if at < math.inf:  # else the next answer arms it
                self._timer = asyncio.get_running_loop().call_later(max(0.0, at - now), self._release)

    def _release(self) -> None:
        self._timer = None
        now = self.clock()
        if self._free_at <= now and self._sends.free_at(now, self.per_window, WINDOW) <= now:
            future = self._next_waiting()
            if future is not None:
                future.set_result(None)
                # A late timer keeps the slots on their grid, catching up at most CATCH_UP of them:
                # lateness never turns into a burst, and the window caps it anyway.
                self._free_at = max(self._free_at, now - max(self.interval, CATCH_UP)) + self.interval
                self._sends.in_flight += 1  # taken now, so the next check counts it
        self._arm()

    def _next_waiting(self) -> asyncio.Future | None:
        """The first waiting request, by priority, that was not cancelled meanwhile."""
        for queue in self._waiting:
            while queue:
                future = queue.popleft()
                if not future.cancelled():
                    return future
        return None


class WindowLimit:
    """At most `count` sends per `seconds` to one key (a chat), counted over a sliding window."""

    def __init__(self, count: int, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.count = count
        self.seconds = seconds
        self.clock = clock
        self._sends: defaultdict[Hashable, _Sends] = defaultdict(_Sends)
        self._acquired = 0

    def slot(self, key: Hashable) -> _WindowSlot:
        """`async with` it around a send to `key`: it waits until the send fits the window, and the send
        counts until its answer, which ends the block."""
        return _WindowSlot(self, key)

    async def _acquire(self, key: Hashable) -> _Sends:
        self._acquired += 1
        if self._acquired % 4096 == 0:
            self.forget_idle()
        sends = self._sends[key]
        while (wait := sends.free_at(self.clock(), self.count, self.seconds) - self.clock()) > 0:
            if wait < math.inf:
                await asyncio.sleep(wait)
            else:
                sends.finished = sends.finished or asyncio.Event()
                sends.finished.clear()
                await sends.finished.wait()
        sends.in_flight += 1
        return sends

    def forget_idle(self) -> None:
        """Drop keys with nothing left in their window, so memory does not grow with every chat ever seen."""
        now = self.clock()
        idle = [key for key, sends in self._sends.items()
                if not sends.in_flight and (not sends.answered or sends.answered[-1] <= now - self.seconds)]
        for key in idle:
            del self._sends[key]


class _PacerSlot:
    """A SlotPacer's slot as an async context manager; a class, not a generator: every send enters one."""

    __slots__ = ("_pacer", "_priority")

    def __init__(self, pacer: SlotPacer, priority: int):
        self._pacer, self._priority = pacer, priority

    async def __aenter__(self) -> None:
        await self._pacer._acquire(self._priority)

    async def __aexit__(self, *exc_info: object) -> None:
        self._pacer._answered()


class _WindowSlot:
    """A WindowLimit's slot for one key, as _PacerSlot."""

    __slots__ = ("_limit", "_key", "_sends")

    def __init__(self, limit: WindowLimit, key: Hashable):
        self._limit, self._key = limit, key

    async def __aenter__(self) -> None:
        self._sends = await self._limit._acquire(self._key)

    async def __aexit__(self, *exc_info: object) -> None:
        self._sends.finish(self._limit.clock())
