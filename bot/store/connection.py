"""Connections to the database file: one per thread, opened on first use, set up as the bot uses it."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlite_utils import Database

from bot.store.schema import migrations

BUSY_TIMEOUT_MS = 30_000  # how long a store thread waits for another connection's write lock


def connect(path: Path | str) -> Database:
    """One connection to the file, set up as the bot uses it (WAL, foreign keys); no migrations."""
    if str(path) == ":memory:":
        db = Database(sqlite3.connect(":memory:", check_same_thread=False))
    else:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A store thread may wait this long for another process's write lock (a `push`, a backup); the
        # event loop never does: it hands its queries to the store threads (App.run).
        db = Database(sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False))
        db.enable_wal()
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


@contextlib.contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """A transaction that takes the write lock at its start (BEGIN IMMEDIATE), waiting for it as long as
    the connection's timeout allows. A deferred one (sqlite-utils' `atomic`) that reads and then writes
    fails at once with "database is locked" when another connection committed in between, since its
    snapshot went stale: no wait helps it. Inside another transaction it is a savepoint of that one."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.conn.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise


def open_database(path: Path | str) -> Database:
    """Open (creating if needed) the SQLite file, switch on WAL and apply pending migrations."""
    db = connect(path)
    migrations.apply(db)
    return db


class Connections:
    """Each thread's own connection to the file, so that store threads can read while another waits
    for the write lock: SQLite in WAL mode lets readers go on beside a writer."""

    def __init__(self, db: Database, path: Path | str | None = None):
        self._path = None if path is None or str(path) == ":memory:" else path
        self._local = threading.local()
        self._local.db = db
        self._opened = [db]
        self._lock = threading.Lock()

    @property
    def db(self) -> Database:
        """This thread's connection."""
        db = getattr(self._local, "db", None)
        if db is None:
            if self._path is None:
                raise RuntimeError("this store has a single connection (in memory); use it from one thread")
            db = self._local.db = connect(self._path)
            with self._lock:
                self._opened.append(db)
        return db

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            for db in self._opened:
                db.close()
            self._opened.clear()


class StorePart:
    """One concern of the store (the bank, chats, deliveries, grades), on the shared connections."""

    def __init__(self, connections: Connections):
        self._connections = connections

    @property
    def db(self) -> Database:
        """This thread's connection."""
        return self._connections.db


def backup_database(source: Path, target: Path, progress: Callable[[int, int], None] | None = None, *,
                    every: float = 0.2) -> int:
    """A consistent copy of the live database (replacing `target`) through SQLite's online backup API;
    returns the pages copied. `progress(done, total)` is called every `every` seconds while it copies, and
    once at the end with done == total.

    One step: a copy taken in steps starts over whenever another connection writes between two of them,
    and with the bot writing every few milliseconds it never finished (measured on a 40 MB file). So the
    step runs on a worker thread, and the progress is read from the copy's file, which grows as SQLite
    writes the pages out (the last stretch, the copy's commit and sync, shows as almost done)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (target, target.with_name(target.name + "-journal")):
        leftover.unlink(missing_ok=True)  # a size to read progress from must start at nothing
    with contextlib.closing(sqlite3.connect(str(source), timeout=30)) as live:
        page_size = live.execute("pragma page_size").fetchone()[0]
        total = live.execute("pragma page_count").fetchone()[0]
    outcome: dict[str, object] = {}

    def copy() -> None:
        try:
            with contextlib.closing(sqlite3.connect(str(source), timeout=30)) as live, \
                    contextlib.closing(sqlite3.connect(str(target))) as copied:
                live.backup(copied, progress=lambda status, remaining, pages: outcome.update(pages=pages))
        except BaseException as error:  # handed to the caller's thread
            outcome["error"] = error

    worker = threading.Thread(target=copy, name="db-backup")
    worker.start()
    worker.join(every)
    while worker.is_alive():
        if progress is not None:
            written = target.stat().st_size // page_size if target.exists() else 0
            progress(min(written, total - 1), total)
        worker.join(every)
    if "error" in outcome:
        raise outcome["error"]
    pages = int(outcome.get("pages", total))
    if progress is not None:
        progress(pages, pages)
    return pages
