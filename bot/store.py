"""The SQLite store (sqlite-utils): opening the file (WAL, migrations) and every query the bot makes.

One file holds everything the bot must not lose: the bank, chats and their schedules, deliveries,
grades and spaced-repetition cards. Every multi-row change runs inside `db.atomic()`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlite_utils import Database

from bot.core.content import Question
from bot.core.practice import CardState
from bot.store_schema import migrations

@dataclass(frozen=True)
class SyncReport:
    """What a bank sync changed."""

    added: int
    updated: int
    retired: int
    unchanged: int

    @property
    def changed(self) -> bool:
        """True when the sync wrote anything."""
        return bool(self.added or self.updated or self.retired)


def connect(path: Path | str) -> Database:
    """One connection to the file, set up as the bot uses it (WAL, foreign keys); no migrations."""
    if str(path) == ":memory:":
        db = Database(sqlite3.connect(":memory:", check_same_thread=False))
    else:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A store thread may wait this long for another process's write lock (a `push`, a backup); the
        # event loop never does: it hands its queries to the store threads (App.run).
        db = Database(sqlite3.connect(str(path), timeout=30, check_same_thread=False))
        db.enable_wal()
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def open_database(path: Path | str) -> Database:
    """Open (creating if needed) the SQLite file, switch on WAL and apply pending migrations."""
    db = connect(path)
    migrations.apply(db)
    return db


class Store:
    """Queries and changes the bot makes, each one a short transaction.

    Each thread gets its own connection to the file (opened on first use), so store threads can read
    while another waits for the write lock: SQLite in WAL mode lets readers go on beside a writer.
    """

    def __init__(self, db: Database, path: Path | str | None = None):
        self._path = None if path is None or str(path) == ":memory:" else path
        self._local = threading.local()
        self._local.db = db
        self._opened = [db]
        self._lock = threading.Lock()
        # (id, topic) of the active questions in bank order; only sync_bank changes the bank, and
        # every delivery of the fan-out needs it.
        self._active: list[tuple[str, str]] | None = None

    @classmethod
    def open(cls, path: Path | str) -> Store:
        """The store of the database file at `path`, migrated to the newest schema."""
        return cls(open_database(path), path)

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

    # -- the question bank -------------------------------------------------

    def sync_bank(self, questions: list[Question], now: datetime) -> SyncReport:
        """Make the stored bank match `questions`: add new, update changed, retire removed."""
        stamp = now.isoformat()
        self._active = None
        table = self.db["questions"]
        stored = {row["id"]: row for row in table.rows}
        added = updated = retired = unchanged = 0
        with self.db.atomic():
            for position, question in enumerate(questions):
                fields = {
                    "question": question.question,
                    "answer": question.answer,
                    "topic": question.topic,
                    "source": question.source,
                    "position": position,
                    "active": 1,
                    "retired_at": None,
                }
                row = stored.get(question.id)
                if row is None:
                    table.insert({"id": question.id, **fields, "added_at": stamp, "updated_at": stamp})
                    added += 1
                elif any(row[key] != value for key, value in fields.items()):
                    table.update(question.id, {**fields, "updated_at": stamp})
                    updated += 1
                else:
                    unchanged += 1
            current = {question.id for question in questions}
            for question_id, row in stored.items():
                if question_id not in current and row["active"]:
                    table.update(question_id, {"active": 0, "retired_at": stamp, "updated_at": stamp})
                    retired += 1
        return SyncReport(added=added, updated=updated, retired=retired, unchanged=unchanged)

    def active_question_ids(self, topics: frozenset[str] | None = None) -> list[str]:
        """Ids of the active questions in bank order, optionally only those in `topics`.

        Kept in memory between bank syncs: every delivery of the morning fan-out asks for them.
        """
        if self._active is None:
            self._active = self.db.execute("select id, topic from questions where active = 1 order by position").fetchall()
        return [question_id for question_id, topic in self._active if not topics or topic in topics]

    def question(self, question_id: str) -> dict | None:
        """One question by id, active or retired."""
        rows = list(self.db.query("select * from questions where id = ?", [question_id]))
        return rows[0] if rows else None

    def topics(self) -> dict[str, int]:
        """Active questions per topic."""
        rows = self.db.query(
            "select topic, count(*) as n from questions where active = 1 group by topic order by topic")
        return {row["topic"]: row["n"] for row in rows}

    # -- chats and members ---------------------------------------------------

    def ensure_chat(self, key: str, platform: str, kind: str, title: str, language: str, now: datetime) -> dict:
        """The chat's row, created (not subscribed) on first contact."""
        row = self.chat(key)
        if row is None:
            stamp = now.isoformat()
            seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big")
            self.db.execute(
                "insert or ignore into chats (key, platform, kind, title, status, language, seed, created_at, updated_at)"
                " values (?, ?, ?, ?, 'new', ?, ?, ?, ?)", [key, platform, kind, title, language, seed, stamp, stamp])
            row = self.chat(key)
        return row

    def chat(self, key: str) -> dict | None:
        """One chat by key."""
        rows = list(self.db.query("select * from chats where key = ?", [key]))
        return rows[0] if rows else None

    def subscribe(self, key: str, *, at: str, zone: str, days: str, by: str, now: datetime) -> None:
        """Make the chat active with this schedule (also reactivates a stopped or deactivated chat)."""
        self.db.execute(
            "update chats set status = 'active', reason = null, at = ?, zone = ?, days = ?, subscribed_by = ?,"
            " updated_at = ? where key = ?", [at, zone, days, by, now.isoformat(), key])

    def update_chat(self, key: str, fields: dict, now: datetime) -> None:
        """Change schedule fields (at, zone, days, topics, language)."""
        allowed = {"at", "zone", "days", "topics", "language", "title", "kind"}
        if not set(fields) <= allowed:
            raise ValueError(f"not chat fields: {set(fields) - allowed}")
        self.db["chats"].update(key, {**fields, "updated_at": now.isoformat()})

    def set_status(self, key: str, status: str, reason: str | None, now: datetime) -> None:
        """Mark a chat active, stopped (by its members) or inactive (the platform refused, with the reason)."""
        self.db["chats"].update(key, {"status": status, "reason": reason, "updated_at": now.isoformat()})

    def active_chats(self) -> list[dict]:
        """Every chat that receives the daily question."""
        return list(self.db.query("select * from chats where status = 'active' order by key"))

    def ensure_member(self, key: str, name: str) -> None:
        """Record a member (and their latest display name); writes only when something changed, so that
        a command that only reads never waits for the write lock."""
        known = self.db.execute("select name from members where key = ?", [key]).fetchone()
        if known is not None and known[0] == name:
            return
        self.db.execute(
            "insert into members (key, name) values (?, ?) on conflict(key) do update set name = excluded.name"
            " where members.name != excluded.name", [key, name])

    def set_hidden(self, key: str, hidden: bool) -> None:
        """Take a member off leaderboards, or put them back."""
        self.db.execute("update members set hidden = ? where key = ?", [int(hidden), key])

    def hidden_members(self, chat_key: str) -> set[str]:
        """Members of this chat's board who asked to be left off leaderboards (hiding holds on every board)."""
        rows = self.db.execute("select m.key from members m join chat_totals t on t.member = m.key"
                               " where m.hidden = 1 and t.chat = ?", [chat_key]).fetchall()
        return {key for (key,) in rows}

    # -- deliveries ----------------------------------------------------------

    def claim_delivery(self, chat_key: str, day: date, question_id: str | None, cycle: int, now: datetime) -> int | None:
        """Claim the chat's drill day before sending; None when it is already claimed (by anyone)."""
        status = "claimed" if question_id else "empty"
        cursor = self.db.execute(
            "insert or ignore into deliveries (chat, local_date, question_id, cycle, status, claimed_at)"
            " values (?, ?, ?, ?, ?, ?)", [chat_key, day.isoformat(), question_id, cycle, status, now.isoformat()])
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def has_delivery(self, chat_key: str, day: date) -> bool:
        """Whether the chat's drill day was already claimed or sent."""
        return bool(list(self.db.query("select 1 from deliveries where chat = ? and local_date = ?",
                                       [chat_key, day.isoformat()])))

    def chats_delivered_on(self, day: date) -> set[str]:
        """Keys of the chats with a delivery (claimed, sent or failed) for local date `day`."""
        rows = self.db.execute("select chat from deliveries where local_date = ?", [day.isoformat()]).fetchall()
        return {chat for (chat,) in rows}

    def mark_sent(self, delivery_id: int, message_id: str | None, now: datetime) -> None:
        """Record that the daily question went out, with the platform's message id."""
        self.db.execute("update deliveries set status = case when status = 'empty' then 'empty' else 'sent' end,"
                        " sent_at = ?, message_id = ?, error = null where id = ?",
                        [now.isoformat(), message_id, delivery_id])

    def mark_failed(self, delivery_id: int, error: str) -> None:
        """A permanent send error: the day is recorded as failed, with the reason."""
        self.db.execute("update deliveries set status = 'failed', error = ? where id = ?", [error[:500], delivery_id])

    def stale_claims(self, older_than: datetime) -> list[dict]:
        """Claims never marked sent whose lease ran out (the sender crashed or stopped mid-send)."""
        return list(self.db.query(
            "select d.* from deliveries d join chats c on c.key = d.chat where d.status = 'claimed'"
            " and d.claimed_at < ? and c.status = 'active' order by d.id", [older_than.isoformat()]))

    def renew_claim(self, delivery: dict, now: datetime) -> bool:
        """Take over a stale claim; False when another sweep took it first."""
        cursor = self.db.execute(
            "update deliveries set claimed_at = ? where id = ? and status = 'claimed' and claimed_at = ?",
            [now.isoformat(), delivery["id"], delivery["claimed_at"]])
        return cursor.rowcount == 1

    def delivery(self, delivery_id: int) -> dict | None:
        """One delivery by id."""
        rows = list(self.db.query("select * from deliveries where id = ?", [delivery_id]))
        return rows[0] if rows else None

    def claim_answer_post(self, delivery_id: int) -> bool:
        """Reserve posting a group's answer to a delivery; False when it was posted (or is being posted)."""
        cursor = self.db.execute("update deliveries set answer_message_id = 'posting' where id = ?"
                                 " and answer_message_id is null", [delivery_id])
        return cursor.rowcount == 1

    def set_answer_message(self, delivery_id: int, message_id: str | None) -> None:
        """Where the group's answer was posted (None: the post failed, a later tap may try again)."""
        self.db.execute("update deliveries set answer_message_id = ? where id = ?", [message_id, delivery_id])

    def current_cycle(self, chat_key: str) -> tuple[int, set[str]]:
        """The chat's current question cycle and the questions already asked in it."""
        (cycle,) = self.db.execute("select coalesce(max(cycle), 0) from deliveries where chat = ?", [chat_key]).fetchone()
        asked = {row["question_id"] for row in self.db.query(
            "select question_id from deliveries where chat = ? and cycle = ? and question_id is not null",
            [chat_key, cycle])}
        return cycle, asked

    # -- drill days, grades, cards ---------------------------------------------

    def drill_days(self, chat_key: str, since: date | None = None, before: date | None = None) -> list[date]:
        """The chat's drill days (a question was delivered), oldest first."""
        rows = self.db.execute(
            "select local_date from deliveries where chat = ? and question_id is not null and status in ('claimed', 'sent')"
            " and local_date >= ? and local_date < ? order by local_date",
            [chat_key, since.isoformat() if since else "", before.isoformat() if before else "9999"]).fetchall()
        return [date.fromisoformat(row[0]) for row in rows]

    def latest_drill_day(self, chat_key: str) -> dict | None:
        """The chat's most recent delivery of a question: grading it is on time."""
        rows = list(self.db.query(
            "select * from deliveries where chat = ? and question_id is not null and status in ('claimed', 'sent')"
            " order by local_date desc limit 1", [chat_key]))
        return rows[0] if rows else None

    def completed_days(self, chat_key: str, member_key: str) -> set[date]:
        """Drill days the member graded on time."""
        rows = self.db.execute(
            "select d.local_date from grades g join deliveries d on d.id = g.delivery_id"
            " where d.chat = ? and g.member = ? and g.on_time = 1", [chat_key, member_key]).fetchall()
        return {date.fromisoformat(row[0]) for row in rows}

    def on_time_members(self, chat_key: str, day: date, among: Collection[str] | None = None) -> set[str]:
        """Members who completed the chat's drill day `day` (graded it on time); only those in `among` if given."""
        sql = ("select g.member from deliveries d join grades g on g.delivery_id = d.id"
               " where d.chat = ? and d.local_date = ? and g.on_time = 1")
        params = [chat_key, day.isoformat()]
        if among is not None:
            # One JSON parameter rather than one per member: a big chat would pass SQLite's variable limit.
            sql += " and g.member in (select value from json_each(?))"
            params.append(json.dumps(list(among)))
        return {row[0] for row in self.db.execute(sql, params)}

    def grade(self, delivery_id: int, member_key: str) -> dict | None:
        """A member's grade for one delivery."""
        rows = list(self.db.query("select * from grades where delivery_id = ? and member = ?", [delivery_id, member_key]))
        return rows[0] if rows else None

    def graded_count(self, delivery_id: int) -> int:
        """How many members graded a daily question."""
        return self.db["grades"].count_where("delivery_id = ?", [delivery_id])

    def record_daily_grade(self, delivery_id: int, member_key: str, question_id: str, grade: str, points: int,
                           on_time: bool, card_before: str | None, card: CardState, now: datetime) -> None:
        """Store (or change) a member's grade of a daily question and their card, in one transaction."""
        with self.db.atomic():
            self.db.execute(
                "insert into grades (delivery_id, member, grade, points, on_time, card_before, graded_at)"
                " values (?, ?, ?, ?, ?, ?, ?) on conflict(delivery_id, member) do update set grade = excluded.grade,"
                " points = excluded.points, on_time = excluded.on_time, graded_at = excluded.graded_at",
                [delivery_id, member_key, grade, points, int(on_time), card_before, now.isoformat()])
            self.put_card(member_key, question_id, card, now)

    def points_by_member(self, chat_key: str, since: date | None = None, before: date | None = None) -> dict[str, tuple[str, int]]:
        """member -> (name, points) for grades of the chat's drill days in [since, before)."""
        if since is None and before is None:
            # All time: the totals the grade triggers keep (store_schema m003), not a year of grades.
            rows = self.db.execute(
                "select t.member, m.name, t.points from chat_totals t join members m on m.key = t.member"
                " where t.chat = ? and t.grades > 0", [chat_key]).fetchall()
        else:
            # Add up first, then look up names: one lookup per member rather than one per grade.
            rows = self.db.execute(
                "select s.member, m.name, s.points from (select g.member, sum(g.points) as points from grades g"
                " join deliveries d on d.id = g.delivery_id where d.chat = ? and d.local_date >= ?"
                " and d.local_date < ? group by g.member) s join members m on m.key = s.member",
                [chat_key, since.isoformat() if since else "", before.isoformat() if before else "9999"]).fetchall()
        return {member: (name, points) for member, name, points in rows}

    def card_json(self, member_key: str, question_id: str) -> str | None:
        """The member's fsrs card for a question, if they have one."""
        row = self.db.execute("select card from cards where member = ? and question_id = ?",
                              [member_key, question_id]).fetchone()
        return row[0] if row else None

    def put_card(self, member_key: str, question_id: str, card: CardState, now: datetime) -> None:
        """Store the member's card after a review."""
        self.db.execute(
            "insert into cards (member, question_id, card, due, stability, reviews, updated_at)"
            " values (?, ?, ?, ?, ?, 1, ?) on conflict(member, question_id) do update set card = excluded.card,"
            " due = excluded.due, stability = excluded.stability, reviews = cards.reviews + 1,"
            " updated_at = excluded.updated_at",
            [member_key, question_id, card.card_json, card.due.isoformat(), card.stability, now.isoformat()])

    def cards(self, member_key: str) -> dict[str, tuple[datetime, float | None]]:
        """question id -> (due, stability) of every card the member has."""
        rows = self.db.execute("select question_id, due, stability from cards where member = ?", [member_key])
        return {qid: (datetime.fromisoformat(due), stability) for qid, due, stability in rows}

    def move_chat(self, old_key: str, new_key: str) -> None:
        """A chat got a new id (Telegram supergroup upgrade): move it and its history in one transaction.

        When the new id already has a history of its own (it was subscribed before the move arrived), the
        two merge: every drill day of both is kept, and on a day both were sent, the grades join the new
        id's delivery (a member who graded both keeps the new id's grade).
        """
        with self.db.atomic():
            if not self.db.execute("select 1 from deliveries where chat = ?", [new_key]).fetchone():
                # Nothing under the new id worth keeping: the old row, which holds the history, takes its key.
                self.db.execute("delete from chats where key = ?", [new_key])
                self.db.execute("update chats set key = ? where key = ?", [new_key, old_key])
                return
            self._merge_history(old_key, new_key)

    def _merge_history(self, old_key: str, new_key: str) -> None:
        db = self.db
        db.execute("update or ignore deliveries set chat = ? where chat = ?", [new_key, old_key])
        # Left behind: the old id's days that the new id has too. Their grades join the new id's delivery.
        db.execute(
            "update or ignore grades set delivery_id = (select n.id from deliveries n join deliveries o"
            " on o.local_date = n.local_date where o.id = grades.delivery_id and n.chat = ?)"
            " where delivery_id in (select id from deliveries where chat = ?)", [new_key, old_key])
        db.execute("delete from grades where delivery_id in (select id from deliveries where chat = ?)", [old_key])
        db.execute("delete from deliveries where chat = ?", [old_key])
        # The totals follow the grades; the rows that moved with their deliveries were not seen by the triggers.
        db.execute("delete from chat_totals where chat in (?, ?)", [old_key, new_key])
        db.execute(
            "insert into chat_totals (chat, member, points, grades) select d.chat, g.member, sum(g.points), count(*)"
            " from grades g join deliveries d on d.id = g.delivery_id where d.chat = ? group by g.member", [new_key])
        old, new = self.chat(old_key), self.chat(new_key)
        if old["status"] == "active" and new["status"] != "active":
            schedule = {field: old[field] for field in ("status", "reason", "at", "zone", "days", "topics",
                                                       "language", "subscribed_by")}
            db["chats"].update(new_key, schedule)
        db.execute("delete from chats where key = ?", [old_key])


def backup_database(source: Path, target: Path) -> None:
    """A consistent copy of the live database through SQLite's online backup API."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(str(source), timeout=30) as live, sqlite3.connect(str(target)) as copy:
        live.backup(copy)
    live.close()
    copy.close()
