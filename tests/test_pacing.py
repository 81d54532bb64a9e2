"""Send pacing: never faster than the platform allows, and people before the broadcast.

The tests run on an event loop whose clock is virtual (`VirtualClock`): when every task waits, time jumps
to the next timer instead of passing, so a second of pacing takes no real second, and a busy loop or a
late arrival is made by moving the clock, not by waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.pacing import BROADCAST, PERSON, REMINDER, SlotPacer, WindowLimit


class VirtualClock:
    """An event loop's clock that moves only when the loop would block, or when a test moves it."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.now = 0.0
        select = loop._selector.select  # the selector's wait for I/O is where time would pass

        def select_without_waiting(timeout: float | None = None):
            if timeout:
                self.now += timeout  # straight to the next timer
            return select(0)

        loop.time = lambda: self.now
        loop._selector.select = select_without_waiting

    def busy(self, seconds: float) -> None:
        """The loop is held `seconds` by some work: every timer due meanwhile fires that much late."""
        self.now += seconds

    def after(self, seconds: float) -> asyncio.Future:
        """A future done `seconds` from now on this clock."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        loop.call_later(seconds, lambda: done.done() or done.set_result(None))
        return done


def in_virtual_time(test: Callable[[VirtualClock], Awaitable[None]]) -> Callable[[], None]:
    """A test run on its own event loop with a VirtualClock."""
    def run() -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(test(VirtualClock(loop)))
        finally:
            loop.close()
    run.__name__ = test.__name__
    return run


@in_virtual_time
async def test_slots_are_never_closer_than_the_rate_allows(clock: VirtualClock):
    pacer = SlotPacer(per_second=200, clock=lambda: clock.now)
    stamps = []

    async def send():
        async with pacer.slot(BROADCAST):
            stamps.append(clock.now)

    await asyncio.gather(*(send() for _ in range(20)))
    # Each slot is 1/198 s after the one before (1% of headroom), on time when nothing is late.
    gaps = [later - earlier for earlier, later in zip(stamps, stamps[1:])]
    assert min(gaps) >= 1 / 198 - 1e-9


@in_virtual_time
async def test_a_waiting_person_gets_the_next_slot_before_the_broadcast_and_reminders_come_last(clock: VirtualClock):
    pacer = SlotPacer(per_second=100, clock=lambda: clock.now)
    async with pacer.slot():
        pass  # the current slot is taken: everyone below has to wait
    order = []

    async def send(name: str, priority: int):
        async with pacer.slot(priority):
            order.append(name)

    reminders = [asyncio.create_task(send(f"reminder {n}", REMINDER)) for n in range(2)]
    broadcast = [asyncio.create_task(send(f"daily {n}", BROADCAST)) for n in range(3)]
    await asyncio.sleep(0)  # the reminders and the broadcast are queued first
    person = asyncio.create_task(send("reply", PERSON))
    await asyncio.gather(person, *broadcast, *reminders)
    assert order == ["reply", "daily 0", "daily 1", "daily 2", "reminder 0", "reminder 1"]


@in_virtual_time
async def test_the_window_holds_a_chat_to_its_count_and_other_chats_do_not_wait(clock: VirtualClock):
    window = WindowLimit(count=2, seconds=0.05, clock=lambda: clock.now)
    for chat in ("group", "group", "other group"):
        async with window.slot(chat):
            pass
    assert clock.now == 0  # no waiting within the count, nor for another chat
    async with window.slot("group"):
        assert clock.now >= 0.05
    window.forget_idle()
    assert "group" in window._sends  # still inside its window


@in_virtual_time
async def test_a_send_still_in_flight_holds_its_place_in_the_window_until_answered(clock: VirtualClock):
    window = WindowLimit(count=1, seconds=0.01, clock=lambda: clock.now)
    answered = asyncio.Event()
    order = []

    async def slow_send():
        async with window.slot("chat"):
            await answered.wait()  # the platform has not answered yet: it may count this send any moment
            order.append("slow answered")

    async def next_send():
        async with window.slot("chat"):
            order.append("next sent")

    slow = asyncio.create_task(slow_send())
    await asyncio.sleep(0)
    waiting = asyncio.create_task(next_send())
    await clock.after(0.03)  # three windows' time: still the first send is in flight
    assert order == []
    answered.set()
    await asyncio.gather(slow, waiting)
    assert order == ["slow answered", "next sent"]


@in_virtual_time
async def test_no_second_holds_more_arrivals_than_the_limit_with_late_timers_and_late_arrivals(clock: VirtualClock):
    pacer = SlotPacer(per_second=100, clock=lambda: clock.now)  # at most 100 in any second, as the platform counts
    arrivals = []

    async def send(n: int):
        async with pacer.slot(BROADCAST):
            # The platform counts a send somewhere between request and answer: here the first 30 arrive
            # 0.3 s late (a stalled platform), bunched up with the sends after them.
            if n < 30:
                await clock.after(0.3)
            arrivals.append(clock.now)

    async def busy_loop():
        # A loaded event loop: every 40 ms it is held for 12, so the pacer's timers fire late now and then.
        while len(arrivals) < 250:
            clock.busy(0.012)
            await clock.after(0.04)

    await asyncio.gather(busy_loop(), *(send(n) for n in range(250)))
    most = max(sum(1 for other in arrivals if stamp <= other < stamp + 1.0) for stamp in arrivals)
    assert pacer.per_window == 100 and most <= 100
