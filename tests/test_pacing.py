"""Send pacing: never faster than the platform allows, and people before the broadcast."""

import asyncio
import time

from bot.pacing import BROADCAST, PERSON, REMINDER, SlotPacer, WindowLimit


async def test_slots_are_never_closer_than_the_rate_allows():
    pacer = SlotPacer(per_second=200)
    stamps = []

    async def send():
        async with pacer.slot(BROADCAST):
            stamps.append(time.monotonic())

    await asyncio.gather(*(send() for _ in range(20)))
    # Each slot is about 5 ms after the one before; the grid may catch up one slot after a late wake-up.
    assert stamps[-1] - stamps[0] >= 18 * 0.005


async def test_a_waiting_person_gets_the_next_slot_before_the_broadcast_and_reminders_come_last():
    pacer = SlotPacer(per_second=100)
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


async def test_the_window_holds_a_chat_to_its_count_and_other_chats_do_not_wait():
    window = WindowLimit(count=2, seconds=0.05)
    started = time.monotonic()
    for chat in ("group", "group", "other group"):
        async with window.slot(chat):
            pass
    assert time.monotonic() - started < 0.05  # no waiting within the count, nor for another chat
    async with window.slot("group"):
        assert time.monotonic() - started >= 0.05
    window.forget_idle()
    assert "group" in window._sends  # still inside its window


async def test_a_send_still_in_flight_holds_its_place_in_the_window_until_answered():
    window = WindowLimit(count=1, seconds=0.01)
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
    await asyncio.sleep(0.03)  # three windows' time: still the first send is in flight
    assert order == []
    answered.set()
    await asyncio.gather(slow, waiting)
    assert order == ["slow answered", "next sent"]


async def test_no_second_holds_more_arrivals_than_the_limit_with_late_timers_and_late_arrivals():
    pacer = SlotPacer(per_second=100)  # at most 100 in any second, as the platform counts
    arrivals = []

    async def send(n: int):
        async with pacer.slot(BROADCAST):
            # The platform counts a send somewhere between request and answer: here the first 30 arrive
            # 0.3 s late (a stalled platform), bunched up with the sends after them.
            await asyncio.sleep(0.3 if n < 30 else 0)
            arrivals.append(time.monotonic())

    async def busy_loop():
        # A loaded event loop: every timer of the pacer fires late now and then.
        while len(arrivals) < 250:
            time.sleep(0.012)  # noqa: ASYNC251 - blocking the loop on purpose
            await asyncio.sleep(0.04)

    await asyncio.gather(busy_loop(), *(send(n) for n in range(250)))
    most = max(sum(1 for other in arrivals if stamp <= other < stamp + 1.0) for stamp in arrivals)
    assert pacer.per_window == 100 and most <= 100
