"""The neutral shapes adapters exchange with the drill engine: who, where, and what to show."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.progress import StreakCalendar


def chat_key(platform: str, platform_id: object) -> str:
    """The store key of a chat: 'telegram:-1001', 'slack:C0TEAM', 'console:local'."""
    return f"{platform}:{platform_id}"


def platform_id(key: str) -> str:
    """The platform's own id of a chat from its store key ('telegram:-1001' -> '-1001')."""
    return key.split(":", 1)[1]


def command_prefix(platform: str) -> str:
    """How commands are typed on a platform: Slack has one slash command with sub-commands."""
    return "/quiz " if platform == "slack" else "/"


def chat_topics(row: dict) -> frozenset[str]:
    """A chat row's topic filter (empty: every topic)."""
    return frozenset(t for t in (row["topics"] or "").split(",") if t)


@dataclass(frozen=True)
class ChatRef:
    """Where a command came from: store key ('telegram:-1001'), platform, kind, title."""

    key: str
    platform: str
    kind: str  # private, group, channel, console
    title: str = ""


@dataclass(frozen=True)
class MemberRef:
    """Who sent it; `is_admin` is what the platform says about their rights in this chat."""

    key: str
    name: str
    is_admin: bool = False


@dataclass(frozen=True)
class Button:
    """A button: its label, the payload it sends back, and its role (reveal, knew, partly, missed)."""

    label: str
    payload: str
    role: str


@dataclass(frozen=True)
class Reply:
    """One message to show. `private`: only the member who asked should see it (Slack: ephemeral)."""

    text: str
    buttons: tuple[Button, ...] = ()
    private: bool = False
    kind: str = "notice"  # notice, question, answer, board, graded (a daily grade was recorded)
    delivery_id: int | None = None
    question_id: str | None = None
    calendar: StreakCalendar | None = None  # /streak: the picture of the member's recent weeks goes with it
