"""Hostile input: arbitrary text at every command parser, arbitrary bytes at every button payload.

The properties, for the three chat shapes the adapters produce (the terminal chat, a Telegram group
asked by a member who is not an admin, a Slack channel):

- the parsers are total: any text gives a result or None, never an exception;
- the engine's entry points (`Drill.command`, `Drill.action`) never raise and always answer with at
  least one non-empty reply, so the platform always has something to send;
- a refused input (unknown command, bad argument, not allowed, stale or forged button) gets one
  private line and leaves the store as it was; the only inputs that change the store are the ones
  whose reply is the success message of a command that changes it, and what they store is a
  schedule the daily delivery can use.

Each example runs against its own app on its own database file, built by `drill_world` (not a
pytest fixture: hypothesis runs many examples per test, and a function-scoped fixture would be
shared between them). A chat's first contact creates its row (status 'new'), as any message does;
the worlds contact every chat first, so that a snapshot compares what the input itself changed.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from string import Formatter

from hypothesis import example, given, settings, strategies as st

from bot.app import App, build_app
from bot.bank import load_bank
from bot.config import load_settings
from bot.core.commands import (
    COMMANDS, Action, grade_payload, parse_action, parse_command, practice_grade_payload,
    practice_reveal_payload, reveal_payload, typed_from_slash,
)
from bot.core.messages import CATALOGUE, LANGUAGES
from bot.core.progress import GRADES
from bot.core.replies import ChatRef, MemberRef, Reply
from bot.core.schedule import ScheduleError, parse_days, parse_time, parse_zone
from bot.core.replies import chat_topics
from factories import RecordingSender, store_snapshot

NOW = datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc)  # Monday 09:00 in Seoul: the default schedule is due


@dataclass(frozen=True)
class Place:
    """A chat as an adapter describes it, the member typing there, and who subscribed it."""

    chat: ChatRef
    member: MemberRef
    owner: MemberRef


CONSOLE = Place(ChatRef("console:local", "console", "console", "console"),
                MemberRef("console:me", "me", is_admin=True),  # the terminal chat's one member manages it
                MemberRef("console:me", "me", is_admin=True))
TELEGRAM_GROUP = Place(ChatRef("telegram:-100", "telegram", "group", "Team"),
                       MemberRef("telegram:7", "Tess"),
                       MemberRef("telegram:1", "Ada", is_admin=True))
SLACK_CHANNEL = Place(ChatRef("slack:C1", "slack", "channel", "team"),
                      MemberRef("slack:U1", "Sam"),
                      MemberRef("slack:U0", "Ann"))
PLACES = (CONSOLE, TELEGRAM_GROUP, SLACK_CHANNEL)

# Examples per property: enough for CI to catch a regression in a few seconds. To hunt for bugs,
# raise them (2000 each was run locally while writing these tests).
SMALL, MEDIUM = 200, 120
FAST = settings(max_examples=SMALL, deadline=None)
WITH_STORE = settings(max_examples=MEDIUM, deadline=None)

# -- worlds ----------------------------------------------------------------------


@dataclass
class World:
    """A built app with every chat contacted, and the facts the action properties check against."""

    app: App
    deliveries: dict[int, tuple[str, str]]  # delivery id -> (chat key, question id)
    active: frozenset[str]                  # active question ids
    topics: frozenset[str]


@contextmanager
def fresh_app() -> Iterator[App]:
    """The real composition root on a database file of its own (WAL needs a real file)."""
    with tempfile.TemporaryDirectory() as folder:
        app = build_app(load_settings({"DRILL_DB": f"{folder}/drill.db"}), NOW)
        try:
            yield app
        finally:
            app.close()


@contextmanager
def drill_world(subscribed: bool) -> Iterator[World]:
    """A fresh app on its own database file.

    `subscribed`: each chat's owner subscribed it (09:00 Asia/Seoul, Monday to Friday), today's
    question was delivered to each, and the question delivered to the Telegram group was then
    removed from the notes (retired), so that group's buttons are stale. Otherwise each chat has only
    been contacted (`/help`).
    """
    with fresh_app() as app:
        for place in PLACES:
            if subscribed:
                app.drill.command(place.chat, place.owner, _typed(place.chat, "subscribe 09:00 Asia/Seoul"), NOW)
            else:
                app.drill.command(place.chat, place.member, _typed(place.chat, "help"), NOW)
        deliveries = {}
        if subscribed:
            senders = {place.chat.platform: RecordingSender() for place in PLACES}
            asyncio.run(app.delivery(senders, clock=None).sweep(NOW))
            deliveries = {row["id"]: (row["chat"], row["question_id"]) for row in app.store.db["deliveries"].rows}
            stale = next(qid for chat, qid in deliveries.values() if chat == TELEGRAM_GROUP.chat.key)
            app.store.bank.sync_bank([q for q in app.bank.questions if q.id != stale], NOW)
        active = frozenset(app.store.bank.active_question_ids())
        yield World(app, deliveries, active, frozenset(app.store.bank.topics()))


def _typed(chat: ChatRef, words: str) -> str:
    """What the adapter hands the engine for a command typed as `words` (no slash) on this platform."""
    return typed_from_slash(words) if chat.platform == "slack" else "/" + words


# -- reading replies against the message catalogue --------------------------------------


def _template_pattern(template: str) -> re.Pattern:
    """A catalogue template as a regex: its literal text, any text where a value is filled in."""
    parts = [re.escape(literal) + ("(?s:.*)" if field is not None else "")
             for literal, field, _, _ in Formatter().parse(template)]
    return re.compile("".join(parts))


_PATTERNS = [(key, _template_pattern(template)) for key, entry in CATALOGUE.items() for template in entry.values()]


def catalogue_keys(reply: Reply) -> set[str]:
    """The catalogue entries (in any language) whose template the reply's text is."""
    return {key for key, pattern in _PATTERNS if pattern.fullmatch(reply.text)}


# What a command that changes the store answers when it did; every other reply must leave it alone.
SUCCESS = {
    "subscribe": {"subscribed"},
    "schedule": {"schedule_changed", "schedule_saved_not_subscribed"},
    "unsubscribe": {"unsubscribed"},
}
REFUSALS = {"unknown_command", "argument_too_long", "unknown_topic", "admins_only", "not_subscribed",
            "bad_period", "bad_subscribe", "bad_time", "bad_zone", "bad_days", "bad_language", "bad_schedule"}


def assert_answered(replies: list[Reply]) -> None:
    """The platform always has something to send."""
    assert replies, "no reply at all"
    for reply in replies:
        assert isinstance(reply, Reply) and reply.text.strip(), f"an empty reply: {reply!r}"


def assert_one_private_line(replies: list[Reply]) -> None:
    """A refusal: one line, seen only by the member who asked."""
    assert len(replies) == 1, replies
    assert replies[0].private and "\n" not in replies[0].text, replies[0]


def assert_platform_examples(chat: ChatRef, replies: list[Reply]) -> None:
    """The commands a notice suggests are typed the way this platform types them."""
    if chat.platform != "slack":
        return
    for reply in replies:
        if reply.kind == "notice":  # questions and answers quote the notes, which may hold `/paths`
            for suggested in re.findall(r"`(/[^`]*)`", reply.text):
                assert suggested.startswith("/quiz"), f"{suggested!r} in {reply.text!r}"


EXAMPLE = re.compile(r"(?:Example|예): `([^`]+)`")


def assert_example_works(world: World, place: Place, reply: Reply) -> None:
    """A refusal's example, typed by someone allowed to, is not refused in turn."""
    match = EXAMPLE.search(reply.text)
    if match is None:
        return
    suggested = match[1]
    if place.chat.platform == "slack":
        assert suggested.startswith("/quiz"), suggested
        typed = typed_from_slash(suggested.removeprefix("/quiz"))  # Slack sends what follows `/quiz`
    else:
        typed = suggested
    admin = MemberRef(place.owner.key, place.owner.name, is_admin=True)
    (answer, *_) = world.app.drill.command(place.chat, admin, typed, NOW)
    assert not catalogue_keys(answer) & REFUSALS, (reply.text, typed, answer.text)


def assert_deliverable(row: dict, topics: frozenset[str]) -> None:
    """Whatever a chat's row holds is a schedule the daily delivery can use."""
    assert row["language"] in LANGUAGES, row
    assert chat_topics(row) <= topics, row
    if row["status"] == "active":
        assert row["at"] and row["zone"] and row["days"], row
    if row["at"] is not None:
        parse_time(row["at"])
    if row["zone"] is not None:
        parse_zone(row["zone"])
    if row["days"] is not None:
        try:
            assert parse_days(row["days"]), f"no weekdays stored: {row}"
        except ScheduleError:
            raise AssertionError(f"stored days do not parse: {row}") from None


# -- strategies --------------------------------------------------------------------

PLACE = st.sampled_from(PLACES)

# Any text, control characters included, sometimes very long, sometimes with lone surrogates
# (a JSON body may spell one, "\udcff", and Telegram's and Slack's bodies are JSON).
ANY_TEXT = st.one_of(st.text(), st.text(min_size=250, max_size=3000),
                     st.text(alphabet=st.characters(codec="ascii"), max_size=400),
                     st.text(alphabet=st.characters(exclude_categories=()), max_size=50))


def _spellings() -> dict[str, list[str]]:
    """For each letter of the command names, the characters str.lower() turns into it ('k': k, K, Kelvin sign)."""
    letters = set("".join(COMMANDS))
    found = {letter: {letter} for letter in letters}
    for char in map(chr, range(0x10000)):
        if char.lower() in letters:
            found[char.lower()].add(char)
    return {letter: sorted(chars) for letter, chars in found.items()}


_SPELLINGS = _spellings()
# A command's name in any case, including non-ASCII letters that lower-case to its letters.
COMMAND_NAME = st.sampled_from(COMMANDS).flatmap(
    lambda name: st.tuples(*(st.sampled_from(_SPELLINGS[letter]) for letter in name)).map("".join))

# Near-valid words mixed with noise: a parser's edge cases sit next to the values it accepts.
FIELDS = ("time", "zone", "days", "topics", "language", "Days", "colour")
VALUES = (
    "week", "month", "all", "hide", "show", "전체",
    "09:00", "9:00", "9:5", "24:00", "23:59", "00:60", "-1:00", "٠٩:٠٠", "09:00:00", "0900",
    "Asia/Seoul", "UTC", "utc", "Europe/Berlin", "Mars/Olympus", "America", "Asia/", "/etc/passwd", "../UTC",
    "mon-fri", "mon,wed,fri", "weekdays", "weekends", "daily", "monday", "mo", "mon-", "-fri", "월-금", "월수금",
    "funday", "docker", "kubernetes", "docker,kubernetes", "astrology", "ko", "en", "EN", "fr", "quiz", "streak",
)
PUNCTUATION = (",", "-", "--", ",,", ":", "/", "@bot", "`", "*", "_", "{p}", "{0}", "%s")
WORD = st.one_of(st.sampled_from(FIELDS), st.sampled_from(VALUES), st.sampled_from(PUNCTUATION),
                 st.text(min_size=1, max_size=12), st.text(min_size=250, max_size=1500))
SEPARATOR = st.sampled_from([" ", "  ", "\t", "\n", "\u00a0", "\u3000", "\x1c", ", "])
ARGUMENTS = st.lists(st.tuples(SEPARATOR, WORD), max_size=4).map(lambda pairs: "".join(s + w for s, w in pairs))


def _pieces(*pieces: str) -> st.SearchStrategy[str]:
    """Text made of one to five of `pieces`, in any order, repeats allowed."""
    return st.lists(st.sampled_from(pieces), min_size=1, max_size=5).map("".join)


# Values for the parts of a schedule, put together from pieces of valid ones and the separators
# the parsers split on: most of them are wrong, and wrong in the ways a person gets them wrong.
SCHEDULE_VALUES = {
    "time": st.text(alphabet="0123456789:٠٩ .-", min_size=1, max_size=7),
    "zone": _pieces("Asia", "Seoul", "Europe", "Berlin", "UTC", "Etc", "GMT+9", "/", "..", "_", "-", "Mars", "zoneinfo"),
    "days": st.one_of(_pieces("mon", "tue", "fri", "sun", "monday", "mo", "월", "금", "일", "weekdays", "daily"),
                      _pieces(",", "-", " ", "mon", "월")),
    "topics": _pieces("docker", "kubernetes", "Docker", "all", "전체", "astrology", ",", " "),
    "language": _pieces("ko", "en", "EN", "fr", " "),
}
SCHEDULE_ARGUMENTS = st.sampled_from(sorted(SCHEDULE_VALUES)).flatmap(
    lambda field: st.one_of(SCHEDULE_VALUES[field], ARGUMENTS).map(lambda value: f" {field} {value}"))
SUBSCRIBE_ARGUMENTS = st.lists(st.one_of(SCHEDULE_VALUES["time"], SCHEDULE_VALUES["zone"]), max_size=3).map(
    lambda values: "".join(" " + value for value in values))

# A command step: its name as typed, a Telegram-style @mention (or none), its arguments. The
# commands that change the store also come with arguments shaped like their own.
COMMAND_STEP = st.one_of(
    st.tuples(COMMAND_NAME, st.sampled_from(["", "@DrillBot", "@"]), ARGUMENTS),
    st.tuples(st.just("schedule"), st.just(""), SCHEDULE_ARGUMENTS),
    st.tuples(st.just("subscribe"), st.just(""), SUBSCRIBE_ARGUMENTS),
)

_BANK_IDS = sorted(q.id for q in load_bank(load_settings({}).content_paths).questions)
HEX_ID = st.text(alphabet="0123456789abcdef", min_size=16, max_size=16)
DELIVERY_ID = st.one_of(st.integers(0, 6), st.integers(0, 10**13))
IDENT = st.one_of(DELIVERY_ID.map(str), DELIVERY_ID.map(lambda n: f"0{n}"), st.sampled_from(_BANK_IDS),
                  st.sampled_from(_BANK_IDS).map(str.upper), st.sampled_from(_BANK_IDS).map(lambda i: i[:-1]),
                  HEX_ID, st.text(max_size=20))
FORGED = st.builds(
    lambda code, ident, grade, tail: f"{code}:{ident}{grade}{tail}",
    st.sampled_from(["r", "g", "pr", "pg", "R", "x", "", "r:g"]), IDENT,
    st.sampled_from(["", ":k", ":p", ":m", ":x", ":K", ":", ":kk", ":knew"]),
    st.sampled_from(["", "\n", " ", "\x00", ":k", "\u200b"]),
)
MADE = st.one_of(
    DELIVERY_ID.map(reveal_payload),
    st.builds(grade_payload, DELIVERY_ID, st.sampled_from(GRADES)),
    st.one_of(st.sampled_from(_BANK_IDS), HEX_ID).map(practice_reveal_payload),
    st.builds(practice_grade_payload, st.one_of(st.sampled_from(_BANK_IDS), HEX_ID), st.sampled_from(GRADES)),
)
DECODED_BYTES = st.builds(lambda raw, errors: raw.decode("utf-8", errors=errors),
                          st.binary(max_size=100), st.sampled_from(["replace", "surrogateescape", "ignore"]))
PAYLOAD = st.one_of(ANY_TEXT, DECODED_BYTES, FORGED, MADE)

# -- the parsers ---------------------------------------------------------------------


@FAST
@given(ANY_TEXT)
def test_parse_command_gives_a_command_or_none_for_any_text(typed):
    parsed = parse_command(typed)
    if parsed is not None:
        assert re.fullmatch(r"[a-z_]+", parsed.name)
        assert len(parsed.args) <= 20 and all(arg and not any(c.isspace() for c in arg) for arg in parsed.args)


@FAST
@given(st.one_of(ANY_TEXT, st.tuples(COMMAND_NAME, ARGUMENTS).map("".join)))
@example("STREA\u212a")  # a Kelvin sign: lower-cases to 'streak', which parse_command then refused
def test_slack_text_always_becomes_a_command_the_engine_knows(text):
    # Slack has the one slash command, so whatever follows `/quiz` is either a sub-command or a topic:
    # it can never be an unknown command.
    typed = typed_from_slash(text)
    parsed = parse_command(typed)
    assert parsed is not None and parsed.name in COMMANDS, (text, typed)


@FAST
@given(PAYLOAD)
def test_parse_action_gives_a_well_formed_action_or_none_for_any_payload(payload):
    action = parse_action(payload)
    if action is None:
        return
    daily = action.kind in ("reveal", "grade")
    assert action.kind in ("reveal", "grade", "practice_reveal", "practice_grade")
    assert (action.delivery_id is not None) == daily and (action.question_id is not None) == (not daily)
    assert (action.grade in GRADES) == action.kind.endswith("grade")
    if not action.kind.endswith("grade"):
        assert action.grade is None
    # An accepted payload names exactly what the bot's own button for that action would.
    assert parse_action(_made(action)) == action


@FAST
@given(st.binary(max_size=200))
def test_parse_action_is_total_on_bytes_however_they_are_decoded(raw):
    for errors in ("replace", "surrogateescape", "ignore", "backslashreplace"):
        parse_action(raw.decode("utf-8", errors=errors))
    parse_action(raw.decode("latin-1"))


@FAST
@given(st.integers(0, 10**12 - 1), st.sampled_from(_BANK_IDS + ["0" * 16, "f" * 16]), st.sampled_from(GRADES))
def test_the_bots_own_payloads_parse_back(delivery_id, question_id, grade):
    assert parse_action(reveal_payload(delivery_id)) == Action("reveal", delivery_id=delivery_id)
    assert parse_action(grade_payload(delivery_id, grade)) == Action("grade", delivery_id=delivery_id, grade=grade)
    assert parse_action(practice_reveal_payload(question_id)) == Action("practice_reveal", question_id=question_id)
    assert parse_action(practice_grade_payload(question_id, grade)) == Action(
        "practice_grade", question_id=question_id, grade=grade)


def _made(action: Action) -> str:
    """The payload the bot itself puts on the button for `action`."""
    if action.kind == "reveal":
        return reveal_payload(action.delivery_id)
    if action.kind == "grade":
        return grade_payload(action.delivery_id, action.grade)
    if action.kind == "practice_reveal":
        return practice_reveal_payload(action.question_id)
    return practice_grade_payload(action.question_id, action.grade)


# -- typed commands through the engine -------------------------------------------------

NOT_A_COMMAND = st.one_of(
    ANY_TEXT.filter(lambda t: (p := parse_command(t)) is None or p.name not in COMMANDS),
    st.tuples(st.from_regex(r"[A-Za-z_]{1,12}", fullmatch=True).filter(lambda n: n.lower() not in COMMANDS),
              ARGUMENTS).map(lambda t: "/" + t[0] + t[1]),
)


@WITH_STORE
@given(PLACE, st.booleans(), NOT_A_COMMAND)
@example(SLACK_CHANNEL, True, "/nonsense")  # the notice named `/help`, which is not how Slack types it
def test_text_that_is_no_command_gets_one_private_line_and_changes_nothing(place, subscribed, typed):
    # Slack's adapter never passes such text on (see above); the engine must still hold when given it.
    with drill_world(subscribed) as world:
        before = store_snapshot(world.app.store)
        replies = world.app.drill.command(place.chat, place.member, typed, NOW)
        assert_answered(replies)
        assert_one_private_line(replies)
        assert "unknown_command" in catalogue_keys(replies[0])
        assert_platform_examples(place.chat, replies)
        assert store_snapshot(world.app.store) == before


@WITH_STORE
@given(PLACE, NOT_A_COMMAND)
def test_a_first_contact_that_is_no_command_only_registers_the_chat(place, typed):
    with fresh_app() as app:
        replies = app.drill.command(place.chat, place.member, typed, NOW)
        assert_answered(replies)
        assert "unknown_command" in catalogue_keys(replies[0])
        chats, *history = store_snapshot(app.store)
        assert history == [[], [], []]
        assert [(row["key"], row["status"], row["at"], row["zone"], row["days"]) for row in chats] == [
            (place.chat.key, "new", None, None, None)]


@WITH_STORE
@given(PLACE, st.booleans(), st.lists(COMMAND_STEP, min_size=1, max_size=3))
# Found by these properties (see the fixes they came with):
@example(CONSOLE, True, [("schedule", "", " days ,")])  # was accepted: subscribed with no weekdays at all
@example(CONSOLE, False, [("schedule", "", " days ,"), ("subscribe", "", "")])  # ... and kept by /subscribe
@example(SLACK_CHANNEL, False, [("QUIZ", "", "")])  # was a topic 'quiz'; the help says `/quiz quiz [topic]`
@example(SLACK_CHANNEL, False, [("strea\u212a", "", "")])  # a Kelvin sign: was an unknown command
@example(SLACK_CHANNEL, True, [("schedule", "", " days " + "x" * 400)])  # too long: names a Slack example
def test_commands_with_garbage_arguments_either_refuse_and_change_nothing_or_succeed(place, subscribed, steps):
    with drill_world(subscribed) as world:
        for name, mention, arguments in steps:
            if place.chat.platform == "slack":
                typed = typed_from_slash(name + arguments)
            else:
                typed = "/" + name + mention + arguments
            before = store_snapshot(world.app.store)
            replies = world.app.drill.command(place.chat, place.member, typed, NOW)
            after = store_snapshot(world.app.store)

            assert_answered(replies)
            assert_platform_examples(place.chat, replies)
            keys = catalogue_keys(replies[0])
            parsed = parse_command(typed)
            if place.chat.platform == "slack":
                assert "unknown_command" not in keys, (name + arguments, typed)
            if after != before:
                command = parsed.name if parsed else None
                assert keys & SUCCESS.get(command, set()), (typed, replies[0].text)
                assert_deliverable(world.app.store.chats.chat(place.chat.key), world.topics)
            if keys & REFUSALS:
                assert_one_private_line(replies)
                assert after == before, (typed, replies[0].text)
                assert_example_works(world, place, replies[0])  # last: it may change the store


# -- button payloads through the engine -------------------------------------------------


def _names_something_of_this_chat(world: World, chat: ChatRef, action: Action | None) -> bool:
    """Whether a press should be honoured: a delivery of this chat, or a question, still active."""
    if action is None:
        return False
    if action.delivery_id is not None:
        chat_key, question_id = world.deliveries.get(action.delivery_id, (None, None))
        return chat_key == chat.key and question_id in world.active
    return action.question_id in world.active


def _rows_of_others(snapshot: list[list[dict]], member_key: str) -> list[list[dict]]:
    """The snapshot without the member's own grades and cards (chats and deliveries kept whole)."""
    chats, deliveries, grades, cards = snapshot
    return [chats, deliveries, [g for g in grades if g["member"] != member_key],
            [c for c in cards if c["member"] != member_key]]


@WITH_STORE
@given(PLACE, st.lists(PAYLOAD, min_size=1, max_size=3))
def test_any_payload_is_answered_and_only_a_valid_press_records_anything(place, payloads):
    with drill_world(subscribed=True) as world:
        for minutes, payload in enumerate(payloads, start=5):
            before = store_snapshot(world.app.store)
            replies = world.app.drill.action(place.chat, place.member, payload, NOW + timedelta(minutes=minutes))
            after = store_snapshot(world.app.store)

            assert_answered(replies)
            action = parse_action(payload)
            if not _names_something_of_this_chat(world, place.chat, action):
                assert_one_private_line(replies)
                assert "stale_button" in catalogue_keys(replies[0])
                assert after == before, payload
                continue
            # An honoured press answers with the answer, or records the presser's own grade and card.
            assert len(replies) == 1 and "stale_button" not in catalogue_keys(replies[0])
            if action.kind.endswith("reveal"):
                assert replies[0].kind == "answer" and after == before
            else:
                assert replies[0].private and _rows_of_others(after, place.member.key) == _rows_of_others(
                    before, place.member.key)
                assert after != before  # the grade, or at least the card's review count, moved
