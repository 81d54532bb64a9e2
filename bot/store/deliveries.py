"""Deliveries in the store: one row per chat and drill day, claimed before the send and marked after."""

from __future__ import annotations

from datetime import date, datetime

from bot.store.rows import Delivery
from bot.store.connection import StorePart

_POSTING = "posting"  # answer_message_id while a tap is posting a group's answer


class DeliveryStore(StorePart):
    """Claims, marks and the drill days they make; where a group answer was posted."""

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

    def counts_since(self, since: datetime) -> dict[str, int]:
        """Deliveries claimed since `since`, by status (claimed, sent, empty, failed)."""
        return dict(self.db.execute("select status, count(*) from deliveries where claimed_at >= ?"
                                    " group by status", [since.isoformat()]).fetchall())

    def stale_claims(self, older_than: datetime) -> list[Delivery]:
        """Claims never marked sent whose lease ran out (the sender crashed or stopped mid-send)."""
        return list(self.db.query(
            "select d.* from deliveries d join chats c on c.key = d.chat where d.status = 'claimed'"
            " and d.claimed_at < ? and c.status = 'active' order by d.id", [older_than.isoformat()]))

    def renew_claim(self, delivery: Delivery, now: datetime) -> bool:
        """Take over a stale claim; False when another sweep took it first."""
        cursor = self.db.execute(
            "update deliveries set claimed_at = ? where id = ? and status = 'claimed' and claimed_at = ?",
            [now.isoformat(), delivery["id"], delivery["claimed_at"]])
        return cursor.rowcount == 1

    def delivery(self, delivery_id: int) -> Delivery | None:
        """One delivery by id."""
        rows = list(self.db.query("select * from deliveries where id = ?", [delivery_id]))
        return rows[0] if rows else None

    def claim_answer_post(self, delivery_id: int) -> bool:
        """Reserve posting a group's answer to a delivery; False when it was posted (or is being posted)."""
        cursor = self.db.execute("update deliveries set answer_message_id = ? where id = ?"
                                 " and answer_message_id is null", [_POSTING, delivery_id])
        return cursor.rowcount == 1

    def answer_is_posted(self, delivery: Delivery) -> bool:
        """Whether a group has seen the delivery's answer (posted, not still being posted)."""
        return delivery["answer_message_id"] not in (None, _POSTING)

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

    def asked_questions(self, chat_key: str) -> list[str]:
        """The questions the chat was sent, the latest first (a question asked twice appears twice)."""
        rows = self.db.execute("select question_id from deliveries where chat = ? and question_id is not null"
                               " order by local_date desc", [chat_key])
        return [question_id for (question_id,) in rows]

    def drill_days(self, chat_key: str, since: date | None = None, before: date | None = None) -> list[date]:
        """The chat's drill days (a question was delivered), oldest first."""
        rows = self.db.execute(
            "select local_date from deliveries where chat = ? and question_id is not null and status in ('claimed', 'sent')"
            " and local_date >= ? and local_date < ? order by local_date",
            [chat_key, since.isoformat() if since else "", before.isoformat() if before else "9999"]).fetchall()
        return [date.fromisoformat(row[0]) for row in rows]

    def latest_drill_day(self, chat_key: str) -> Delivery | None:
        """The chat's most recent delivery of a question: grading it is on time."""
        rows = list(self.db.query(
            "select * from deliveries where chat = ? and question_id is not null and status in ('claimed', 'sent')"
            " order by local_date desc limit 1", [chat_key]))
        return rows[0] if rows else None
