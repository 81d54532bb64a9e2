"""`python -m bot push`: one delivery sweep from the command line, now."""

from __future__ import annotations

import asyncio
import sys
from contextlib import AsyncExitStack
from datetime import date, datetime

from bot.adapters.console import ConsoleChat
from bot.app import App
from bot.delivery import SweepReport
from bot.platforms import open_platforms
from bot.terminal_progress import progress_bar

PROGRESS_EVERY = 0.2  # seconds between redraws of the progress bar


async def push(app: App, now: datetime, *, dry_run: bool = False, every_active: bool = False) -> int:
    """Deliver what is due (or, with every_active, today's question to every active chat); print a summary."""
    async with AsyncExitStack() as stack:
        console = ConsoleChat(app, sys.stdout, lambda: now)
        senders = {"console": console, **(await open_platforms(app, lambda: now, stack, listen=False)).senders}
        return await _push(app, app.delivery(senders, lambda: now), now, dry_run, every_active)


async def _push(app: App, delivery, now: datetime, dry_run: bool, every_active: bool) -> int:
    if dry_run:
        due = await app.run(delivery.due, now, every_active)
        for chat, day in due:
            print(f"{chat['key']} {day.isoformat()}: {await app.run(_next_question_text, app, chat, day, now)}")
        print(f"dry run: {len(due)} chat(s) due, nothing sent")
        return 0
    report = SweepReport()
    sweep = asyncio.ensure_future(delivery.sweep(now, every_active=every_active, report=report))
    with progress_bar("pushing", "chats", sys.stdout) as update:
        while not sweep.done():
            update(report.done, report.total, report.failed)
            await asyncio.wait({sweep}, timeout=PROGRESS_EVERY)
        update(report.done, report.total, report.failed)
    report = sweep.result()
    print(f"sent {report.sent}, notices {report.empty}, failed {report.failed} "
          f"(deactivated {report.deactivated}), retried {report.retried}")
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    return 1 if report.failed > report.deactivated else 0


def _next_question_text(app: App, chat: dict, day: date, now: datetime) -> str:
    question_id, _cycle = app.drill.next_daily_question(chat, day, now)
    return app.store.bank.question(question_id)["question"] if question_id else "(no eligible question)"
