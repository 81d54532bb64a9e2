"""The composition root: settings in, a ready store, bank and drill engine out. Nothing is built at import."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from bot.bank import Bank, LiveNotes
from bot.config import Settings
from bot.delivery import DailyDelivery, Sender
from bot.core.schedule import Defaults
from bot.drill import Drill
from bot.store import Store, SyncReport

if TYPE_CHECKING:
    from bot.git_notes import NotesRepository

T = TypeVar("T")
log = logging.getLogger(__name__)
# Threads that run the store's queries for the event loop: one may wait for another process's write
# lock while the other goes on reading. More threads measured slower in the fan-out benchmark (their
# writes meet in SQLite's busy handler, which sleeps); see the README's Performance section.
STORE_THREADS = 2


class StartupError(Exception):
    """The bot cannot start; the message says why and names the file."""


@dataclass
class App:
    """Everything a running bot shares, whatever the platform."""

    settings: Settings
    store: Store
    drill: Drill
    bank: Bank
    sync: SyncReport
    notes: LiveNotes
    synced_at: datetime
    repository: NotesRepository | None = None  # when the notes come from a git repository
    store_threads: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="store"))

    async def run(self, work: Callable[..., T], *args, **kwargs) -> T:
        """Run store work (an engine call, a query) in a store thread: the event loop never waits on SQLite."""
        return await asyncio.get_running_loop().run_in_executor(
            self.store_threads, functools.partial(work, *args, **kwargs))

    async def refresh_notes(self, now: datetime) -> SyncReport | None:
        """Follow the notes: when a file changed, read it again (off the store threads) and sync the bank,
        so new questions join the current cycle, changed ones update and removed ones retire. A file
        that fails to read keeps its last good reading; its error is logged once, until it changes.
        With a git source, the repository is pulled first when a pull is due.
        Returns the sync, or None when nothing changed."""
        pulled = self.repository is not None and self.repository.due(now)
        if pulled:
            await asyncio.to_thread(self.repository.pull, now)
        if not await asyncio.to_thread(self.notes.changed):
            if pulled:
                await self.run(self.record_notes)
            return None
        bank = await asyncio.to_thread(self.notes.read)
        for error in set(bank.errors) - set(self.bank.errors):
            log.warning("notes: %s (its last good reading stands)", error)
        synced = None
        if bank.questions:  # syncing nothing would retire every question
            synced = self.sync = await self.run(self.store.bank.sync_bank, list(bank.questions), now)
            self.synced_at = now
            log.info("notes changed: %s", synced)
        self.bank = bank
        await self.run(self.record_notes)
        return synced

    def record_notes(self) -> None:
        """The last notes sync and the notes' current problems, for `status` (any process)."""
        self.store.runtime.put("notes", {
            "synced_at": self.synced_at.isoformat(), "added": self.sync.added, "updated": self.sync.updated,
            "retired": self.sync.retired, "warnings": len(self.bank.warnings), "errors": list(self.bank.errors),
            **({"git": self.repository.state()} if self.repository else {})})

    def delivery(self, senders: dict[str, Sender], clock) -> DailyDelivery:
        """The daily delivery over these platforms' senders, with the reminders after each sweep."""
        from bot.reminder_sweep import ReminderSweep  # it builds on the delivery module

        reminders = ReminderSweep(self.store, self.drill, senders, max_concurrent=self.settings.max_concurrent_sends,
                                  run=self.run)
        return DailyDelivery(self.store, self.drill, senders, catch_up=self.settings.catch_up,
                             lease=self.settings.claim_lease, max_concurrent=self.settings.max_concurrent_sends,
                             clock=clock, run=self.run, before_tick=lambda: self.refresh_notes(clock()),
                             after_sweep=reminders.sweep)

    def close(self) -> None:
        """Finish the store threads' work, then close every connection."""
        self.store_threads.shutdown(wait=True)
        self.store.close()


def build_app(settings: Settings, now: datetime) -> App:
    """Open the store, read the notes and sync the bank into the store.

    A notes file that cannot be read stops the start: syncing without it would retire its questions.
    """
    repository = None
    if settings.git is not None:
        from bot.git_notes import NotesRepository  # dulwich takes a tenth of a second to import: only when used

        repository = NotesRepository(settings.git)
        repository.pull(now)
        if repository.clone.commit() is None:
            raise StartupError(f"cannot clone the notes repository: {repository.error}")
    notes = LiveNotes(settings.content_paths, settings.image_base_url)
    bank = notes.read()
    if bank.errors or not bank.questions:
        raise StartupError("; ".join(bank.errors) or "no questions found in the notes")
    store = Store.open(settings.db_path)
    sync = store.bank.sync_bank(list(bank.questions), now)
    drill = Drill(store, Defaults(settings.default_schedule, settings.default_language, settings.catch_up))
    app = App(settings=settings, store=store, drill=drill, bank=bank, sync=sync, notes=notes, synced_at=now,
              repository=repository)
    app.record_notes()
    return app
