"""The composition root: settings in, a ready store, bank and drill engine out. Nothing is built at import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.bank import Bank, load_bank
from bot.config import Settings
from bot.delivery import DailyDelivery, Sender
from bot.drill import Defaults, Drill
from bot.store import Store, SyncReport, open_database


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

    def delivery(self, senders: dict[str, Sender], clock) -> DailyDelivery:
        """The daily delivery over these platforms' senders."""
        return DailyDelivery(self.store, self.drill, senders, catch_up=self.settings.catch_up,
                             lease=self.settings.claim_lease, max_concurrent=self.settings.max_concurrent_sends,
                             clock=clock)

    def close(self) -> None:
        """Close the store."""
        self.store.close()


def build_app(settings: Settings, now: datetime) -> App:
    """Open the store, read the notes and sync the bank into the store.

    A notes file that cannot be read stops the start: syncing without it would retire its questions.
    """
    bank = load_bank(settings.content_paths)
    if bank.errors or not bank.questions:
        raise StartupError("; ".join(bank.errors) or "no questions found in the notes")
    store = Store(open_database(settings.db_path))
    sync = store.sync_bank(list(bank.questions), now)
    drill = Drill(store, Defaults(settings.default_schedule, settings.default_language, settings.catch_up))
    return App(settings=settings, store=store, drill=drill, bank=bank, sync=sync)
