"""Turning what a member typed into a command name and arguments, and button payloads into actions.

Both are pure and total: any text gives a result or None, never an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.progress import GRADES

MAX_ARGUMENT_CHARS = 300
COMMANDS = ("start", "help", "quiz", "streak", "leaderboard", "weak", "remind", "flag", "subscribe", "schedule",
            "unsubscribe", "topics")
# Commands that change a group's or channel's schedule: the adapters ask the platform whether the member
# is an admin before these (one API call), and only before these.
MANAGING_COMMANDS = frozenset({"subscribe", "schedule", "unsubscribe"})
_COMMAND = re.compile(r"^/([A-Za-z_]+)(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)
_GRADE_CODES = {grade[0]: grade for grade in GRADES}  # k, p, m


@dataclass(frozen=True)
class Command:
    """A parsed command: its name and its whitespace-separated arguments."""

    name: str
    args: tuple[str, ...]
    too_long: bool = False


def parse_command(text: str) -> Command | None:
    """'/schedule days mon-fri' -> Command('schedule', ('days', 'mon-fri')); None when not a command."""
    match = _COMMAND.match(text.strip())
    if not match:
        return None
    rest = match[2] or ""
    return Command(name=match[1].lower(), args=tuple(rest.split()[:20]), too_long=len(rest) > MAX_ARGUMENT_CHARS)


def needs_admin_check(typed: str) -> bool:
    """Whether the engine will want to know if the member is an admin to answer this command."""
    parsed = parse_command(typed)
    return parsed is not None and parsed.name in MANAGING_COMMANDS


def typed_from_slash(text: str) -> str:
    """Slack has one slash command: '/quiz streak' -> '/streak', '/quiz docker' -> '/quiz docker'.

    '/quiz quiz docker' is '/quiz docker': that is how the help and the examples spell it on Slack.
    """
    words = text.strip().split(maxsplit=1)
    # ASCII only, as parse_command reads names: 'streaK' (a Kelvin sign) lower-cases to 'streak' too.
    if words and words[0].isascii() and words[0].lower() in COMMANDS:
        return "/" + text.strip()
    return ("/quiz " + text.strip()).rstrip()


@dataclass(frozen=True)
class Action:
    """A button press: reveal or grade, of a daily delivery or of a practice question."""

    kind: str            # reveal, grade, practice, practice_reveal, practice_grade, flag
    delivery_id: int | None = None
    question_id: str | None = None
    grade: str | None = None


_DAILY_ACTION = re.compile(r"^(r|g):([0-9]{1,12})(?::([kpm]))?$")
_PRACTICE_ACTION = re.compile(r"^(pq|pr|pg|f):([0-9a-f]{16})(?::([kpm]))?$")


_ANSWER_LINK = re.compile(r"^ans([0-9]{1,12})$")


def answer_link_payload(delivery_id: int) -> str:
    """The start-link payload that asks the bot, privately, for a group's posted daily answer."""
    return f"ans{delivery_id}"


def answer_link_delivery(argument: str) -> int | None:
    """The delivery a start-link payload asks for, None when it asks for none."""
    match = _ANSWER_LINK.match(argument)
    return int(match.group(1)) if match else None


def reveal_payload(delivery_id: int) -> str:
    """Payload of a daily question's Show answer button."""
    return f"r:{delivery_id}"


def grade_payload(delivery_id: int, grade: str) -> str:
    """Payload of a daily question's grade button."""
    return f"g:{delivery_id}:{grade[0]}"


def practice_payload(question_id: str) -> str:
    """Payload of a button that asks one question as practice (the weak spots' and the recap's)."""
    return f"pq:{question_id}"


def flag_payload(question_id: str) -> str:
    """Payload of the "Report a problem" button under an answer."""
    return f"f:{question_id}"


def practice_reveal_payload(question_id: str) -> str:
    """Payload of a practice question's Show answer button."""
    return f"pr:{question_id}"


def practice_grade_payload(question_id: str, grade: str) -> str:
    """Payload of a practice question's grade button."""
    return f"pg:{question_id}:{grade[0]}"


def parse_action(payload: str) -> Action | None:
    """A button payload back into an Action; None for anything malformed (forged or truncated)."""
    if not isinstance(payload, str) or len(payload) > 64:
        return None
    match = _DAILY_ACTION.match(payload) or _PRACTICE_ACTION.match(payload)
    if not match:
        return None
    code, ident, grade = match[1], match[2], match[3]
    daily = code in ("r", "g")
    if (code in ("g", "pg")) != (grade is not None):
        return None
    kind = {"r": "reveal", "g": "grade", "pq": "practice", "pr": "practice_reveal", "pg": "practice_grade",
            "f": "flag"}[code]
    return Action(
        kind=kind,
        delivery_id=int(ident) if daily else None,
        question_id=None if daily else ident,
        grade=_GRADE_CODES[grade] if grade else None,
    )
