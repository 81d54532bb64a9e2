"""Grades, the boards and streaks read from them, and members' spaced-repetition cards in the store."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from datetime import date, datetime
from typing import NamedTuple

from bot.core.practice import CardState
from bot.core.progress import StreakState
from bot.store.rows import Grade
from bot.store.connection import BUSY_TIMEOUT_MS, StorePart, write_transaction


class StoredStreak(NamedTuple):
    """A streak_states row as read: dates still as text, since a board needs only `run` of an up-to-date one."""

    run: int
    best: int
    freezes: int
    completed: int
    last_freeze: str | None
    through: str | None
    days: int

    def state(self) -> StreakState:
        return StreakState(self.run, self.best, self.freezes, self.completed, _day(self.last_freeze),
                           _day(self.through), self.days)


class GradeStore(StorePart):
    """Grades of daily questions (with the totals the triggers keep), boards' points, FSRS cards."""

    def completed_days(self, chat_key: str, member_key: str) -> set[date]:
        """Drill days the member graded on time."""
        rows = self.db.execute(
            "select d.local_date from grades g join deliveries d on d.id = g.delivery_id"
            " where d.chat = ? and g.member = ? and g.on_time = 1", [chat_key, member_key]).fetchall()
        return {date.fromisoformat(row[0]) for row in rows}

    def on_time_grades(self, chat_key: str, member_key: str, since: date) -> dict[date, str]:
        """The member's on-time grades of the chat's drill days from `since` on, by day (the grades too, for
        the calendar: `completed_days` reads only an index, for the streak after every grade)."""
        rows = self.db.execute(
            "select d.local_date, g.grade from grades g join deliveries d on d.id = g.delivery_id"
            " where d.chat = ? and g.member = ? and g.on_time = 1 and d.local_date >= ?",
            [chat_key, member_key, since.isoformat()])
        return {date.fromisoformat(day): grade for day, grade in rows}

    def grades_between(self, chat_key: str, since: date, before: date) -> list[tuple[str, date, str, str]]:
        """(member, drill day, question id, grade) of every grade of the chat's daily questions in [since, before),
        on time or late."""
        rows = self.db.execute(
            "select g.member, d.local_date, d.question_id, g.grade from deliveries d join grades g on g.delivery_id = d.id"
            " where d.chat = ? and d.local_date >= ? and d.local_date < ?", [chat_key, since.isoformat(), before.isoformat()])
        return [(member, date.fromisoformat(day), question_id, grade) for member, day, question_id, grade in rows]

    def completed_since(self, chat_key: str, since: date, members: Collection[str]) -> dict[str, set[date]]:
        """member -> the chat's drill days from `since` on that they completed (graded on time)."""
        # One JSON parameter rather than one per member: a big chat would pass SQLite's variable limit.
        rows = self.db.execute(
            "select g.member, d.local_date from deliveries d join grades g on g.delivery_id = d.id"
            " where d.chat = ? and d.local_date >= ? and g.on_time = 1 and g.member in (select value from json_each(?))",
            [chat_key, since.isoformat(), json.dumps(list(members))])
        done: dict[str, set[date]] = {}
        for member, day in rows:
            done.setdefault(member, set()).add(date.fromisoformat(day))
        return done

    def streak_states(self, chat_key: str, members: Collection[str]) -> dict[str, StoredStreak]:
        """The stored streak states of these members in the chat (see `put_streak_states`)."""
        rows = self.db.execute(
            "select member, run, best, freezes, completed, last_freeze, through, days from streak_states"
            " where chat = ? and member in (select value from json_each(?))", [chat_key, json.dumps(list(members))])
        return {row[0]: StoredStreak(*row[1:]) for row in rows}

    def put_streak_states(self, chat_key: str, states: dict[str, StreakState]) -> bool:
        """Keep members' streak states as of a closed drill day, for the next board to carry forward.

        A board is a read: when another connection holds the write lock this gives up at once (False)
        rather than wait, and the next board carries the states forward again."""
        db = self.db
        rows = [(chat_key, member, state.run, state.best, state.freezes, state.completed, _iso(state.last_freeze),
                 _iso(state.through), state.days) for member, state in states.items()]
        sql = ("insert or replace into streak_states (chat, member, run, best, freezes, completed, last_freeze, through,"
               " days) values (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        if db.conn.in_transaction:  # a write transaction of ours (a weekly board in a claim): it has the lock
            db.conn.executemany(sql, rows)
            return True
        db.execute("PRAGMA busy_timeout = 0")
        try:
            with write_transaction(db):
                db.conn.executemany(sql, rows)
            return True
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            return False
        finally:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def grade(self, delivery_id: int, member_key: str) -> Grade | None:
        """A member's grade for one delivery."""
        rows = list(self.db.query("select * from grades where delivery_id = ? and member = ?", [delivery_id, member_key]))
        return rows[0] if rows else None

    def graded_count(self, delivery_id: int) -> int:
        """How many members graded a daily question."""
        return self.db["grades"].count_where("delivery_id = ?", [delivery_id])

    def record_daily_grade(self, delivery_id: int, member_key: str, question_id: str, grade: str, points: int,
                           on_time: bool, card_before: str | None, card: CardState, now: datetime) -> None:
        """Store (or change) a member's grade of a daily question and their card, in one transaction."""
        with write_transaction(self.db):
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

    def team_cards(self, chat_key: str) -> tuple[int, list[tuple[str, float | None, datetime]]]:
        """(members who ever graded in the chat, their cards as (question id, stability, last review)).
        A card is written only by a review, so its `updated_at` is the time of its last review."""
        members = [member for (member,) in self.db.execute("select member from chat_totals where chat = ?", [chat_key])]
        rows = self.db.execute("select question_id, stability, updated_at from cards"
                               " where member in (select value from json_each(?))", [json.dumps(members)])
        return len(members), [(qid, stability, datetime.fromisoformat(at)) for qid, stability, at in rows]

    def cards(self, member_key: str) -> dict[str, tuple[datetime, float | None]]:
        """question id -> (due, stability) of every card the member has."""
        rows = self.db.execute("select question_id, due, stability from cards where member = ?", [member_key])
        return {qid: (datetime.fromisoformat(due), stability) for qid, due, stability in rows}


def _day(stored: str | None) -> date | None:
    return date.fromisoformat(stored) if stored else None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
