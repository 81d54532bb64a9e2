"""The typed commands: /start, /help, /topics, /quiz, /streak, /leaderboard, /weak, /flag, /remind,
/subscribe, /schedule, /unsubscribe.

Each handler takes a CommandContext (the store, the defaults, the chat's stored row, who asked, the
parsed command and `now`) and returns the replies. Bad arguments get one line with a correct example
and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core import schedule as sched
from bot.core.commands import Command, answer_link_delivery, practice_payload, practice_reveal_payload
from bot.core.messages import LANGUAGES, days_text, text
from bot.core.practice import pick_practice_question
from bot.core.replies import Button, ChatRef, MemberRef, Reply, chat_topics, command_prefix
from bot.core.schedule import Defaults
from bot.core.team import WEAK_SPOT_DAYS, question_totals, weak_spots
from bot.standings import board_text, streak_calendar
from bot.store import ChatStatus, Store

SCHEDULE_FIELDS = ("time", "zone", "days", "topics", "language")


@dataclass(frozen=True)
class CommandContext:
    """One typed command being answered: where, by whom, what, when, against which store."""

    store: Store
    defaults: Defaults
    row: dict  # the chat's stored row as it was when the command arrived
    chat: ChatRef
    member: MemberRef
    command: Command
    now: datetime

    @property
    def language(self) -> str:
        """The chat's language."""
        return self.row["language"]

    def say(self, key: str, *, private: bool = True, row: dict | None = None, **values) -> Reply:
        """A catalogue message in the chat's language, with the platform's command prefix filled in."""
        lang = (row or self.row)["language"]
        return Reply(text(lang, key, p=command_prefix(self.chat.platform), **values), private=private)


def _shorten(value: str) -> str:
    return value if len(value) <= 40 else value[:39] + "…"


def start(ctx: CommandContext) -> list[Reply]:
    """Welcome: what the drill is and how to begin; or, from the link under a group's answer, that answer."""
    if ctx.command.args and (delivery_id := answer_link_delivery(ctx.command.args[0])) is not None:
        return [_linked_answer(ctx, delivery_id)]
    key = "welcome_subscribed" if ctx.row["status"] == ChatStatus.ACTIVE else "welcome"
    return [ctx.say(key), *help_(ctx)]


def _linked_answer(ctx: CommandContext, delivery_id: int) -> Reply:
    """A group's daily answer, sent privately so that its code keeps its formatting (a group's spoiler cannot
    hold code). Only once the answer is posted in the group: the link never shows it sooner. Grading stays
    under the group's answer, where the points count."""
    delivery = ctx.store.deliveries.delivery(delivery_id)
    question = ctx.store.bank.question(delivery["question_id"]) if delivery else None
    posted = delivery is not None and ctx.store.deliveries.answer_is_posted(delivery)
    if ctx.chat.kind != "private" or not posted or question is None:
        return ctx.say("stale_link")
    body = text(ctx.language, "answer", question=question["question"], answer=question["answer"])
    return Reply(f"{body}\n\n{text(ctx.language, 'grade_in_group')}", kind="answer", question_id=question["id"])


def help_(ctx: CommandContext) -> list[Reply]:
    """The command list."""
    return [ctx.say("help")]


def topics(ctx: CommandContext) -> list[Reply]:
    """Topics in the bank with their question counts, and this chat's filter."""
    lines = [text(ctx.language, "topic_line", topic=topic, n=n) for topic, n in ctx.store.bank.topics().items()]
    return [ctx.say("topics", lines="\n".join(lines) or "-",
                    chosen=ctx.row["topics"] or text(ctx.language, "all_topics"))]


def quiz(ctx: CommandContext) -> list[Reply]:
    """A practice question picked by spaced repetition, from one topic or the chat's topics."""
    known = ctx.store.bank.topics()
    if ctx.command.args:
        topic = " ".join(ctx.command.args)
        if topic not in known:
            return [ctx.say("unknown_topic", value=_shorten(topic), topics=", ".join(known))]
        wanted = frozenset({topic})
    else:
        wanted = chat_topics(ctx.row)
    candidates = ctx.store.bank.active_question_ids(wanted or None)
    picked = pick_practice_question(candidates, ctx.store.grades.cards(ctx.member.key), ctx.now, ctx.member.key)
    if picked is None:
        return [ctx.say("no_questions")]
    return [practice_question(ctx.language, ctx.store.bank.question(picked), ctx.chat)]


def practice_question(lang: str, question: dict, chat: ChatRef) -> Reply:
    """A question asked as practice, with its Show answer button; in a channel only the asker sees it."""
    body = text(lang, "practice_question", topic=question["topic"], question=question["question"])
    button = Button(text(lang, "show_answer"), practice_reveal_payload(question["id"]), "reveal")
    return Reply(body, buttons=(button,), private=chat.kind == "channel", kind="question", question_id=question["id"])


def weak(ctx: CommandContext) -> list[Reply]:
    """The chat's questions with the lowest average grade in the last WEAK_SPOT_DAYS days, each with a
    button to practise it."""
    today = sched.local_date(ctx.now, ctx.row["zone"] or ctx.defaults.schedule.zone)
    grades = ctx.store.grades.grades_between(ctx.row["key"], today - timedelta(days=WEAK_SPOT_DAYS),
                                             today + timedelta(days=1))
    still_asked = set(ctx.store.bank.active_question_ids())
    spots = weak_spots(total for total in question_totals(grades) if total[0] in still_asked)
    if not spots:
        return [ctx.say("no_weak_spots", days=WEAK_SPOT_DAYS, private=False)]
    lines = [text(ctx.language, "weak_title", days=WEAK_SPOT_DAYS)]
    buttons = []
    for number, spot in enumerate(spots, 1):
        question = ctx.store.bank.question(spot.question_id)
        lines.append(text(ctx.language, "weak_line", n=number, question=_shorten(question["question"]),
                          average=f"{spot.average:.1f}", grades=spot.grades))
        buttons.append(Button(text(ctx.language, "practise_number", n=number), practice_payload(spot.question_id),
                              "practice"))
    return [Reply("\n".join(lines), buttons=tuple(buttons), kind="board")]


def flag(ctx: CommandContext) -> list[Reply]:
    """`/flag [reason]`: report a problem with the chat's most recent daily question to the notes' authors."""
    latest = ctx.store.deliveries.latest_drill_day(ctx.row["key"])
    question = ctx.store.bank.question(latest["question_id"]) if latest else None
    if question is None or not question["active"]:
        return [ctx.say("nothing_to_flag")]
    ctx.store.bank.flag(question, ctx.member.key, ctx.row["key"], " ".join(ctx.command.args), ctx.now)
    return [ctx.say("flag_thanks")]


def remind(ctx: CommandContext) -> list[Reply]:
    """`/remind on [HH:MM]` or `/remind off`: a private nudge when the member has not graded the open drill
    day by that local time (or 3 hours before the next question); `/remind` alone says what is set."""
    args, key, member = ctx.command.args, ctx.row["key"], ctx.member.key
    if not args:
        current = ctx.store.reminders.get(key, member)
        if current is None:
            return [ctx.say("reminder_off_now")]
        return [ctx.say("reminder_at" if current["at"] else "reminder_default", at=current["at"])]
    word = args[0].lower()
    if word == "off" and len(args) == 1:
        ctx.store.reminders.remove(key, member)
        return [ctx.say("reminder_off")]
    if word != "on" or len(args) > 2:
        return [ctx.say("bad_remind")]
    at = None
    if len(args) == 2:
        try:
            at = sched.parse_time(args[1]).strftime("%H:%M")
        except sched.ScheduleError as error:
            return [ctx.say("bad_time", value=_shorten(error.value))]
    if ctx.chat.platform == "telegram" and ctx.chat.kind != "private":
        # A bot may write privately only to those who started a chat with it; that chat's id is theirs.
        private = ctx.store.chats.chat(member)
        if private is None or private["status"] == ChatStatus.INACTIVE:
            return [ctx.say("reminder_start_the_bot")]
    ctx.store.reminders.set(key, member, at)
    return [ctx.say("reminder_at" if at else "reminder_default", at=at)]


def streak_(ctx: CommandContext) -> list[Reply]:
    """The member's current and best streak in this chat, freezes held, and the picture of recent weeks."""
    today = sched.local_date(ctx.now, ctx.row["zone"] or ctx.defaults.schedule.zone)
    calendar = streak_calendar(ctx.store, ctx.row["key"], ctx.member.key, today, ctx.language)
    current = calendar.streak
    lines = [text(ctx.language, "streak", current=current.current, best=current.best, freezes=current.freezes)]
    if current.last_freeze is not None:
        lines.append(text(ctx.language, "last_freeze", day=current.last_freeze.isoformat()))
    return [Reply("\n".join(lines), private=True, kind="streak", calendar=calendar)]


def leaderboard_(ctx: CommandContext) -> list[Reply]:
    """This week's, month's or all-time board; `hide` / `show` takes the member off it or back."""
    args = ctx.command.args
    arg = args[0].lower() if args else "week"
    if arg in ("hide", "show"):
        ctx.store.chats.set_hidden(ctx.member.key, arg == "hide")
        return [ctx.say("leaderboard_hidden" if arg == "hide" else "leaderboard_shown")]
    if arg not in ("week", "month", "all") or len(args) > 1:
        return [ctx.say("bad_period", value=_shorten(" ".join(args)))]
    today = sched.local_date(ctx.now, ctx.row["zone"] or ctx.defaults.schedule.zone)
    since = {"week": sched.week_start(today), "month": today.replace(day=1), "all": None}[arg]
    board = board_text(ctx.store, ctx.row, ctx.member.key, arg, since, None)
    return [Reply(board, private=False, kind="board")]


def subscribe(ctx: CommandContext) -> list[Reply]:
    """Start (or restart) the daily question: `/subscribe [HH:MM] [zone]`."""
    row = ctx.row
    # In Slack anyone in a channel may start it (as anyone may invite an app); a running one is the
    # subscriber's and the admins' to change.
    open_to_all = ctx.chat.platform == "slack" and row["status"] != ChatStatus.ACTIVE
    if not (open_to_all or _can_manage(ctx)):
        return [ctx.say("admins_only")]
    if len(ctx.command.args) > 2:
        return [ctx.say("bad_subscribe")]
    defaults = ctx.defaults.schedule
    at = sched.parse_time(row["at"]) if row["at"] else defaults.at
    zone = row["zone"] or defaults.zone
    try:
        for arg in ctx.command.args:
            if arg[:1].isdigit():
                at = sched.parse_time(arg)
            else:
                zone = sched.parse_zone(arg)
    except sched.ScheduleError as error:
        return [ctx.say(f"bad_{error.kind}", value=_shorten(error.value))]
    days = row["days"] if row["days"] is not None else sched.format_days(defaults.days)
    ctx.store.chats.subscribe(row["key"], at=at.strftime("%H:%M"), zone=zone, days=days, by=ctx.member.key, now=ctx.now)
    return [_confirm(ctx, "subscribed")]


def schedule(ctx: CommandContext) -> list[Reply]:
    """Show or change one part of the schedule: `/schedule time|zone|days|topics|language VALUE`."""
    row, args = ctx.row, ctx.command.args
    if not args:
        if row["status"] != ChatStatus.ACTIVE:
            return [ctx.say("not_subscribed")]
        return [_confirm(ctx, "schedule_now")]
    if not _can_manage(ctx):
        return [ctx.say("admins_only")]
    field_name, values = args[0].lower(), args[1:]
    if field_name not in SCHEDULE_FIELDS or not values:
        return [ctx.say("bad_schedule")]
    value = " ".join(values)
    try:
        change = _schedule_change(ctx.store.bank.topics(), field_name, value)
    except sched.ScheduleError as error:
        if error.kind == "topics":
            return [ctx.say("unknown_topic", value=_shorten(error.value), topics=", ".join(ctx.store.bank.topics()))]
        return [ctx.say(f"bad_{error.kind}", value=_shorten(error.value))]
    ctx.store.chats.update_chat(row["key"], change, ctx.now)
    if row["status"] != ChatStatus.ACTIVE:
        return [ctx.say("schedule_saved_not_subscribed", row=ctx.store.chats.chat(row["key"]))]
    return [_confirm(ctx, "schedule_changed")]


def unsubscribe(ctx: CommandContext) -> list[Reply]:
    """Stop the daily question; history and streaks are kept."""
    if not _can_manage(ctx):
        return [ctx.say("admins_only")]
    if ctx.row["status"] != ChatStatus.ACTIVE:
        return [ctx.say("not_subscribed")]
    ctx.store.chats.set_status(ctx.row["key"], ChatStatus.STOPPED, None, ctx.now)
    return [ctx.say("unsubscribed", private=False)]


def _schedule_change(known_topics: dict[str, int], field_name: str, value: str) -> dict:
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
    unknown = [t for t in wanted if t not in known_topics]
    if unknown or not wanted:
        raise sched.ScheduleError("topics", unknown[0] if unknown else value)
    return {"topics": ",".join(sorted(set(wanted)))}


def _confirm(ctx: CommandContext, key: str) -> Reply:
    """The schedule as it now stands, with the next question's local time."""
    row = ctx.store.chats.chat(ctx.row["key"])
    plan = sched.Schedule(sched.parse_time(row["at"]), row["zone"],
                          sched.parse_days(row["days"]) if row["days"] else frozenset())
    upcoming = sched.next_drill_instant(plan, ctx.now - timedelta(seconds=1))
    local = upcoming.astimezone(plan.tz).strftime("%Y-%m-%d %H:%M") if upcoming else "-"
    days = days_text(row["language"], plan.days) if plan.days else "-"
    return ctx.say(key, row=row, private=False, at=row["at"], zone=row["zone"], days=days,
                   topics=row["topics"] or text(row["language"], "all_topics"), language=row["language"], next=local)


def _can_manage(ctx: CommandContext) -> bool:
    """Private chats manage themselves; in groups and channels admins do, and on Slack the subscriber too."""
    if ctx.chat.kind in ("private", "console"):
        return True
    return ctx.member.is_admin or (ctx.chat.platform == "slack" and ctx.row["subscribed_by"] == ctx.member.key)


COMMAND_HANDLERS: dict[str, Callable[[CommandContext], list[Reply]]] = {
    "start": start,
    "help": help_,
    "topics": topics,
    "quiz": quiz,
    "streak": streak_,
    "leaderboard": leaderboard_,
    "weak": weak,
    "flag": flag,
    "remind": remind,
    "subscribe": subscribe,
    "schedule": schedule,
    "unsubscribe": unsubscribe,
}
