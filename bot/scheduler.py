"""The APScheduler side: one job that sweeps for due chats every minute, plus a sweep at start-up."""

from __future__ import annotations

from datetime import datetime, timezone

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery import DailyDelivery

TICK_SECONDS = 60


def utc_now() -> datetime:
    """The real clock, in UTC; tests pass their own clock instead."""
    return datetime.now(timezone.utc)


def start_scheduler(delivery: DailyDelivery, tick_seconds: float = TICK_SECONDS, run_now: bool = True) -> AsyncIOScheduler:
    """Start ticking: the first sweep runs right away (catch-up after downtime), then every minute;
    `run_now=False` when the caller has just swept itself.

    One instance at a time, missed ticks coalesced into one, and a tick up to five minutes late
    (a busy event loop, a suspended laptop) still runs rather than being skipped.
    """
    scheduler = AsyncIOScheduler(timezone=timezone.utc)
    # Without next_run_time the first run is one interval away; None would add the job paused.
    first_run = {"next_run_time": datetime.now(timezone.utc)} if run_now else {}
    scheduler.add_job(
        delivery.tick,
        IntervalTrigger(seconds=tick_seconds, timezone=timezone.utc),
        id="daily-delivery",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=300,
        **first_run,
    )
    scheduler.start()
    return scheduler


async def stop_scheduler(scheduler: AsyncIOScheduler, delivery: DailyDelivery) -> None:
    """Graceful stop: no new ticks, no new claims, sends in flight finish and are marked."""
    # The delivery first: APScheduler's asyncio executor cancels a running tick at shutdown.
    await delivery.stop()
    scheduler.shutdown(wait=False)
