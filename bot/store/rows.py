"""What the store's rows are: typed dicts named after what they hold, statuses as StrEnums.

Rows stay dicts (sqlite-utils gives them so, and `row["status"] == "active"` reads naturally); the
types say which keys a row has. A StrEnum compares equal to its string, as stored.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypedDict


class ChatStatus(StrEnum):
    """Where a chat stands: seen but never subscribed, receiving the drill, stopped by its members, or
    refused by the platform (blocked, removed, archived: the reason is kept)."""

    NEW = "new"
    ACTIVE = "active"
    STOPPED = "stopped"
    INACTIVE = "inactive"


class DeliveryStatus(StrEnum):
    """A day's delivery: claimed (being sent), sent, empty (no eligible question: a notice) or failed."""

    CLAIMED = "claimed"
    SENT = "sent"
    EMPTY = "empty"
    FAILED = "failed"


class Question(TypedDict):
    """A question of the bank, active or retired."""

    id: str
    question: str
    answer: str
    topic: str
    source: str
    position: int
    active: int
    added_at: str
    updated_at: str
    retired_at: str | None


class Chat(TypedDict):
    """A chat with its schedule (`at`, `zone`, `days`: None until it subscribes)."""

    key: str
    platform: str
    kind: str
    title: str | None
    status: str
    reason: str | None
    at: str | None
    zone: str | None
    days: str | None
    topics: str
    language: str | None
    subscribed_by: str | None
    seed: int
    created_at: str
    updated_at: str


class Delivery(TypedDict):
    """One chat's daily question on one local date."""

    id: int
    chat: str
    local_date: str
    question_id: str | None
    cycle: int
    status: str
    claimed_at: str
    sent_at: str | None
    message_id: str | None
    answer_message_id: str | None
    error: str | None


class Grade(TypedDict):
    """A member's grade of one delivery."""

    delivery_id: int
    member: str
    grade: str
    points: int
    on_time: int
    card_before: str | None
    graded_at: str
