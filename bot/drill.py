"""The drill engine: what the bot does when a member types a command or presses a button.

Platform-neutral: adapters turn their events into `ChatRef`, `MemberRef` and text or a payload,
call `Drill.command` or `Drill.action`, and render the `Reply` objects they get back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from bot.core import schedule as sched
from bot.core.choice import choose_by_team_memory, choose_daily_question
from bot.core.commands import (
    flag_payload, grade_payload, parse_action, parse_command, practice_grade_payload, reveal_payload,
)
from bot.core.messages import text
from bot.core.practice import review
from bot.core.progress import GRADES, POINTS, Streak
from bot.core.replies import Button, ChatRef, MemberRef, Reply, chat_topics, command_prefix
from bot.core.schedule import Defaults
from bot.core.team import team_recall
from bot.drill_commands import COMMAND_HANDLERS, CommandContext, practice_question
from bot.standings import board_text, streak_of, week_recap_reply
from bot.store import ChatStatus, Store


RECENT_DAYS = 5  # the team-memory choice does not repeat a question of the last five drill days


@dataclass(frozen=True)
class AnsweredCount:
    """What a Slack channel's daily message should show after a grade: the question and how many graded."""

    chat_key: str
    message_id: str
    question: Reply
    footer: str


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
            return [Reply(text(lang, "unknown_command", p=command_prefix(chat.platform)), private=True)]
        if parsed.too_long:
            return [Reply(text(lang, "argument_too_long", p=command_prefix(chat.platform)), private=True)]
        context = CommandContext(self.store, self.defaults, row, chat, member, parsed, now)
        return COMMAND_HANDLERS[parsed.name](context)

    def action(self, chat: ChatRef, member: MemberRef, payload: str, now: datetime) -> list[Reply]:
        """Answer a button press; stale or forged payloads get a notice and change nothing."""
        row = self._enter(chat, member, now)
        lang = row["language"]
        action = parse_action(payload)
        if action is None:
            return [Reply(text(lang, "stale_button"), private=True)]
        if action.kind in ("reveal", "grade"):
            delivery = self.store.deliveries.delivery(action.delivery_id)
            question = self._active_question(delivery["question_id"]) if delivery else None
            if delivery is None or question is None or not self._may_answer(delivery, chat, member):
                return [Reply(text(lang, "stale_button"), private=True)]
            if action.kind == "reveal":
                # A group sees the daily answer once, posted for all: the first tap claims the post.
                if chat.kind == "group" and not self.store.deliveries.claim_answer_post(delivery["id"]):
                    return [Reply(text(lang, "answer_already_posted"), private=True)]
                return [self._answer_reply(lang, question, chat, delivery_id=delivery["id"])]
            return [self._grade_daily(lang, delivery, question, member, action.grade, now)]
        question = self._active_question(action.question_id)
        if question is None:
            return [Reply(text(lang, "stale_button"), private=True)]
        if action.kind == "practice":
            return [practice_question(lang, question, chat)]
        if action.kind == "flag":
            self.store.bank.flag(question, member.key, chat.key, "", now)
            return [Reply(text(lang, "flag_thanks"), private=True)]
        if action.kind == "practice_reveal":
            return [self._answer_reply(lang, question, chat)]
        return [self._grade_practice(lang, question, member, action.grade, now)]

    def answer_posted(self, delivery_id: int, message_id: str | None) -> None:
        """Where a group's daily answer was posted; None when the post failed (a later tap may try again)."""
        self.store.deliveries.set_answer_message(delivery_id, message_id)

    # -- the bot's place in chats --------------------------------------------

    def bot_added(self, chat: ChatRef, now: datetime, *, returning: bool) -> list[Reply]:
        """The bot joined a chat (`returning`: after it had been removed): a chat that had a schedule is
        active again; a group or channel it came back to is greeted."""
        row = self.store.chats.ensure_chat(chat.key, chat.platform, chat.kind, chat.title, self.defaults.language, now)
        if row["status"] == ChatStatus.INACTIVE and row["at"]:
            self.store.chats.set_status(row["key"], ChatStatus.ACTIVE, None, now)
        if returning and chat.kind in ("group", "channel"):
            return [Reply(text(row["language"], "welcome", p=command_prefix(chat.platform)))]
        return []

    def bot_removed(self, chat_key: str, reason: str, now: datetime) -> None:
        """The bot was removed, blocked or the chat archived: its daily question stops, history stays."""
        row = self.store.chats.chat(chat_key)
        if row is not None and row["status"] == ChatStatus.ACTIVE:
            self.store.chats.set_status(chat_key, ChatStatus.INACTIVE, reason, now)

    def installation_removed(self, key_prefix: str, reason: str, now: datetime) -> int:
        """The app was uninstalled from a workspace (or its token revoked): every chat whose key starts with
        `key_prefix` stops, history kept. Returns the chats stopped."""
        return self.store.chats.deactivate_under(key_prefix, reason, now)

    def installation_returned(self, key_prefix: str, removal_reasons: Collection[str], now: datetime) -> int:
        """The app was installed again: the chats under `key_prefix` that stopped for one of `removal_reasons`
        go on with their schedules (one archived or left stays as it is)."""
        return self.store.chats.reactivate_under(key_prefix, removal_reasons, now)

    def chat_moved(self, old_key: str, new_key: str) -> None:
        """The chat got a new id (a Telegram group became a supergroup): its history moves with it."""
        self.store.chats.move_chat(old_key, new_key)

    def subscribe_if_new(self, chat: ChatRef, member: MemberRef, now: datetime) -> list[Reply]:
        """A chat seen for the first time is subscribed to the default schedule (the terminal chat)."""
        row = self.store.chats.chat(chat.key)
        if row is not None and row["status"] != ChatStatus.NEW:
            return []
        return self.command(chat, member, "/subscribe", now)

    def language(self, chat_key: str) -> str:
        """The chat's language (the default for a chat not seen yet)."""
        row = self.store.chats.chat(chat_key)
        return row["language"] if row else self.defaults.language

    def answered_count(self, delivery_id: int) -> AnsweredCount | None:
        """The daily message of a delivery with its "N answered" footer; None when it was never posted."""
        delivery = self.store.deliveries.delivery(delivery_id)
        if delivery is None or not delivery["message_id"]:
            return None
        question = self.daily_replies(delivery["chat"], delivery_id)[-1]
        footer = text(self.language(delivery["chat"]), "answered_count", n=self.store.grades.graded_count(delivery_id))
        return AnsweredCount(delivery["chat"], delivery["message_id"], question, footer)

    # -- daily question ----------------------------------------------------

    def next_daily_question(self, chat: dict, day: date, now: datetime) -> tuple[str | None, int]:
        """(question id or None when nothing is eligible, cycle) for the chat's daily question of `day`:
        the first cycle asks every question once; after it (cycle 1 on) the team's memory chooses."""
        cycle, asked = self.store.deliveries.current_cycle(chat["key"])
        eligible = self.store.bank.active_question_ids(chat_topics(chat) or None)
        held = self.store.bank.held_question_ids()  # reported by enough members: wait for the notes to change
        if held:  # nearly always empty: the fan-out does not walk the bank once more per chat for nothing
            eligible = [question_id for question_id in eligible if question_id not in held] or eligible
        if cycle == 0:
            choice = choose_daily_question(eligible, asked, cycle, chat["seed"])
            if choice is None or choice[1] == 0:
                return choice or (None, cycle)
        asked_ever = self.store.deliveries.asked_questions(chat["key"])
        members, cards = self.store.grades.team_cards(chat["key"])
        recall = team_recall(cards, members, now)
        question_id = choose_by_team_memory(eligible, set(asked_ever), recall, asked_ever[:RECENT_DAYS],
                                            chat["seed"], day)
        return question_id, 1

    def daily_replies(self, chat_key: str, delivery_id: int) -> list[Reply]:
        """The daily question message, preceded by last week's board on the chat's first drill day of a week."""
        row = self.store.chats.chat(chat_key)
        delivery = self.store.deliveries.delivery(delivery_id)
        lang = row["language"]
        if delivery["question_id"] is None:
            return [Reply(text(lang, "no_eligible_questions", topics=row["topics"] or "-"), kind="notice")]
        question = self.store.bank.question(delivery["question_id"])
        replies = []
        day = date.fromisoformat(delivery["local_date"])
        monday = sched.week_start(day)
        if not self.store.deliveries.drill_days(chat_key, since=monday, before=day):
            board = board_text(self.store, row, None, "week", monday - timedelta(days=7), monday,
                               title_key="weekly_summary")
            if board:  # no board, no grades last week: no recap either (and no more queries for it)
                replies.append(Reply(board, kind="board"))
                # As of the day's start, so that a retried send says the same.
                recap = week_recap_reply(self.store, row, monday, datetime.combine(day, time(0), timezone.utc))
                if recap is not None:
                    replies.append(recap)
        body = text(lang, "daily_question", date=day.isoformat(), topic=question["topic"], question=question["question"])
        replies.append(Reply(body, buttons=(Button(text(lang, "show_answer"), reveal_payload(delivery_id), "reveal"),),
                             kind="question", delivery_id=delivery_id, question_id=question["id"]))
        return replies

    def reminder(self, pending: dict) -> Reply:
        """The private nudge of a member who has not graded the open drill day (a row of
        `ReminderStore.pending`): the streak at stake, and the day's Show answer button."""
        lang = pending["language"]
        current = streak_of(self.store, pending["chat"], pending["member"]).current
        chat = pending["title"] or pending["chat"]
        body = text(lang, "reminder_streak" if current else "reminder_open", streak=current, chat=chat)
        button = Button(text(lang, "show_answer"), reveal_payload(pending["delivery_id"]), "reveal")
        return Reply(body, buttons=(button,), private=True, kind="reminder", delivery_id=pending["delivery_id"])

    def _may_answer(self, delivery: dict, chat: ChatRef, member: MemberRef) -> bool:
        """A daily question is answered in its own chat, or privately from the reminder it came with."""
        if delivery["chat"] == chat.key:
            return True
        return chat.kind in ("private", "console") and self.store.reminders.get(delivery["chat"], member.key) is not None

    # -- shared with the commands ------------------------------------------------

    def _enter(self, chat: ChatRef, member: MemberRef, now: datetime) -> dict:
        self.store.chats.ensure_member(member.key, member.name)
        return self.store.chats.ensure_chat(chat.key, chat.platform, chat.kind, chat.title,
                                      self.defaults.language, now)

    def _active_question(self, question_id: str | None) -> dict | None:
        question = self.store.bank.question(question_id) if question_id else None
        return question if question and question["active"] else None

    def _answer_reply(self, lang: str, question: dict, chat: ChatRef, delivery_id: int | None = None) -> Reply:
        if delivery_id is not None:
            payloads = [grade_payload(delivery_id, grade) for grade in GRADES]
        else:
            payloads = [practice_grade_payload(question["id"], grade) for grade in GRADES]
        buttons = tuple(Button(text(lang, f"grade_{grade}"), payload, grade) for grade, payload in zip(GRADES, payloads))
        buttons += (Button(text(lang, "report_problem"), flag_payload(question["id"]), "flag"),)
        body = text(lang, "answer", question=question["question"], answer=question["answer"])
        return Reply(body, buttons=buttons, private=chat.kind == "channel", kind="answer",
                     delivery_id=delivery_id, question_id=question["id"])

    def _grade_daily(self, lang: str, delivery: dict, question: dict, member: MemberRef, grade: str,
                     now: datetime) -> Reply:
        previous = self.store.grades.grade(delivery["id"], member.key)
        latest = self.store.deliveries.latest_drill_day(delivery["chat"])
        on_time = latest is not None and latest["id"] == delivery["id"]
        if previous is not None and previous["on_time"] and not on_time:
            # The day has closed: the points earned then stand; only the review is corrected.
            on_time, points = True, previous["points"]
        else:
            points = POINTS[grade] if on_time else 0
        card_before = previous["card_before"] if previous else self.store.grades.card_json(member.key, question["id"])
        state = review(card_before, grade, now, card_id=_card_id(member.key, question["id"]))
        self.store.grades.record_daily_grade(delivery["id"], member.key, question["id"], grade, points, on_time,
                                      card_before, state, now)
        chat_row = self.store.chats.chat(delivery["chat"])
        current = streak_of(self.store, chat_row["key"], member.key).current
        key = "graded_on_time" if on_time else "graded_late"
        if previous is not None:
            key = "grade_changed"
        return Reply(text(lang, key, grade=text(lang, f"grade_{grade}"), points=points, streak=current),
                     private=True, kind="graded", delivery_id=delivery["id"], question_id=question["id"])

    def _grade_practice(self, lang: str, question: dict, member: MemberRef, grade: str, now: datetime) -> Reply:
        state = review(self.store.grades.card_json(member.key, question["id"]), grade, now,
                       card_id=_card_id(member.key, question["id"]))
        self.store.grades.put_card(member.key, question["id"], state, now)
        return Reply(text(lang, "practice_graded", grade=text(lang, f"grade_{grade}"),
                          due=_interval(lang, state.due - now)), private=True)

    def streak_of(self, chat_key: str, member_key: str) -> Streak:
        """A member's current and best streak in a chat."""
        return streak_of(self.store, chat_key, member_key)


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
