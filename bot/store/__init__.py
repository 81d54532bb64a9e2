"""The SQLite store (sqlite-utils): one file holds everything the bot must not lose.

The store is split by concern: `bank` (the questions), `chats` (chats, schedules and members),
`deliveries` (the daily claims and sends), `grades` (grades, boards' points and FSRS cards), `reminders`
(who asked to be reminded, and what was sent) and `runtime` (what the running bot last did). Every multi-row change runs inside `write_transaction`
(BEGIN IMMEDIATE); rows come back as the typed dicts of `bot.store.rows`.
"""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from bot.store.bank import BankStore, SyncReport
from bot.store.chats import ChatStore
from bot.store.connection import Connections, backup_database, connect, open_database
from bot.store.deliveries import DeliveryStore
from bot.store.grades import GradeStore
from bot.store.reminders import ReminderStore
from bot.store.rows import Chat, ChatStatus, Delivery, DeliveryStatus, Grade, Question
from bot.store.runtime import RuntimeStore

__all__ = ["Store", "SyncReport", "open_database", "connect", "backup_database", "Chat", "ChatStatus",
           "Delivery", "DeliveryStatus", "Grade", "Question"]


class Store:
    """The database, by concern; each thread that uses it gets its own connection."""

    def __init__(self, db: Database, path: Path | str | None = None):
        self._connections = Connections(db, path)
        self.bank = BankStore(self._connections)
        self.chats = ChatStore(self._connections)
        self.deliveries = DeliveryStore(self._connections)
        self.grades = GradeStore(self._connections)
        self.runtime = RuntimeStore(self._connections)
        self.reminders = ReminderStore(self._connections)

    @classmethod
    def open(cls, path: Path | str) -> Store:
        """The store of the database file at `path`, migrated to the newest schema."""
        return cls(open_database(path), path)

    @property
    def db(self) -> Database:
        """This thread's connection (for transactions that span concerns, and for tests)."""
        return self._connections.db

    def close(self) -> None:
        """Close every thread's connection."""
        self._connections.close()
