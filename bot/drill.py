"""The drill engine: what the bot does when a member types a command or presses a button.

Platform-neutral: adapters turn their events into `ChatRef`, `MemberRef` and text or a payload,
call `Drill.command` or `Drill.action`, and render the `Reply` objects they get back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.core import schedule as sched
from bot.core.choice import choose_daily_question
from bot.core.commands import (
    grade_payload, parse_action, parse_command, practice_grade_payload, reveal_payload,
)
from bot.core.messages import text
from bot.core.practice import review
from bot.core.progress import GRADES, POINTS, current_streaks, leaderboard, streak
from bot.core.replies import Button, ChatRef, MemberRef, Reply
from bot.drill_commands import COMMAND_HANDLERS, chat_topics, command_prefix
from bot.store import Store



@dataclass
class Defaults:
    """What a new subscription starts with."""

    schedule: sched.Schedule
    language: str
    catch_up: timedelta = field(default=timedelta(hours=6))


class Drill:
    """Commands and button presses against the store; time always comes in as `now`."""

    def __init__(self, store: Store, defaults: Defaults):
        self.store = store
        self.defaults = defaults

    # -- entry points ------------------------------------------------------

    def command(self, chat: ChatRef, member: MemberRef, typed: str, now: datetime) -> list[Reply]:
        """Answer a typed command ('/quiz docker')."""
        row = self._enter(chat, member, now)
        lang = row["language"]
        parsed = parse_command(typed)
        if parsed is None or parsed.name not in COMMAND_HANDLERS:
            return [Reply(text(lang, "unknown_command", p=command_prefix(chat)), private=True)]
        if parsed.too_long:
            return [Reply(text(lang, "argument_too_long", p=command_prefix(chat)), private=True)]
        return COMMAND_HANDLERS[parsed.name](self, row, chat, member, parsed, now)

    def action(self, chat: ChatRef, member: MemberRef, payload: str, now: datetime) -> list[Reply]:
        """Answer a button press; stale or forged payloads get a notice and change nothing."""
        row = self._enter(chat, member, now)
        lang = row["language"]
        action = parse_action(payload)
        if action is None:
            return [Reply(text(lang, "stale_button"), private=True)]
        if action.kind in ("reveal", "grade"):
            delivery = self.store.delivery(action.delivery_id)
            question = self._active_question(delivery["question_id"]) if delivery else None
            if delivery is None or delivery["chat"] != chat.key or question is None:
                return [Reply(text(lang, "stale_button"), private=True)]
            if action.kind == "reveal":
                return [self._answer_reply(lang, question, chat, delivery_id=delivery["id"])]
            return [self._grade_daily(lang, delivery, question, member, action.grade, now)]
        question = self._active_question(action.question_id)
        if question is None:
            return [Reply(text(lang, "stale_button"), private=True)]
        if action.kind == "practice_reveal":
            return [self._answer_reply(lang, question, chat)]
        return [self._grade_practice(lang, question, member, action.grade, now)]

    # -- daily question ----------------------------------------------------

    def next_daily_question(self, chat: dict) -> tuple[str | None, int]:
        """(question id or None when nothing is eligible, cycle) for the chat's next daily question."""
        cycle, asked = self.store.current_cycle(chat["key"])
        eligible = self.store.active_question_ids(chat_topics(chat) or None)
        choice = choose_daily_question(eligible, asked, cycle, chat["seed"])
        return choice if choice else (None, cycle)

    def daily_replies(self, chat_key: str, delivery_id: int, now: datetime) -> list[Reply]:
        """The daily question message, preceded by last week's board on the chat's first drill day of a week."""
        row = self.store.chat(chat_key)
        delivery = self.store.delivery(delivery_id)
        lang = row["language"]
        if delivery["question_id"] is None:
            return [Reply(text(lang, "no_eligible_questions", topics=row["topics"] or "-"), kind="notice")]
        question = self.store.question(delivery["question_id"])
        replies = []
        day = date.fromisoformat(delivery["local_date"])
        monday = sched.week_start(day)
        if not self.store.drill_days(chat_key, since=monday, before=day):
            board = self.board_text(row, None, "week", monday - timedelta(days=7), monday, title_key="weekly_summary")
            if board:
                replies.append(Reply(board, kind="board"))
        body = text(lang, "daily_question", date=day.isoformat(), topic=question["topic"], question=question["question"])
        replies.append(Reply(body, buttons=(Button(text(lang, "show_answer"), reveal_payload(delivery_id), "reveal"),),
                             kind="question", delivery_id=delivery_id, question_id=question["id"]))
        return replies

    # -- shared with the commands ------------------------------------------------

    def _enter(self, chat: ChatRef, member: MemberRef, now: datetime) -> dict:
        self.store.ensure_member(member.key, member.name)
        return self.store.ensure_chat(chat.key, chat.platform, chat.kind, chat.title,
                                      self.defaults.language, now)

    def _active_question(self, question_id: str | None) -> dict | None:
        question = self.store.question(question_id) if question_id else None
        return question if question and question["active"] else None

    def _answer_reply(self, lang: str, question: dict, chat: ChatRef, delivery_id: int | None = None) -> Reply:
        if delivery_id is not None:
            payloads = [grade_payload(delivery_id, grade) for grade in GRADES]
        else:
            payloads = [practice_grade_payload(question["id"], grade) for grade in GRADES]
        buttons = tuple(Button(text(lang, f"grade_{grade}"), payload, grade) for grade, payload in zip(GRADES, payloads))
        body = text(lang, "answer", question=question["question"], answer=question["answer"])
        return Reply(body, buttons=buttons, private=chat.kind == "channel", kind="answer",
                     delivery_id=delivery_id, question_id=question["id"])

    def _grade_daily(self, lang: str, delivery: dict, question: dict, member: MemberRef, grade: str,
                     now: datetime) -> Reply:
        previous = self.store.grade(delivery["id"], member.key)
        latest = self.store.latest_drill_day(delivery["chat"])
        on_time = latest is not None and latest["id"] == delivery["id"]
        if previous is not None and previous["on_time"] and not on_time:
            # The day has closed: the points earned then stand; only the review is corrected.
            on_time, points = True, previous["points"]
        else:
            points = POINTS[grade] if on_time else 0
        card_before = previous["card_before"] if previous else self.store.card_json(member.key, question["id"])
        state = review(card_before, grade, now, card_id=_card_id(member.key, question["id"]))
        self.store.record_daily_grade(delivery["id"], member.key, question["id"], grade, points, on_time,
                                      card_before, state, now)
        chat_row = self.store.chat(delivery["chat"])
        current = self.streak_of(chat_row["key"], member.key).current
        key = "graded_on_time" if on_time else "graded_late"
        if previous is not None:
            key = "grade_changed"
        return Reply(text(lang, key, grade=text(lang, f"grade_{grade}"), points=points, streak=current),
                     private=True, kind="graded", delivery_id=delivery["id"], question_id=question["id"])

    def _grade_practice(self, lang: str, question: dict, member: MemberRef, grade: str, now: datetime) -> Reply:
        state = review(self.store.card_json(member.key, question["id"]), grade, now,
                       card_id=_card_id(member.key, question["id"]))
        self.store.put_card(member.key, question["id"], state, now)
        return Reply(text(lang, "practice_graded", grade=text(lang, f"grade_{grade}"),
                          due=_interval(lang, state.due - now)), private=True)

    def streak_of(self, chat_key: str, member_key: str):
        """A member's current and best streak in a chat."""
        days = self.store.drill_days(chat_key)
        done = self.store.completed_days(chat_key, member_key)
        return streak(days, done)

    def board_text(self, row: dict, caller: str | None, period: str, since: date | None, before: date | None,
                    title_key: str = "leaderboard_title") -> str | None:
        """The chat's board for grades of drill days in [since, before); None when empty and nobody asked."""
        lang = row["language"]
        points = self.store.points_by_member(row["key"], since=since, before=before)
        if not points and caller is None:
            return None
        # Every member's streak in one walk back over the recent drill days, not one history read per member.
        streaks = current_streaks(self.store.drill_days(row["key"]),
                                  lambda day, among: self.store.on_time_members(row["key"], day, among))
        entries = [(m, name, pts, streaks.get(m, 0)) for m, (name, pts) in points.items()]
        top, own = leaderboard(entries, caller=caller, hidden=self.store.hidden_members(row["key"]))
        lines = [text(lang, title_key, period=text(lang, f"period_{period}"))]
        lines += [text(lang, "leaderboard_line", rank=s.rank, name=s.name, points=s.points, streak=s.streak)
                  for s in top]
        if not top:
            lines.append(text(lang, "leaderboard_empty"))
        if own is not None:
            lines += ["…", text(lang, "leaderboard_line", rank=own.rank, name=own.name, points=own.points,
                                streak=own.streak)]
        return "\n".join(lines)


def _card_id(member_key: str, question_id: str) -> int:
    """A stable id for the fsrs card (fsrs would otherwise read the clock to make one)."""
    return int.from_bytes(hashlib.sha256(f"{member_key}:{question_id}".encode()).digest()[:6], "big")


def _interval(lang: str, delta: timedelta) -> str:
    minutes = max(1, round(delta.total_seconds() / 60))
    if minutes < 60:
        return text(lang, "in_minutes", n=minutes)
    if minutes < 60 * 24:
        return text(lang, "in_hours", n=round(minutes / 60))
    return text(lang, "in_days", n=round(minutes / 1440))
