"""The neutral shapes adapters exchange with the drill engine: who, where, and what to show."""

from __future__ import annotations

from dataclasses import dataclass


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
