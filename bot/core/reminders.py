"""When a member who asked for it is reminded of the open drill day: pure rules over the chat's schedule.

A reminder belongs to one drill day: it is due at the member's own local time (the first one after the
day's question), or DEFAULT_BEFORE before the chat's next question, and only while the day is still open.
It is sent once, and not to a member who has graded the day (the store and the sweep see to those).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core.schedule import Schedule, next_drill_instant, scheduled_instant

DEFAULT_BEFORE = timedelta(hours=3)  # before the next question, when a member names no time


@dataclass(frozen=True)
class ReminderTime:
    """When a drill day's reminder is due, and when that day closes (the next question): after it, never."""

    due: datetime
    closes: datetime

    def is_due(self, now: datetime) -> bool:
        return self.due <= now < self.closes


def reminder_time(schedule: Schedule, drill_day: date, at: time | None) -> ReminderTime | None:
    """The reminder of the chat's drill day `drill_day` for a member who asked for one at local time `at`
    (None: DEFAULT_BEFORE before the next question). None when it would not fall while the day is open."""
    opened = scheduled_instant(drill_day, schedule.at, schedule.zone)
    closes = next_drill_instant(schedule, opened)
    if closes is None:
        return None
    if at is None:
        due = closes - DEFAULT_BEFORE
    else:
        day = drill_day
        due = scheduled_instant(day, at, schedule.zone)
        if due <= opened:  # that time had passed when the question came: the next day's
            due = scheduled_instant(day + timedelta(days=1), at, schedule.zone)
    return ReminderTime(due, closes) if opened < due < closes else None
