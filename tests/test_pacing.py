"""Send pacing: never faster than the platform allows, and people before the broadcast."""

import asyncio
import time

from bot.pacing import SlotPacer, WindowLimit


async def test_slots_are_never_closer_than_the_rate_allows():
    pacer = SlotPacer(per_second=200)
    stamps = []

    async def send():
        await pacer.acquire(foreground=False)
        stamps.append(time.monotonic())

    await asyncio.gather(*(send() for _ in range(20)))
    # Each slot is 5 ms after the one before; the grid may catch up one slot after a late wake-up.
    assert stamps[-1] - stamps[0] >= 18 * 0.005


async def test_a_waiting_person_gets_the_next_slot_before_the_broadcast():
    pacer = SlotPacer(per_second=100)
    await pacer.acquire()  # the current slot is taken: everyone below has to wait
    order = []

    async def send(name: str, foreground: bool):
        await pacer.acquire(foreground=foreground)
        order.append(name)

    broadcast = [asyncio.create_task(send(f"daily {n}", False)) for n in range(5)]
    await asyncio.sleep(0)  # the broadcast is queued first
    person = asyncio.create_task(send("reply", True))
    await asyncio.gather(person, *broadcast)
    assert order[0] == "reply" and order[1:] == [f"daily {n}" for n in range(5)]


async def test_the_window_holds_a_chat_to_its_count_and_other_chats_do_not_wait():
    window = WindowLimit(count=2, seconds=0.05)
    started = time.monotonic()
    await window.acquire("group")
    await window.acquire("group")
    await window.acquire("other group")
    assert time.monotonic() - started < 0.05  # no waiting within the count, nor for another chat
    await window.acquire("group")
    assert time.monotonic() - started >= 0.05
    window.forget_idle()
    assert "group" in window._sent  # still inside its window


async def test_no_second_holds_more_sends_than_the_limit_even_with_late_timers():
    pacer = SlotPacer(per_second=100)  # 2% headroom: at most 98 in any second
    stamps = []

    async def send():
        await pacer.acquire(foreground=False)
        stamps.append(time.monotonic())

    async def busy_loop():
        # A loaded event loop: every timer of the pacer fires late now and then.
        while len(stamps) < 250:
            time.sleep(0.012)  # noqa: ASYNC251 - blocking the loop on purpose
            await asyncio.sleep(0.04)

    await asyncio.gather(busy_loop(), *(send() for _ in range(250)))
    # What the platform counts: the sends as they go out, a late wake-up's jitter included.
    most = max(sum(1 for other in stamps if stamp <= other < stamp + 1.0) for stamp in stamps)
    assert pacer.per_window == 98 and most <= 100
