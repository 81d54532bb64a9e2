"""The typed commands: /start, /help, /topics, /quiz, /streak, /leaderboard, /subscribe, /schedule, /unsubscribe.

Each handler takes the engine, the chat's stored row, who asked, the parsed command and `now`,
and returns the replies. Bad arguments get one line with a correct example and change nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.core import schedule as sched
from bot.core.commands import Command, practice_reveal_payload
from bot.core.messages import LANGUAGES, text
from bot.core.practice import pick_practice_question
from bot.core.replies import Button, ChatRef, MemberRef, Reply

if TYPE_CHECKING:
    from bot.drill import Drill


def chat_topics(row: dict) -> frozenset[str]:
    """The chat's topic filter (empty: every topic)."""
    return frozenset(t for t in (row["topics"] or "").split(",") if t)

SCHEDULE_FIELDS = ("time", "zone", "days", "topics", "language")


def command_prefix(chat: ChatRef) -> str:
    """How commands are typed on this platform: Slack has one slash command with sub-commands."""
    return "/quiz " if chat.platform == "slack" else "/"


def _say(row: dict, chat: ChatRef, key: str, *, private: bool = True, **values) -> Reply:
    return Reply(text(row["language"], key, p=command_prefix(chat), **values), private=private)


def _shorten(value: str) -> str:
    return value if len(value) <= 40 else value[:39] + "…"


def start(drill: Drill, row: dict, chat: ChatRef, member: MemberRef, cmd: Command, now: datetime) -> list[Reply]:
    """Welcome: what the drill is and how to begin."""
    key = "welcome_subscribed" if row["status"] == "active" else "welcome"
    return [_say(row, chat, key), *help_(drill, row, chat, member, cmd, now)]


def help_(drill: Drill, row: dict, chat: ChatRef, member: MemberRef, cmd: Command, now: datetime) -> list[Reply]:
    """The command list."""
    return [_say(row, chat, "help")]


def topics(drill: Drill, row: dict, chat: ChatRef, member: MemberRef, cmd: Command, now: datetime) -> list[Reply]:
    """Topics in the bank with their question counts, and this chat's filter."""
    counts = drill.store.topics()
    lines = [text(row["language"], "topic_line", topic=topic, n=n) for topic, n in counts.items()]
    return [_say(row, chat, "topics", lines="\n".join(lines) or "-", chosen=row["topics"] or text(row["language"], "all_topics"))]


def quiz(drill: Drill, row: dict, chat: ChatRef, member: MemberRef, cmd: Command, now: datetime) -> list[Reply]:
    """A practice question picked by spaced repetition, from one topic or the chat's topics."""
    known = drill.store.topics()
    if cmd.args:
        topic = " ".join(cmd.args)
        if topic not in known:
            return [_say(row, chat, "unknown_topic", value=_shorten(topic), topics=", ".join(known))]
        wanted = frozenset({topic})
    else:
        wanted = chat_topics(row)
    candidates = drill.store.active_question_ids(wanted or None)
    cards = drill.store.cards(member.key)
    picked = pick_practice_question(candidates, cards, now, member.key)
    if picked is None:
        return [_say(row, chat, "no_questions")]
    question = drill.store.question(picked)
    lang = row["language"]
    body = text(lang, "practice_question", topic=question["topic"], question=question["question"])
    button = Button(text(lang, "show_answer"), practice_reveal_payload(picked), "reveal")
    return [Reply(body, buttons=(button,), private=chat.kind == "channel", kind="question", question_id=picked)]


def streak_(drill: Drill, row: dict, chat: ChatRef, member: MemberRef, cmd: Command, now: datetime) -> list[Reply]:
    """The member's current and best streak in this chat."""
    current = drill.streak_of(row["key"], member.key)
    return [_say(row, chat, "streak", current=current.current, best=current.best)]


def leaderboard_(drill: Drill, row: dict, chat: ChatRef, member: MemberRef, cmd: Command, now: datetime) -> list[Reply]:
    """This week's, month's or all-time board; `hide` / `show` takes the member off it or back."""
    arg = cmd.args[0].lower() if cmd.args else "week"
    if arg in ("hide", "show"):
        drill.store.set_hidden(member.key, arg == "hide")
        return [_say(row, chat, "leaderboard_hidden" if arg == "hide" else "leaderboard_shown")]
    if arg not in ("week", "month", "all") or len(cmd.args) > 1:
        return [_say(row, chat, "bad_period", value=_shorten(" ".join(cmd.args)))]
    today = sched.local_date(now, row["zone"] or drill.defaults.schedule.zone)
    since = {"week": sched.week_start(today), "month": today.replace(day=1), "all": None}[arg]
    board = drill.board_text(row, member.key, arg, since, None)
    return [Reply(board, private=False, kind="board")]


def subscribe(drill: Drill, row: dict, chat: ChatRef, member: MemberRef, cmd: Command, now: datetime) -> list[Reply]:
    """Start (or restart) the daily question: `/subscribe [HH:MM] [zone]`."""
    # In Slack anyone in a channel may start it (as anyone may invite an app); a running one is the
    # subscriber's and the admins' to change.
    open_to_all = chat.platform == "slack" and row["status"] != "active"
    if not (open_to_all or _can_manage(row, chat, member)):
        return [_say(row, chat, "admins_only")]
    if len(cmd.args) > 2:
        return [_say(row, chat, "bad_subscribe")]
    defaults = drill.defaults.schedule
    at = sched.parse_time(row["at"]) if row["at"] else defaults.at
    zone = row["zone"] or defaults.zone
    try:
        for arg in cmd.args:
            if arg[:1].isdigit():
                at = sched.parse_time(arg)
            else:
                zone = sched.parse_zone(arg)
    except sched.ScheduleError as error:
        return [_say(row, chat, f"bad_{error.kind}", value=_shorten(error.value))]
    days = row["days"] if row["days"] is not None else sched.format_days(defaults.days)
    drill.store.subscribe(row["key"], at=at.strftime("%H:%M"), zone=zone, days=days, by=member.key, now=now)
    return [_confirm(drill, row["key"], chat, "subscribed", now)]


def schedule(drill: Drill, row: dict, chat: ChatRef, member: MemberRef, cmd: Command, now: datetime) -> list[Reply]:
    """Show or change one part of the schedule: `/schedule time|zone|days|topics|language VALUE`."""
    if not cmd.args:
        if row["status"] != "active":
            return [_say(row, chat, "not_subscribed")]
        return [_confirm(drill, row["key"], chat, "schedule_now", now)]
    if not _can_manage(row, chat, member):
        return [_say(row, chat, "admins_only")]
    field_name, values = cmd.args[0].lower(), cmd.args[1:]
    if field_name not in SCHEDULE_FIELDS or not values:
        return [_say(row, chat, "bad_schedule")]
    value = " ".join(values)
    try:
        change = _schedule_change(drill, field_name, value)
    except sched.ScheduleError as error:
        if error.kind == "topics":
            return [_say(row, chat, "unknown_topic", value=_shorten(error.value), topics=", ".join(drill.store.topics()))]
        return [_say(row, chat, f"bad_{error.kind}", value=_shorten(error.value))]
    drill.store.update_chat(row["key"], change, now)
    if row["status"] != "active":
        return [_say(drill.store.chat(row["key"]), chat, "schedule_saved_not_subscribed")]
    return [_confirm(drill, row["key"], chat, "schedule_changed", now)]


def unsubscribe(drill: Drill, row: dict, chat: ChatRef, member: MemberRef, cmd: Command, now: datetime) -> list[Reply]:
    """Stop the daily question; history and streaks are kept."""
    if not _can_manage(row, chat, member):
        return [_say(row, chat, "admins_only")]
    if row["status"] != "active":
        return [_say(row, chat, "not_subscribed")]
    drill.store.set_status(row["key"], "stopped", None, now)
    return [_say(row, chat, "unsubscribed", private=False)]


def _schedule_change(drill: Drill, field_name: str, value: str) -> dict:
    if field_name == "time":
        return {"at": sched.parse_time(value).strftime("%H:%M")}
    if field_name == "zone":
        return {"zone": sched.parse_zone(value)}
    if field_name == "days":
        return {"days": sched.format_days(sched.parse_days(value))}
    if field_name == "language":
        if value.lower() not in LANGUAGES:
            raise sched.ScheduleError("language", value)
        return {"language": value.lower()}
    if value.lower() in ("all", "전체"):
        return {"topics": ""}
    wanted = [t for t in value.replace(",", " ").split() if t]
    unknown = [t for t in wanted if t not in drill.store.topics()]
    if unknown or not wanted:
        raise sched.ScheduleError("topics", unknown[0] if unknown else value)
    return {"topics": ",".join(sorted(set(wanted)))}


def _confirm(drill: Drill, chat_key: str, chat: ChatRef, key: str, now: datetime) -> Reply:
    row = drill.store.chat(chat_key)
    plan = sched.Schedule(sched.parse_time(row["at"]), row["zone"], sched.parse_days(row["days"]) if row["days"] else frozenset())
    upcoming = sched.next_drill_instant(plan, now - timedelta(seconds=1))
    local = upcoming.astimezone(plan.tz).strftime("%Y-%m-%d %H:%M") if upcoming else "-"
    lang = row["language"]
    return _say(row, chat, key, private=False, at=row["at"], zone=row["zone"], days=row["days"] or "-",
                topics=row["topics"] or text(lang, "all_topics"), language=row["language"], next=local)


def _can_manage(row: dict, chat: ChatRef, member: MemberRef) -> bool:
    """Private chats manage themselves; in groups and channels admins do, and on Slack the subscriber too."""
    if chat.kind in ("private", "console"):
        return True
    return member.is_admin or (chat.platform == "slack" and row["subscribed_by"] == member.key)


COMMAND_HANDLERS = {
    "start": start,
    "help": help_,
    "topics": topics,
    "quiz": quiz,
    "streak": streak_,
    "leaderboard": leaderboard_,
    "subscribe": subscribe,
    "schedule": schedule,
    "unsubscribe": unsubscribe,
}
