"""The question bank in the store: syncing it with the notes, and the questions the drill asks from it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from bot.core.content import Question as ParsedQuestion
from bot.core.content import question_id as id_of
from bot.core.notes_text import clean_question
from bot.core.team import held_out, notes_version
from bot.store.rows import Question
from bot.store.connection import Connections, StorePart, write_transaction


@dataclass(frozen=True)
class SyncReport:
    """What a bank sync changed."""

    added: int
    updated: int
    retired: int
    unchanged: int
    carried_over: int = 0  # stored questions whose history moved to their newly cleaned text's id

    @property
    def changed(self) -> bool:
        """True when the sync wrote anything."""
        return bool(self.added or self.updated or self.retired)


class BankStore(StorePart):
    """The questions table: active questions are asked, retired ones stay for history."""

    def __init__(self, connections: Connections):
        super().__init__(connections)
        # (id, topic) of the active questions in bank order; only sync_bank changes the bank, and
        # every delivery of the fan-out needs it.
        self._active: list[tuple[str, str]] | None = None
        self._active_ids: list[str] = []  # the ids of `_active`, for the chats that take every topic
        self._held: frozenset[str] | None = None  # questions members' reports hold out of the daily choice

    def sync_bank(self, questions: list[ParsedQuestion], now: datetime) -> SyncReport:
        """Make the stored bank match `questions`: add new, update changed, retire removed."""
        stamp = now.isoformat()
        self._active = self._held = None
        table = self.db["questions"]
        stored = {row["id"]: row for row in table.rows}
        added = updated = retired = unchanged = 0
        with write_transaction(self.db):
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
            carried = self._carry_history_over(stored, current)
            for question_id, row in stored.items():
                if question_id not in current and row["active"]:
                    table.update(question_id, {"active": 0, "retired_at": stamp, "updated_at": stamp})
                    retired += 1
        return SyncReport(added=added, updated=updated, retired=retired, unchanged=unchanged, carried_over=carried)

    def _carry_history_over(self, stored: dict[str, Question], current: set[str]) -> int:
        """Move deliveries and review cards from stored questions that left the notes to the question
        their text reads as now: a reader that cleans better ("1. What is X?" -> "What is X?") gives
        the question a new id, and nobody's streak days, points or review state may stay behind."""
        moved = 0
        for old_id, row in stored.items():
            if old_id in current:
                continue
            new_id = id_of(clean_question(row["question"]))
            if new_id == old_id or new_id not in current:
                continue
            self.db.execute("update deliveries set question_id = ? where question_id = ?", [new_id, old_id])
            # A member who already has a card for the new id keeps it; the old one goes.
            self.db.execute("update or ignore cards set question_id = ? where question_id = ?", [new_id, old_id])
            self.db.execute("delete from cards where question_id = ?", [old_id])
            moved += 1
        return moved

    def active_question_ids(self, topics: frozenset[str] | None = None) -> list[str]:
        """Ids of the active questions in bank order, optionally only those in `topics`.

        Kept in memory between bank syncs: every delivery of the morning fan-out asks for them.
        """
        if self._active is None:
            rows = self.db.execute("select id, topic from questions where active = 1 order by position").fetchall()
            # The ids first: another store thread that finds `_active` set must find its ids with it.
            self._active_ids = [question_id for question_id, _ in rows]
            self._active = rows
        if not topics:
            return list(self._active_ids)  # a copy: callers may change theirs
        return [question_id for question_id, topic in self._active if topic in topics]

    def flag(self, question: Question, member_key: str, chat_key: str, reason: str, now: datetime) -> None:
        """A member's report of a problem with a question as it reads now; a second one replaces the reason."""
        self.db.execute(
            "insert into flags (question_id, version, member, chat, reason, source, reported_at)"
            " values (?, ?, ?, ?, ?, ?, ?) on conflict (question_id, version, member) do update set"
            " reason = case when excluded.reason = '' then flags.reason else excluded.reason end,"
            " chat = excluded.chat, reported_at = excluded.reported_at",
            [question["id"], notes_version(question["question"], question["answer"]), member_key, chat_key, reason,
             question["source"], now.isoformat()])
        self._held = None

    def open_flags(self) -> list[dict]:
        """Reports of questions as they read now (the notes have not changed since), oldest first."""
        rows = self.db.query(
            "select f.*, q.question, q.answer, q.active from flags f join questions q on q.id = f.question_id"
            " order by f.reported_at")
        return [row for row in rows if row["version"] == notes_version(row["question"], row["answer"])]

    def held_question_ids(self) -> frozenset[str]:
        """Questions held out of the daily choice by members' reports (cached: every claim asks)."""
        if self._held is None:
            reporters = Counter(row["question_id"] for row in self.open_flags())
            self._held = held_out(reporters)
        return self._held

    def active_questions_with_topics(self) -> list[tuple[str, str]]:
        """(id, topic) of every active question, in bank order."""
        self.active_question_ids()
        return list(self._active or [])

    def question(self, question_id: str) -> Question | None:
        """One question by id, active or retired."""
        rows = list(self.db.query("select * from questions where id = ?", [question_id]))
        return rows[0] if rows else None

    def topics(self) -> dict[str, int]:
        """Active questions per topic."""
        rows = self.db.query(
            "select topic, count(*) as n from questions where active = 1 group by topic order by topic")
        return {row["topic"]: row["n"] for row in rows}
